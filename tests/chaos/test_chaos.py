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

import random

import pytest

from safeguard_testing.chaos import (
    ON_THE_WAY,
    ChaosSettings,
    ReferralLoad,
    UpStack,
    chaos_round,
    faults_of_round,
    report,
    rounds_table,
)

pytestmark = pytest.mark.e2e

SETTINGS = ChaosSettings.from_env(faults_per_round=3)
KINDS = ("service", "nats", "supervisor")
WEIGHTS = (6, 2, 2)  # after the first round: services six times in ten, NATS and the supervisor twice each
HEADING = f"seed {SETTINGS.seed}, {SETTINGS.per_second} referrals/s, ack wait {SETTINGS.ack_wait_seconds} s"


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
    up = UpStack(tmp_path, extra_env={"SAFEGUARD_ACK_WAIT_SECONDS": SETTINGS.ack_wait_seconds})
    try:
        up.start()
        yield up
    finally:
        up.stop()


def test_no_accepted_referral_is_lost_or_doubled_while_services_nats_and_the_supervisor_are_killed(stack):
    rng = random.Random(SETTINGS.seed)
    referrer = stack.token("police", "referrer")
    reader = stack.token("partnership", "business_unit", "reporting_reader")
    accepted: list[str] = []
    rows, failures = [], []
    for number in range(1, SETTINGS.rounds + 1):
        load = ReferralLoad(stack.url("referrals"), referrer, SETTINGS.per_second, label=f"CHAOS-R{number}").start()
        kinds = faults_of_round(rng, number, KINDS, WEIGHTS, SETTINGS.faults_per_round)
        row, result = chaos_round(stack, number, [load], [lambda k=kind: inject(stack, k, rng) for kind in kinds],
                                  rng, accepted, reader, SETTINGS.settle_seconds,
                                  say=lambda line: print(line, flush=True))
        rows.append(row)
        report(SETTINGS, HEADING, rounds_table(rows))  # so far, in case a later round hangs
        if not result.ok:
            failures.append(f"round {number}: {result.describe()}")
            failures += ["the last errors the services logged:", *stack.errors_logged()]
            break
    print(report(SETTINGS, HEADING, rounds_table(rows)))
    assert not failures, "\n".join(failures)
