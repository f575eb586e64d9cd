"""A multi-agency case file audit, from its plan to its published learning. No I/O: each step checks
the framework's rules, changes the audit and returns the events it owes; the handler stores both in
one transaction.

The framework's order: the theme lead is named, the scope agreed and the audit tool devised; four
cases are drawn; the tool goes to the involved agencies' leads; invitees get the programme with their
times; the audit session and learning event is held (attendance by agency); the findings are recorded
and ratified — by the children's partnership group (children) or the safeguarding adults board
(adults) — before the executive; the report and action plan go to the QA sub-group; good practice is
acknowledged; the learning is published, without identifying details, and fed back in briefings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypedDict

from safeguard_shared.contracts.audits import (
    AuditMilestoneReached,
    AuditRatified,
    AuditToolSent,
    BriefingHeld,
    FindingsRecorded,
    GoodPracticeAcknowledged,
    InvitationsSent,
    LearningEventHeld,
    LearningPublished,
    ScopeAgreed,
)
from safeguard_shared.contracts.envelope import Event

from .audit_tool import Question, check_questions
from .errors import OutOfOrder, Problem, RuleBroken
from .learning import identifying_details
from .programme import check_programme

RATIFIER = {"children": "children_partnership_group", "adults": "safeguarding_adults_board"}
BODY_NAMES = {"children_partnership_group": "the children's partnership group",
              "safeguarding_adults_board": "the safeguarding adults board", "executive": "the executive"}


class ProgrammeItem(TypedDict):
    starts_at: str  # HH:MM
    ends_at: str
    item: str


class Invitee(TypedDict):
    agency: str
    role: str
    required_from: str  # HH:MM
    required_until: str


class Invitations(TypedDict):
    held_on: date
    venue: str | None
    programme: list[ProgrammeItem]
    invitees: list[Invitee]
    sent_on: date


class Attendee(TypedDict):
    agency: str
    role: str


class Attendance(TypedDict):
    held_on: date
    attended: list[Attendee]
    absent: list[str]
    absence_reasons: dict[str, str]


class Findings(TypedDict):
    findings: list[str]
    recommendations: list[str]
    recorded_on: date


class GoodPractice(TypedDict):
    agency: str
    practice: str
    acknowledged_on: date


class Learning(TypedDict):
    summary: str
    learning_points: list[str]
    published_on: date


class Briefing(TypedDict):
    briefing_id: str
    held_on: date
    title: str
    attendees: int
    agencies: list[str]


# The dates inside the saved state, by where they sit: (section, key) for a section that is one dict or
# a list of dicts; the top-level dates and the ratifications' dates are named in Audit.state().
_NESTED_DATES = {"invitations": ("held_on", "sent_on"), "attendance": ("held_on",), "findings": ("recorded_on",),
                 "learning": ("published_on",), "briefings": ("held_on",), "good_practice": ("acknowledged_on",)}
_TOP_DATES = ("scope_agreed_on", "tool_sent_on", "report_presented_on")


def _dates(value: Any, keys: tuple[str, ...], convert: Any) -> Any:
    """``value`` (a dict, a list of dicts or None) with its ``keys`` converted by ``convert``."""
    if isinstance(value, list):
        return [_dates(v, keys, convert) for v in value]
    if isinstance(value, dict):
        return {k: convert(v) if k in keys and v is not None else v for k, v in value.items()}
    return value


def _iso(day: date) -> str:
    return day.isoformat()


def _day(text: str | date) -> date:
    return text if isinstance(text, date) else date.fromisoformat(text)


def _convert_dates(key: str, value: Any, convert: Any) -> Any:
    """One section of the saved state with its dates converted (to ISO text, or back to dates)."""
    if key in _TOP_DATES:
        return convert(value) if value is not None else None
    if key == "ratifications":
        return {body: convert(on) for body, on in value.items()}
    return _dates(value, _NESTED_DATES.get(key, ()), convert)


@dataclass
class Audit:
    audit_id: str
    theme: str
    kind: str
    qa_meeting_on: date
    status: str = "planned"
    theme_id: str | None = None
    # The draw (kept in its own table; loaded with the audit).
    cases: list[str] = field(default_factory=list)
    case_agencies: dict[str, list[str]] = field(default_factory=dict)
    # The state below is saved whole, as JSON, after every step.
    theme_lead: str | None = None
    scope: str | None = None
    questions: list[Question] = field(default_factory=list)
    scope_agreed_on: date | None = None
    tool_sent_on: date | None = None
    tool_agencies: dict[str, list[str]] = field(default_factory=dict)
    invitations: Invitations | None = None
    attendance: Attendance | None = None
    findings: Findings | None = None
    ratifications: dict[str, date] = field(default_factory=dict)
    good_practice: list[GoodPractice] = field(default_factory=list)
    report_presented_on: date | None = None
    learning: Learning | None = None
    briefings: list[Briefing] = field(default_factory=list)

    STATE_FIELDS = ("theme_lead", "scope", "questions", "scope_agreed_on", "tool_sent_on", "tool_agencies",
                    "invitations", "attendance", "findings", "ratifications", "good_practice",
                    "report_presented_on", "learning", "briefings")

    def state(self) -> dict[str, Any]:
        """The state as JSON holds it: dates as ISO 8601 text (a copy: it never shares the aggregate's lists)."""
        return {key: _convert_dates(key, getattr(self, key), _iso) for key in self.STATE_FIELDS}

    def load_state(self, state: dict[str, Any] | None) -> Audit:
        for key, value in (state or {}).items():
            if key in self.STATE_FIELDS:
                setattr(self, key, _convert_dates(key, value, _day))
        return self

    def _milestone(self, fact: str, on: date) -> AuditMilestoneReached:
        return AuditMilestoneReached(audit_id=self.audit_id, fact=fact, on=on)

    # --- scope and tool ----------------------------------------------------------------------------
    def agree_scope(self, *, theme_lead: str, scope: str, questions: list[dict[str, str]], today: date) -> list[Event]:
        if self.tool_sent_on:
            raise OutOfOrder(f"the audit tool went to the agencies on {self.tool_sent_on}; it is fixed now")
        problems = check_questions(questions)
        if problems:
            raise RuleBroken(problems)
        first = self.scope_agreed_on is None
        self.theme_lead, self.scope = theme_lead, scope
        self.questions = [Question(id=q["id"], text=q["text"], kind=q["kind"]) for q in questions]
        self.scope_agreed_on = self.scope_agreed_on or today
        self.status = "scope_agreed" if self.status == "planned" else self.status
        events: list[Event] = [ScopeAgreed(audit_id=self.audit_id, kind=self.kind, questions=len(questions),
                                           open_questions=sum(q["kind"] == "open" for q in questions),
                                           agreed_on=today)]
        return events + ([self._milestone("scope_agreed", today)] if first else [])

    def send_tool(self, *, involved_agencies: dict[str, list[str]],
                  today: date) -> tuple[list[Event], list[tuple[int, str, str]]]:
        """The template goes to the leads of the agencies involved in each sampled case. Returns the
        events and the responses owed: (case_no, case_ref, agency)."""
        if not self.questions:
            raise OutOfOrder("agree the scope and devise the audit tool first")
        if not self.cases:
            raise OutOfOrder("draw the four cases first")
        if self.tool_sent_on:
            raise OutOfOrder(f"the audit tool already went to the agencies on {self.tool_sent_on}")
        problems = [Problem(("body", "involved_agencies", ref), "this is not one of the audit's sampled cases")
                    for ref in involved_agencies if ref not in self.cases]
        agencies: dict[str, list[str]] = {}
        for n, ref in enumerate(self.cases, start=1):
            named = sorted(set(involved_agencies.get(ref) or self.case_agencies.get(ref) or []))
            if not named:
                problems.append(Problem(("body", "involved_agencies", ref),
                                        f"no agencies are known to be involved in sampled case {n}: name them"))
            agencies[ref] = named
        if problems:
            raise RuleBroken(problems)
        self.tool_agencies, self.tool_sent_on, self.status = agencies, today, "tool_sent"
        owed = [(n, ref, agency) for n, ref in enumerate(self.cases, start=1) for agency in agencies[ref]]
        every = sorted({a for named in agencies.values() for a in named})
        return [AuditToolSent(audit_id=self.audit_id, kind=self.kind, agencies=every, responses_owed=len(owed),
                              sent_on=today, theme=self.theme, qa_meeting_on=self.qa_meeting_on),
                self._milestone("template_sent", today)], owed

    # --- the audit session and learning event ---------------------------------------------------------
    def send_invitations(self, *, held_on: date, venue: str | None, programme: list[dict[str, str]],
                         invitees: list[dict[str, str]],
                         today: date) -> list[Event]:
        if not self.tool_sent_on:
            raise OutOfOrder("send the audit tool to the agencies before inviting them to the audit session")
        if self.attendance:
            raise OutOfOrder("the audit session has been held; its invitations cannot change")
        problems = check_programme(programme, invitees)
        if held_on < today:
            problems.append(Problem(("body", "held_on"), "the audit session cannot be held in the past"))
        for n, item in enumerate(programme):
            if identifying_details(item.get("item", ""), self.cases):
                problems.append(Problem(("body", "programme", str(n), "item"),
                                        "a programme item names a sampled case: the programme goes to every invitee"))
        if problems:
            raise RuleBroken(problems)
        first = self.invitations is None
        self.invitations = Invitations(
            held_on=held_on, venue=venue,
            programme=[ProgrammeItem(starts_at=p["starts_at"], ends_at=p["ends_at"], item=p["item"])
                       for p in programme],
            invitees=[Invitee(agency=i["agency"], role=i["role"], required_from=i["required_from"],
                              required_until=i["required_until"]) for i in invitees],
            sent_on=today)
        self.status = "invitations_sent"
        events: list[Event] = [InvitationsSent(audit_id=self.audit_id, kind=self.kind, held_on=held_on,
                                               programme=programme, invitees=invitees, sent_on=today)]
        return events + ([self._milestone("programme_sent", today)] if first else [])

    @property
    def invited_agencies(self) -> list[str]:
        return sorted({i["agency"] for i in self.invitations["invitees"]}) if self.invitations else []

    def record_attendance(self, *, held_on: date, attended: list[dict[str, str]], absence_reasons: dict[str, str],
                          today: date) -> list[Event]:
        if not self.invitations:
            raise OutOfOrder("send the invitations with the programme before recording attendance")
        if self.attendance:
            raise OutOfOrder(f"attendance at the audit session of {self.attendance['held_on']} is already recorded")
        if held_on > today:
            raise RuleBroken.one(("body", "held_on"), "attendance is recorded once the session has been held")
        came = sorted({a["agency"] for a in attended})
        absent = [a for a in self.invited_agencies if a not in came]
        stray = [a for a in absence_reasons if a not in absent]
        if stray:
            raise RuleBroken([Problem(("body", "absence_reasons", a), "this agency attended or was not invited")
                              for a in stray])
        self.attendance = Attendance(held_on=held_on,
                                     attended=[Attendee(agency=a["agency"], role=a["role"]) for a in attended],
                                     absent=absent, absence_reasons=absence_reasons)
        self.status = "held"
        return [LearningEventHeld(audit_id=self.audit_id, kind=self.kind, held_on=held_on,
                                  invited_agencies=self.invited_agencies, attended_agencies=came,
                                  absent_agencies=absent), self._milestone("audit_held", held_on)]

    # --- findings and ratification ------------------------------------------------------------------------
    def record_findings(self, *, findings: list[str], recommendations: list[str], today: date) -> list[Event]:
        if not self.attendance:
            raise OutOfOrder("the findings come from the audit session: record its attendance first")
        if self.ratifications:
            raise OutOfOrder("the findings are being ratified; they cannot change now")
        self.findings = {"findings": findings, "recommendations": recommendations, "recorded_on": today}
        self.status = "findings_recorded"
        return [FindingsRecorded(audit_id=self.audit_id, kind=self.kind, findings=len(findings),
                                 recommendations=len(recommendations), recorded_on=today)]

    def ratify(self, *, by: str, ratified_on: date, today: date) -> list[Event]:
        first_body = RATIFIER[self.kind]
        if by not in (first_body, "executive"):
            raise RuleBroken.one(("body", "by"), f"a {self.kind}'s audit is ratified by {BODY_NAMES[first_body]}, "
                                                 f"not {BODY_NAMES[by]}")
        if not self.findings:
            raise OutOfOrder("there are no findings to ratify yet")
        if by in self.ratifications:
            raise OutOfOrder(f"{BODY_NAMES[by]} already ratified the findings on {self.ratifications[by]}")
        if by == "executive" and first_body not in self.ratifications:
            raise OutOfOrder(f"{BODY_NAMES[first_body]} ratifies the findings before they go to the executive")
        if ratified_on > today:
            raise RuleBroken.one(("body", "ratified_on"), "ratified_on is in the future")
        if by == "executive" and ratified_on < self.ratifications[first_body]:
            raise RuleBroken.one(("body", "ratified_on"),
                                 f"the executive cannot ratify before {BODY_NAMES[first_body]} did")
        self.ratifications[by] = ratified_on
        self.status = "ratified" if by == "executive" else "ratified_by_" + ("partnership_group" if
                                                                             self.kind == "children" else "board")
        return [AuditRatified(audit_id=self.audit_id, kind=self.kind, by=by, ratified_on=ratified_on)]

    def acknowledge_good_practice(self, *, agency: str, practice: str, today: date) -> list[Event]:
        if not self.findings:
            raise OutOfOrder("good practice is acknowledged from the audit's findings: record them first")
        self.good_practice.append({"agency": agency, "practice": practice, "acknowledged_on": today})
        return [GoodPracticeAcknowledged(audit_id=self.audit_id, agency=agency, acknowledged_on=today)]

    def present_report(self, *, presented_on: date, today: date) -> list[Event]:
        if not self.findings:
            raise OutOfOrder("the report and action plan need the audit's findings first")
        if self.report_presented_on:
            raise OutOfOrder(f"the report was presented to the QA sub-group on {self.report_presented_on}")
        if presented_on > today:
            raise RuleBroken.one(("body", "presented_on"), "presented_on is in the future")
        self.report_presented_on = presented_on
        return [self._milestone("report_presented", presented_on)]

    # --- published learning -------------------------------------------------------------------------------
    def publish_learning(self, *, summary: str, learning_points: list[str], identifying_details_removed: bool,
                         today: date) -> list[Event]:
        if "executive" not in self.ratifications:
            raise OutOfOrder("the learning is published once the executive has ratified the findings")
        if self.learning:
            raise OutOfOrder(f"the learning was published on {self.learning['published_on']}")
        problems = []
        if not identifying_details_removed:
            problems.append(Problem(("body", "identifying_details_removed"),
                                    "confirm that names and other identifying details have been removed"))
        for loc, text in [(("body", "summary"), summary)] + [
                (("body", "learning_points", str(n)), p) for n, p in enumerate(learning_points)]:
            for reason in identifying_details(text, self.cases):
                problems.append(Problem(loc, reason, "identifying_detail"))
        if problems:
            raise RuleBroken(problems)
        self.learning = {"summary": summary, "learning_points": learning_points, "published_on": today}
        self.status = "learning_published"
        return [LearningPublished(audit_id=self.audit_id, kind=self.kind, theme=self.theme,
                                  learning_points=len(learning_points), published_on=today)]

    def record_briefing(self, *, briefing_id: str, held_on: date, title: str, attendees: int, agencies: list[str],
                        today: date) -> list[Event]:
        if not self.learning:
            raise OutOfOrder("a briefing feeds back published learning: publish the audit's learning first")
        if held_on > today:
            raise RuleBroken.one(("body", "held_on"), "a briefing is recorded once it has been held")
        self.briefings.append({"briefing_id": briefing_id, "held_on": held_on, "title": title,
                               "attendees": attendees, "agencies": sorted(set(agencies))})
        return [BriefingHeld(briefing_id=briefing_id, audit_id=self.audit_id, held_on=held_on, attendees=attendees,
                             agencies=sorted(set(agencies)))]
