"""The access log across the services: every read of case-level data, through every endpoint that
answers one, leaves a row in the answering service's own log saying who, what, of which case or
audit, and when (the real time, though the services run at a business date of their own); the
business unit reads the log as JSON or CSV, nobody else does; and `safeguard access-log verify`
finds a row changed in SQL.

The endpoints are not listed by hand: every GET operation of each service's OpenAPI that names a
case, an audit or something of one (a deadline, a message, a response, an action) is walked, so an
endpoint added later without recording its reads fails here. Real services in-process, a real NATS
server, SQLite then PostgreSQL.
"""
from __future__ import annotations

import asyncio
import copy
import csv
import io
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select, update

from safeguard_cli.main import main as safeguard
from safeguard_shared.access_log import access_log, verify
from safeguard_shared.clock import LONDON, ManualClock
from safeguard_shared.partnership import ROLES
from safeguard_testing.apps import EXAMPLE_DATE, bearer, example_child_referral, running
from safeguard_testing.toy import eventually

LOGGED = ("referrals", "scheduling", "notifications", "audits")
# What names one case or audit, or something of one, in a path or a query.
NAMES_A_CASE = {"case_id", "audit_id", "deadline_id", "notification_id", "response_id", "action_id"}
NOT_CASE_LEVEL = {
    ("audits", "/v1/audits/{audit_id}/learning"),  # the published learning: anonymised, for every partner
    ("referrals", "/v1/access-log"), ("referrals", "/v1/access-log.csv"),  # the log itself
    ("scheduling", "/v1/access-log"), ("scheduling", "/v1/access-log.csv"),
    ("notifications", "/v1/access-log"), ("notifications", "/v1/access-log.csv"),
    ("audits", "/v1/access-log"), ("audits", "/v1/access-log.csv"),
    # Answered to the notifications service only, never to a person: each read is logged as that
    # service's (tests/integration/test_rapid_review_template_reaches_the_panel.py,
    # tests/integration/test_family_letters_reach_the_family.py).
    ("referrals", "/v1/cases/{case_id}/rapid-review-template"),
    ("referrals", "/v1/cases/{case_id}/family-letters/{letter_no}"),
}
# A family letter is made at each attempt from what the referrals service answers, and kept only as
# its text with markers: no message of this walk keeps a PDF to read again, so letter.pdf (404 for it)
# is not walked here.
NO_PDF_KEPT = {("notifications", "/v1/notifications/{notification_id}/letter.pdf")}
# Reads of cases that name none in their path: finding cases by reference (each case listed is read).
ALSO_CASE_LEVEL = {("referrals", "/v1/cases")}

SAR_REFERRAL = {
    "referring_agency": "icb",
    "authorised_by": {"name": "B. Manager", "role": "safeguarding_lead", "authorised_on": "2027-01-05"},
    "received_on": "2027-01-05",
    "adult": {"reference": "A-LOG-311", "date_of_birth": "1948-09-12"},
    "criteria": {"died": True, "abuse_or_neglect": "suspected", "concern_agencies_could_have_worked_better": True},
    "summary": "Concerns about missed visits and pressure care",
    "involved_agencies": ["adult_social_care", "icb", "police", "housing"],
    "family_contact": {"name": "C. Family", "relationship": "son", "channel": "email", "email": "son@example.org"},
}
POPULATION = "case_reference,agencies\n" + "".join(f"RR-2026-{n:06X},local_authority;police\n" for n in range(10))


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
async def partnership(databases, nats_url, bus_namespace, tmp_path, issuer):
    clock = ManualClock(morning(EXAMPLE_DATE))
    async with running(LOGGED, databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer, clock=clock) as services:
        yield services, clock


class Partnership:
    """The people reading, and the steps that give them something to read."""

    def __init__(self, services, clock, issuer):
        self.s, self.clock = services, clock
        self.bu = bearer(issuer, "partnership", "business_unit")
        self.chair = bearer(issuer, "partnership", "independent_chair")
        self.qa = bearer(issuer, "partnership", "qa_lead")
        self.issuer = issuer

    async def ok(self, service: str, method: str, url: str, headers: dict | None = None, **kwargs) -> dict:
        response = await self.s[service].client.request(method, url, headers=headers or self.bu, **kwargs)
        assert response.status_code in (200, 201), f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    async def sar_step(self, case_id: str, path: str, body: dict, who: dict | None = None) -> None:
        await self.ok("referrals", "POST", f"/v1/cases/{case_id}/sar{path}", who or self.bu, json=body)

    async def a_sar_whose_family_is_told(self) -> str:
        """A SAR through to the family told it is commissioned: a letter (a PDF) is owed."""
        self.clock.set(morning(date(2027, 1, 5)))
        case_id = (await self.ok("referrals", "POST", "/v1/referrals/adult", bearer(self.issuer, "icb", "referrer"),
                                 json=copy.deepcopy(SAR_REFERRAL)))["case_id"]
        await self.sar_step(case_id, "/screening", {"business_manager_agrees": True, "panel_chair_agrees": True,
                                                    "outcome": "proceed_to_scoping", "reasons": "meets s44"})
        await self.sar_step(case_id, "/scoping", {"agencies": SAR_REFERRAL["involved_agencies"]}, self.chair)
        self.clock.set(morning(date(2027, 1, 25)))
        for agency in SAR_REFERRAL["involved_agencies"]:
            await self.sar_step(case_id, f"/scoping-returns/{agency}", {"information": f"{agency} chronology"},
                                bearer(self.issuer, agency, "referrer"))
        self.clock.set(morning(date(2027, 2, 1)))
        await self.sar_step(case_id, "/scoping-review", {"on": "2027-02-01"})
        self.clock.set(morning(date(2027, 2, 10)))
        await self.sar_step(case_id, "/decision", {"convene": True, "decided_on": "2027-02-10",
                                                   "reasons": "criteria met"})
        self.clock.set(morning(date(2027, 2, 12)))
        await self.sar_step(case_id, "/agreement", {"on": "2027-02-12"}, self.chair)
        await self.sar_step(case_id, "/family-notified", {"notified_on": "2027-02-12", "by": "independent chair",
                                                          "method": "telephone, then letter"})
        return case_id

    async def an_audit_with_responses_and_an_action(self) -> tuple[str, str, str]:
        audit_id = (await self.ok("audits", "POST", "/v1/audits", self.qa, json={
            "theme": "neglect in adolescence", "kind": "children", "qa_meeting_on": "2027-06-09",
            "theme_lead": "QA theme lead", "scope": "Neglect of 12–17 year olds known to two or more agencies",
            "questions": [{"id": "q1", "text": "What was known about the child's lived experience?",
                           "kind": "open"}]}))["audit_id"]
        await self.ok("audits", "POST", f"/v1/audits/{audit_id}/sample", {**self.qa, "Content-Type": "text/csv"},
                      content=POPULATION.encode(), params={"seed": 42})
        await self.ok("audits", "POST", f"/v1/audits/{audit_id}/tool", self.qa, json={})
        [response, *_] = await self.ok("audits", "GET", f"/v1/audits/{audit_id}/responses", self.qa)
        # An audit's action plan addresses its findings: the learning session is held and they are recorded.
        await self.ok("audits", "POST", f"/v1/audits/{audit_id}/invitations", self.qa, json={
            "held_on": "2027-05-12", "venue": "Council House, committee room 2",
            "programme": [{"starts_at": "09:30", "ends_at": "12:00", "item": "The cases: agencies' findings"}],
            "invitees": [{"agency": a, "role": "auditor", "required_from": "09:30", "required_until": "12:00"}
                         for a in ("local_authority", "police")]})
        self.clock.set(morning(date(2027, 5, 12)))
        await self.ok("audits", "POST", f"/v1/audits/{audit_id}/attendance", self.qa, json={
            "held_on": "2027-05-12", "absence_reasons": {},
            "attended": [{"agency": a, "role": "auditor"} for a in ("local_authority", "police")]})
        await self.ok("audits", "POST", f"/v1/audits/{audit_id}/findings", self.qa, json={
            "findings": ["Adolescent neglect was recognised late"],
            "recommendations": ["Schools share attendance concerns with early help within five days"]})
        action = await self.ok("audits", "POST", f"/v1/audits/{audit_id}/actions", self.qa, json={
            "description": "Schools share attendance concerns with early help", "owning_agency": "school",
            "due_on": "2027-06-30"})
        return audit_id, response["response_id"], action["action_id"]

    async def last_seq(self, service: str) -> int:
        async with self.s[service].runtime.sessions() as session:
            return (await session.execute(select(access_log.c.seq).order_by(access_log.c.seq.desc()))).scalar() or 0

    async def rows_after(self, service: str, seq: int) -> list[dict]:
        async with self.s[service].runtime.sessions() as session:
            return [dict(r) for r in (await session.execute(select(access_log).where(
                access_log.c.seq > seq).order_by(access_log.c.seq))).mappings().all()]


def case_level_reads(service: str, openapi: dict) -> list[tuple[str, list[str], list[str]]]:
    """(path, names in the path, names in the query) of every GET that reads a case or an audit."""
    found = []
    for path, operations in openapi["paths"].items():
        get = operations.get("get")
        if get is None or (service, path) in NOT_CASE_LEVEL:
            continue
        in_path = [p["name"] for p in get.get("parameters", []) if p["in"] == "path"]
        in_query = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if NAMES_A_CASE & set(in_path + in_query) or (service, path) in ALSO_CASE_LEVEL:
            found.append((path, in_path, in_query))
    return found


async def test_every_read_of_a_case_or_an_audit_is_recorded_with_who_what_and_the_real_time(partnership, issuer):
    services, clock = partnership
    p = Partnership(services, clock, issuer)
    started = datetime.now(UTC)

    child = (await p.ok("referrals", "POST", "/v1/referrals/child", bearer(issuer, "police", "referrer"),
                        json=example_child_referral()))
    child_id, child_ref = child["case_id"], child["case_ref"]
    document = await p.ok("referrals", "POST", f"/v1/cases/{child_id}/documents", p.bu, data={"kind": "chronology"},
                          files={"file": ("chronology.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")})
    sar_id = await p.a_sar_whose_family_is_told()
    audit_id, response_id, action_id = await p.an_audit_with_responses_and_an_action()

    async def a_deadline_of_the_child_case():
        return await p.ok("scheduling", "GET", "/v1/deadlines", params={"case_id": child_id})

    async def the_letter_to_the_family():
        # Sent, as every message of the case: notifications reads the letter's text from referrals as it
        # sends it, and that read (service:notifications) must be over before the walk counts its own.
        listed = await p.ok("notifications", "GET", "/v1/notifications", params={"case_id": sar_id})
        if any(n["status"] != "sent" for n in listed):
            return []
        return [n for n in listed if n["template"] == "sar_family_told"][:1]

    [deadline, *_] = await eventually(a_deadline_of_the_child_case, timeout=20)
    [letter] = await eventually(the_letter_to_the_family, timeout=20)

    # What each name is, and the case or audit a read of it is a read of.
    values = {"case_id": child_id, "audit_id": audit_id, "deadline_id": deadline["deadline_id"],
              "notification_id": letter["notification_id"], "response_id": response_id, "action_id": action_id,
              "q": child_ref, "document_id": document["document_id"]}
    read_of = {"case_id": ("case_id", child_id), "audit_id": ("audit_id", audit_id),
               "deadline_id": ("case_id", child_id), "notification_id": ("case_id", sar_id),
               "response_id": ("audit_id", audit_id), "action_id": ("audit_id", audit_id), "q": ("case_id", child_id),
               "document_id": ("case_id", child_id)}

    walked = []
    for name in LOGGED:
        for path, in_path, in_query in case_level_reads(name, services[name].app.openapi()):
            if (name, path) in NO_PDF_KEPT:
                continue
            # One case or audit per read: the audits service's lists by audit, the others' by case.
            query_name = next((n for n in (("audit_id", "case_id") if name == "audits" else ("case_id", "q"))
                               if n in in_query), None)
            url = path.format(**{n: values[n] for n in in_path})
            params = {query_name: values[query_name]} if query_name else {}
            before = await p.last_seq(name)

            response = await services[name].client.get(url, params=params, headers=p.bu)

            assert response.status_code == 200, f"{name} GET {url}: {response.status_code} {response.text}"
            rows = await p.rows_after(name, before)
            column, expected = read_of[(in_path or [query_name])[-1]]
            assert rows, f"{name} GET {path} answered and recorded nothing"
            assert [(r[column], r["endpoint"], r["subject"], r["agency"], r["roles"]) for r in rows] == \
                [(expected, f"GET {url}", "partnership-business_unit", "partnership", "business_unit")] * len(rows), \
                f"{name} GET {path}"
            assert all(r["operation"] for r in rows)
            walked.append(f"{name} {path}")

    # Every endpoint the brief names was among those walked (the walk found them itself).
    for must in ("referrals /v1/cases/{case_id}", "referrals /v1/cases/{case_id}/history",
                 "referrals /v1/cases/{case_id}/pack", "referrals /v1/cases/{case_id}/cspr/drafts",
                 "referrals /v1/cases/{case_id}/documents", "referrals /v1/cases/{case_id}/documents/{document_id}",
                 "scheduling /v1/deadlines", "notifications /v1/notifications",
                 "audits /v1/audits/{audit_id}", "audits /v1/audits/{audit_id}/responses/{response_id}"):
        assert must in walked

    # When: the real time, though the services' business date is Wednesday 12 May 2027.
    finished = datetime.now(UTC)
    for name in LOGGED:
        for row in await p.rows_after(name, 0):
            assert started <= row["read_at"] <= finished, (name, row["read_at"], clock.now())

    # Each service's chain is whole.
    for name in LOGGED:
        async with services[name].runtime.sessions() as session:
            assert (await verify(session)).intact, name


@pytest.fixture
async def referrals(databases, nats_url, bus_namespace, tmp_path, issuer):
    async with running(["referrals"], databases=databases, nats_url=nats_url, bus_namespace=bus_namespace,
                       data_dir=tmp_path, issuer=issuer) as services:
        yield services["referrals"]


async def a_child_case(referrals, issuer) -> str:
    created = await referrals.client.post("/v1/referrals/child", json=example_child_referral(),
                                          headers=bearer(issuer, "police", "referrer"))
    assert created.status_code == 201, created.text
    return created.json()["case_id"]


async def test_only_the_business_unit_and_admins_read_the_log(referrals, issuer):
    case_id = await a_child_case(referrals, issuer)
    # A panel member of an agency the case involves (the access table: referrals' README).
    await referrals.client.get(f"/v1/cases/{case_id}", headers=bearer(issuer, "police", "panel_member"))

    for role in sorted(ROLES - {"business_unit", "admin"}):
        for url in ("/v1/access-log", "/v1/access-log.csv"):
            refused = await referrals.client.get(url, headers=bearer(issuer, "partnership", role))
            assert refused.status_code == 403, (role, url)
            assert case_id not in refused.text
    assert (await referrals.client.get("/v1/access-log")).status_code == 401

    for role in ("business_unit", "admin"):
        [read] = (await referrals.client.get("/v1/access-log", params={"case_id": case_id},
                                             headers=bearer(issuer, "partnership", role))).json()
        assert (read["subject"], read["roles"], read["operation"], read["case_id"]) == (
            "police-panel_member", ["panel_member"], "case detail", case_id)


async def test_the_log_is_filtered_paged_and_exported_as_csv_that_runs_no_formula(referrals, issuer):
    case_id = await a_child_case(referrals, issuer)
    other_id = (await referrals.client.post("/v1/referrals/child", headers=bearer(issuer, "school", "referrer"),
                                            json=example_child_referral(referring_agency="school",
                                                                        child={"reference": "C-OTHER-7"}))).json()[
        "case_id"]
    # A subject as an identity provider could send it: text that a spreadsheet would run.
    sly = {"Authorization": "Bearer " + issuer.mint(agency="partnership", roles=["independent_chair"],
                                                    subject='=HYPERLINK("http://evil.invalid","open")')}
    bu = bearer(issuer, "partnership", "business_unit")
    # Many reads at once (one chain still: the appends wait for each other).
    answers = await asyncio.gather(*(referrals.client.get(f"/v1/cases/{c}", headers=sly)
                                     for c in [case_id] * 6 + [other_id] * 4))
    assert {a.status_code for a in answers} == {200}

    mine = (await referrals.client.get("/v1/access-log", params={"case_id": case_id}, headers=bu)).json()
    assert len(mine) == 6 and {r["case_id"] for r in mine} == {case_id}
    first_page = (await referrals.client.get("/v1/access-log", params={"limit": 4}, headers=bu)).json()
    second_page = (await referrals.client.get("/v1/access-log", params={"limit": 4, "after": first_page[-1]["seq"]},
                                              headers=bu)).json()
    assert [r["seq"] for r in first_page + second_page] == list(range(1, 9))
    today = datetime.now(LONDON).date().isoformat()
    assert len((await referrals.client.get("/v1/access-log", params={"since": today, "until": today},
                                           headers=bu)).json()) == 10
    assert (await referrals.client.get("/v1/access-log", params={"since": "2200-01-01"}, headers=bu)).json() == []
    bad = await referrals.client.get("/v1/access-log", params={"since": "9999-12-31"}, headers=bu)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "since"]

    exported = await referrals.client.get("/v1/access-log.csv", params={"case_id": case_id}, headers=bu)

    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="referrals-access-log.csv"' in exported.headers["content-disposition"]
    [header, *rows] = list(csv.reader(io.StringIO(exported.text)))
    assert header[:4] == ["seq", "read_at", "subject", "agency"]
    assert len(rows) == 6
    assert {r[2] for r in rows} == {'\'=HYPERLINK("http://evil.invalid","open")'}, "shown as text, never run"
    assert [r[0] for r in rows] == [str(r["seq"]) for r in mine]


async def test_safeguard_access_log_verify_finds_a_row_changed_in_sql(referrals, issuer, tmp_path, monkeypatch,
                                                                      capsys):
    case_id = await a_child_case(referrals, issuer)
    for agency, role in (("partnership", "business_unit"), ("police", "panel_member"),
                         ("partnership", "independent_chair")):
        assert (await referrals.client.get(f"/v1/cases/{case_id}",
                                           headers=bearer(issuer, agency, role))).status_code == 200
    monkeypatch.setenv("REFERRALS_DATABASE_URL", referrals.settings.database_url)
    verify = ["access-log", "verify", "--service", "referrals", "--data-dir", str(tmp_path)]

    assert await asyncio.to_thread(safeguard, verify) == 0
    assert "referrals: intact, 3 read(s) recorded; last row 3" in capsys.readouterr().out

    # Someone with the database's password hides that the chair read the case.
    async with referrals.runtime.sessions.begin() as session:
        await session.execute(update(access_log).where(access_log.c.seq == 3).values(subject="nobody"))

    assert await asyncio.to_thread(safeguard, verify) == 1
    out = capsys.readouterr().out
    assert "referrals: BROKEN, 1 problem(s) in 3 row(s):" in out
    assert "row 3 was changed after it was written" in out
