"""Identifying details and free text stay in the store that owns the case (issue 12's canary test).

Both pathways are walked through the real services (all five in-process, on a real NATS JetStream
and on SQLite and PostgreSQL). Every free-text field of every request body is marked with a unique
canary, found from referrals' own OpenAPI document (a string with no enum, format or pattern), so
a field added later is marked too. The children's and the adult's references and dates of birth
are canaries of their own. Then every place the data could leak is searched: every event on the bus
(dead letters included), every row of the scheduling, notifications, audits and reporting stores,
every log record, and every e-mail's subject and body. A canary may be found only where
``ALLOWED`` says, and why.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import nats
import pytest

from safeguard_shared.bus.names import DEAD_LETTERS, PRODUCERS, BusNames
from safeguard_shared.clock import ManualClock
from safeguard_shared.partnership import AGENCIES, LONDON
from safeguard_testing.apps import SERVICES, bearer, running
from safeguard_testing.toy import eventually

ROOT = Path(__file__).resolve().parents[2]
MARK = "QZX"  # no word, code or date contains it
CHILD_REFERENCE, CHILD_BORN = "C-QZXCHILD", "2015-04-02"
ADULT_REFERENCE, ADULT_BORN = "A-QZXADULT", "1936-07-23"

# Where a canary may be found outside the referrals store, by the field it was planted in, and why.
# - A family member is written to by name, at the address they gave, and a letter to them says what
#   the partnership told them (the delay, each update): the notifications service asks the referrals
#   service for the recipient and the words as it sends the letter (the event names the letter by its
#   number), so they are in that e-mail and nowhere else — not on the bus, not in the notifications store.
# - The meeting's place is where the invitation asks the agencies to come; attendees' job titles go in
#   the completed rapid review template for the Panel. Neither says anything about the child.
# - The rapid review's decision (its rationale, the immediate safety actions, the learning) goes to the
#   national Panel in the completed rapid review template: the notifications service asks the
#   referrals service for it as it sends the message, so it is in that e-mail and nowhere else — not
#   on the bus, not in the notifications store.
# - A published review's recommendations are public (they are in the published report), and the
#   audits service tracks each one's action plan.
LETTER = {"family_contact.name", "family_contact.postal_address", "family_contact.relationship",
          "contact.name", "contact.postal_address", "contact.relationship", "update"}
MEETING = {"meeting_place"}
DECISION = {"rationale", "immediate_safety_actions", "learning"}
PUBLISHED = {"recommendations.text"}
ALLOWED: dict[str, set[str]] = {
    "event referrals.case.scoping_requested": MEETING,
    "event referrals.case.rapid_review_decided": {"attendees.role"},
    "event referrals.case.recommendations_published": PUBLISHED,
    "notifications store": MEETING | {"attendees.role"},
    "e-mail body": LETTER | MEETING | {"attendees.role"} | DECISION,
    "audits store": PUBLISHED,
}


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LONDON).astimezone(UTC)


@dataclass
class Canaries:
    """Marks a request body's free text with unique canaries and remembers where each was planted."""

    document: dict[str, Any]
    planted: dict[str, str] = field(default_factory=dict)  # canary → "field.path (POST /v1/...)"

    def mark(self, method: str, template: str, body: dict[str, Any]) -> dict[str, Any]:
        operation = self.document["paths"][template][method.lower()]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        marked: dict[str, Any] = self._walk(schema, body, "", f"{method} {template}")
        return marked

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def _walk(self, schema: dict[str, Any], value: Any, where: str, operation: str) -> Any:
        schema = self._resolve(schema)
        for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
            branch = self._resolve(branch)
            if branch.get("type") != "null" and value is not None:
                return self._walk(branch, value, where, operation)
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            return {k: self._walk(properties.get(k, {}), v, f"{where}.{k}".lstrip("."), operation)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(schema.get("items", {}), v, where, operation) for v in value]
        if isinstance(value, str) and schema.get("type") == "string" and value not in AGENCIES \
                and not {"enum", "const", "format", "pattern"} & schema.keys():
            canary = f"{MARK}{len(self.planted) + 1:04d}"
            self.planted[canary] = f"{where} ({operation})"
            room = schema.get("maxLength", 10_000) - len(canary) - 1
            return f"{value[:room]} {canary}"
        return value


class Partnership:
    """Everyone who takes a step on the two cases, and the canaries their requests carry."""

    def __init__(self, services, issuer, clock: ManualClock):
        self.s = services
        self.clock = clock
        self.canaries = Canaries(json.loads((ROOT / "docs/api/referrals.openapi.json").read_text()))
        self.bu = bearer(issuer, "partnership", "business_unit")
        self.chair = bearer(issuer, "partnership", "independent_chair")
        self.agency = {a: bearer(issuer, a, "referrer", "safeguarding_lead") for a in (
            "police", "local_authority", "icb", "school", "adult_social_care", "housing")}

    def on(self, day: str) -> None:
        self.clock.set(morning(date.fromisoformat(day)))

    async def post(self, template: str, body: dict[str, Any], who: dict[str, str], **ids: str) -> dict[str, Any]:
        marked = self.canaries.mark("POST", template, body)

        async def answered():  # a step that waits on the clock (the meeting's window) is tried again
            r = await self.s["referrals"].client.post(template.format(**ids), json=marked, headers=who)
            return None if r.status_code == 409 and "not known yet" in r.text else r

        response = await eventually(answered, timeout=20)
        assert response.status_code in (200, 201), f"{template}: {response.status_code} {response.text}"
        answer: dict[str, Any] = response.json()
        return answer

    async def deadlines(self, case_id: str) -> list[dict[str, Any]]:
        response = await self.s["scheduling"].client.get(f"/v1/deadlines?case_id={case_id}", headers=self.bu)
        rows: list[dict[str, Any]] = response.json()
        return rows

    async def a_child_dies_and_the_review_is_published(self) -> str:
        self.on("2026-12-21")
        case = await self.post("/v1/referrals/child", {
            "referring_agency": "police", "safeguarding_lead": {"name": "Lead", "agreed_on": "2026-12-21"},
            "received_on": "2026-12-21",
            "child": {"reference": CHILD_REFERENCE, "date_of_birth": CHILD_BORN, "looked_after": False},
            "incident": {"occurred_on": "2026-12-19", "became_aware_on": "2026-12-21", "outcome": "died",
                         "abuse_or_neglect": "suspected", "summary": "Found at home"},
            "involved_agencies": ["local_authority", "police", "icb", "school"]}, self.agency["police"])
        case_id = case["case_id"]
        await self.post("/v1/cases/{case_id}/scoping", {
            "involved_agencies": ["local_authority", "police", "icb", "school"], "meeting_on": "2027-01-05",
            "meeting_time": "10:00", "meeting_place": "Room 4, Civic Centre"}, self.bu, case_id=case_id)
        self.on("2026-12-29")
        for agency in ("local_authority", "police", "icb", "school"):
            await self.post("/v1/cases/{case_id}/scoping-returns/{agency}", {
                "records_secured": True, "involvement": "Known to the service"}, self.agency[agency],
                case_id=case_id, agency=agency)
        self.on("2027-01-05")
        await self.post("/v1/cases/{case_id}/meeting/attendance", {"attendees": [
            {"agency": a, "name": "Rep", "role": "Head of service"}
            for a in ("local_authority", "police", "icb", "school")]}, self.bu, case_id=case_id)
        await self.post("/v1/cases/{case_id}/meeting/held", {"held_on": "2027-01-05"}, self.bu, case_id=case_id)
        await self.post("/v1/cases/{case_id}/decision", {
            "decision": "cspr", "immediate_safety_actions": ["Sibling's safety plan reviewed"],
            "learning": ["Information sharing between health and school"],
            "rationale": "National learning likely"}, self.chair, case_id=case_id)
        await self.post("/v1/cases/{case_id}/panel-response", {"response": "endorsed", "received_on": "2027-01-20"},
                        self.bu, case_id=case_id)
        await self.post("/v1/cases/{case_id}/cspr/reviewers", {"reviewers": ["Reviewer"]}, self.bu, case_id=case_id)
        await self.post("/v1/cases/{case_id}/cspr/terms", {"methodology": "Systems",
                                                          "terms_of_reference": "From the rapid review"},
                        self.bu, case_id=case_id)
        await self.post("/v1/cases/{case_id}/cspr/involvement", {"practitioners": "Workshops",
                                                                "family": "Mother met the reviewer"},
                        self.bu, case_id=case_id)
        await self.post("/v1/cases/{case_id}/cspr/draft", {"text": "Draft report"}, self.bu, case_id=case_id)
        self.on("2027-05-10")
        await self.post("/v1/cases/{case_id}/cspr/final", {"planned_publication_on": "2027-06-01"}, self.bu,
                        case_id=case_id)
        self.on("2027-06-01")
        await self.post("/v1/cases/{case_id}/cspr/publication", {
            "published_on": "2027-06-01", "in_full": True,
            "recommendations": [{"text": "Joint information-sharing protocol", "owning_agency": "icb"}]},
            self.bu, case_id=case_id)
        return str(case_id)

    async def an_adult_dies_and_the_review_is_delayed_then_published(self) -> str:
        self.on("2027-01-05")
        case = await self.post("/v1/referrals/adult", {
            "referring_agency": "icb",
            "authorised_by": {"name": "Manager", "role": "safeguarding_lead", "authorised_on": "2027-01-05"},
            "received_on": "2027-01-05", "adult": {"reference": ADULT_REFERENCE, "date_of_birth": ADULT_BORN},
            "criteria": {"died": True, "abuse_or_neglect": "suspected",
                         "concern_agencies_could_have_worked_better": True},
            "summary": "Missed visits", "involved_agencies": ["adult_social_care", "icb", "police", "housing"],
            "family_contact": {"name": "Son", "relationship": "son", "channel": "post",
                               "postal_address": "1 High Street, Town"}}, self.agency["icb"])
        case_id = case["case_id"]
        step = "/v1/cases/{case_id}/sar"
        await self.post(f"{step}/screening", {"business_manager_agrees": True, "panel_chair_agrees": True,
                                             "outcome": "proceed_to_scoping", "reasons": "Meets s44"},
                        self.bu, case_id=case_id)
        await self.post(f"{step}/scoping", {"agencies": ["adult_social_care", "icb", "police", "housing"]},
                        self.chair, case_id=case_id)
        self.on("2027-01-25")
        for agency in ("adult_social_care", "icb", "police", "housing"):
            await self.post(f"{step}/scoping-returns/{{agency}}", {"information": "Chronology"},
                            self.agency[agency], case_id=case_id, agency=agency)
        self.on("2027-02-01")
        await self.post(f"{step}/scoping-review", {"on": "2027-02-01"}, self.bu, case_id=case_id)
        self.on("2027-02-10")
        await self.post(f"{step}/decision", {"convene": True, "decided_on": "2027-02-10", "reasons": "Criteria met"},
                        self.bu, case_id=case_id)
        self.on("2027-02-12")
        await self.post(f"{step}/agreement", {"on": "2027-02-12"}, self.chair, case_id=case_id)
        await self.post(f"{step}/family-notified", {"notified_on": "2027-02-12", "by": "Chair",
                                                   "method": "Telephone"}, self.bu, case_id=case_id)
        self.on("2027-03-01")
        await self.post(f"{step}/reviewers", {"reviewers": ["Reviewer"], "commissioned_on": "2027-03-01"},
                        self.bu, case_id=case_id)
        await self.post(f"{step}/imr-requests", {"agencies": ["police"]}, self.bu, case_id=case_id)
        await self.post(f"{step}/imrs/{{agency}}", {
            "author_name": "Inspector", "author_role": "Inspector", "author_independent_of_case": True,
            "chronology": "Events", "review_of_records": "Records", "interviews": "Interviews"},
            self.agency["police"], case_id=case_id, agency="police")
        await self.post(f"{step}/panel-meetings", {
            "held_on": "2027-03-01", "progress": "Scoping", "immediate_risks": "None",
            "learning_to_share": "None yet", "guidance_to_reviewer": "Transitions", "drafts_reviewed": "None",
            "communications": "Family updated"}, self.bu, case_id=case_id)
        self.on("2027-06-01")
        await self.post(f"{step}/delay", {"reason_code": "criminal_proceedings", "reason": "Parallel court proceedings",
                                          "expected_sign_off_on": "2027-12-01"},
                        self.bu, case_id=case_id)
        self.on("2027-06-25")
        await self.post(f"{step}/delay/updates", {"update": "The trial is listed"}, self.bu, case_id=case_id)
        self.on("2027-07-01")
        await self.post(f"{step}/delay/resume", {}, self.bu, case_id=case_id)
        return str(case_id)


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer):
    clock = ManualClock(morning(date(2026, 12, 21)))
    async with running(SERVICES, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=clock) as services:
        yield Partnership(services, issuer, clock)


async def every_event(nats_url: str, namespace: str) -> dict[str, list[str]]:
    """Every message on the namespace's streams, dead letters included, headers and body, by subject."""
    names = BusNames(namespace)
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        found: dict[str, list[str]] = {}
        for producer in (*PRODUCERS, DEAD_LETTERS):
            state = (await js.stream_info(names.stream(producer))).state
            for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
                message = await js.get_msg(names.stream(producer), seq=seq)
                place = f"event {names.unprefixed(message.subject or '')}"
                found.setdefault(place, []).append(f"{message.headers} {(message.data or b'').decode()}")
        return found
    finally:
        await nc.close()


def every_email(outbox: Path) -> tuple[list[str], list[str]]:
    subjects, bodies = [], []
    for eml in outbox.rglob("*.eml"):
        message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
        subjects.append(str(message["Subject"]))
        bodies.append(eml.read_text(errors="replace"))
    return subjects, bodies


def plain_bodies(outbox: Path, subject: str) -> list[str]:
    """The text of each e-mail whose subject starts so, as its reader sees it."""
    messages = [BytesParser(policy=policy.default).parsebytes(eml.read_bytes()) for eml in outbox.rglob("*.eml")]
    return [m.get_body(("plain",)).get_content() for m in messages if str(m["Subject"]).startswith(subject)]


async def test_identifying_details_and_free_text_stay_in_the_referrals_store(partnership, nats_url, bus_namespace,
                                                                             caplog):
    caplog.set_level(logging.INFO)  # the level the services log at
    p = partnership
    child = await p.a_child_dies_and_the_review_is_published()
    adult = await p.an_adult_dies_and_the_review_is_delayed_then_published()

    async def everything_has_arrived() -> bool | None:
        deadlines = {d["key"]: d for d in await p.deadlines(child) + await p.deadlines(adult)}
        reporting = (await p.s["reporting"].client.get("/v1/figures", headers=p.bu))
        return (deadlines.get("cspr.published", {}).get("status") == "met"
                and deadlines.get("sar.signed_off", {}).get("status") == "pending"
                and reporting.status_code < 500) or None

    await eventually(everything_has_arrived, timeout=30)
    planted = p.canaries.planted
    assert len(planted) >= 40, f"only {len(planted)} free-text fields were marked"

    identifying = {CHILD_REFERENCE: "child.reference", CHILD_BORN: "child.date_of_birth",
                   ADULT_REFERENCE: "adult.reference", ADULT_BORN: "adult.date_of_birth"}

    subjects, bodies = every_email(p.s["notifications"].data_dir)
    assert bodies, "the pathways sent messages (the Panel notice at least)"
    places: dict[str, list[str]] = {
        **await every_event(nats_url, bus_namespace),
        "scheduling store": await p.s["scheduling"].every_row(),
        "notifications store": await p.s["notifications"].every_row(),
        "audits store": await p.s["audits"].every_row(),
        "reporting store": await p.s["reporting"].every_row(),
        "logs": [f"{r.name}: {r.getMessage()} {getattr(r, '__dict__', {})}" for r in caplog.records],
        "e-mail subject": subjects,
        "e-mail body": bodies,
    }
    leaks: list[str] = []
    for place, texts in places.items():
        everything = "\n".join(texts)
        for canary in set(re.findall(rf"{MARK}\d{{4}}", everything)):
            where = planted[canary]
            if where.split(" (")[0] not in ALLOWED.get(place, set()):
                leaks.append(f"{place}: {where}")
        leaks += [f"{place}: {name}" for value, name in identifying.items() if value in everything]
    assert not leaks, f"{len(leaks)} found where they must not be:\n" + "\n".join(sorted(set(leaks)))

    # The decision's free text is checked above (none on the bus, none in the notifications store); the
    # Panel's e-mail carries every word of it.
    decided = {c for c, where in planted.items() if where.endswith("(POST /v1/cases/{case_id}/decision)")}
    assert {where.split(" (")[0] for c, where in planted.items() if c in decided} == DECISION
    panel = "\n".join(plain_bodies(p.s["notifications"].data_dir, "Rapid review outcome from the safeguarding"))
    assert decided <= set(re.findall(rf"{MARK}\d{{4}}", panel)), "the Panel's template carries the decision"

