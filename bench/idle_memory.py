"""Resident memory of the idle embedded stack: ``safeguard up`` on a temporary data folder (its own
NATS, SQLite), left alone for a while, then the VmRSS of the supervisor, each service, the workspace
and NATS, and their sum.

    .venv/bin/python bench/idle_memory.py [--idle-seconds 20]

The issue's goal is the whole stack at most 500 MB. Figures go in docs/observability.md, never into a test.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from e2e_throughput import running, wait_for
from slice_latency import rss_mb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from safeguard_cli.nats_server import free_port  # noqa: E402

PROCESSES = ("referrals", "scheduling", "notifications", "audits", "reporting", "workspace", "nats")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle-seconds", type=float, default=20.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-idle-"))
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL" and not k.endswith("_DATABASE_URL")}
    env.update({f"{name.upper()}_PORT": str(free_port()) for name in PROCESSES[:-1]})
    log = tmp / "up.log"
    argv = [str(Path(sys.executable).parent / "safeguard"), "up", "--data-dir", str(tmp / "var"),
            "--nats-port", str(free_port())]
    with running(argv, env, log) as up:
        wait_for("the stack", lambda: "Press Ctrl-C" in log.read_text(), up, log)
        time.sleep(args.idle_seconds)
        run = tmp / "var" / "run"
        figures = {"supervisor (safeguard up)": rss_mb(up.pid)}
        figures.update({name: rss_mb(int((run / f"{name}.pid").read_text().strip()))
                        for name in PROCESSES if (run / f"{name}.pid").exists()})
    print(f"resident memory (VmRSS) after {args.idle_seconds:.0f} s idle, embedded stack:")
    for name, mb in figures.items():
        print(f"  {name:<26} {mb:6.1f} MB")
    print(f"  {'total':<26} {sum(figures.values()):6.1f} MB")


if __name__ == "__main__":
    main()
