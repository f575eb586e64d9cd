"""Use cases of the children's pathway after intake: each takes its command, the person taking the
step and a unit of work, and returns the case as the step left it."""
from __future__ import annotations

import uuid

from safeguard_shared.contracts.referrals import Recommendation
from safeguard_shared.partnership import Principal
from safeguard_shared.unit_of_work import UnitOfWork

from ..domain.child_case import Attendee, ChildCase
from .commands.child import (
    AddDraft,
    AgreeTerms,
    CommissionCsprReviewers,
    DecideRapidReview,
    PublishCspr,
    RebookMeeting,
    RecordAttendance,
    RecordInvolvement,
    RecordMeetingHeld,
    RecordPanelResponse,
    RequestScoping,
    ReturnScoping,
    SendFinalReport,
)
from .pathway import run_step


async def confirm_panel_notification(case_id: str, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "panel_notification_confirmed",
                          lambda c, today: c.confirm_panel_notification(today=today))


async def request_scoping(case_id: str, command: RequestScoping, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "scoping_requested", lambda c, today: c.request_scoping(
        agencies=command.involved_agencies, meeting_on=command.meeting_on, today=today,
        outside_window_reason=command.outside_window_reason, meeting_time=command.meeting_time,
        meeting_place=command.meeting_place),
        lambda case: {"agencies": command.involved_agencies, "meeting_on": command.meeting_on.isoformat(),
                      "outside_window_reason": command.outside_window_reason,
                      "meeting_time": command.meeting_time.strftime("%H:%M") if command.meeting_time else None,
                      "meeting_place": command.meeting_place,
                      **({"warnings": case.scoping_warnings} if case.scoping_warnings else {})})


async def rebook_meeting(case_id: str, command: RebookMeeting, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "meeting_rebooked", lambda c, today: c.rebook_meeting(
        meeting_on=command.meeting_on, today=today, outside_window_reason=command.outside_window_reason,
        meeting_time=command.meeting_time, meeting_place=command.meeting_place),
        lambda case: {"meeting_on": command.meeting_on.isoformat(), "booking": case.meeting_booking,
                      "outside_window_reason": command.outside_window_reason,
                      "meeting_time": command.meeting_time.strftime("%H:%M") if command.meeting_time else None,
                      "meeting_place": command.meeting_place,
                      **({"warnings": case.scoping_warnings} if case.scoping_warnings else {})})


async def return_scoping(case_id: str, agency: str, command: ReturnScoping, actor: Principal,
                         uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "scoping_returned", lambda c, today: c.return_scoping(
        agency=agency, returned_on=today, records_secured=command.records_secured,
        no_information_held=command.no_information_held, involvement=command.involvement),
        {"agency": agency, "records_secured": command.records_secured,
         "no_information_held": command.no_information_held})


async def record_attendance(case_id: str, command: RecordAttendance, actor: Principal, uow: UnitOfWork) -> ChildCase:
    attendees = [Attendee(agency=a.agency, name=a.name, role=a.role) for a in command.attendees]
    return await run_step(uow, actor, case_id, ChildCase, "attendance_recorded",
                          lambda c, today: c.record_attendance(attendees=attendees),
                          {"agencies": sorted({a.agency for a in command.attendees})})


async def record_meeting_held(case_id: str, command: RecordMeetingHeld, actor: Principal,
                              uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "meeting_held",
                          lambda c, today: c.hold_meeting(held_on=command.held_on, today=today,
                                                          reason=command.reason),
                          {"held_on": command.held_on.isoformat(),
                           **({"reason": command.reason.strip()} if command.reason and command.reason.strip() else {})})


async def decide(case_id: str, command: DecideRapidReview, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "rapid_review_decided", lambda c, today: c.decide(
        decision=command.decision, safety_actions=command.immediate_safety_actions, learning=command.learning,
        rationale=command.rationale, today=today), {"decision": command.decision})


async def record_panel_response(case_id: str, command: RecordPanelResponse, actor: Principal,
                                uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "panel_responded", lambda c, today: c.record_panel_response(
        response=command.response, details=command.details, received_on=command.received_on),
        {"response": command.response})


async def commission_reviewers(case_id: str, command: CommissionCsprReviewers, actor: Principal,
                               uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "cspr_reviewers",
                          lambda c, today: c.commission_reviewers(reviewers=command.reviewers, today=today),
                          {"step": "reviewers"})


async def agree_terms(case_id: str, command: AgreeTerms, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "cspr_terms", lambda c, today: c.agree_terms(
        methodology=command.methodology, terms_of_reference=command.terms_of_reference, today=today),
        {"step": "terms"})


async def record_involvement(case_id: str, command: RecordInvolvement, actor: Principal,
                             uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "cspr_involvement", lambda c, today: c.record_involvement(
        practitioners=command.practitioners, family=command.family, today=today), {"step": "involvement"})


async def add_draft(case_id: str, command: AddDraft, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "cspr_draft",
                          lambda c, today: c.add_draft(text=command.text, today=today), {"step": "draft"})


async def send_final_report(case_id: str, command: SendFinalReport, actor: Principal, uow: UnitOfWork) -> ChildCase:
    return await run_step(uow, actor, case_id, ChildCase, "final_report_sent", lambda c, today: c.send_final_report(
        planned_publication_on=command.planned_publication_on, today=today),
        {"planned_publication_on": command.planned_publication_on.isoformat()})


def new_recommendations(items: list[tuple[str, str]]) -> list[Recommendation]:
    """Each published recommendation gets its own id, which the action plans that follow it keep."""
    return [Recommendation(recommendation_id=str(uuid.uuid4()), text=text, owning_agency=agency)
            for text, agency in items]


async def publish(case_id: str, command: PublishCspr, actor: Principal, uow: UnitOfWork) -> ChildCase:
    recommendations = new_recommendations([(r.text, r.owning_agency) for r in command.recommendations])
    return await run_step(uow, actor, case_id, ChildCase, "published", lambda c, today: c.publish(
        published_on=command.published_on, in_full=command.in_full,
        reasons_not_in_full=command.reasons_not_in_full, recommendations=recommendations, today=today),
        {"published_on": command.published_on.isoformat(), "in_full": command.in_full})
