"""Who may see and do what on a case, decided from the case itself (issue 12): the one table.

A role alone no longer opens a case. What a person may do depends on their role *and* on how they
stand to this case — their agency referred it, or is involved in it, or is the local authority; or
they are a reviewer commissioned on its review. ``TABLE`` is that rule as data (role ×
relationship → actions); the referrals README shows the same table (a unit test keeps the two
equal) and every case-level route and query asks ``authorise`` before anything is read or written.
No I/O here: the relationship is computed from the case's state and the token's agency and subject.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from safeguard_shared.partnership import ROLES, Principal

from .child_case import ChildCase
from .errors import NotAllowed
from .sar_case import SarCase

Relationship = Literal["referring_agency", "involved_agency", "local_authority", "commissioned_reviewer",
                       "unrelated"]
Action = Literal[
    "see_progress",  # the case's reference, pathway, status and dates; its history without free text
    "see_detail",  # the referral's identifying details and the whole history, free text included (recorded)
    "see_pack",  # the rapid review's document pack (recorded)
    "see_drafts",  # the CSPR's confidential drafts (recorded)
    "return_own",  # the agency's own scoping return or IMR
    "resubmit",  # a returned SAR referral, sent again complete
    "confirm_panel_notice",  # the local authority confirms the serious incident notification to the Panel
    "run_pathway",  # the business unit's steps: scoping, meetings, reviewers, reports, publication …
    "decide",  # the rapid review's decision, a SAR's screening
    "chair",  # the independent chair's own acts: sign-off for scoping, confirming a decision, agreeing a SAR
    "write_review",  # the review's terms, involvement and drafts; its drafts and final report as documents
    "see_documents",  # the case's documents (a review's drafts need see_drafts too) (recorded)
    "add_document",  # an agency's own returns as documents: scoping returns, chronologies, IMRs
]
RELATIONSHIPS: tuple[Relationship, ...] = get_args(Relationship)
ACTIONS: tuple[Action, ...] = get_args(Action)

# The partnership's local authority notifies the national Panel of every serious incident and is one
# of the statutory partners on every review's panel, so it stands in a relation to every case.
LOCAL_AUTHORITY = "local_authority"

_PROGRESS: frozenset[Action] = frozenset({"see_progress"})
_READS: frozenset[Action] = frozenset({"see_progress", "see_detail", "see_pack", "see_drafts", "see_documents"})
_AGENCY: frozenset[Action] = frozenset({"see_progress", "return_own", "add_document"})
_BUSINESS_UNIT: frozenset[Action] = frozenset(ACTIONS) - {"chair"}
_CHAIR: frozenset[Action] = _READS | {"decide", "chair"}
_REVIEWER: frozenset[Action] = frozenset({"see_progress", "see_detail", "see_drafts", "write_review", "see_documents",
                                         "add_document"})
_NOTHING: frozenset[Action] = frozenset()


def _every(actions: frozenset[Action]) -> dict[Relationship, frozenset[Action]]:
    return dict.fromkeys(RELATIONSHIPS, actions)


def _only(**cells: frozenset[Action]) -> dict[Relationship, frozenset[Action]]:
    assert set(cells) <= set(RELATIONSHIPS), f"not a relationship: {set(cells) - set(RELATIONSHIPS)}"
    return {relation: cells.get(relation, _NOTHING) for relation in RELATIONSHIPS}


TABLE: Mapping[str, Mapping[Relationship, frozenset[Action]]] = {
    # The business unit runs every case (but the chair's own acts); an admin may do everything, to put
    # a case right. Both act for the partnership, whatever their relation to the case.
    "business_unit": _every(_BUSINESS_UNIT),
    "admin": _every(frozenset(ACTIONS)),
    # The partnership's independent chair chairs every review's panel.
    "independent_chair": _every(_CHAIR),
    # Panel members sit for their agency on the panel of the reviews their agency is part of.
    "panel_member": _only(referring_agency=_READS, involved_agency=_READS, local_authority=_READS),
    # An agency's safeguarding lead is invited to the rapid review meeting: the pack is its papers.
    # Its documents are the pack's too.
    "safeguarding_lead": _only(referring_agency=_AGENCY | {"see_pack", "see_documents", "resubmit"},
                               involved_agency=_AGENCY | {"see_pack", "see_documents"},
                               local_authority=_PROGRESS | {"confirm_panel_notice"}),
    "referrer": _only(referring_agency=_AGENCY | {"resubmit"}, involved_agency=_AGENCY),
    # A reviewer works on the reviews commissioned from them, and only those.
    "reviewer": _only(commissioned_reviewer=_REVIEWER),
    # Audits and reports are read elsewhere: nothing of a case here.
    "qa_lead": _every(_NOTHING),
    "reporting_reader": _every(_NOTHING),
}
assert set(TABLE) == set(ROLES), "every role has its row"

# Each step of the pathways (by the name its history line carries) is one action of the table.
STEP_ACTIONS: Mapping[str, Action] = {
    # the children's pathway
    "panel_notification_confirmed": "confirm_panel_notice",
    "scoping_requested": "run_pathway",
    "meeting_rebooked": "run_pathway",
    "scoping_returned": "return_own",
    "attendance_recorded": "run_pathway",
    "meeting_held": "run_pathway",
    "rapid_review_decided": "decide",
    "panel_responded": "run_pathway",
    "cspr_reviewers": "run_pathway",
    "cspr_terms": "write_review",
    "cspr_involvement": "write_review",
    "cspr_draft": "write_review",
    "final_report_sent": "run_pathway",
    "published": "run_pathway",
    # the adults' pathway
    "sar_screened": "decide",
    "signed_off_for_scoping": "chair",
    "scoping_reviewed": "run_pathway",
    "sar_decided": "run_pathway",
    "sar_decision_confirmed": "chair",
    "sar_decision_overturned": "chair",
    "sar_agreed": "chair",
    "family_contact_recorded": "run_pathway",
    "family_notified": "run_pathway",
    "reviewers_commissioned": "run_pathway",
    "initial_meeting_held": "run_pathway",
    "imrs_requested": "run_pathway",
    "imr_submitted": "return_own",
    "panel_meeting_held": "run_pathway",
    "draft_report_presented": "run_pathway",
    "committee_presentation_held": "run_pathway",
    "signed_off": "run_pathway",
    "report_shared_with_family": "run_pathway",
    "sar_published": "run_pathway",
    "learning_event_held": "run_pathway",
    "sar_delayed": "run_pathway",
    "delay_update_sent": "run_pathway",
    "findings_recorded": "run_pathway",
    "sar_resumed": "run_pathway",
}

# Who may do each action, for the refusal's message.
_WHO: Mapping[Action, str] = {
    "see_progress": "the business unit, the chair, the agencies the case involves and its commissioned reviewers",
    "see_detail": "the business unit, the chair, the review's panel members and its commissioned reviewers",
    "see_pack": "the business unit, the chair, and the review's panel members and agencies' safeguarding leads",
    "see_drafts": "the business unit, the chair, the review's panel members and its commissioned reviewers",
    "return_own": "the referring and involved agencies (each its own)",
    "resubmit": "the agency that made the referral",
    "confirm_panel_notice": "the local authority's safeguarding lead and the business unit",
    "run_pathway": "the business unit",
    "decide": "the business unit and the independent chair",
    "chair": "the independent chair",
    "write_review": "the reviewers commissioned on this review and the business unit",
    "see_documents": "the business unit, the chair, the review's panel members and commissioned reviewers, and "
                     "the agencies' safeguarding leads",
    "add_document": "the referring and involved agencies, the review's commissioned reviewers and the business unit",
}


@dataclass(frozen=True)
class Parties:
    """Who a case involves: the agency that referred it, the agencies it involves, its reviewers."""

    referring_agency: str
    involved_agencies: frozenset[str]
    reviewers: frozenset[str]


def _same_person(name: str) -> str:
    return " ".join(name.split()).casefold()


def parties(case: ChildCase | SarCase) -> Parties:
    """Involved: named at referral, asked for scoping, at the rapid review meeting, asked for an IMR.
    Reviewers are commissioned by their sign-in name (the token's subject)."""
    if isinstance(case, ChildCase):
        involved = {*case.involved_agencies, *case.scoping_agencies, *(a.agency for a in case.attendance)}
        reviewers = case.cspr.reviewers.reviewers if case.cspr.reviewers else []
    else:
        involved = {*case.involved_agencies, *case.scoping_agencies, *case.imrs_requested}
        reviewers = case.reviewers.names if case.reviewers else []
    return Parties(case.referring_agency, frozenset(involved), frozenset(_same_person(r) for r in reviewers))


def relationships(principal: Principal, case: Parties) -> frozenset[Relationship]:
    found: set[Relationship] = set()
    if principal.agency == case.referring_agency:
        found.add("referring_agency")
    if principal.agency in case.involved_agencies:
        found.add("involved_agency")
    if principal.agency == LOCAL_AUTHORITY:
        found.add("local_authority")
    if _same_person(principal.subject) in case.reviewers:
        found.add("commissioned_reviewer")
    return frozenset(found) or frozenset({"unrelated"})


def permitted(principal: Principal, case: Parties) -> frozenset[Action]:
    """Everything this person may do on this case: the union over their roles and relationships."""
    related = relationships(principal, case)
    return frozenset(action for role in principal.roles & TABLE.keys() for relation in related
                     for action in TABLE[role][relation])


def may(principal: Principal, case: Parties, action: Action) -> bool:
    return action in permitted(principal, case)


def authorise(principal: Principal, case: ChildCase | SarCase | Parties, action: Action) -> None:
    """Refuses (``NotAllowed``, a 403) unless the table lets this person take ``action`` on this case."""
    if not may(principal, case if isinstance(case, Parties) else parties(case), action):
        raise NotAllowed(f"on this case, this is for {_WHO[action]}")


def finds(principal: Principal) -> Literal["any", "referring_agency"] | None:
    """Which cases a search by reference may list, so that it never shows more than the table lets be
    seen: any case to those who see every case's progress; otherwise the cases their agency referred
    (the only relationship a search can tell without reading each case); none to the others."""
    rows = [TABLE[role] for role in principal.roles & TABLE.keys()]
    if any(all("see_progress" in row[relation] for relation in RELATIONSHIPS) for row in rows):
        return "any"
    if any("see_progress" in row["referring_agency"] for row in rows):
        return "referring_agency"
    return None


# What of a history line's detail someone who may see only the case's progress reads: codes, agencies,
# dates and yes/no answers. Everything else — reasons, rationales, names, a family's contact, notes of
# meetings, delay updates, findings — is free text and stays with those who may see the detail. An
# allow-list, so that a field a new step records is withheld until it is known to be a code.
PROGRESS_DETAIL = frozenset({"agency", "agencies", "status", "outcome", "decision", "response", "basis", "step",
                             "publish", "channel", "other_steps", "criteria_met", "meeting_time", "booking",
                             "in_full",
                             "convene", "confirmed", "records_secured", "no_information_held", "independent",
                             "business_manager_agrees", "panel_chair_agrees", "on_behalf_of_public",
                             "kind", "document_id",
                             # The service's own words about dates (a meeting after the completion date).
                             "warnings"})


def progress_detail(detail: Mapping[str, object]) -> dict[str, object]:
    """A history line's detail without its free text (for ``see_progress`` without ``see_detail``)."""
    return {key: value for key, value in detail.items()
            if key in PROGRESS_DETAIL or key == "on" or key.endswith("_on")}


def table_rows() -> list[list[str]]:
    """The table as the README writes it: a row per action, a column per role (in ``TABLE``'s order),
    each cell the relationships to the case in which that role may take that action."""
    def cell(role: str, action: Action) -> str:
        where = [relation for relation in RELATIONSHIPS if action in TABLE[role][relation]]
        return "any" if len(where) == len(RELATIONSHIPS) else ", ".join(where) or "—"
    return [[action, *(cell(role, action) for role in TABLE)] for action in ACTIONS]
