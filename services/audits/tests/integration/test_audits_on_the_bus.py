"""The audits service on a real NATS JetStream server: a review's recommendations published by the
referrals service become proposed actions (once, however often delivered), and what the audits service
owes leaves through its outbox onto its own stream."""
from __future__ import annotations

import asyncio
import json

import nats

from audits.adapters.orm import actions
from safeguard_shared.bus.names import BusNames
from safeguard_shared.contracts.referrals import Recommendation, RecommendationsPublished
from safeguard_testing.apps import bearer, running

CASE = "5a1f0c3e-0000-4000-8000-0000000000bb"


async def eventually(check, timeout: float = 15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def test_recommendations_become_actions_and_audit_events_reach_the_audits_stream(
        databases, nats_url, bus_namespace, tmp_path, issuer):
    names = BusNames(bus_namespace)
    async with running(["audits"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer) as services:
        audits = services["audits"]
        event = RecommendationsPublished(case_id=CASE, pathway="adult", recommendations=[
            Recommendation(recommendation_id="R1", text="Housing flags hoarding to adult social care",
                           owning_agency="housing")])
        env = event.envelope(producer="referrals", occurred_at=audits.runtime.clock.now())
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            for _ in range(2):  # the same event twice (a redelivery past the duplicate window)
                await js.publish(names.subject(event.event_type), env.to_json(),
                                 headers={"Nats-Msg-Id": f"{env.event_id}-{_}"})

            async def planned() -> bool:
                return await audits.count(actions) >= 1

            assert await eventually(planned)
            await asyncio.sleep(0.5)
            assert await audits.count(actions) == 1

            qa = bearer(issuer, "partnership", "qa_lead")
            response = await audits.client.post("/v1/audits", headers=qa, json={
                "theme": "self-neglect", "kind": "adults", "qa_meeting_on": "2027-03-10"})
            assert response.status_code == 201
            sub = await js.pull_subscribe(names.subject("audits.>"), durable=None,
                                          stream=names.stream("audits"))

            seen: set[str] = set()

            async def published() -> bool:
                try:
                    seen.update(json.loads(m.data)["event_type"] for m in await sub.fetch(10, timeout=0.5))
                except nats.errors.TimeoutError:
                    pass
                return {"audits.action.created", "audits.audit.planned"} <= seen

            assert await eventually(published), seen
        finally:
            await nc.close()
