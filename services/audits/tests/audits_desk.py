"""Helpers for the audits service's tests: the scenario's population, audit tool and dates, and the QA
sub-group's desk, which takes an audit through the framework's steps (each asserted to succeed)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from audits.adapters.orm import outbox
from audits.application.event_handlers import EVENT_HANDLERS
from audits.application.ticker import tick
from safeguard_shared.bus.dispatch import EventDispatcher
from safeguard_shared.clock import LONDON, ManualClock
from safeguard_shared.contracts import Envelope, parse
from safeguard_testing.apps import bearer

# Monday 4 January 2027, 09:00 in London: the QA sub-group meets on Wednesday 10 March.
START = date(2027, 1, 4)
QA_MEETING = "2027-03-10"
POPULATION = [f"RR-2026-{n:06X}" for n in range(0xA00, 0xA0A)]  # ten case references
AGENCIES_OF = {ref: ["local_authority", "police", "school"] if n % 2 else ["local_authority", "icb"]
               for n, ref in enumerate(POPULATION)}
QUESTIONS = [
    {"id": "q1", "text": "What was known about the child's lived experience?", "kind": "open"},
    {"id": "q2", "text": "Was a strategy discussion held?", "kind": "closed"},
    {"id": "q3", "text": "How did your agency share information with partners?", "kind": "open"},
]


async def deliver_envelope(service, env: Envelope) -> bool:
    """Deliver an event to the service as its consumer would: once, through its inbox and EVENT_HANDLERS."""
    runtime = service.runtime
    return await runtime.inbox.handle_once("audits", env, EventDispatcher(EVENT_HANDLERS, runtime.outbox,
                                                                            runtime.clock))


async def run_ticker_round(service) -> int:
    """One round of the service's timer (overdue actions, due surveys), as the background loop runs it."""
    return await tick(service.runtime.unit_of_work, service.settings.action_escalate_every_days)


def at(day: date | str, hour: int = 9) -> datetime:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def population_csv(refs=POPULATION) -> str:
    return "case_reference,agencies\n" + "".join(f"{r},{';'.join(AGENCIES_OF[r])}\n" for r in refs)


class Desk:
    """The QA sub-group's desk: plan, sample, send the tool … each step asserted to succeed."""

    def __init__(self, service, issuer, clock: ManualClock):
        self.service, self.client, self.clock = service, service.client, clock
        self.qa = bearer(issuer, "partnership", "qa_lead")
        self.issuer = issuer

    def agency(self, agency: str, role: str = "referrer") -> dict:
        return bearer(self.issuer, agency, role)

    async def ok(self, method: str, url: str, headers: dict | None = None, **kwargs) -> dict:
        response = await self.client.request(method, url, headers=headers or self.qa, **kwargs)
        assert response.status_code in (200, 201), f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    async def plan(self, kind: str = "children", theme: str = "neglect in adolescence", scope: bool = True,
                   qa_meeting_on: str = QA_MEETING) -> str:
        body = {"theme": theme, "kind": kind, "qa_meeting_on": qa_meeting_on}
        if scope:
            body |= {"theme_lead": "QA theme lead", "scope": "Neglect of 12–17 year olds known to two or more agencies",
                     "questions": QUESTIONS}
        return (await self.ok("POST", "/v1/audits", json=body))["audit_id"]

    async def sample(self, audit_id: str, seed: int = 42, refs=POPULATION) -> dict:
        return await self.ok("POST", f"/v1/audits/{audit_id}/sample", content=population_csv(refs).encode(),
                             headers={**self.qa, "Content-Type": "text/csv"}, params={"seed": seed})

    async def send_tool(self, audit_id: str) -> dict:
        return await self.ok("POST", f"/v1/audits/{audit_id}/tool", json={})

    async def responses(self, audit_id: str, headers: dict) -> list[dict]:
        return await self.ok("GET", f"/v1/audits/{audit_id}/responses", headers)

    async def invite(self, audit_id: str, held_on: str = "2027-02-10") -> dict:
        return await self.ok("POST", f"/v1/audits/{audit_id}/invitations", json={
            "held_on": held_on, "venue": "Council House, committee room 2",
            "programme": [{"starts_at": "09:30", "ends_at": "10:00", "item": "Welcome and purpose"},
                          {"starts_at": "10:00", "ends_at": "12:00", "item": "Cases 1 and 2: agencies' findings"},
                          {"starts_at": "13:00", "ends_at": "15:00", "item": "Cases 3 and 4, themes and learning"}],
            "invitees": [{"agency": a, "role": "auditor", "required_from": "09:30", "required_until": "15:00"}
                         for a in ("local_authority", "police", "icb", "school")]})

    async def hold(self, audit_id: str, came=("local_authority", "police", "icb"), held_on: str = "2027-02-10") -> dict:
        self.clock.set(at(held_on, 17))
        return await self.ok("POST", f"/v1/audits/{audit_id}/attendance", json={
            "held_on": held_on, "attended": [{"agency": a, "role": "auditor"} for a in came],
            "absence_reasons": {}})

    async def find(self, audit_id: str) -> dict:
        return await self.ok("POST", f"/v1/audits/{audit_id}/findings", json={
            "findings": ["Adolescent neglect was recognised late where school attendance was the only sign"],
            "recommendations": ["Schools share attendance concerns with early help within five days"]})

    async def through_findings(self, kind: str = "children") -> str:
        audit_id = await self.plan(kind)
        await self.sample(audit_id)
        await self.send_tool(audit_id)
        await self.invite(audit_id)
        await self.hold(audit_id)
        await self.find(audit_id)
        return audit_id

    async def owed(self, event_type: type | None = None) -> list:
        async with self.service.runtime.sessions() as session:
            bodies = (await session.execute(select(outbox.c.body).order_by(outbox.c.seq))).scalars().all()
        events = [parse(Envelope.model_validate_json(b)) for b in bodies]
        return [e for e in events if event_type is None or isinstance(e, event_type)]

    async def outbox_text(self) -> str:
        async with self.service.runtime.sessions() as session:
            return "\n".join((await session.execute(select(outbox.c.body))).scalars().all())
