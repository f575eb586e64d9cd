"""Child referrals end to end under concurrent load, against a bare FastAPI + SQLite baseline, in one run.

Starts, one after the other on free ports:

1. the baseline: a bare FastAPI app that validates a child referral and inserts it into SQLite (WAL,
   the same ``synchronous`` setting as the services' stores), one row per request, run by uvicorn
   in a subprocess — the most a Python web process on this machine can be expected to answer;
2. the embedded stack (``safeguard up`` on a temporary data folder, with its own NATS), or with
   ``--postgres URL`` the services on fresh PostgreSQL databases of that server and ``--nats URL``
   an existing broker (a namespace of its own, so nothing else's streams are touched).

Each receives N child referrals (each a different child) from C concurrent clients (httpx, async).
It prints both rates, the ratio, the intake's p50 and p99, and for the stack the time from the first
request until the last effect of the last referral: every case's deadlines listed in scheduling
(``rr.complete`` among them), the Panel's notice sent (its ``.eml`` written, or logged sent over
SMTP) and reporting counting every case open. While the stack works only reporting's summary is
asked, twice a second (its counts follow the effects by one hop of an event); once it counts
them all, each case's deadline and notice are checked through scheduling's and notifications' APIs.

    .venv/bin/python bench/e2e_throughput.py [--referrals 600] [--concurrency 16]
    .venv/bin/python bench/e2e_throughput.py --intake-only     # the intake's figures only, no waiting for effects
    .venv/bin/python bench/e2e_throughput.py --postgres postgresql://postgres@127.0.0.1:5432/postgres \\
        --nats nats://127.0.0.1:4222

Figures go in the issue's notes, never into a test.
"""
import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from safeguard_cli.nats_server import free_port  # noqa: E402

SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")
TODAY = "2026-12-21"


def referral(i: int, run: str) -> dict[str, Any]:
    """The i-th referral: a different child each time, so none is taken for a duplicate of another."""
    return {"referring_agency": "police", "safeguarding_lead": {"name": "A. Lead", "agreed_on": TODAY},
            "received_on": TODAY,
            "child": {"reference": f"B-{run}-{i}", "date_of_birth": "2015-04-02", "looked_after": False},
            "incident": {"occurred_on": "2026-12-19", "became_aware_on": TODAY, "outcome": "seriously_harmed",
                         "abuse_or_neglect": "suspected", "summary": "A summary of what happened."},
            "involved_agencies": ["local_authority", "police", "icb", "school"]}


# --- the baseline ---------------------------------------------------------------------------------------

class Lead(BaseModel):
    name: str
    agreed_on: date


class Child(BaseModel):
    reference: str
    date_of_birth: date
    looked_after: bool


class Incident(BaseModel):
    occurred_on: date
    became_aware_on: date
    outcome: Literal["died", "seriously_harmed"]
    abuse_or_neglect: Literal["known", "suspected"]
    summary: str


class BareReferral(BaseModel):
    referring_agency: str
    safeguarding_lead: Lead
    received_on: date
    child: Child
    incident: Incident
    involved_agencies: list[str]


def bare_app() -> Any:
    """The baseline's app (``uvicorn --factory e2e_throughput:bare_app``): parse, validate, insert, answer."""
    import aiosqlite
    from fastapi import FastAPI

    state: dict[str, aiosqlite.Connection] = {}

    @asynccontextmanager
    async def store(_app: FastAPI) -> AsyncIterator[None]:
        db = await aiosqlite.connect(os.environ["BARE_DATABASE"])
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute(f"PRAGMA synchronous={os.environ.get('BARE_SYNCHRONOUS', 'FULL')}")
        await db.execute("CREATE TABLE IF NOT EXISTS referrals (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        state["db"] = db
        yield
        await db.close()

    app = FastAPI(lifespan=store)

    @app.post("/v1/referrals/child", status_code=201)
    async def refer(body: BareReferral) -> dict[str, str]:
        case_id = str(uuid.uuid4())
        db = state["db"]
        await db.execute("INSERT INTO referrals (id, body) VALUES (?, ?)", (case_id, body.model_dump_json()))
        await db.commit()
        return {"case_id": case_id}

    return app


# --- load -----------------------------------------------------------------------------------------------

async def post_all(url: str, headers: dict[str, str], n: int, concurrency: int,
                   run: str) -> tuple[float, float, list[float], list[str]]:
    """POST n referrals from ``concurrency`` clients; returns (start, end, latencies, case ids)."""
    latencies: list[float] = []
    case_ids: list[str] = []
    next_i = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as client:
        async def worker() -> None:
            for i in next_i:
                t0 = time.perf_counter()
                answer = await client.post(url, json=referral(i, run))
                latencies.append(time.perf_counter() - t0)
                if answer.status_code != 201:
                    raise SystemExit(f"referral {i}: {answer.status_code} {answer.text[:300]}")
                case_ids.append(answer.json()["case_id"])

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        end = time.perf_counter()
    return start, end, latencies, case_ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path,
             timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise SystemExit(f"{what} stopped:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start in {timeout:.0f} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def running(argv: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> Any:
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


def bench_baseline(tmp: Path, n: int, concurrency: int) -> tuple[float, list[float]]:
    port = free_port()
    env = {**os.environ, "BARE_DATABASE": str(tmp / "bare.sqlite3")}
    argv = [sys.executable, "-m", "uvicorn", "--factory", "e2e_throughput:bare_app", "--app-dir",
            str(Path(__file__).parent), "--port", str(port), "--no-access-log", "--log-level", "warning"]
    with running(argv, env, tmp / "bare.log") as proc:
        wait_for("the baseline", lambda: answers(f"http://127.0.0.1:{port}/docs"), proc, tmp / "bare.log")
        start, end, latencies, _ = asyncio.run(post_all(f"http://127.0.0.1:{port}/v1/referrals/child", {}, n,
                                                        concurrency, "bare"))
    with sqlite3.connect(tmp / "bare.sqlite3") as db:
        stored = db.execute("SELECT count(*) FROM referrals").fetchone()[0]
    if stored != n:
        raise SystemExit(f"the baseline stored {stored} of {n}")
    return n / (end - start), latencies


# --- the stack ------------------------------------------------------------------------------------------

def postgres_admin(server: str, statement: str) -> None:
    """Run ``statement`` (formatted with each service's name) once per service on ``server``."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(server)
        try:
            for s in SERVICES:
                await conn.execute(statement.format(service=s))
        finally:
            await conn.close()

    asyncio.run(run())


def postgres_databases(server: str, run: str) -> dict[str, str]:
    """A fresh database per service on ``server`` (dropped afterwards by ``drop_databases``)."""
    postgres_admin(server, f'CREATE DATABASE "bench_{run}_{{service}}"')
    from sqlalchemy import make_url

    # Only the database changes: a server reached over its Unix socket keeps its ?host=/var/run/postgresql.
    url = make_url(server)
    return {s: url.set(database=f"bench_{run}_{s}").render_as_string(hide_password=False) for s in SERVICES}


def drop_databases(server: str, run: str) -> None:
    postgres_admin(server, f'DROP DATABASE IF EXISTS "bench_{run}_{{service}}" WITH (FORCE)')


class Effects:
    """Watches for every case's three effects; returns when all are seen.

    While the stack works, only the reporting service's summary is asked, twice a second: it counts
    a case open, a Panel notice sent and an ``rr.complete`` deadline once their events reach it, and each
    event is published after its effect is committed (the ``.eml`` written, the deadline stored), so the
    summary's counts trail the effects by the events' last hop. Asking scheduling and notifications about
    each case as it went cost those two services about a tenth of their CPU (docs/observability.md);
    the summary reads all of reporting's tables, so it is asked no more often than this (the last effect
    is known to within half a second). Once the counts are reached, every case is checked through
    their own APIs, untimed."""

    def __init__(self, url: Callable[[str, str], str], headers: dict[str, str], case_ids: list[str]):
        self.url = url
        self.client = httpx.Client(timeout=30, headers=headers)
        self.cases = case_ids
        self.before = self.counts()

    def counts(self) -> tuple[int, int, int]:
        summary = self.client.get(self.url("reporting", "/v1/reports/summary")).json()
        return (int(summary["cases"]["open"]), int(summary["deadlines"]["by_key"].get("rr.complete", 0)),
                int(summary["notifications"]["by_recipient_kind"].get("national_panel", 0)))

    def scheduled_for(self, case_id: str) -> bool:
        listed = self.client.get(self.url("scheduling", f"/v1/deadlines?case_id={case_id}")).json()
        return any(d["key"] == "rr.complete" for d in listed)

    def notified_for(self, case_id: str) -> bool:
        sent = self.client.get(self.url("notifications", f"/v1/notifications?case_id={case_id}")).json()
        return any(n["recipient_kind"] == "national_panel" and n["status"] == "sent" for n in sent)

    def wait(self, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        wanted = tuple(b + len(self.cases) for b in self.before)
        while True:
            now_counts, now = self.counts(), time.perf_counter()
            if all(c >= w for c, w in zip(now_counts, wanted, strict=True)):
                break
            if now > deadline:
                raise SystemExit(f"after {timeout:.0f} s reporting counts (open, rr.complete, Panel notices) "
                                 f"{now_counts}, waiting for {wanted}")
            time.sleep(0.5)
        return now

    def verify(self) -> None:
        """Every case's deadline listed by scheduling and Panel notice sent by notifications (untimed)."""
        missing = [c for c in self.cases if not (self.scheduled_for(c) and self.notified_for(c))]
        if missing:
            raise SystemExit(f"reporting counted every case, but {len(missing)} have no rr.complete deadline "
                             f"listed or no Panel notice sent (e.g. {missing[0]})")


@contextmanager
def profiled(pid_file: Path, out: Path | None, gil_only: bool = False) -> Any:
    """py-spy samples a process of the stack while the referrals are posted and until their last effect
    (collapsed stacks in ``out``). With ``gil_only`` only the thread holding the GIL is sampled: where
    the CPU goes, without the threads blocked in ``fsync`` or a socket that py-spy counts as busy."""
    if out is None:
        yield
        return
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw", "--rate", "200",
                            *(["--gil"] if gil_only else []),
                            "--output", str(out), "--pid", pid_file.read_text().strip()],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stack_cpu(run_dir: Path) -> dict[str, float]:
    """Each process of the stack (its pid files) and the CPU time it has used so far."""
    return {f.stem: cpu_seconds(int(f.read_text().strip())) for f in sorted(run_dir.glob("*.pid"))
            if f.read_text().strip()}


def bench_stack(tmp: Path, n: int, concurrency: int, *, postgres: str | None, nats: str | None,
                profile: Path | None = None, profile_service: str = "referrals", profile_gil: bool = False,
                effects_too: bool = True,
                cpu: dict[str, float] | None = None) -> tuple[float, list[float], float]:
    bindir = Path(sys.executable).parent
    run = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL" and not k.endswith("_DATABASE_URL")}
    ports = {s: free_port() for s in SERVICES}
    env.update({f"{s.upper()}_PORT": str(p) for s, p in ports.items()})
    env["WORKSPACE_PORT"] = str(free_port())
    if nats:
        env["NATS_URL"] = nats
        env["SAFEGUARD_BUS_NAMESPACE"] = f"bench{run}"
    if postgres:
        env.update({f"{s.upper()}_DATABASE_URL": u for s, u in postgres_databases(postgres, run).items()})
    data = tmp / "var"
    argv = [str(bindir / "safeguard"), "up", "--data-dir", str(data), "--today", TODAY, "--nats-port", str(free_port())]
    try:
        with running(argv, env, tmp / "up.log") as proc:
            wait_for("the stack", lambda: "Press Ctrl-C" in (tmp / "up.log").read_text(), proc, tmp / "up.log")

            def token(*roles: str, agency: str) -> dict[str, str]:
                made = subprocess.run([str(bindir / "safeguard"), "token", "--data-dir", str(data), "--agency", agency,
                                       *[a for r in roles for a in ("--role", r)]],
                                      check=True, capture_output=True, text=True, env=env)
                return {"Authorization": "Bearer " + made.stdout.strip()}

            def url(service: str, path: str) -> str:
                return f"http://127.0.0.1:{ports[service]}{path}"

            reader = token("business_unit", "reporting_reader", agency="partnership")
            effects = Effects(url, reader, [])
            cpu_before = stack_cpu(data / "run")
            police = token("referrer", agency="police")
            with profiled(data / "run" / f"{profile_service}.pid", profile, gil_only=profile_gil):
                start, end, latencies, case_ids = asyncio.run(post_all(
                    url("referrals", "/v1/referrals/child"), police, n, concurrency, run))
                if not effects_too:
                    if cpu is not None:
                        cpu.update({k: v - cpu_before.get(k, 0.0) for k, v in stack_cpu(data / "run").items()})
                    return n / (end - start), latencies, float("nan")
                effects.cases = case_ids
                last = effects.wait(timeout=max(120.0, n / 2))
            if cpu is not None:
                cpu.update({k: v - cpu_before.get(k, 0.0) for k, v in stack_cpu(data / "run").items()})
            effects.verify()
    finally:
        if postgres:
            drop_databases(postgres, run)
    return n / (end - start), latencies, last - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--referrals", type=int, default=600)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--postgres", help="a PostgreSQL server URL: the services' stores there instead of SQLite")
    ap.add_argument("--nats", help="an existing NATS server's URL instead of the embedded one")
    ap.add_argument("--py-spy", type=Path, metavar="FILE",
                    help="sample a process of the stack with py-spy while the referrals are posted (collapsed stacks)")
    ap.add_argument("--py-spy-service", default="referrals", help="the process --py-spy samples")
    ap.add_argument("--py-spy-gil", action="store_true",
                    help="sample only the thread holding the GIL (CPU, not threads waiting in fsync)")
    ap.add_argument("--no-baseline", action="store_true", help="the stack only")
    ap.add_argument("--intake-only", action="store_true",
                    help="stop once the referrals are answered, without waiting for their effects")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-e2e-"))
    n, c = args.referrals, args.concurrency

    bare_rate, bare_lat = (float("nan"), [float("nan")]) if args.no_baseline else bench_baseline(tmp, n, c)
    cpu: dict[str, float] = {}
    rate, lat, last = bench_stack(tmp, n, c, postgres=args.postgres, nats=args.nats, profile=args.py_spy,
                                 profile_service=args.py_spy_service, profile_gil=args.py_spy_gil,
                                 effects_too=not args.intake_only, cpu=cpu)

    store = "PostgreSQL" if args.postgres else "SQLite"
    broker = "an existing NATS" if args.nats else "the embedded NATS"
    print(f"{n} child referrals at {c} concurrent clients (logs in {tmp})")
    print(f"  baseline (bare FastAPI + SQLite):  {bare_rate:7.1f} referrals/s, "
          f"p50 {percentile(bare_lat, 0.5) * 1000:.0f} ms, p99 {percentile(bare_lat, 0.99) * 1000:.0f} ms")
    print(f"  referrals service ({store}, {broker}): {rate:7.1f} referrals/s, "
          f"p50 {percentile(lat, 0.5) * 1000:.0f} ms, p99 {percentile(lat, 0.99) * 1000:.0f} ms, "
          f"mean {statistics.fmean(lat) * 1000:.0f} ms")
    print(f"  intake ratio to the baseline:      {rate / bare_rate:.2f}x")
    # Where the CPU went: each process's CPU time from the first request to the last effect (or the
    # last answer, intake only), per referral. Includes the effects' watcher's few requests a second.
    print("  CPU per referral: " + ", ".join(f"{name} {seconds / n * 1000:.1f} ms" for name, seconds
                                             in sorted(cpu.items(), key=lambda kv: -kv[1]))
          + f"; all {sum(cpu.values()) / n * 1000:.1f} ms")
    if args.intake_only:
        return
    print(f"  last effect (deadlines listed, Panel notice sent, reporting counts it) "
          f"{last:.1f} s after the first request: {n / last:.1f} referrals/s end to end")


if __name__ == "__main__":
    main()
