"""The board's words for the codes the events carry: a pathway, a stage, a decision, the Panel's
response, an agency, an audit's kind, an action's status, a survey. Every page, PDF and spreadsheet
heading shows these, never the code ("cspr", "local_authority").

A code reporting has no word for yet (a partnership's own agency, a stage added later) is shown as
itself made readable ("housing_association" → "Housing association"), so nothing is hidden.
"""
from __future__ import annotations

LABELS: dict[str, str] = {
    # Pathways and reviews
    "child": "Children (rapid review)",
    "adult": "Adults (safeguarding adult review)",
    "rapid_review": "Rapid review",
    "cspr": "Child safeguarding practice review",
    "sar": "Safeguarding adult review",
    # Rapid review decisions and the Panel's responses
    "alternative_review": "Another kind of learning review",
    "no_review": "No further review",
    "decided": "Decided",
    "endorsed": "The Panel agreed with the decision",
    "challenged": "The Panel challenged the decision",
    "accepted_as_completed_review": "The Panel accepted the rapid review as the completed review",
    # Stages of a case
    "returned": "Returned to the referrer as incomplete",
    "referral": "Referral received",
    "scoping": "Scoping the rapid review",
    "meeting_held": "Rapid review meeting held",
    "final_report_sent": "Final report sent to the Panel",
    "published": "Published",
    "sar_referral": "SAR referral received",
    "sar_screened": "Screened",
    "sar_scoping": "Scoping",
    "sar_scoping_reviewed": "Scoping reviewed",
    "sar_decided": "Decision made",
    "sar_commissioned": "Review commissioned",
    "sar_signed_off": "Signed off by the board",
    "sar_published": "Published",
    "sar_learning_event_held": "Learning event held",
    "sar_not_convened": "No review convened",
    # Agencies
    "local_authority": "Local authority",
    "police": "Police",
    "icb": "Integrated care board (ICB)",
    "adult_social_care": "Adult social care",
    "school": "School",
    "health_provider": "Health provider",
    "probation": "Probation",
    "housing": "Housing",
    "ambulance": "Ambulance service",
    "partnership": "The partnership",
    # Audits
    "children": "Children's audit",
    "adults": "Adults' audit",
    "planned": "Planned",
    "scope_agreed": "Scope agreed",
    "cases_sampled": "Cases sampled",
    "tool_sent": "Audit tool sent",
    "held": "Audit held",
    "findings_recorded": "Findings recorded",
    "reported": "Reported to the QA sub-group",
    "ratified": "Ratified",
    "learning_published": "Learning published",
    # Actions
    "open": "Not started",
    "in_progress": "In progress",
    "overdue": "Overdue",
    "completed": "Completed",
    # Training surveys
    "follow_up": "Trainee's follow-up survey (3 months)",
    "manager": "Manager's survey on the team (4 months)",
    "unknown": "Not recorded",
}


def label_of(code: str | None) -> str:
    """The words for a code; an unknown code made readable."""
    if code is None or code == "":
        return LABELS["unknown"]
    if code in LABELS:
        return LABELS[code]
    text = code.replace("_", " ").replace(".", ": ").strip()
    return text[:1].upper() + text[1:]


# Timeliness is read in three groups, never mixed: the statutory and framework timescales of the
# reviews (what inspectors and the national Panel look at), the partnership's own audit programme, and
# training follow-ups (a survey sent late is not a review run late).
GROUPS: dict[str, str] = {
    "reviews": "Reviews: the statutory and framework timescales",
    "audits": "Multi-agency case file audits",
    "training": "Training follow-up surveys",
}
_PREFIX_GROUP = {"rr": "reviews", "cspr": "reviews", "sar": "reviews", "macfa": "audits", "training": "training"}


def group_of(key: str) -> str:
    """The timeliness group of a rule key (``rr.meeting`` → reviews); an unknown prefix counts with
    the reviews, so a new statutory duty is never left out of the figure that matters most."""
    return _PREFIX_GROUP.get(key.split(".", 1)[0], "reviews")
