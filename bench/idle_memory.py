"""Resident memory of the idle embedded stack: ``safeguard up`` on a temporary data folder (its own
NATS, SQLite), left alone for a while, then the VmRSS of the supervisor, each service, the workspace
and NATS, and their sum.

    .venv/bin/python bench/idle_memory.py [--idle-seconds 20]

The issue's goal is the whole stack at most 500 MB. Figures go in the issue's notes, never into a test.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from safeguard_cli.nats_server import free_port  # noqa: E402

PROCESSES = ("referrals", "scheduling", "notifications", "audits", "reporting", "workspace", "nats")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle-seconds", type=float, default=20.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-idle-"))
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL" and not k.endswith("_DATABASE_URL")}
    for name in PROCESSES[:-1]:
        env[f"{name.upper()}_PORT"] = str(free_port())
    log = tmp / "up.log"
    with open(log, "w") as out:
        up = subprocess.Popen([str(Path(sys.executable).parent / "safeguard"), "up", "--data-dir", str(tmp / "var"),
                               "--nats-port", str(free_port())], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in log.read_text():
            if up.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(log.read_text()[-3000:])
            time.sleep(0.2)
        time.sleep(args.idle_seconds)
        run = tmp / "var" / "run"
        figures = {"supervisor (safeguard up)": rss_mb(up.pid)}
        for name in PROCESSES:
            pid_file = run / f"{name}.pid"
            if pid_file.exists():
                figures[name] = rss_mb(int(pid_file.read_text().strip()))
        print(f"resident memory (VmRSS) after {args.idle_seconds:.0f} s idle, embedded stack:")
        for name, mb in figures.items():
            print(f"  {name:<26} {mb:6.1f} MB")
        print(f"  {'total':<26} {sum(figures.values()):6.1f} MB")
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)


if __name__ == "__main__":
    main()
