"""What adding and downloading a case's document costs: the referrals service in process (its own HTTP
app over ASGI, a SQLite store, the folder store in a temporary data folder), a PDF of each size
uploaded (streamed, checked, kept) and downloaded (recorded in the access log, streamed back).

    PYTHONPATH=testing .venv/bin/python bench/documents.py [--sizes 1,5,20] [--repeat 5]

Sizes in MiB; 20 is just under the default limit. (PYTHONPATH: the in-process harness the tests use.)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from safeguard_shared.auth import LocalIssuer
from safeguard_testing.apps import bearer, example_child_referral, migrated

MIB = 1024 * 1024


async def measure(sizes: list[float], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        issuer = LocalIssuer(root / "issuer")
        issuer.ensure_keys()
        async with migrated("referrals", database_url=f"sqlite+aiosqlite:///{root / 'referrals.sqlite3'}",
                            data_dir=root, issuer=issuer) as service:
            lead = bearer(issuer, "police", "safeguarding_lead")
            case_id = (await service.client.post("/v1/referrals/child", headers=lead,
                                                 json=example_child_referral())).json()["case_id"]
            for size in sizes:
                content = b"%PDF-1.7\n" + b"0" * (int(size * MIB) - 100)
                uploads, downloads = [], []
                for _ in range(repeat):
                    started = time.perf_counter()
                    added = await service.client.post(f"/v1/cases/{case_id}/documents", headers=lead,
                                                      data={"kind": "chronology"},
                                                      files={"file": ("chronology.pdf", content, "application/pdf")})
                    uploads.append(time.perf_counter() - started)
                    assert added.status_code == 201, added.text
                    started = time.perf_counter()
                    got = await service.client.get(f"/v1/cases/{case_id}/documents/{added.json()['document_id']}",
                                                   headers=lead)
                    downloads.append(time.perf_counter() - started)
                    assert len(got.content) == len(content)
                print(f"{size:>5} MiB: upload median {statistics.median(uploads) * 1000:7.1f} ms "
                      f"({len(content) / statistics.median(uploads) / MIB:6.1f} MiB/s), "
                      f"download median {statistics.median(downloads) * 1000:7.1f} ms over {repeat}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,5,20", help="MiB, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure([float(s) for s in args.sizes.split(",")], args.repeat))


if __name__ == "__main__":
    main()
