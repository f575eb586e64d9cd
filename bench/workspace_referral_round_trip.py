"""A referral page's round trip: the workspace's POST /referrals/child (form → JSON → the referrals
API → 303) and the GET of the case's page it redirects to (the API again → HTML), in this process,
the referrals service on a fresh SQLite store (no broker: its events wait in the outbox).

    .venv/bin/python bench/workspace_referral_round_trip.py [--n 200]

It prints the median and 95th percentile of each half and of the whole; figures go in the issue's
notes, never into a test.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from referrals.bootstrap import bootstrap as referrals_bootstrap
from referrals.config import load_settings as referrals_settings
from safeguard_shared.auth import LocalIssuer
from safeguard_shared.clock import FixedDateClock
from workspace.bootstrap import bootstrap as workspace_bootstrap
from workspace.config import load_settings as workspace_settings

FORM = {
    "referring_agency": "police", "safeguarding_lead.name": "A. Lead",
    "safeguarding_lead.agreed_on-day": "21", "safeguarding_lead.agreed_on-month": "12",
    "safeguarding_lead.agreed_on-year": "2026", "child.reference": "C-1029",
    "child.date_of_birth-day": "2", "child.date_of_birth-month": "4", "child.date_of_birth-year": "2015",
    "child.looked_after": "false", "incident.occurred_on": "2026-12-19", "incident.became_aware_on": "2026-12-21",
    "incident.outcome": "seriously_harmed", "incident.abuse_or_neglect": "suspected", "incident.summary": "…",
    "involved_agencies": ["local_authority", "police", "icb", "school"],
}


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _no_scheduling(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no scheduling service in this benchmark", request=request)


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="workspace-bench-"))
    issuer = LocalIssuer(tmp / "issuer")
    issuer.ensure_keys()
    referrals = referrals_bootstrap(referrals_settings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'referrals.sqlite3'}", data_dir=tmp / "referrals",
        nats_url="nats://127.0.0.1:1", auth_public_key_file=issuer.public_key_file),
        clock=FixedDateClock(date(2026, 12, 21)))
    await referrals.state.runtime.migrate()
    app = workspace_bootstrap(workspace_settings(
        data_dir=tmp, database_url=f"sqlite+aiosqlite:///{tmp / 'workspace.sqlite3'}",
        auth_public_key_file=issuer.public_key_file, referrals_url="http://referrals.bench"),
        referrals_transport=httpx.ASGITransport(app=referrals),
        # No scheduling service here: the case's page asks for its deadlines, is refused at once and
        # says so, so the figure is the referral's own round trip (plus the case's history).
        scheduling_transport=httpx.MockTransport(_no_scheduling))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8100") as browser:
        page = await browser.get("/sign-in/local")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        await browser.post("/sign-in/local", data={"name": "PC Bench", "agency": "police", "role": ["referrer"],
                                                   "csrf_token": csrf})
        page = await browser.get("/referrals/child/new")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        posts, gets, whole = [], [], []
        for _ in range(n):
            t0 = time.perf_counter()
            sent = await browser.post("/referrals/child", data={**FORM, "csrf_token": csrf})
            t1 = time.perf_counter()
            shown = await browser.get(sent.headers["location"])
            t2 = time.perf_counter()
            assert sent.status_code == 303 and shown.status_code == 200
            posts.append(t1 - t0)
            gets.append(t2 - t1)
            whole.append(t2 - t0)
    await referrals.state.runtime.engine.dispose()
    print(f"{n} referrals through the workspace's form (SQLite, in-process)")
    print(f"  POST /referrals/child → 303   {_ms(posts)}")
    print(f"  GET /cases/{{id}}              {_ms(gets)}")
    print(f"  round trip                    {_ms(whole)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    asyncio.run(main(ap.parse_args().n))
