"""Time from a child referral to all four effects, and each service's memory when idle.

Starts the embedded default (``safeguard up``) in a temporary folder on free ports, sends N
referrals one after another, and for each measures how long until scheduling lists its
rr.complete deadline, notifications has sent the Panel's message (.eml written) and reporting
counts it. Then reads each process's resident memory (VmRSS) after the stack has idled.

    .venv/bin/python bench/slice_latency.py --referrals 20
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from safeguard_cli.nats_server import free_port  # noqa: E402

SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--referrals", type=int, default=20)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-bench-"))
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL" and not k.endswith("_DATABASE_URL")}
    ports = {s: free_port() for s in SERVICES}
    for s, p in ports.items():
        env[f"{s.upper()}_PORT"] = str(p)
    out = open(tmp / "up.out", "w")  # noqa: SIM115 - the stack writes to it until it is stopped
    proc = subprocess.Popen([str(bindir / "safeguard"), "up", "--data-dir", str(tmp / "var"), "--today",
                             "2026-12-21", "--nats-port", str(free_port())], env=env, stdout=out,
                            stderr=subprocess.STDOUT)
    try:
        while "Press Ctrl-C" not in (tmp / "up.out").read_text():
            if proc.poll() is not None:
                raise SystemExit((tmp / "up.out").read_text())
            time.sleep(0.2)
        tok = lambda *a: subprocess.run([str(bindir / "safeguard"), "token", "--data-dir", str(tmp / "var"), *a],  # noqa: E731
                                        check=True, capture_output=True, text=True).stdout.strip()
        referrer = {"Authorization": "Bearer " + tok("--agency", "police", "--role", "referrer")}
        bu = {"Authorization": "Bearer " + tok("--agency", "partnership", "--role", "business_unit",
                                               "--role", "reporting_reader")}
        url = lambda s, p: f"http://127.0.0.1:{ports[s]}{p}"  # noqa: E731
        client = httpx.Client(timeout=5)
        latencies = []
        for i in range(args.referrals):
            body = {"referring_agency": "police", "safeguarding_lead": {"name": "Lead", "agreed_on": "2026-12-21"},
                    "received_on": "2026-12-21",
                    "child": {"reference": f"C-{i}", "date_of_birth": "2015-04-02", "looked_after": False},
                    "incident": {"occurred_on": "2026-12-19", "became_aware_on": "2026-12-21",
                                 "outcome": "seriously_harmed", "abuse_or_neglect": "suspected", "summary": "x"},
                    "involved_agencies": ["local_authority", "police", "icb"]}
            t0 = time.perf_counter()
            opened = client.post(url("referrals", "/v1/referrals/child"), json=body, headers=referrer)
            case_id = opened.json()["case_id"]
            pending = {"scheduling", "notifications", "reporting"}
            while pending:
                if "scheduling" in pending and any(d["key"] == "rr.complete" for d in client.get(
                        url("scheduling", f"/v1/deadlines?case_id={case_id}"), headers=bu).json()):
                    pending.discard("scheduling")
                if "notifications" in pending and any(n["status"] == "sent" for n in client.get(
                        url("notifications", f"/v1/notifications?case_id={case_id}"), headers=bu).json()):
                    pending.discard("notifications")
                if "reporting" in pending and client.get(url("reporting", "/v1/reports/summary"),
                                                         headers=bu).json()["cases"]["open"] >= i + 1:
                    pending.discard("reporting")
                if pending:
                    time.sleep(0.005)
            latencies.append(time.perf_counter() - t0)
        time.sleep(args.idle_seconds)
        pids = {s: int((tmp / "var" / "run" / f"{s}.pid").read_text()) for s in SERVICES}
        print(f"referral → all four effects, {len(latencies)} referrals, embedded default (SQLite, NATS 2.15.1):")
        print(f"  median {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms")
        print(f"resident memory after {args.idle_seconds:.0f} s idle (VmRSS):")
        for s, pid in pids.items():
            print(f"  {s:<14} {rss_mb(pid):6.1f} MB")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
