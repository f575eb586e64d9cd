"""The access matrix (issue 12): every case-level operation of the committed OpenAPI document of this
service, tried by every role in every relationship to the case, against the access table.

The operations come from docs/api/referrals.openapi.json — each case-level one names its action of
the table (``x-case-action``) — and each request body is made from the document's own schema, so a
new route is tried as soon as it is documented. Expected allowed: anything but 401/403 (a step out of
order is a 409, a rule broken a 422: the table let the person through). Expected denied: 403 or 404,
and nothing written — no history line, no event in the outbox, no read recorded, the case unchanged.
Reading a case and its history is also checked for what it shows: the referral's identifying details
and the history's free text only to those the table lets see the detail.
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from referrals.adapters.orm import access_log, case_documents, case_history, cases, outbox
from referrals.domain.access import ACTIONS, RELATIONSHIPS, TABLE
from referrals.domain.child_case import ChildCase, Draft, RapidReviewDecision, Reviewers, Terms
from referrals.domain.sar_case import SarCase, SarReviewers
from safeguard_shared.partnership import ROLES
from safeguard_testing.apps import EXAMPLE_DATE, bearer, example_child_referral

ROOT = Path(__file__).resolve().parents[4]
DOCUMENT = json.loads((ROOT / "docs" / "api" / "referrals.openapi.json").read_text())

TODAY = EXAMPLE_DATE.isoformat()
REFERRING, INVOLVED = "health_provider", "school"
REVIEWER = "r.reviewer@example.org"  # commissioned on both reviews by the name they sign in with
# Who stands in each relationship to the two cases (and in no other): an agency, and a subject.
STANDING = {"referring_agency": (REFERRING, None), "involved_agency": (INVOLVED, None),
            "local_authority": ("local_authority", None), "commissioned_reviewer": ("probation", REVIEWER),
            "unrelated": ("housing", None)}
FREE_TEXT = "FREE-TEXT the family's contact and the reason for the delay"
# Reading these two shows the case itself; what each shows depends on ``see_detail``.
READS_OF_THE_CASE = ("/v1/cases/{case_id}", "/v1/cases/{case_id}/history")
# A case's documents are of either pathway; each case has one (a chronology) to download.
DOCUMENTS = "/v1/cases/{case_id}/documents"
A_PDF = b"%PDF-1.7\n%%EOF\n"


def case_operations() -> list[tuple[str, str, dict[str, Any]]]:
    # A service-only route (``x-service-only``: the notifications service's fetch of the rapid review
    # template) answers no person, whatever the table says; its own test checks the service token.
    found = [(method.upper(), path, op) for path, item in DOCUMENT["paths"].items() if "{case_id}" in path
             for method, op in item.items() if not op.get("x-service-only")]
    undeclared = [f"{m} {p}" for m, p, op in found if op.get("x-case-action") not in ACTIONS]
    assert not undeclared, f"case-level operations without their action of the access table: {undeclared}"
    return found


def example(schema: dict[str, Any], agency: str, name: str = "") -> Any:
    """A value the schema accepts; an agency's name (which the schema cannot say) is the caller's own."""
    if "$ref" in schema:
        return example(DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], agency, name)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return example(next(s for s in schema[key] if s.get("type") != "null"), agency, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:  # an agency is one of the partnership's: the caller's own
        return agency if "agenc" in name and agency in schema["enum"] else schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        # An email address is the one optional field another depends on (writing by email needs it).
        wanted = [p for p, s in properties.items() if p in schema.get("required", []) or "email" in json.dumps(s)]
        return {p: example(properties[p], agency, p) for p in wanted}
    if kind == "array":
        return [example(schema.get("items", {}), agency, name) for _ in range(max(schema.get("minItems", 1), 1))]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "string":
        if schema.get("format") == "date":
            return TODAY
        if schema.get("format") == "time":
            return "14:30"
        if schema.get("format") == "email":
            return "family@example.org"
        if "agenc" in name:
            return agency
        return "x" * max(schema.get("minLength", 1), 4)
    return "x"


def body_of(op: dict[str, Any], agency: str) -> dict[str, Any]:
    """The request's body as the client's keyword arguments: JSON, or a multipart form with a file."""
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        properties = content["multipart/form-data"]["schema"]["properties"]
        return {"files": {name: ("example.pdf", A_PDF, "application/pdf") for name, s in properties.items()
                          if s.get("format") == "binary"},
                "data": {name: example(s, agency, name) for name, s in properties.items()
                         if s.get("format") != "binary"}}
    return {"json": example(content["application/json"]["schema"], agency)} if "application/json" in content else {}


async def open_cases(referrals, issuer, adult_referral) -> dict[str, str]:
    """A CSPR under way and a commissioned SAR, each referred by REFERRING and involving INVOLVED, each
    with REVIEWER commissioned, and a history line with free text."""
    lead = bearer(issuer, REFERRING, "safeguarding_lead")
    child = await referrals.client.post("/v1/referrals/child", headers=lead, json=example_child_referral(
        referring_agency=REFERRING, involved_agencies=[INVOLVED]))
    adult = await referrals.client.post("/v1/referrals/adult", headers=lead, json=adult_referral(
        referring_agency=REFERRING, involved_agencies=[INVOLVED]))
    assert (child.status_code, adult.status_code) == (201, 201), (child.text, adult.text)
    ids = {"child": child.json()["case_id"], "adult": adult.json()["case_id"]}
    async with referrals.runtime.sessions() as session, session.begin():
        rows = {r["pathway"]: r for r in (await session.execute(select(cases))).mappings()}
        cspr = ChildCase.from_state(rows["child"]["state"])
        cspr.stage, cspr.meeting_window = "decided", (EXAMPLE_DATE, EXAMPLE_DATE)
        cspr.decision = RapidReviewDecision(decision="cspr", safety_actions=[], learning=[], rationale="r",
                                            decided_on=EXAMPLE_DATE, recorded_on=EXAMPLE_DATE)
        cspr.cspr.reviewers = Reviewers(reviewers=[REVIEWER.upper()], recorded_on=EXAMPLE_DATE)
        cspr.cspr.terms = Terms(methodology="m", terms_of_reference="t", recorded_on=EXAMPLE_DATE)
        cspr.cspr.drafts = [Draft(version=1, marking="unpublished draft", added_on=EXAMPLE_DATE, text="draft")]
        sar = SarCase.from_state(rows["adult"]["state"])
        sar.stage = "commissioned"
        sar.reviewers = SarReviewers(names=[REVIEWER], commissioned_on=EXAMPLE_DATE)
        for case in (cspr, sar):
            await session.execute(update(cases).where(cases.c.case_id == case.case_id).values(
                state=case.to_state(), status=case.stage))
            await session.execute(insert(case_history).values(
                case_id=case.case_id, at=rows["child"]["created_at"], actor="bu", agency="partnership",
                action="sar_delayed", detail={"reason": FREE_TEXT, "expected_sign_off_on": TODAY}))
    bu = bearer(issuer, "partnership", "business_unit")
    for pathway in ("child", "adult"):
        added = await referrals.client.post(f"/v1/cases/{ids[pathway]}/documents", headers=bu, data={
            "kind": "chronology"}, files={"file": ("chronology.pdf", A_PDF, "application/pdf")})
        assert added.status_code == 201, added.text
        ids[f"{pathway} document"] = added.json()["document_id"]
    return ids


class Ledger:
    """What the store holds, to show a refused request wrote nothing; and the cases as set up."""

    def __init__(self, referrals):
        self.referrals = referrals
        self.cases: dict[str, tuple[Any, str]] = {}

    async def keep(self) -> None:
        async with self.referrals.runtime.sessions() as session:
            self.cases = {r["case_id"]: (r["state"], r["status"])
                          for r in (await session.execute(select(cases))).mappings()}

    async def restore(self, case_id: str) -> None:
        state, status = self.cases[case_id]
        async with self.referrals.runtime.sessions() as session, session.begin():
            await session.execute(update(cases).where(cases.c.case_id == case_id).values(state=state, status=status))

    async def written(self, case_id: str) -> tuple[Any, ...]:
        async with self.referrals.runtime.sessions() as session:
            counts = (await session.execute(select(
                select(func.count()).select_from(case_history).scalar_subquery(),
                select(func.count()).select_from(outbox).scalar_subquery(),
                select(func.count()).select_from(access_log).scalar_subquery(),
                select(func.count()).select_from(case_documents).scalar_subquery(),
                select(cases.c.state).where(cases.c.case_id == case_id).scalar_subquery()))).one()
        kept = sorted(p.name for p in (self.referrals.data_dir / "documents").rglob("*") if p.is_file())
        return (*counts, kept)


async def test_every_case_operation_by_every_role_in_every_relationship_follows_the_access_table(
        referrals, issuer, adult_referral, record_property):
    ids = await open_cases(referrals, issuer, adult_referral)
    ledger = Ledger(referrals)
    await ledger.keep()
    tokens = {(role, relation): {"Authorization": "Bearer " + issuer.mint(
        agency=agency, roles=[role], subject=subject or f"{agency}-{role}")}
        for role in sorted(ROLES) for relation, (agency, subject) in STANDING.items()}

    counts: Counter[str] = Counter()
    unexpected: list[str] = []
    cells: set[tuple[str, str, str]] = set()
    at_once = asyncio.Semaphore(8)  # a few requests in flight, well within the store's connection pool

    async def attempt(method: str, path: str, op: dict[str, Any], pathway: str, role: str, relation: str) -> int:
        case_id, agency, action = ids[pathway], STANDING[relation][0], op["x-case-action"]
        allowed = action in TABLE[role][relation]
        url = path.replace("{case_id}", case_id).replace("{agency}", agency).replace(
            "{document_id}", ids[f"{pathway} document"])
        async with at_once:
            response = await referrals.client.request(method, url, headers=tokens[role, relation],
                                                      **body_of(op, agency))
        counts["tried"] += 1
        counts["allowed" if allowed else "denied"] += 1
        cells.add((role, relation, action))
        what = f"{method} {path} ({pathway}) as {role} ({relation}): {response.status_code}"
        if response.status_code >= 500:
            unexpected.append(what + " (server error)")
        elif allowed and response.status_code in (401, 403):
            unexpected.append(what + " (expected allowed) " + response.text[:200])
        elif not allowed and response.status_code not in (403, 404):
            unexpected.append(what + " (expected denied) " + response.text[:200])
        if path in READS_OF_THE_CASE:
            # The detail is shown only within what the table lets be seen at all.
            cells.add((role, relation, "see_detail"))
            detail = "see_detail" in TABLE[role][relation]
            shown = allowed and (("referral" in response.json()) if path == READS_OF_THE_CASE[0]
                                 else FREE_TEXT in response.text)
            if shown != detail:
                unexpected.append(what + f" showed the detail: {shown}, the table says {detail}")
        return response.status_code

    for method, path, op in case_operations():
        action = op["x-case-action"]
        pathways = ["child", "adult"] if path in READS_OF_THE_CASE or path.startswith(DOCUMENTS) else \
            ["adult"] if "/sar/" in path or "/adult/" in path else ["child"]
        refused = [cell for cell in tokens if action not in TABLE[cell[0]][cell[1]]]
        let_through = [cell for cell in tokens if action in TABLE[cell[0]][cell[1]]]
        for pathway in pathways:
            case_id = ids[pathway]
            # Those the table refuses write nothing, so they are tried together; then one look at the store.
            before = await ledger.written(case_id)
            await asyncio.gather(*(attempt(method, path, op, pathway, *cell) for cell in refused))
            if await ledger.written(case_id) != before:
                unexpected.append(f"{method} {path} ({pathway}): a refused request wrote to the store")
            for cell in let_through:  # one at a time: a step taken is undone before the next person tries
                if await attempt(method, path, op, pathway, *cell) < 300 and method == "POST":
                    await ledger.restore(case_id)

    counts["unexpected"] = len(unexpected)
    print(f"\naccess matrix: {dict(counts)}")
    record_property("access_matrix", dict(counts))
    assert not unexpected, "\n".join(unexpected)
    assert cells == {(r, rel, a) for r in ROLES for rel in RELATIONSHIPS for a in ACTIONS}, "every cell tried"
