"""A partnership's year in events: the scripted scenario the reporting tests check figures against.

Six cases reach reporting (three children's, three adults'), and one adult referral is returned as
incomplete. Each event is dated on the business day it happened (10:00 UTC); the figures are read on
Monday 1 March 2027, in the reporting year 1 April 2026 – 31 March 2027.

- A (child, police): rapid review, on time but for one late scoping return and a late outcome
  letter; decided a CSPR, which the Panel endorsed; the CSPR is under way.
- B (child, school): rapid review; the Panel was never notified (overdue) and health's scoping
  return is overdue (escalated once); police's return was waived; completed two working days late;
  no review.
- C (child, police): a referral that is not a serious incident.
- D (adult, ICB): a SAR from referral to publication: decision inside its six-week target, signed off
  on time, findings recorded (four; three acted on; one not, for budget pressures), two
  recommendations.
- E (adult, police): screened out.
- F (adult, housing): returned to the referrer as incomplete.
- G (adult, housing): a SAR decided after its six-week target (inside eight), commissioned, delayed;
  its reviewers were not commissioned in time (overdue).
Plus two audits (one followed from scope to published learning), four actions on action plans, core
training and its surveys, two notifications, an event reporting does not know, and events carrying
details reporting must never keep (a family contact's name, a delay's reason, a recommendation's text).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from safeguard_shared.contracts import Envelope
from safeguard_shared.contracts import referrals as R
from safeguard_shared.contracts.audits import AuditPlanned, CasesSampled
from safeguard_shared.contracts.notifications import NotificationSent
from safeguard_shared.contracts.scheduling import (
    DeadlineChanged,
    DeadlineEscalated,
    DeadlineMet,
    DeadlineMissed,
    DeadlineScheduled,
)
from safeguard_testing.apps import CANARY_LEAD, CANARY_REFERENCE, CANARY_SUMMARY

TODAY = date(2027, 3, 1)
A, B, C, D, E, F, G = (f"aaaaaaaa-0000-4000-8000-00000000000{i}" for i in range(1, 8))
CASES = {"A": A, "B": B, "C": C, "D": D, "E": E, "F": F, "G": G}
CASE_REFS = {k: f"{'RR' if k in 'ABC' else 'SAR'}-2026-{v[:6].upper()}{k}" for k, v in CASES.items()}


# Each rule's description as the scheduling service sends it on DeadlineScheduled (its plain words).
RULE_WORDS = {
    "rr.panel_notified": "National Panel notified of the serious incident",
    "rr.scoping_sent": "Scoping template sent to every involved agency",
    "rr.scoping_returned": "Scoping template returned by the agency",
    "rr.complete": "Rapid review completed within 15 working days after becoming aware",
    "rr.outcome_sent": "Rapid review outcome sent to the Panel, referrer and agencies",
    "cspr.published": "CSPR completed and published",
    "sar.scoping_returned": "SAR scoping returned by the agency",
    "sar.decision": "Decision whether to convene a SAR",
    "sar.reviewers_commissioned": "SAR reviewers commissioned",
    "sar.signed_off": "SAR signed off by the board",
}


def d(text: str) -> date:
    return date.fromisoformat(text)


@dataclass
class Scenario:
    today: date = TODAY
    events: list[Envelope] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)  # every case, deadline, notification … id: none may leave

    def add(self, producer: str, on: str, event) -> None:
        at = datetime.combine(d(on), datetime.min.time(), UTC).replace(hour=10)
        self.events.append(event.envelope(producer=producer, occurred_at=at))
        for name in ("case_id", "deadline_id", "notification_id", "audit_id", "recommendation_id", "action_id",
                     "response_id", "concern_id", "completion_id", "survey_id", "briefing_id", "theme_id"):
            if getattr(event, name, None):
                self.ids.add(getattr(event, name))

    def deadline(self, name: str, key: str, case: str, due: str, *, agency: str | None = None,
                 who: str | None = None, target: str | None = None, on: str | None = None) -> dict:
        ident = dict(deadline_id=f"dddddddd-0000-4000-8000-{name.encode().hex():0>12}"[:36], key=key,
                     case_id=CASES[case], agency=agency, due=d(due), who_agency=who or agency)
        self.add("scheduling", on or "2026-04-01", DeadlineScheduled(**ident, target=d(target) if target else None,
                                                                     description=RULE_WORDS[key]))
        return ident

    def met(self, ident: dict, on: str, late: int = 0, **extra) -> None:
        self.add("scheduling", on, DeadlineMet(**ident, met_on=d(on), on_time=late == 0, working_days_late=late,
                                               **extra))


def _scenario() -> Scenario:
    s = Scenario()
    milestone = lambda case, on, fact, **kw: s.add("referrals", on, R.MilestoneReached(  # noqa: E731
        case_id=CASES[case], fact=fact, on=d(on), **kw))

    # A: a rapid review that became a CSPR.
    s.add("referrals", "2026-12-21", R.CaseOpened(
        case_id=A, case_ref=CASE_REFS["A"], pathway="child", referring_agency="police", received_on=d("2026-12-21"),
        became_aware_on=d("2026-12-21"), involved_agencies=["local_authority", "police", "icb", "school"],
        serious_incident=True, rapid_review=True, notices_owed=["national_panel"]))
    a1 = s.deadline("a1", "rr.panel_notified", "A", "2026-12-31", who="local_authority", on="2026-12-21")
    a2 = s.deadline("a2", "rr.scoping_sent", "A", "2026-12-23", on="2026-12-21")
    a5 = s.deadline("a5", "rr.complete", "A", "2027-01-14", on="2026-12-21")
    s.add("notifications", "2026-12-22", NotificationSent(
        notification_id="nnnnnnnn-0000-4000-8000-000000000001", case_id=A, recipient_kind="national_panel",
        template="serious_incident_notification", channel="outbox", sent_on=d("2026-12-22")))
    s.met(a1, "2026-12-22")
    s.add("referrals", "2026-12-22", R.ScopingRequested(
        case_id=A, case_ref=CASE_REFS["A"], referring_agency="police", agencies=["police", "school"],
        meeting_on=d("2027-01-13"), window_start=d("2027-01-04"), window_end=d("2027-01-12"), outside_window=True))
    s.met(a2, "2026-12-22")
    a3 = s.deadline("a3", "rr.scoping_returned", "A", "2027-01-05", agency="police", on="2026-12-22")
    a4 = s.deadline("a4", "rr.scoping_returned", "A", "2027-01-05", agency="school", on="2026-12-22")
    milestone("A", "2027-01-04", "scoping_returned", agency="police")
    s.met(a3, "2027-01-04")
    milestone("A", "2027-01-07", "scoping_returned", agency="school")
    s.met(a4, "2027-01-07", late=2)
    milestone("A", "2027-01-13", "meeting_held")
    a6 = s.deadline("a6", "rr.outcome_sent", "A", "2027-01-15", on="2027-01-13")
    milestone("A", "2027-01-13", "rapid_review_completed")
    s.add("referrals", "2027-01-13", R.RapidReviewDecided(
        case_id=A, case_ref=CASE_REFS["A"], referring_agency="police", agencies=["police", "school"],
        decision="cspr", decided_on=d("2027-01-13"), safety_actions=2, learning=3))
    milestone("A", "2027-01-13", "cspr_decided", anchor="decision_on")
    s.met(a5, "2027-01-13")
    s.deadline("a7", "cspr.published", "A", "2027-07-13", on="2027-01-13")
    s.met(a6, "2027-01-19", late=2)
    s.add("referrals", "2027-01-25", R.PanelResponded(case_id=A, response="endorsed"))

    # B: a rapid review with overdue work; no review.
    s.add("referrals", "2027-01-04", R.CaseOpened(
        case_id=B, case_ref=CASE_REFS["B"], pathway="child", referring_agency="school", received_on=d("2027-01-04"),
        became_aware_on=d("2027-01-04"), involved_agencies=["local_authority", "police", "icb", "health_provider"],
        serious_incident=True, rapid_review=True, notices_owed=["national_panel"]))
    b1 = s.deadline("b1", "rr.panel_notified", "B", "2027-01-11", who="local_authority", on="2027-01-04")
    b3 = s.deadline("b3", "rr.complete", "B", "2027-01-25", on="2027-01-04")
    b2 = s.deadline("b2", "rr.scoping_returned", "B", "2027-01-20", agency="health_provider", on="2027-01-13")
    b4 = s.deadline("b4", "rr.scoping_returned", "B", "2027-01-20", agency="police", on="2027-01-13")
    s.add("scheduling", "2027-01-12", DeadlineMissed(**b1))
    s.add("scheduling", "2027-01-15", DeadlineChanged(**b4, change="waived", status="waived",
                                                       reason="police hold no information", by="business_unit"))
    s.add("scheduling", "2027-01-21", DeadlineMissed(**b2))
    s.add("scheduling", "2027-01-26", DeadlineEscalated(**b2, escalation=1, working_days_overdue=3))
    milestone("B", "2027-01-27", "meeting_held")
    milestone("B", "2027-01-27", "rapid_review_completed")
    s.add("referrals", "2027-01-27", R.RapidReviewDecided(
        case_id=B, case_ref=CASE_REFS["B"], referring_agency="school", agencies=["health_provider"],
        decision="no_review", decided_on=d("2027-01-27"), safety_actions=1, learning=1))
    s.met(b3, "2027-01-27", late=2)

    # C: a child referral that is not a serious incident.
    s.add("referrals", "2027-02-01", R.CaseOpened(
        case_id=C, case_ref=CASE_REFS["C"], pathway="child", referring_agency="police", received_on=d("2027-02-01"),
        became_aware_on=d("2027-02-01"), involved_agencies=["police"], serious_incident=False, rapid_review=False))

    # D: a SAR, referral to publication.
    s.add("referrals", "2026-05-01", R.CaseOpened(
        case_id=D, case_ref=CASE_REFS["D"], pathway="adult", referring_agency="icb", received_on=d("2026-05-01"),
        involved_agencies=["adult_social_care", "icb", "housing"]))
    d1 = s.deadline("d1", "sar.decision", "D", "2026-06-26", target="2026-06-12", on="2026-05-01")
    s.add("referrals", "2026-05-04", R.SarScreened(case_id=D, case_ref=CASE_REFS["D"], referring_agency="icb",
                                                   outcome="proceed_to_scoping"))
    for agency in ("housing", "adult_social_care"):
        milestone("D", "2026-05-05", "scoping_requested", anchor="scoping_requested_on", agency=agency)
    d3 = s.deadline("d3", "sar.scoping_returned", "D", "2026-06-02", agency="housing", on="2026-05-05")
    d4 = s.deadline("d4", "sar.scoping_returned", "D", "2026-06-02", agency="adult_social_care", on="2026-05-05")
    milestone("D", "2026-06-01", "scoping_returned", agency="adult_social_care")
    s.met(d4, "2026-06-01")
    milestone("D", "2026-06-01", "scoping_reviewed", anchor="scoping_reviewed_on")
    milestone("D", "2026-06-04", "scoping_returned", agency="housing")
    s.met(d3, "2026-06-04", late=2)
    milestone("D", "2026-06-10", "sar_decision_made")
    s.add("referrals", "2026-06-10", R.SarDecided(case_id=D, case_ref=CASE_REFS["D"], referring_agency="icb",
                                                  convene=True, decided_on=d("2026-06-10")))
    s.met(d1, "2026-06-10", target_met=True)
    milestone("D", "2026-06-15", "sar_agreed", anchor="agreed_on")
    milestone("D", "2026-06-15", "sar_commissioned", anchor="commissioned_on")
    d2 = s.deadline("d2", "sar.signed_off", "D", "2026-12-15", on="2026-06-15")
    milestone("D", "2026-12-10", "signed_off", anchor="signed_off_on")
    s.met(d2, "2026-12-10")
    s.add("referrals", "2026-12-14", R.FindingsRecorded(case_id=D, pathway="adult", findings=4, actions_taken=3,
                                                        not_implemented_reasons=["budget pressures"]))
    milestone("D", "2027-01-20", "sar_published")
    s.add("referrals", "2027-01-20", R.ReviewPublished(case_id=D, pathway="adult", published_on=d("2027-01-20"),
                                                       in_full=True))
    s.add("referrals", "2027-01-20", R.RecommendationsPublished(case_id=D, pathway="adult", recommendations=[
        R.Recommendation(recommendation_id="rrrrrrrr-0000-4000-8000-000000000001",
                         text=f"Recommendation naming {CANARY_LEAD}", owning_agency="icb"),
        R.Recommendation(recommendation_id="rrrrrrrr-0000-4000-8000-000000000002", text="Joint training",
                         owning_agency="adult_social_care")]))

    # E: screened out.  F: returned as incomplete.
    s.add("referrals", "2027-01-10", R.CaseOpened(
        case_id=E, case_ref=CASE_REFS["E"], pathway="adult", referring_agency="police", received_on=d("2027-01-10"),
        involved_agencies=["police"]))
    s.add("referrals", "2027-01-12", R.SarScreened(case_id=E, case_ref=CASE_REFS["E"], referring_agency="police",
                                                   outcome="not_proceeding"))
    s.add("referrals", "2027-02-10", R.ReferralReturned(case_id=F, pathway="adult", referring_agency="housing",
                                                        reasons=["give a summary of the concerns"]))

    # G: a SAR decided late against its target, commissioned, delayed; reviewers overdue.
    s.add("referrals", "2026-09-01", R.CaseOpened(
        case_id=G, case_ref=CASE_REFS["G"], pathway="adult", referring_agency="housing", received_on=d("2026-09-01"),
        involved_agencies=["housing", "adult_social_care"]))
    g1 = s.deadline("g1", "sar.decision", "G", "2026-10-27", target="2026-10-13", on="2026-09-01")
    s.add("referrals", "2026-09-03", R.SarScreened(case_id=G, case_ref=CASE_REFS["G"], referring_agency="housing",
                                                   outcome="proceed_to_scoping"))
    milestone("G", "2026-10-20", "sar_decision_made")
    s.add("referrals", "2026-10-20", R.SarDecided(case_id=G, case_ref=CASE_REFS["G"], referring_agency="housing",
                                                  convene=True, decided_on=d("2026-10-20")))
    s.met(g1, "2026-10-20", target_met=False)
    milestone("G", "2026-11-01", "sar_commissioned", anchor="commissioned_on")
    g2 = s.deadline("g2", "sar.reviewers_commissioned", "G", "2026-11-20", on="2026-11-01")
    s.add("scheduling", "2026-11-21", DeadlineMissed(**g2))
    # Version 1 (before the reason code), with the business unit's words: carried up, the words dropped.
    s.add("referrals", "2026-12-01", R.SarDelayChangedV1(case_id=G, change="delayed",
                                                         reason=f"criminal proceedings: {CANARY_SUMMARY}"))
    # A letter to the family, as version 2 names it and as version 1 carried its contact's details:
    # only the notifications service reads either; reporting never projects them.
    s.add("referrals", "2026-12-01", R.FamilyLetterOwed(
        case_id=G, case_ref=CASE_REFS["G"], letter="delay", letter_no=1, recipient_kind="family", channel="post",
        restricted=False, reason_code="criminal_proceedings"))
    if hasattr(R, "FamilyLetterOwedV1"):
        s.add("referrals", "2026-12-01", R.FamilyLetterOwedV1(
            case_id=G, case_ref=CASE_REFS["G"], letter="delay", reason=CANARY_SUMMARY,
            recipient=R.FamilyContact(name=CANARY_LEAD, relationship="daughter", channel="post",
                                      postal_address=f"1 {CANARY_REFERENCE} Street")))

    # Audits, and an event this version of reporting does not know.
    s.add("audits", "2026-06-01", AuditPlanned(audit_id="cccccccc-0000-4000-8000-000000000001", theme="Exploitation",
                                               kind="adults", qa_meeting_on=d("2026-11-10")))
    s.add("audits", "2026-12-01", AuditPlanned(audit_id="cccccccc-0000-4000-8000-000000000002",
                                               theme="Neglect in adolescence", kind="children",
                                               qa_meeting_on=d("2027-03-10")))
    s.add("audits", "2026-12-08", CasesSampled(audit_id="cccccccc-0000-4000-8000-000000000002", seed=42,
                                               population_digest="abc", population_size=30, sample_size=4))
    s.add("notifications", "2027-01-05", NotificationSent(
        notification_id="nnnnnnnn-0000-4000-8000-000000000002", case_id=B, recipient_kind="agency",
        template="scoping_request", channel="outbox", agency="health_provider", sent_on=d("2027-01-05")))
    s.events.append(Envelope(event_type="referrals.case.reopened", schema_version=1,
                             occurred_at=datetime(2027, 2, 2, 10, tzinfo=UTC), correlation_id="c",
                             producer="referrals", payload={"case_id": A, "child_reference": CANARY_REFERENCE}))
    _quality_assurance(s)
    s.ids |= set(CASES.values()) | set(CASE_REFS.values())
    return s


def _quality_assurance(s: Scenario) -> None:
    """The exploitation audit from scope to published learning; four actions; core training and its surveys."""
    from safeguard_shared.contracts import audits as Q

    exploitation = "cccccccc-0000-4000-8000-000000000001"
    s.add("audits", "2026-05-01", Q.ThemePublished(theme_id="tttttttt-0000-4000-8000-000000000001",
                                                   title="Neglect in adolescence", kinds=["children"],
                                                   published_on=d("2026-05-01")))
    s.add("audits", "2026-06-20", Q.ScopeAgreed(audit_id=exploitation, kind="adults", questions=12, open_questions=8,
                                                agreed_on=d("2026-06-20")))
    s.add("audits", "2026-08-10", Q.AuditToolSent(audit_id=exploitation, kind="adults",
                                                  agencies=["police", "icb", "housing"], responses_owed=6,
                                                  sent_on=d("2026-08-10")))
    for i, agency in enumerate(["police", "police", "icb", "icb", "housing"], start=1):
        s.add("audits", "2026-09-01", Q.ResponseSubmitted(
            audit_id=exploitation, response_id=f"ssssssss-0000-4000-8000-00000000000{i}", agency=agency,
            case_no=1 + i % 2, submitted_on=d("2026-09-01")))
    s.add("audits", "2026-10-13", Q.AuditMilestoneReached(audit_id=exploitation, fact="audit_held", on=d("2026-10-13")))
    s.add("audits", "2026-10-15", Q.ConcernRaised(concern_id="kkkkkkkk-0000-4000-8000-000000000001",
                                                  audit_id=exploitation, kind="adults", raised_by_agency="icb",
                                                  agency_concerned="housing",
                                                  raised_on=d("2026-10-15"), case_no=2))
    s.add("audits", "2026-10-13", Q.LearningEventHeld(audit_id=exploitation, kind="adults", held_on=d("2026-10-13"),
                                                      invited_agencies=["police", "icb", "housing", "probation"],
                                                      attended_agencies=["police", "icb", "housing"],
                                                      absent_agencies=["probation"]))
    s.add("audits", "2026-10-20", Q.FindingsRecorded(audit_id=exploitation, kind="adults", findings=5,
                                                     recommendations=3, recorded_on=d("2026-10-20")))
    # Its report went to the QA sub-group at the meeting planned for it; the other audit's meeting
    # (10 March 2027) is still to come when the figures are read.
    s.add("audits", "2026-11-10", Q.AuditMilestoneReached(audit_id=exploitation, fact="report_presented",
                                                          on=d("2026-11-10")))
    s.add("audits", "2026-11-20", Q.AuditRatified(audit_id=exploitation, kind="adults", by="safeguarding_adults_board",
                                                  ratified_on=d("2026-11-20")))
    s.add("audits", "2026-11-21", Q.GoodPracticeAcknowledged(audit_id=exploitation, agency="police",
                                                             acknowledged_on=d("2026-11-21")))
    s.add("audits", "2026-12-01", Q.LearningPublished(audit_id=exploitation, kind="adults", theme="Exploitation",
                                                      learning_points=4, published_on=d("2026-12-01")))
    s.add("audits", "2026-12-05", Q.BriefingHeld(briefing_id="bbbbbbbb-0000-4000-8000-000000000001",
                                                 audit_id=exploitation, held_on=d("2026-12-05"), attendees=25,
                                                 agencies=["police", "icb"]))
    ids = [f"eeeeeeee-0000-4000-8000-00000000000{i}" for i in range(1, 5)]
    a1 = dict(action_id=ids[0], source="audit", audit_id=exploitation, owning_agency="police", due_on=d("2026-12-31"))
    a2 = dict(action_id=ids[1], source="audit", audit_id=exploitation, owning_agency="school", due_on=d("2027-01-31"))
    a3 = dict(action_id=ids[2], source="review", case_id=D, owning_agency="icb", due_on=d("2027-04-30"))
    a4 = dict(action_id=ids[3], source="review", case_id=D, owning_agency="adult_social_care")
    for a, on in ((a1, "2026-11-21"), (a2, "2026-11-21"), (a3, "2027-01-25"), (a4, "2027-01-25")):
        s.add("audits", on, Q.ActionCreated(**a, created_on=d(on)))
    s.add("audits", "2026-12-20", Q.ActionCompleted(**a1, completed_on=d("2026-12-20"), on_time=True))
    s.add("audits", "2027-02-01", Q.ActionOverdue(**a2, overdue_on=d("2027-02-01")))
    s.add("audits", "2027-02-15", Q.ActionEscalated(**a2, escalation=1, days_overdue=15, escalated_on=d("2027-02-15")))
    s.add("audits", "2027-02-10", Q.ActionProgressRecorded(**a3, recorded_on=d("2027-02-10"), updates=1))
    for i, agency in enumerate(["police", "school"], start=1):
        s.add("audits", "2026-09-10", Q.TrainingCompleted(completion_id=f"tttttttt-1111-4000-8000-00000000000{i}",
                                                          agency=agency, course="Core safeguarding",
                                                          training_completed_on=d("2026-09-10")))
    police, school = "tttttttt-1111-4000-8000-000000000001", "tttttttt-1111-4000-8000-000000000002"
    surveys = (("uuuuuuuu-0000-4000-8000-000000000001", police, "police", "follow_up", "follow_up_survey_sent"),
               ("uuuuuuuu-0000-4000-8000-000000000002", school, "school", "follow_up", "follow_up_survey_sent"),
               ("uuuuuuuu-0000-4000-8000-000000000003", police, "police", "manager", "manager_survey_sent"))
    for sid, cid, agency, kind, fact in surveys:
        s.add("audits", "2026-12-10", Q.TrainingSurveySent(survey_id=sid, completion_id=cid, survey=kind, fact=fact,
                                                           agency=agency, course="Core safeguarding",
                                                           sent_on=d("2026-12-10")))
    s.add("audits", "2026-12-20", Q.TrainingSurveyAnswered(
        survey_id="uuuuuuuu-0000-4000-8000-000000000001", completion_id=police, survey="follow_up", agency="police",
        course="Core safeguarding", answered_on=d("2026-12-20"), practice_changed=True, confidence_before=2,
        confidence_after=4))
    s.add("audits", "2027-01-20", Q.TrainingSurveyAnswered(
        survey_id="uuuuuuuu-0000-4000-8000-000000000003", completion_id=police, survey="manager", agency="police",
        course="Core safeguarding", answered_on=d("2027-01-20"), change_noticed=True, team_impact=4))
    s.ids |= set(ids)


@pytest.fixture
def scenario() -> Scenario:
    return _scenario()
