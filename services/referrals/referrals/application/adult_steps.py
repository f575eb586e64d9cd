"""Use cases of a safeguarding adult review after intake: each takes its command, the person taking
the step and a unit of work, and returns the SAR as the step left it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from safeguard_shared.contracts import Event
from safeguard_shared.contracts.referrals import FamilyContact
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..domain.sar_case import Imr, PanelMeeting, SarCase, UnimplementedRecommendation
from .child_steps import new_recommendations
from .commands import Command
from .commands.adult import (
    CommissionSarReviewers,
    DecideSar,
    DelaySar,
    HoldPanelMeeting,
    NameAgencies,
    PublishSar,
    RecordDate,
    RecordFindings,
    ResumeSar,
    ReturnSarScoping,
    ReviewSarDecision,
    ScreenSar,
    SignOffSar,
    SubmitImr,
    TellFamily,
    UpdateOnDelay,
)
from .commands.intake import RecordFamilyContact
from .pathway import run_step

# Free text and a contact's address stay in the case, never in its history.
NOT_IN_HISTORY = {"information", "chronology", "review_of_records", "interviews", "email", "postal_address",
                  "other_steps_detail"}


def is_the_chair(actor: Principal) -> bool:
    return "independent_chair" in actor.roles


async def _step(uow: UnitOfWork, actor: Principal, case_id: str, action: str, command: Command,
                step: Callable[[SarCase, date], list[Event]], detail: dict[str, Any] | None = None) -> SarCase:
    return await run_step(uow, actor, case_id, SarCase, action, step,
                          detail if detail is not None else command.model_dump(mode="json", exclude=NOT_IN_HISTORY))


async def screen(case_id: str, command: ScreenSar, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "sar_screened", command, lambda c, today: c.screen(
        business_manager_agrees=command.business_manager_agrees, panel_chair_agrees=command.panel_chair_agrees,
        outcome=command.outcome, reasons=command.reasons, today=today,
        mandatory_override_reason=command.mandatory_override_reason, by_chair=is_the_chair(actor)))


async def sign_off_for_scoping(case_id: str, command: NameAgencies, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "signed_off_for_scoping", command,
                       lambda c, today: c.sign_off_for_scoping(agencies=command.agencies, today=today))


async def return_scoping(case_id: str, agency: str, command: ReturnSarScoping, actor: Principal,
                         uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "scoping_returned", command, lambda c, today: c.return_scoping(
        agency=agency, returned_on=today, information=command.information,
        no_information_held=command.no_information_held),
        {"agency": agency, "no_information_held": command.no_information_held})


async def review_scoping(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "scoping_reviewed", command,
                       lambda c, today: c.review_scoping(reviewed_on=command.on, today=today))


async def decide(case_id: str, command: DecideSar, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "sar_decided", command, lambda c, today: c.decide(
        convene=command.convene, decided_on=command.decided_on, reasons=command.reasons, today=today,
        other_steps=command.other_steps, other_steps_detail=command.other_steps_detail))


async def review_decision(case_id: str, command: ReviewSarDecision, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "sar_decision_confirmed" if command.confirmed else
                       "sar_decision_overturned", command, lambda c, today: c.review_decision(
                           confirmed=command.confirmed, on=command.on, today=today, reasons=command.reasons,
                           other_steps=command.other_steps, other_steps_detail=command.other_steps_detail,
                           mandatory_override_reason=command.mandatory_override_reason,
                           by_chair=is_the_chair(actor)))


async def agree(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "sar_agreed", command,
                       lambda c, today: c.agree(agreed_on=command.on, today=today))


async def record_family_contact(case_id: str, command: RecordFamilyContact, actor: Principal,
                                uow: UnitOfWork) -> SarCase:
    contact = FamilyContact.model_validate(command.model_dump())
    return await _step(uow, actor, case_id, "family_contact_recorded", command,
                       lambda c, today: c.record_family_contact(contact=contact))


async def tell_family(case_id: str, command: TellFamily, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "family_notified", command, lambda c, today: c.tell_family(
        notified_on=command.notified_on, by=command.by, method=command.method, today=today))


async def commission_reviewers(case_id: str, command: CommissionSarReviewers, actor: Principal,
                               uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "reviewers_commissioned", command, lambda c, today: c.commission_reviewers(
        reviewers=command.reviewers, commissioned_on=command.commissioned_on, today=today))


async def hold_initial_meeting(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "initial_meeting_held", command,
                       lambda c, today: c.hold_initial_meeting(held_on=command.on, today=today))


async def request_imrs(case_id: str, command: NameAgencies, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "imrs_requested", command,
                       lambda c, today: c.request_imrs(agencies=command.agencies))


async def submit_imr(case_id: str, agency: str, command: SubmitImr, actor: Principal, uow: UnitOfWork) -> SarCase:
    imr = Imr.model_validate(command.model_dump())
    return await _step(uow, actor, case_id, "imr_submitted", command,
                       lambda c, today: c.submit_imr(agency=agency, imr=imr, today=today),
                       {"agency": agency, "author_role": command.author_role,
                        "independent": command.author_independent_of_case})


async def hold_panel_meeting(case_id: str, command: HoldPanelMeeting, actor: Principal, uow: UnitOfWork) -> SarCase:
    meeting = PanelMeeting.model_validate(command.model_dump())
    return await _step(uow, actor, case_id, "panel_meeting_held", command,
                       lambda c, today: c.hold_panel_meeting(meeting=meeting, today=today))


async def present_draft(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "draft_report_presented", command,
                       lambda c, today: c.present_draft(presented_on=command.on, today=today))


async def present_to_committee(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "committee_presentation_held", command,
                       lambda c, today: c.present_to_committee(held_on=command.on, today=today))


async def sign_off(case_id: str, command: SignOffSar, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "signed_off", command, lambda c, today: c.sign_off(
        signed_off_on=command.signed_off_on, publish=command.publish, today=today))


async def share_with_family(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "report_shared_with_family", command,
                       lambda c, today: c.share_with_family(shared_on=command.on, today=today))


async def publish(case_id: str, command: PublishSar, actor: Principal, uow: UnitOfWork) -> SarCase:
    recommendations = new_recommendations([(r.text, r.owning_agency) for r in command.recommendations])
    return await _step(uow, actor, case_id, "sar_published", command, lambda c, today: c.publish(
        published_on=command.published_on, recommendations=recommendations, today=today))


async def hold_learning_event(case_id: str, command: RecordDate, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "learning_event_held", command,
                       lambda c, today: c.hold_learning_event(held_on=command.on, today=today))


async def delay(case_id: str, command: DelaySar, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "sar_delayed", command, lambda c, today: c.delay_review(
        reason=command.reason, reason_code=command.reason_code, expected_sign_off_on=command.expected_sign_off_on,
        today=today))


async def update_on_delay(case_id: str, command: UpdateOnDelay, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "delay_update_sent", command,
                       lambda c, today: c.update_on_delay(update=command.update, today=today))


async def resume(case_id: str, command: ResumeSar, actor: Principal, uow: UnitOfWork) -> SarCase:
    return await _step(uow, actor, case_id, "sar_resumed", command, lambda c, today: c.resume(today=today))


async def record_findings(case_id: str, command: RecordFindings, actor: Principal, uow: UnitOfWork) -> SarCase:
    not_implemented = [UnimplementedRecommendation(recommendation=n.recommendation, reason=n.reason)
                       for n in command.not_implemented]
    return await _step(uow, actor, case_id, "findings_recorded", command, lambda c, today: c.record_findings(
        findings=command.findings, actions_taken=command.actions_taken, not_implemented=not_implemented))
