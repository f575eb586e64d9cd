"""HTTP routes for the steps of a safeguarding adult review (prefix /v1/cases/{case_id}/sar)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from safeguard_shared.auth import AGENCIES, CurrentPrincipal, Principal, require_roles

from .. import pathway
from ..domain.child_case import OutOfOrder, RuleBroken
from .schemas import FamilyContactIn

router = APIRouter(prefix="/v1/cases/{case_id}/sar", tags=["adults' pathway"])

BU = ("business_unit",)
CHAIR = ("independent_chair",)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ScreeningIn(Strict):
    business_manager_agrees: bool
    panel_chair_agrees: bool
    outcome: Literal["proceed_to_scoping", "not_proceeding"]
    reasons: str = Field(min_length=1, max_length=5000)


class AgenciesIn(Strict):
    agencies: list[str] = Field(min_length=1)


class ScopingReturnIn(Strict):
    information: str | None = Field(default=None, max_length=50000)
    no_information_held: bool = False


class DateIn(Strict):
    on: date


class DecisionIn(Strict):
    convene: bool
    decided_on: date
    reasons: str = Field(min_length=1, max_length=5000)


class FamilyNotifiedIn(Strict):
    notified_on: date
    by: str = Field(min_length=1, max_length=200, description="the chair, or the nominated senior professional")
    method: str = Field(min_length=1, max_length=200)


class ReviewersIn(Strict):
    reviewers: list[str] = Field(min_length=1)
    commissioned_on: date


class ImrIn(Strict):
    author_name: str = Field(min_length=1, max_length=200)
    author_role: str = Field(min_length=1, max_length=200)
    author_independent_of_case: bool
    chronology: str = ""
    review_of_records: str = ""
    interviews: str = ""


class PanelMeetingIn(Strict):
    held_on: date
    progress: str = Field(min_length=1)
    immediate_risks: str = Field(min_length=1)
    learning_to_share: str = Field(min_length=1)
    guidance_to_reviewer: str = Field(min_length=1)
    drafts_reviewed: str = Field(min_length=1)
    communications: str = Field(min_length=1)


class SignOffIn(Strict):
    signed_off_on: date
    publish: Literal["full", "summary"]


class RecommendationIn(Strict):
    text: str = Field(min_length=1, max_length=5000)
    owning_agency: str


class PublicationIn(Strict):
    published_on: date
    recommendations: list[RecommendationIn] = []


class DelayIn(Strict):
    reason: str = Field(min_length=3, max_length=5000, description="e.g. parallel court proceedings")
    expected_sign_off_on: date | None = None


class DelayUpdateIn(Strict):
    update: str = Field(min_length=3, max_length=5000)


class NotImplementedIn(Strict):
    recommendation: str = Field(min_length=1)
    reason: str = ""


class FindingsIn(Strict):
    findings: list[str] = Field(min_length=1)
    actions_taken: list[str] = []
    not_implemented: list[NotImplementedIn] = []


def _known(agencies: list[str], loc: list) -> None:
    for a in agencies:
        if a not in AGENCIES:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                [{"loc": loc, "msg": f"unknown agency '{a}'", "type": "value_error"}])


async def _step(request: Request, principal: Principal, case_id: str, action: str, fn, detail=None):
    try:
        case = await pathway.run_step(request.app.state.runtime, principal, case_id, action, fn, detail,
                                      pathway="adult")
    except pathway.CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except OutOfOrder as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except RuleBroken as exc:
        return JSONResponse({"detail": [{"loc": exc.loc, "msg": exc.msg, "type": "value_error"}]}, status_code=422)
    except ExceptionGroup as group:
        return JSONResponse({"detail": [{"loc": e.loc, "msg": e.msg, "type": "value_error"} for e in group.exceptions]},
                            status_code=422)
    return {"case_id": case.case_id, "case_ref": case.case_ref, "stage": case.stage,
            "scoping_returned_by": sorted(case.scoping_returns), "imrs": sorted(case.imrs),
            "delayed": bool(case.delay and not case.delay.get("resumed_on"))}


def route(path: str, model, roles: tuple, action: str, call, doc: str):
    """Declare one step: who may take it, what it records, and what the domain does with it."""

    async def handler(case_id: str, body, request: Request, principal: CurrentPrincipal):
        require_roles(principal, *roles)
        return await _step(request, principal, case_id, action, lambda c, today: call(c, body, today),
                           body.model_dump(mode="json", exclude={"information", "chronology", "review_of_records",
                                                                 "interviews", "email", "postal_address"}))

    handler.__doc__ = doc
    handler.__name__ = f"sar_{action}"
    # Annotations are strings under `from __future__ import annotations`; FastAPI needs the model itself.
    handler.__annotations__.update(body=model, request=Request, principal=CurrentPrincipal, case_id=str)
    router.post(path)(handler)


route("/screening", ScreeningIn, BU, "sar_screened", lambda c, b, t: c.screen(
    business_manager_agrees=b.business_manager_agrees, panel_chair_agrees=b.panel_chair_agrees, outcome=b.outcome,
    reasons=b.reasons, today=t), "Screening by the business manager and the SAR panel chair; the referrer is told.")
route("/scoping", AgenciesIn, CHAIR, "signed_off_for_scoping", lambda c, b, t: c.sign_off_for_scoping(
    agencies=b.agencies, today=t), "The independent chair signs the referral off for scoping by these agencies.")
route("/scoping-review", DateIn, BU, "scoping_reviewed", lambda c, b, t: c.review_scoping(reviewed_on=b.on, today=t),
      "The SAR rapid review panel reviewed the agencies' scoping.")
route("/decision", DecisionIn, BU, "sar_decided", lambda c, b, t: c.decide(
    convene=b.convene, decided_on=b.decided_on, reasons=b.reasons, today=t),
    "The sub-group's decision whether to convene a SAR (target 6 weeks, at the latest 8, after receipt).")
route("/agreement", DateIn, CHAIR, "sar_agreed", lambda c, b, t: c.agree(agreed_on=b.on, today=t),
      "The independent chair agrees the SAR, which commissions it.")
route("/family-contact", FamilyContactIn, BU, "family_contact_recorded", lambda c, b, t: c.record_family_contact(
    contact=b.model_dump()), "Who the partnership writes to: the adult, a family member or an advocate.")
route("/family-notified", FamilyNotifiedIn, BU, "family_notified", lambda c, b, t: c.tell_family(
    notified_on=b.notified_on, by=b.by, method=b.method, today=t), "The family was told a SAR is being commissioned.")
route("/reviewers", ReviewersIn, BU, "reviewers_commissioned", lambda c, b, t: c.commission_reviewers(
    reviewers=b.reviewers, commissioned_on=b.commissioned_on, today=t), "Reviewers commissioned (within 3 weeks).")
route("/initial-meeting", DateIn, BU, "initial_meeting_held", lambda c, b, t: c.hold_initial_meeting(
    held_on=b.on, today=t), "The initial scoping meeting of the reviewers and the SAR panel.")
route("/imr-requests", AgenciesIn, BU, "imrs_requested", lambda c, b, t: c.request_imrs(agencies=b.agencies),
      "Ask agencies for individual management reviews (IMRs).")
route("/panel-meetings", PanelMeetingIn, BU, "panel_meeting_held", lambda c, b, t: c.hold_panel_meeting(
    meeting=b.model_dump(mode="json", exclude={"held_on"}), held_on=b.held_on, today=t),
    "A monthly SAR panel meeting: progress, immediate risks, learning, guidance, drafts, communications.")
route("/draft-report", DateIn, BU, "draft_report_presented", lambda c, b, t: c.present_draft(presented_on=b.on, today=t),
      "The draft final report went to the SAR panel (5 months).")
route("/committee", DateIn, BU, "committee_presentation_held", lambda c, b, t: c.present_to_committee(
    held_on=b.on, today=t), "Presentation to the SAR committee (5½ months).")
route("/sign-off", SignOffIn, BU, "signed_off", lambda c, b, t: c.sign_off(
    signed_off_on=b.signed_off_on, publish=b.publish, today=t),
    "The board signed the report off (6 months) and decided: full report or summary.")
route("/shared-with-family", DateIn, BU, "report_shared_with_family", lambda c, b, t: c.share_with_family(
    shared_on=b.on, today=t), "The report was shared with the family (2 weeks after sign-off).")
route("/publication", PublicationIn, BU, "sar_published", lambda c, b, t: c.publish(
    published_on=b.published_on, today=t, recommendations=[
        {"recommendation_id": pathway.new_recommendation_id(), **r.model_dump()} for r in b.recommendations]),
    "Publication (7 months), with the recommendations for action plans.")
route("/learning-event", DateIn, BU, "learning_event_held", lambda c, b, t: c.hold_learning_event(held_on=b.on, today=t),
      "The learning event (9 months).")
route("/delay", DelayIn, BU, "sar_delayed", lambda c, b, t: c.delay_review(
    reason=b.reason, expected_sign_off_on=b.expected_sign_off_on, today=t),
    "The SAR will run past six months: the clock stops and the adult or advocate is told why, in writing.")
route("/delay/updates", DelayUpdateIn, BU, "delay_update_sent", lambda c, b, t: c.update_on_delay(update=b.update, today=t),
      "Keep the adult or advocate updated while the SAR is delayed.")
route("/findings", FindingsIn, BU, "findings_recorded", lambda c, b, t: c.record_findings(
    findings=b.findings, actions_taken=b.actions_taken, not_implemented=[n.model_dump() for n in b.not_implemented]),
    "What the SAR found, what was done, and the reasons for anything not implemented (annual report).")


class Empty(Strict):
    pass


route("/delay/resume", Empty, BU, "sar_resumed", lambda c, b, t: c.resume(today=t),
      "The delay is over: the clock restarts and its dates move by the time it stood still.")


@router.post("/scoping-returns/{agency}")
async def return_scoping(case_id: str, agency: str, body: ScopingReturnIn, request: Request,
                         principal: CurrentPrincipal):
    """An agency with involvement returns its own scoping information (within 20 working days)."""
    require_roles(principal, "referrer", "safeguarding_lead", "business_unit")
    _known([agency], ["path", "agency"])
    if not principal.has_any({"business_unit", "admin"}) and principal.agency != agency:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency returns only its own scoping")
    return await _step(request, principal, case_id, "scoping_returned", lambda c, today: c.return_scoping(
        agency=agency, returned_on=today, information=body.information, no_information_held=body.no_information_held),
        {"agency": agency, "no_information_held": body.no_information_held})


@router.post("/imrs/{agency}")
async def submit_imr(case_id: str, agency: str, body: ImrIn, request: Request, principal: CurrentPrincipal):
    """An agency's IMR, written by a manager independent of the case: chronology, review of records, interviews."""
    require_roles(principal, "referrer", "safeguarding_lead", "business_unit")
    _known([agency], ["path", "agency"])
    if not principal.has_any({"business_unit", "admin"}) and principal.agency != agency:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency submits only its own IMR")
    return await _step(request, principal, case_id, "imr_submitted", lambda c, today: c.submit_imr(
        agency=agency, imr=body.model_dump(), today=today),
        {"agency": agency, "author_role": body.author_role, "independent": body.author_independent_of_case})
