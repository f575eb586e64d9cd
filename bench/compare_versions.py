"""Two versions of the stack compared on a machine whose speed is not steady: both run at once.

On a shared machine the CPU's speed changes from one minute to the next (a fixed loop of three million
multiplications took anywhere from 0.28 to 0.66 s within an hour), so two runs of the same code one
after the other differ by more than most changes are worth, and runs in turns need many pairs to say
anything. Run at the same time, both versions meet the same machine: whatever it does, it does to both.
Each stack's rate is then about half what it is alone; its CPU per referral is what compares.

This checks the older version out into a git worktree (removed afterwards), then runs this checkout's
``bench/e2e_throughput.py`` twice at once, pair after pair: once with the old version's packages first on
``PYTHONPATH`` (each run makes its own data folder, embedded NATS, ports and, with ``--postgres``, its
own databases), and this checkout's. It prints each pair's CPU per referral, per service, and each
stack's rate end to end. Arguments after ``--`` go to both runs of ``bench/e2e_throughput.py``.

    .venv/bin/python bench/compare_versions.py af0901f --pairs 3
    .venv/bin/python bench/compare_versions.py af0901f -- --postgres postgresql://postgres@127.0.0.1:5432/postgres \\
        --nats nats://127.0.0.1:4222

Figures go in the issue's notes and docs/observability.md, never into a test.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's benchmark measures both: the same measuring code, whatever the older version had.
E2E = [str(ROOT / "bench" / "e2e_throughput.py"), "--no-baseline"]
CPU = re.compile(r"CPU per referral: (.*); all ([\d.]+) ms")
RATE = re.compile(r"([\d.]+) referrals/s end to end")


def python_path(tree: Path) -> str:
    """The packages of ``tree`` (services, shared, the CLI, the test helpers), as PYTHONPATH."""
    return os.pathsep.join([*(str(p) for p in sorted((tree / "services").iterdir()) if p.is_dir()),
                            str(tree / "shared"), str(tree / "cli"), str(tree / "testing")])


def figures(output: str) -> tuple[dict[str, float], float, float] | None:
    """(CPU per referral by process, all of it, referrals/s end to end), or None if the run failed."""
    cpu, rate = CPU.search(output), RATE.search(output)
    if cpu is None or rate is None:
        return None
    each = {name: float(ms) for name, ms in re.findall(r"(\w+) ([\d.]+) ms", cpu.group(1))}
    return each, float(cpu.group(2)), float(rate.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the older version: a commit, tag or branch")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--referrals", type=int, default=600)
    parser.add_argument("e2e_args", nargs="*", help="after --: more arguments for bench/e2e_throughput.py")
    args = parser.parse_intermixed_args()  # the old version first, its options, then -- and the e2e options
    bench = [sys.executable, *E2E, "--referrals", str(args.referrals), *args.e2e_args]
    with tempfile.TemporaryDirectory(prefix="safeguard-compare-") as folder:
        old_tree = Path(folder) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", str(old_tree), args.old], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            old_env = {**os.environ, "PYTHONPATH": python_path(old_tree)}
            print(f"old: {args.old} (a worktree); new: this checkout; {args.referrals} referrals each, at once")
            print("pair | CPU per referral, old → new | by process | end to end, old → new")
            for pair in range(1, args.pairs + 1):
                runs = [subprocess.Popen(bench, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
                        for env in (old_env, dict(os.environ))]
                old, new = (figures(run.communicate()[0]) for run in runs)
                if old is None or new is None:
                    print(f"{pair} | a run failed: run bench/e2e_throughput.py alone to see why")
                    continue
                each = ", ".join(f"{name} {old[0][name]} → {new[0].get(name, float('nan'))}"
                                 for name in sorted(old[0], key=lambda n: -old[0][n]) if old[0][name] >= 0.5)
                print(f"{pair} | {old[1]} → {new[1]} ms | {each} | {old[2]} → {new[2]}/s", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=False,
                           capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
