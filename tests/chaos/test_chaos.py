"""The embedded default under faults (issue 14): referrals keep coming while services, the NATS server
and the supervisor itself are killed with kill -9 at random (seeded), and then every accepted case is
checked: its deadlines, exactly one Panel notice and the clock it meets, one ``.eml`` per notice with
no Message-ID twice, reporting in agreement with the stores, and no dead letters left.

The short form (one round of three faults: a service, NATS and the supervisor, in a seeded order) runs
in ``make test``. The long form is the same test with more rounds (tests/chaos/README.md):

    CHAOS_ROUNDS=20 .venv/bin/python -m pytest -s tests/chaos/test_chaos.py

Each round sends referrals while it injects its faults, stops sending, and waits until every referral
sent has been accepted and every accepted case has settled; its recovery time runs from the round's
last fault. The table of rounds is printed, and written to ``CHAOS_REPORT`` when that names a file.
"""
from __future__ import annotations

import functools
import os
import random
import time
from pathlib import Path

import pytest

from safeguard_testing.chaos import ON_THE_WAY, ReferralLoad, UpStack, settle

pytestmark = pytest.mark.e2e

ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "1"))
SEED = int(os.environ.get("CHAOS_SEED", "14"))
PER_SECOND = float(os.environ.get("CHAOS_REFERRALS_PER_SECOND", "2"))
FAULTS_PER_ROUND = int(os.environ.get("CHAOS_FAULTS_PER_ROUND", "3"))
# A consumer killed holding a message gets it again after the ack wait: short here, so a round's
# recovery is measured in seconds (the long form can use the default, 30 s, with CHAOS_ACK_WAIT_SECONDS=30).
ACK_WAIT_SECONDS = os.environ.get("CHAOS_ACK_WAIT_SECONDS", "5")
SETTLE_SECONDS = float(os.environ.get("CHAOS_SETTLE_SECONDS", "120"))
KINDS = ("service", "nats", "supervisor")


def faults_of_round(rng: random.Random, number: int) -> list[str]:
    """The first round has one fault of each kind, in a seeded order; later ones draw, mostly services."""
    if number == 1 and len(KINDS) <= FAULTS_PER_ROUND:
        kinds = list(KINDS) + rng.choices(KINDS, weights=(6, 2, 2), k=FAULTS_PER_ROUND - len(KINDS))
        rng.shuffle(kinds)
        return kinds
    return rng.choices(KINDS, weights=(6, 2, 2), k=FAULTS_PER_ROUND)


def inject(stack: UpStack, kind: str, rng: random.Random) -> str:
    if kind == "service":
        name = rng.choice(ON_THE_WAY)
        stack.kill(name)
        return name
    if kind == "nats":
        stack.kill("nats")
        return "nats"
    stack.kill_supervisor_and_start_again()
    return "supervisor"


@pytest.fixture
def stack(tmp_path):
    up = UpStack(tmp_path, extra_env={"SAFEGUARD_ACK_WAIT_SECONDS": ACK_WAIT_SECONDS})
    try:
        up.start()
        yield up
    finally:
        up.stop()


def table(rows: list[dict]) -> str:
    lines = ["| round | faults (kill -9) | referrals accepted | lost | duplicated | recovery (s) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['round']} | {', '.join(r['faults'])} | {r['accepted']} | {r['lost']} | {r['duplicated']} | "
              f"{r['recovery']:.1f} |" for r in rows]
    total = {k: sum(r[k] for r in rows) for k in ("accepted", "lost", "duplicated")}
    worst = max(r["recovery"] for r in rows)
    lines.append(f"| all {len(rows)} | {sum(len(r['faults']) for r in rows)} faults | {total['accepted']} | "
                 f"{total['lost']} | {total['duplicated']} | worst {worst:.1f} |")
    return "\n".join(lines)


def test_no_accepted_referral_is_lost_or_doubled_while_services_nats_and_the_supervisor_are_killed(stack):
    rng = random.Random(SEED)
    referrer = stack.token("police", "referrer")
    reader = stack.token("partnership", "business_unit", "reporting_reader")
    accepted: list[str] = []
    rows, failures = [], []
    for number in range(1, ROUNDS + 1):
        load = ReferralLoad(stack.url("referrals"), referrer, PER_SECOND, label=f"CHAOS-R{number}").start()
        done = []
        for kind in faults_of_round(rng, number):
            time.sleep(rng.uniform(2.0, 5.0))
            began = time.monotonic()
            done.append(inject(stack, kind, rng))
            print(f"round {number}: killed {done[-1]} ({time.monotonic() - began:.1f}s), "
                  f"{len(load.accepted())} accepted so far")
        last_fault = time.monotonic()
        time.sleep(rng.uniform(1.0, 3.0))  # referrals keep coming while the stack recovers
        answered = load.finish(timeout=SETTLE_SECONDS)
        assert not load.refusals, f"referrals refused: {load.refusals[:3]}"
        assert answered, f"{len(load.unanswered())} referrals never answered 201 in round {number}"
        accepted += [r.case_id for r in load.accepted() if r.case_id]
        answered_after = time.monotonic() - last_fault
        # Recovery: until every store has caught up with every accepted case (the audit then checks each).
        result, took = settle(stack, accepted, reader, SETTLE_SECONDS,
                              drained=functools.partial(stack.drained, len(accepted)))
        recovery = answered_after + took
        rows.append({"round": number, "faults": done, "accepted": len(load.accepted()),
                     "lost": len(result.lost), "duplicated": len(result.duplicated), "recovery": recovery,
                     "answered_after": answered_after})
        print(f"round {number}: {rows[-1]}")
        if not result.ok:
            failures.append(f"round {number}: {result.describe()}")
            break
    report = table(rows)
    print(f"\nseed {SEED}, {PER_SECOND}/s, ack wait {ACK_WAIT_SECONDS}s\n{report}")
    if os.environ.get("CHAOS_REPORT"):
        Path(os.environ["CHAOS_REPORT"]).write_text(
            f"seed {SEED}, {PER_SECOND} referrals/s, ack wait {ACK_WAIT_SECONDS} s\n\n{report}\n")
    assert not failures, "\n".join(failures)
