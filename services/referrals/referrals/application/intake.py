"""Intake: a referral opens a case (or, for a SAR, is returned with the reasons). One unit of work
each: the case, its history line and the event it owes commit together or not at all."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Literal, TypeVar
from uuid import uuid4

from pydantic import BaseModel

from safeguard_shared.contracts.referrals import CaseOpened, FamilyContact, RecipientKind, ReferralReturned
from safeguard_shared.partnership import Principal, require_own_agency
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import repository
from ..domain.access import authorise
from ..domain.child_case import ChildCase
from ..domain.errors import OutOfOrder, RuleBroken
from ..domain.referral import (
    ChildReferralAssessment,
    ChildReferralFacts,
    already_received,
    assess_child_referral,
    likely_duplicate_key,
    new_case_ref,
    request_digest,
)
from ..domain.sar_case import SarCase, care_act_criteria, reasons_incomplete
from .commands.intake import ReferAdult, ReferChild
from .errors import CaseNotFound, NotAllowed


class ChildReferralAccepted(BaseModel):
    case_id: str
    case_ref: str
    pathway: Literal["child"]
    status: str
    referring_agency: str
    received_on: date
    became_aware_on: date
    serious_incident: bool
    rapid_review: bool
    notices_owed: list[RecipientKind]
    panel_notice_awaiting_confirmation: bool
    # Only when this referral looks like one already received (answered 200, no second case).
    duplicate_of: str | None = None
    message: str | None = None


class AdultReferralOutcome(BaseModel):
    case_id: str
    case_ref: str
    pathway: Literal["adult"]
    status: Literal["received", "returned"]
    referring_agency: str
    received_on: date
    criteria_met: str | None
    reasons: list[str] | None = None  # only when returned: what to put right
    duplicate_of: str | None = None  # only when it looks like a referral already received (200)
    message: str | None = None


Answer = TypeVar("Answer", ChildReferralAccepted, AdultReferralOutcome)


async def _once(uow: UnitOfWork, actor: Principal, *, idempotency_key: str | None, digest: str,
                likely: str | None, answer_type: type[Answer], open_case: Callable[[], Awaitable[Answer]],
                resubmission_of: str | None = None) -> tuple[int, Answer]:
    """Open the case once: the same key from the same agency gets the answer it had; a referral like
    one already received (``likely``) gets that case, with ``duplicate_of``, and opens nothing. Both
    checks and the opening run one request at a time for the same key or referral, so two sent at
    once open one case."""
    async with uow:
        names = ([f"referral:{likely}"] if likely else []) + (
            [f"idempotency:{actor.agency}:{idempotency_key}"] if idempotency_key else [])
        await repository.one_at_a_time(uow.session, *names)
        if idempotency_key:
            kept = await repository.idempotent_answer(uow.session, actor.agency, idempotency_key)
            if kept is not None:
                if kept["request_digest"] != digest:
                    raise RuleBroken(["header", "Idempotency-Key"],
                                     f"this key was already used for a different referral (case "
                                     f"{kept['response']['case_ref']}); send a new referral with a new key")
                return kept["status_code"], answer_type.model_validate(kept["response"])
        same = await repository.fingerprint(uow.session, likely) if likely else None
        # A resubmission of the case the referral already opened is for the case to answer (409).
        if same is not None and same["case_id"] != resubmission_of:
            case = await repository.case_row(uow.session, same["case_id"])
            assert case is not None
            status_code = 200
            body: dict[str, Any] = {**same["response"], "status": case["status"], "duplicate_of": case["case_id"],
                                    "message": already_received(case["case_ref"], case["received_on"])}
        else:
            status_code = 201
            body = (await open_case()).model_dump(mode="json", exclude_unset=True)
            if likely:
                await repository.add_fingerprint(uow.session, value=likely, case_id=body["case_id"], response=body)
        if idempotency_key:
            await repository.remember_answer(
                uow.session, agency=actor.agency, key=idempotency_key, request_digest=digest,
                status_code=status_code, response=body, case_id=body["case_id"], created_at=uow.now())
        return status_code, answer_type.model_validate(body)


def _not_after(today: date, value: date | None, loc: list[str], problems: list[RuleBroken]) -> None:
    if value and value > today:
        problems.append(RuleBroken(loc, f"cannot be in the future (business date is {today.isoformat()})"))


def _refers_for_itself(actor: Principal, referring_agency: str) -> None:
    # An agency refers for itself; the business unit may key in a referral on an agency's behalf.
    require_own_agency(actor, referring_agency, what="the referral")


async def open_child_case(referral: ReferChild, actor: Principal, uow: UnitOfWork, *,
                          panel_notice_awaits_confirmation: bool = False,
                          idempotency_key: str | None = None) -> tuple[int, ChildReferralAccepted]:
    """201 and the case opened; 200 and the case already opened by the same referral (see ``_once``)."""
    today = uow.clock.today()
    received_on = referral.received_on or today
    incident, child, lead = referral.incident, referral.child, referral.safeguarding_lead
    problems: list[RuleBroken] = []
    _not_after(today, referral.received_on, ["body", "received_on"], problems)
    _not_after(today, incident.occurred_on, ["body", "incident", "occurred_on"], problems)
    _not_after(today, incident.became_aware_on, ["body", "incident", "became_aware_on"], problems)
    _not_after(today, lead.agreed_on, ["body", "safeguarding_lead", "agreed_on"], problems)
    _not_after(today, child.date_of_birth, ["body", "child", "date_of_birth"], problems)
    if incident.became_aware_on < incident.occurred_on:
        problems.append(RuleBroken(["body", "incident", "became_aware_on"],
                                   "became_aware_on cannot be before occurred_on: nobody became aware of an incident "
                                   "before it happened"))
    if child.date_of_birth > incident.occurred_on:
        problems.append(RuleBroken(["body", "child", "date_of_birth"], "cannot be after the incident"))
    if lead.agreed_on > received_on:
        problems.append(RuleBroken(["body", "safeguarding_lead", "agreed_on"],
                                   "the safeguarding lead must agree the referral before it is received"))
    if problems:
        raise ExceptionGroup("referral breaks rules", problems)
    _refers_for_itself(actor, referral.referring_agency)

    assessment = assess_child_referral(ChildReferralFacts(
        outcome=incident.outcome, abuse_or_neglect=incident.abuse_or_neglect, looked_after=child.looked_after,
        care_leaver=child.care_leaver, date_of_birth=child.date_of_birth, became_aware_on=incident.became_aware_on))
    likely = likely_duplicate_key("child", referral.referring_agency, child.reference, incident.occurred_on)
    return await _once(uow, actor, idempotency_key=idempotency_key,
                       digest=request_digest("child", referral.model_dump(mode="json")), likely=likely,
                       answer_type=ChildReferralAccepted,
                       open_case=lambda: _open_child_case(referral, actor, uow, received_on, assessment,
                                                          panel_notice_awaits_confirmation))


async def _new_case(uow: UnitOfWork, pathway: str, received_on: date) -> tuple[str, str]:
    """A new case's id and reference. The reference is six hex digits of the id (domain/referral.py):
    among a few thousand cases of one year two would share them, and the second referral would fail.
    So a reference already given is never given again: another id is drawn."""
    while True:
        case_id = str(uuid4())
        case_ref = new_case_ref(pathway, received_on, case_id)
        if not await repository.case_ref_taken(uow.session, case_ref):
            return case_id, case_ref


async def _open_child_case(referral: ReferChild, actor: Principal, uow: UnitOfWork, received_on: date,
                           assessment: ChildReferralAssessment,
                           panel_notice_awaits_confirmation: bool) -> ChildReferralAccepted:
    incident = referral.incident
    case_id, case_ref = await _new_case(uow, "child", received_on)
    status = "rapid_review" if assessment.rapid_review else "received"
    notices: list[RecipientKind] = list(assessment.notices_owed)
    awaiting = panel_notice_awaits_confirmation and "national_panel" in notices
    if awaiting:
        notices.remove("national_panel")
    case = ChildCase(case_id=case_id, case_ref=case_ref, referring_agency=referral.referring_agency,
                     received_on=received_on, became_aware_on=incident.became_aware_on,
                     rapid_review=assessment.rapid_review, involved_agencies=list(referral.involved_agencies),
                     panel_notice="awaiting_confirmation" if awaiting else (
                         "sent" if "national_panel" in notices else "not_owed"))
    now = uow.now()
    await repository.add_case(
        uow.session, case_id=case_id, case_ref=case_ref, pathway="child", status=status,
        referring_agency=referral.referring_agency, received_on=received_on,
        became_aware_on=incident.became_aware_on, serious_incident=assessment.serious_incident,
        rapid_review=assessment.rapid_review, referral=referral.model_dump(mode="json"), created_at=now,
        created_by=actor.subject, state=case.to_state())
    await repository.add_history(
        uow.session, case_id=case_id, at=now, actor=actor.subject, agency=actor.agency, action="referred",
        detail={"status": status, "notices_owed": notices, "panel_notice_awaiting_confirmation": awaiting})
    await uow.publish(CaseOpened(
        case_id=case_id, case_ref=case_ref, pathway="child", referring_agency=referral.referring_agency,
        received_on=received_on, became_aware_on=incident.became_aware_on,
        involved_agencies=referral.involved_agencies, serious_incident=assessment.serious_incident,
        looked_after_death=assessment.looked_after_death, rapid_review=assessment.rapid_review,
        notices_owed=notices, panel_notice_awaiting_confirmation=awaiting), occurred_at=now)
    return ChildReferralAccepted(
        case_id=case_id, case_ref=case_ref, pathway="child", status=status, referring_agency=referral.referring_agency,
        received_on=received_on, became_aware_on=incident.became_aware_on,
        serious_incident=assessment.serious_incident, rapid_review=assessment.rapid_review, notices_owed=notices,
        panel_notice_awaiting_confirmation=awaiting)


async def open_adult_case(referral: ReferAdult, actor: Principal, uow: UnitOfWork,
                          resubmission_of: str | None = None,
                          idempotency_key: str | None = None) -> tuple[int, AdultReferralOutcome]:
    """A SAR referral: accepted (a case opens and its clocks start), or — well-formed but
    incomplete — recorded as returned with the reasons, and the referrer told. Never an HTTP error.
    201, or 200 with the case a referral like it already opened (see ``_once``)."""
    today = uow.clock.today()
    received_on = referral.received_on or today
    problems: list[RuleBroken] = []
    _not_after(today, referral.received_on, ["body", "received_on"], problems)
    _not_after(today, referral.adult.date_of_birth, ["body", "adult", "date_of_birth"], problems)
    if referral.authorised_by:
        _not_after(today, referral.authorised_by.authorised_on, ["body", "authorised_by", "authorised_on"], problems)
        if referral.authorised_by.authorised_on > received_on:
            problems.append(RuleBroken(["body", "authorised_by", "authorised_on"],
                                       "the referral must be authorised before it is received"))
    if problems:
        raise ExceptionGroup("referral breaks rules", problems)
    _refers_for_itself(actor, referral.referring_agency)
    reasons = reasons_incomplete(authorised=referral.authorised_by is not None, agencies=referral.involved_agencies,
                                 summary=referral.summary)
    criteria = care_act_criteria(referral.criteria.model_dump())
    # A returned referral holds nothing back: only one that opens a case is a case to be duplicated.
    likely = None if reasons else likely_duplicate_key("adult", referral.referring_agency, referral.adult.reference,
                                                       received_on)
    return await _once(uow, actor, idempotency_key=idempotency_key,
                       digest=request_digest(f"adult:{resubmission_of or ''}", referral.model_dump(mode="json")),
                       likely=likely, answer_type=AdultReferralOutcome,
                       open_case=lambda: _open_adult_case(referral, actor, uow, received_on, reasons, criteria,
                                                          resubmission_of), resubmission_of=resubmission_of)


async def _open_adult_case(referral: ReferAdult, actor: Principal, uow: UnitOfWork, received_on: date,
                           reasons: list[str], criteria: str | None,
                           resubmission_of: str | None) -> AdultReferralOutcome:
    status: Literal["received", "returned"] = "returned" if reasons else "received"
    now = uow.now()
    if resubmission_of:
        existing = await repository.case_row(uow.session, resubmission_of, for_update=True)
        if existing is None or existing["pathway"] != "adult":
            raise CaseNotFound("no SAR referral with that case_id")
        authorise(actor, SarCase.from_state(existing["state"]), "resubmit")
        if existing["status"] != "returned":
            raise OutOfOrder("only a returned referral can be resubmitted; this one is "
                             f"{existing['status'].replace('_', ' ')}")
        if existing["referring_agency"] != referral.referring_agency:
            raise NotAllowed("a referral is resubmitted by the agency that made it")
        case_id, case_ref = existing["case_id"], existing["case_ref"]
    else:
        case_id, case_ref = await _new_case(uow, "adult", received_on)
    sar = SarCase(case_id=case_id, case_ref=case_ref, referring_agency=referral.referring_agency,
                  received_on=received_on, involved_agencies=list(referral.involved_agencies),
                  criteria_met=criteria, stage=status,
                  family_contact=FamilyContact.model_validate(referral.family_contact.model_dump())
                  if referral.family_contact else None)
    values: dict[str, Any] = dict(
        status=status, referring_agency=referral.referring_agency, received_on=received_on,
        became_aware_on=None, serious_incident=False, rapid_review=False,
        referral=referral.model_dump(mode="json"), state=sar.to_state())
    if resubmission_of:
        await repository.update_case(uow.session, case_id, **values)
    else:
        await repository.add_case(uow.session, case_id=case_id, case_ref=case_ref, pathway="adult",
                                  created_at=now, created_by=actor.subject, **values)
    await repository.add_history(
        uow.session, case_id=case_id, at=now, actor=actor.subject, agency=actor.agency,
        action=("resubmitted" if resubmission_of else "referred") if not reasons else "returned",
        detail={"status": status, "reasons": reasons, "criteria_met": criteria,
                "on_behalf_of_public": bool(referral.on_behalf_of_public)})
    if reasons:
        await uow.publish(ReferralReturned(case_id=case_id, case_ref=case_ref, pathway="adult",
                                           referring_agency=referral.referring_agency, reasons=reasons),
                          occurred_at=now)
    else:
        await uow.publish(CaseOpened(case_id=case_id, case_ref=case_ref, pathway="adult",
                                     referring_agency=referral.referring_agency, received_on=received_on,
                                     involved_agencies=list(referral.involved_agencies)), occurred_at=now)
    # ``reasons`` is there only when the referral was returned (the route leaves unset fields out).
    return AdultReferralOutcome(case_id=case_id, case_ref=case_ref, pathway="adult", status=status,
                                referring_agency=referral.referring_agency, received_on=received_on,
                                criteria_met=criteria, **({"reasons": reasons} if reasons else {}))
