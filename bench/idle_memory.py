"""Resident memory of the idle embedded stack: ``safeguard up`` on a temporary data folder (its own
NATS, SQLite), left alone for a while, then the memory of the supervisor, each service, the workspace
and NATS, and their sums, read two ways:

- VmRSS, every page the process has in memory. A page two processes share (the Python interpreter's
  and the C libraries' code) is counted once for each of them, so the sum overstates what the stack
  takes from the machine.
- PSS (proportional set size, ``/proc/<pid>/smaps_rollup``): a page shared by n processes counts 1/n
  in each, so the sum is what the stack as a whole holds in memory.

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
# The process the services are forked from (cli/safeguard_cli/forkserver.py), when there is one.
FORK_SERVER = "forkserver"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle-seconds", type=float, default=20.0)
    ap.add_argument("--no-forkserver", action="store_true",
                    help="start each service on its own (SAFEGUARD_FORKSERVER=off), as before the fork server")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-idle-"))
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL" and not k.endswith("_DATABASE_URL")}
    env.update({f"{name.upper()}_PORT": str(free_port()) for name in PROCESSES[:-1]})
    env["SAFEGUARD_FORKSERVER"] = "off" if args.no_forkserver else "on"
    available_before = mem_available_mb()
    log = tmp / "up.log"
    argv = [str(Path(sys.executable).parent / "safeguard"), "up", "--data-dir", str(tmp / "var"),
            "--nats-port", str(free_port())]
    with running(argv, env, log) as up:
        wait_for("the stack", lambda: "Press Ctrl-C" in log.read_text(), up, log)
        time.sleep(args.idle_seconds)
        run = tmp / "var" / "run"
        pids = {"supervisor (safeguard up)": up.pid}
        pids.update({name: int((run / f"{name}.pid").read_text().strip())
                     for name in (*PROCESSES, FORK_SERVER) if (run / f"{name}.pid").exists()})
        figures = {name: (rss_mb(pid), pss_mb(pid)) for name, pid in pids.items()}
        fell = available_before - mem_available_mb()
    print(f"memory after {args.idle_seconds:.0f} s idle, embedded stack:   VmRSS      PSS")
    for name, (rss, pss) in figures.items():
        print(f"  {name:<26} {rss:6.1f} MB {pss:6.1f} MB")
    print(f"  {'total':<26} {sum(r for r, _ in figures.values()):6.1f} MB "
          f"{sum(p for _, p in figures.values()):6.1f} MB")
    # A cross-check that counts nothing twice and misses nothing, but moves with whatever else the
    # machine does: only on a quiet machine does it mean the stack.
    print(f"the machine's MemAvailable fell by {fell:.1f} MB while the stack ran")


def mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
