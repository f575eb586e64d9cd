"""Use cases of the referrals service. Each runs in one transaction: the state change and the
events it owes commit together or not at all."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert, select, update

from safeguard_shared.auth import Principal
from safeguard_shared.contracts.referrals import CaseOpened, ReferralReturned
from safeguard_shared.service import ServiceRuntime

from .adapters.orm import case_history, case_reads, cases
from .domain.child_case import ChildCase
from .domain.referral import ChildReferralFacts, assess_child_referral, new_case_ref
from .domain.sar_case import SarCase, care_act_criteria, reasons_incomplete
from .entrypoints.schemas import AdultReferralIn, ChildReferralIn


class InputProblem(Exception):
    """Well-formed input that breaks a rule; becomes a 422 naming the field."""

    def __init__(self, loc: list[str], msg: str):
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


class NotAllowed(Exception):
    pass


def _refers_for_itself(principal: Principal, referring_agency: str) -> None:
    # An agency refers for itself; the business unit may key in a referral on an agency's behalf.
    if not principal.has_any({"business_unit", "admin"}) and principal.agency != referring_agency:
        raise NotAllowed(f"your token is for agency '{principal.agency}', the referral is from '{referring_agency}'")


def _not_after(today: date, value: date | None, loc: list[str], problems: list[InputProblem]) -> None:
    if value and value > today:
        problems.append(InputProblem(loc, f"cannot be in the future (business date is {today.isoformat()})"))


async def open_child_case(runtime: ServiceRuntime, principal: Principal, referral: ChildReferralIn) -> dict:
    today = runtime.clock.today()
    received_on = referral.received_on or today
    problems: list[InputProblem] = []
    _not_after(today, referral.received_on, ["body", "received_on"], problems)
    _not_after(today, referral.incident.occurred_on, ["body", "incident", "occurred_on"], problems)
    _not_after(today, referral.incident.became_aware_on, ["body", "incident", "became_aware_on"], problems)
    _not_after(today, referral.safeguarding_lead.agreed_on, ["body", "safeguarding_lead", "agreed_on"], problems)
    _not_after(today, referral.child.date_of_birth, ["body", "child", "date_of_birth"], problems)
    if referral.incident.became_aware_on < referral.incident.occurred_on:
        problems.append(InputProblem(["body", "incident", "became_aware_on"],
                                     "became_aware_on cannot be before occurred_on: nobody became aware of an incident before it happened"))
    if referral.child.date_of_birth > referral.incident.occurred_on:
        problems.append(InputProblem(["body", "child", "date_of_birth"], "cannot be after the incident"))
    if referral.safeguarding_lead.agreed_on > received_on:
        problems.append(InputProblem(["body", "safeguarding_lead", "agreed_on"],
                                     "the safeguarding lead must agree the referral before it is received"))
    if problems:
        raise ExceptionGroup("referral breaks rules", problems)

    _refers_for_itself(principal, referral.referring_agency)

    assessment = assess_child_referral(ChildReferralFacts(
        outcome=referral.incident.outcome, abuse_or_neglect=referral.incident.abuse_or_neglect,
        looked_after=referral.child.looked_after, care_leaver=referral.child.care_leaver,
        date_of_birth=referral.child.date_of_birth, became_aware_on=referral.incident.became_aware_on))
    case_id = str(uuid.uuid4())
    case_ref = new_case_ref("child", received_on, case_id)
    status = "rapid_review" if assessment.rapid_review else "received"
    notices = list(assessment.notices_owed)
    awaiting = bool(getattr(runtime.settings, "panel_notice_awaits_la_confirmation", False)
                    and "national_panel" in notices)
    if awaiting:
        notices.remove("national_panel")
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        await session.execute(insert(cases).values(
            case_id=case_id, case_ref=case_ref, pathway="child", status=status,
            referring_agency=referral.referring_agency, received_on=received_on,
            became_aware_on=referral.incident.became_aware_on,
            serious_incident=assessment.serious_incident, rapid_review=assessment.rapid_review,
            referral=referral.model_dump(mode="json"), created_at=now, created_by=principal.subject,
            state=ChildCase(case_id=case_id, case_ref=case_ref, referring_agency=referral.referring_agency,
                            received_on=received_on, became_aware_on=referral.incident.became_aware_on,
                            rapid_review=assessment.rapid_review,
                            involved_agencies=list(referral.involved_agencies),
                            panel_notice="awaiting_confirmation" if awaiting else (
                                "sent" if "national_panel" in notices else "not_owed")).to_state()))
        await session.execute(insert(case_history).values(
            case_id=case_id, at=now, actor=principal.subject, agency=principal.agency, action="referred",
            detail={"status": status, "notices_owed": notices, "panel_notice_awaiting_confirmation": awaiting}))
        await runtime.outbox.add(session, CaseOpened(
            case_id=case_id, case_ref=case_ref, pathway="child", referring_agency=referral.referring_agency,
            received_on=received_on, became_aware_on=referral.incident.became_aware_on,
            involved_agencies=referral.involved_agencies, serious_incident=assessment.serious_incident,
            looked_after_death=assessment.looked_after_death, rapid_review=assessment.rapid_review,
            notices_owed=notices, panel_notice_awaiting_confirmation=awaiting), occurred_at=now)
    runtime.relay.wake()
    return {"case_id": case_id, "case_ref": case_ref, "pathway": "child", "status": status,
            "referring_agency": referral.referring_agency, "received_on": received_on,
            "became_aware_on": referral.incident.became_aware_on,
            "serious_incident": assessment.serious_incident, "rapid_review": assessment.rapid_review,
            "notices_owed": notices, "panel_notice_awaiting_confirmation": awaiting}


CASE_DETAIL_ROLES = {"business_unit", "panel_member", "independent_chair", "admin"}


async def read_case(runtime: ServiceRuntime, principal: Principal, case_id: str) -> dict | None:
    """Case detail for the business unit, panels and chairs (every read recorded); the referring
    agency's own staff see the referral's progress without the detail."""
    async with runtime.sessions() as session, session.begin():
        row = (await session.execute(select(cases).where(cases.c.case_id == case_id))).mappings().first()
        if row is None:
            return None
        full = principal.has_any(CASE_DETAIL_ROLES)
        if not full and not (principal.has_any({"referrer", "safeguarding_lead"})
                             and principal.agency == row["referring_agency"]):
            raise NotAllowed("case detail is for the business unit, panel members and the independent chair; "
                             "agencies see only their own referrals")
        if full:
            await session.execute(insert(case_reads).values(
                read_id=str(uuid.uuid4()), case_id=case_id, subject=principal.subject,
                agency=principal.agency, read_at=runtime.clock.now()))
        out = {k: row[k] for k in ("case_id", "case_ref", "pathway", "status", "referring_agency",
                                   "received_on", "became_aware_on", "serious_incident", "rapid_review")}
        if full:
            out["referral"] = row["referral"]
        return out


async def open_adult_case(runtime: ServiceRuntime, principal: Principal, referral: AdultReferralIn,
                          resubmission_of: str | None = None) -> dict:
    """A SAR referral: accepted (a case opens and its clocks start), or — well-formed but
    incomplete — recorded as returned with the reasons, and the referrer told. Never an HTTP error."""
    today = runtime.clock.today()
    received_on = referral.received_on or today
    problems: list[InputProblem] = []
    _not_after(today, referral.received_on, ["body", "received_on"], problems)
    _not_after(today, referral.adult.date_of_birth, ["body", "adult", "date_of_birth"], problems)
    if referral.authorised_by:
        _not_after(today, referral.authorised_by.authorised_on, ["body", "authorised_by", "authorised_on"], problems)
        if referral.authorised_by.authorised_on > received_on:
            problems.append(InputProblem(["body", "authorised_by", "authorised_on"],
                                         "the referral must be authorised before it is received"))
    if problems:
        raise ExceptionGroup("referral breaks rules", problems)
    _refers_for_itself(principal, referral.referring_agency)
    reasons = reasons_incomplete(authorised=referral.authorised_by is not None, agencies=referral.involved_agencies,
                                 summary=referral.summary)
    criteria = care_act_criteria(referral.criteria.model_dump())
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        if resubmission_of:
            query = select(cases).where(cases.c.case_id == resubmission_of)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update()
            existing = (await session.execute(query)).mappings().first()
            if existing is None or existing["pathway"] != "adult":
                raise CaseMissing("no SAR referral with that case_id")
            if existing["status"] != "returned":
                raise OutOfOrderIntake("only a returned referral can be resubmitted; this one is "
                                       f"{existing['status'].replace('_', ' ')}")
            if existing["referring_agency"] != referral.referring_agency:
                raise NotAllowed("a referral is resubmitted by the agency that made it")
            case_id, case_ref = existing["case_id"], existing["case_ref"]
        else:
            case_id = str(uuid.uuid4())
            case_ref = new_case_ref("adult", received_on, case_id)
        status = "returned" if reasons else "received"
        sar = SarCase(case_id=case_id, case_ref=case_ref, referring_agency=referral.referring_agency,
                      received_on=received_on, involved_agencies=list(referral.involved_agencies),
                      criteria_met=criteria, stage=status,
                      family_contact=referral.family_contact.model_dump() if referral.family_contact else None)
        values = dict(status=status, referring_agency=referral.referring_agency, received_on=received_on,
                      became_aware_on=None, serious_incident=False, rapid_review=False,
                      referral=referral.model_dump(mode="json"), state=sar.to_state())
        if resubmission_of:
            await session.execute(update(cases).where(cases.c.case_id == case_id).values(**values))
        else:
            await session.execute(insert(cases).values(case_id=case_id, case_ref=case_ref, pathway="adult",
                                                       created_at=now, created_by=principal.subject, **values))
        await session.execute(insert(case_history).values(
            case_id=case_id, at=now, actor=principal.subject, agency=principal.agency,
            action=("resubmitted" if resubmission_of else "referred") if not reasons else "returned",
            detail={"status": status, "reasons": reasons, "criteria_met": criteria,
                    "on_behalf_of_public": bool(referral.on_behalf_of_public)}))
        if reasons:
            await runtime.outbox.add(session, ReferralReturned(
                case_id=case_id, pathway="adult", referring_agency=referral.referring_agency, reasons=reasons),
                occurred_at=now)
        else:
            await runtime.outbox.add(session, CaseOpened(
                case_id=case_id, case_ref=case_ref, pathway="adult", referring_agency=referral.referring_agency,
                received_on=received_on, involved_agencies=list(referral.involved_agencies)), occurred_at=now)
    runtime.relay.wake()
    out = {"case_id": case_id, "case_ref": case_ref, "pathway": "adult", "status": status,
           "referring_agency": referral.referring_agency, "received_on": received_on, "criteria_met": criteria}
    if reasons:
        out["reasons"] = reasons
    return out


class CaseMissing(Exception):
    pass


class OutOfOrderIntake(Exception):
    pass
