"""Nothing stays in the dead letters for good: an operator lists them (what failed, where, why) and,
once the cause is mended, redrives them; the event then has its effect once, and the dead letter is gone.
On a real JetStream server."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import nats
import pytest

from safeguard_shared.bus.dead_letters import list_dead_letters, redrive
from safeguard_testing.toy import eventually


async def test_a_dead_letter_is_listed_then_redriven_once_the_cause_is_mended(toy, nats_url):
    toy.poison_labels = {"needs-an-upgrade"}
    bus = toy.bus()
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    relay = toy.relay(bus)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        first = await toy.emit("needs-an-upgrade")
        await toy.emit("fine")
        await relay.run_once()

        async def letters():
            found = await list_dead_letters(js, toy.names)
            return found or None

        listed = await eventually(letters, timeout=15)
        assert len(listed) == 1
        letter = listed[0]
        assert letter.consumer == "toy" and letter.event_id == first.event_id
        assert letter.event_type == "referrals.case.probed"
        assert letter.reason.startswith("failed 3 times: RuntimeError")
        assert await toy.effect_labels() == ["fine"]

        toy.poison_labels = set()  # the cause is mended (say, the service was upgraded)
        redriven = await redrive(js, toy.names, consumer="toy")
        assert [r.sequence for r in redriven] == [letter.sequence]

        async def both():
            labels = await toy.effect_labels()
            return labels if len(labels) == 2 else None

        assert await eventually(both, timeout=15) == ["fine", "needs-an-upgrade"]
        assert await list_dead_letters(js, toy.names) == []
        # Redriving again finds nothing; the event's effect stays single.
        assert await redrive(js, toy.names, everything=True) == []
        assert sorted(await toy.effect_labels()) == ["fine", "needs-an-upgrade"]
    finally:
        await nc.close()
        await bus.stop()


async def test_the_command_line_lists_and_redrives(toy, nats_url):
    toy.poison_labels = {"stuck"}
    bus = toy.bus()
    bus.subscribe(toy.subscription(), toy.inbox)
    await bus.start()
    relay = toy.relay(bus)
    env = {**os.environ, "NATS_URL": nats_url, "SAFEGUARD_BUS_NAMESPACE": toy.names.namespace}
    safeguard = [sys.executable, "-m", "safeguard_cli.main"]
    try:
        await toy.emit("stuck")
        await relay.run_once()

        async def listed():
            out = await asyncio.to_thread(subprocess.run, [*safeguard, "dead-letters", "list", "--json"], env=env,
                                          capture_output=True, text=True, timeout=60)
            rows = json.loads(out.stdout or "[]")
            return rows or None

        rows = await eventually(listed, timeout=20, interval=0.5)
        assert [r["consumer"] for r in rows] == ["toy"] and rows[0]["event_type"] == "referrals.case.probed"
        toy.poison_labels = set()
        out = await asyncio.to_thread(subprocess.run, [*safeguard, "dead-letters", "redrive", "--all"], env=env,
                                      capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "1 dead letter(s) put back on their way" in out.stdout
        assert await eventually(toy.effect_labels, timeout=15) == ["stuck"]
    finally:
        await bus.stop()


async def test_redrive_needs_to_be_told_which(toy, nats_url):
    nc = await nats.connect(nats_url)
    try:
        with pytest.raises(ValueError, match="say which"):
            await redrive(nc.jetstream(), toy.names)
    finally:
        await nc.close()
