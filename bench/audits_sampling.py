"""Drawing four cases from a population of 100,000 (goal: at most 1 s).

Times the draw itself (canonical order, exclusions, seeded sample, digests), then the whole request
through the audits service's HTTP app on a fresh store: a 100,000-line CSV upload with the agencies
involved in each case, with the partnership's 12-month exclusion on and 1,000 recently audited cases
in the store; and the same population as the JSON body of docs/architecture.md, "Stable interface".

    .venv/bin/python bench/audits_sampling.py                     # SQLite
    .venv/bin/python bench/audits_sampling.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from audits_bench_app import audits_app  # noqa: E402

from audits.domain.sampling import draw  # noqa: E402

AGENCIES = ["local_authority", "police", "icb", "school", "health_provider", "housing"]


def population(n: int) -> list[str]:
    return [f"RR-{2016 + i % 10}-{i:07d}" for i in range(n)]


async def main(n: int, postgres: str | None) -> None:
    refs = population(n)
    rng = random.Random(1)
    audited = rng.sample(refs, 1000)
    t = time.perf_counter()
    result = draw(refs, seed=42, excluded=audited)
    domain_ms = (time.perf_counter() - t) * 1000
    csv_text = "case_reference,agencies\n" + "".join(
        f"{r},{';'.join(rng.sample(AGENCIES, 1 + i % 3))}\n" for i, r in enumerate(refs))
    store = "PostgreSQL" if postgres else "SQLite"
    print(f"population: {n:,} cases ({len(csv_text) / 1e6:.1f} MB as CSV); store: {store}")
    print(f"  the draw alone (1,000 excluded)            {domain_ms:8.1f} ms   cases {list(result.cases)}")
    async with audits_app(postgres) as (_app, client, token):
        qa = {"Authorization": f"Bearer {token}"}
        await client.put("/v1/sampling/exclusions", headers=qa, json={"audited_within_months": 12, "references": []})
        r = await client.post("/v1/audited-cases", headers=qa,
                              json={"cases": [{"case_ref": ref, "audited_on": "2026-06-01"} for ref in audited]})
        assert r.status_code == 200, r.text
        for label, kwargs in (
                ("CSV upload, exclusions on, stored", dict(content=csv_text.encode(),
                                                          headers={**qa, "Content-Type": "text/csv"},
                                                          params={"seed": 42})),
                ("JSON body (docs/architecture.md, Stable interface), stored",
                 dict(content=json.dumps({"population": refs, "seed": 42}),
                      headers={**qa, "Content-Type": "application/json"}))):
            audit = (await client.post("/v1/audits", headers=qa, json={
                "theme": label, "kind": "children", "qa_meeting_on": "2027-03-10"})).json()["audit_id"]
            t = time.perf_counter()
            r = await client.post(f"/v1/audits/{audit}/sample", **kwargs)
            ms = (time.perf_counter() - t) * 1000
            assert r.status_code == 201, r.text
            body = r.json()
            print(f"  {label:<42} {ms:8.1f} ms   excluded {len(body['excluded']):,}, cases {body['cases']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.postgres))
