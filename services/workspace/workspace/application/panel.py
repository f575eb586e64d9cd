"""The pages of the review's panel and its independent chair: the rapid review's document pack, the
meeting as booked and who attends it, and the CSPR's confidential drafts.

The referrals service decides who may read each (its access table: the pack for the review's panel,
the agencies' safeguarding leads, the business unit and the chair; the drafts for the panel, the
commissioned reviewers, the business unit and the chair) and records every read; a refusal is its
403, shown as the "refused" page. The links offered here follow the same table by role, so a person
is not sent to a page that can only refuse them; what their relation to the case allows stays the
service's to decide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..adapters.referrals_api import ReferralsApi
from . import cases
from .referral_form import FieldError, FormData
from .steps import CSPR_DRAFT
from .words import agency_name

# Who may read what, by role (services/referrals/README.md, "Who may see and do what on a case").
PACK_READERS = frozenset({"business_unit", "admin", "independent_chair", "panel_member", "safeguarding_lead"})
DRAFT_READERS = frozenset({"business_unit", "admin", "independent_chair", "panel_member", "reviewer"})
DRAFT_WRITERS = frozenset({"business_unit", "admin", "reviewer"})
PANEL_ROLES = frozenset({"independent_chair", "panel_member"})
# The meeting is quorate only with each statutory safeguarding partner represented.
STATUTORY_PARTNERS = ("local_authority", "police", "icb")


@dataclass(frozen=True)
class PanelLinks:
    pack: bool = False
    meeting: bool = False
    drafts: bool = False

    def __bool__(self) -> bool:
        return self.pack or self.meeting or self.drafts


def cspr_decided(history: list[dict[str, Any]]) -> bool:
    return any(h.get("action") == "rapid_review_decided" and (h.get("detail") or {}).get("decision") == "cspr"
               for h in history)


def panel_links(case: dict[str, Any], roles: frozenset[str] | set[str], history: list[dict[str, Any]]) -> PanelLinks:
    """The panel's pages a case offers this person: only the children's pathway has a pack, a
    booked rapid review meeting and CSPR drafts; the drafts once a CSPR was decided on."""
    if case.get("pathway") != "child":
        return PanelLinks()
    roles = set(roles)
    return PanelLinks(pack=bool(roles & PACK_READERS),
                      meeting=bool(roles & PACK_READERS) and case.get("meeting") is not None,
                      drafts=bool(roles & DRAFT_READERS) and cspr_decided(history))


@dataclass(frozen=True)
class ScopingReturnSeen:
    agency: str
    returned_on: str
    records_secured: bool
    no_information_held: bool
    involvement: str


@dataclass
class Pack:
    case_ref: str
    referral: dict[str, Any]
    became_aware_on: str
    rapid_review: bool
    meeting_on: str | None
    returns: list[ScopingReturnSeen]


def pack_from_api(body: dict[str, Any]) -> Pack:
    """The pack as the page shows it: the agencies' returns in the order of their names."""
    returns = [ScopingReturnSeen(agency=agency, returned_on=str(r["returned_on"]),
                                 records_secured=bool(r["records_secured"]),
                                 no_information_held=bool(r["no_information_held"]),
                                 involvement=str(r.get("involvement") or ""))
               for agency, r in (body.get("scoping_returns") or {}).items()]
    notice = body.get("local_authority_notification") or {}
    return Pack(case_ref=str(body["case_ref"]), referral=dict(body.get("referral") or {}),
                became_aware_on=str(notice.get("became_aware_on") or ""),
                rapid_review=bool(notice.get("rapid_review")), meeting_on=body.get("meeting_on"),
                returns=sorted(returns, key=lambda r: agency_name(r.agency)))


async def read_pack(api: ReferralsApi, token: str, case_id: str) -> Pack:
    return pack_from_api(dict(cases.expect(await api.pack(token, case_id), 200)))


@dataclass
class Meeting:
    booked: dict[str, Any] | None  # the CaseView's meeting: date, time, place, online, window, complete_by
    asked: list[str] = field(default_factory=list)  # the agencies asked for scoping (and invited)
    attending: list[str] | None = None  # None: attendance not recorded yet
    held_on: str | None = None
    held_reason: str | None = None  # only for those who may read the case's detail
    decision: str | None = None

    @property
    def missing_partners(self) -> list[str]:
        """The statutory partners not among those attending: without each, the meeting cannot decide."""
        return [] if self.attending is None else [p for p in STATUTORY_PARTNERS if p not in self.attending]


def meeting_from(case: dict[str, Any], history: list[dict[str, Any]]) -> Meeting:
    """The meeting as booked (from the case) and as it went (the latest of each step in its history)."""
    found = Meeting(booked=case.get("meeting"))
    for h in history:
        detail = h.get("detail") or {}
        action = h.get("action")
        if action == "scoping_requested":
            found.asked = list(detail.get("agencies") or [])
        elif action == "attendance_recorded":
            found.attending = list(detail.get("agencies") or [])
        elif action == "meeting_held":
            found.held_on, found.held_reason = detail.get("held_on"), detail.get("reason")
        elif action == "rapid_review_decided":
            found.decision = detail.get("decision")
    return found


async def read_history(api: ReferralsApi, token: str, case_id: str) -> list[dict[str, Any]]:
    """The case's history as far as the service lets this person read it (none when it will not)."""
    answer = await api.history(token, case_id)
    if answer.status in (403, 404):
        return []
    return list(cases.expect(answer, 200))


@dataclass(frozen=True)
class Draft:
    version: int
    marking: str  # "unpublished draft — strictly confidential", the service's own words
    added_on: str
    text: str

    @property
    def opening(self) -> str:
        """Its first line, cut short: enough to tell drafts apart in a list."""
        first = next((line.strip() for line in self.text.splitlines() if line.strip()), "")
        return first if len(first) <= 120 else first[:119].rstrip() + "…"


async def read_drafts(api: ReferralsApi, token: str, case_id: str) -> list[Draft]:
    """The drafts, newest first."""
    body = cases.expect(await api.drafts(token, case_id), 200)
    drafts = [Draft(version=int(d["version"]), marking=str(d["marking"]), added_on=str(d["added_on"]),
                    text=str(d["text"])) for d in body]
    return sorted(drafts, key=lambda d: d.version, reverse=True)


async def read_draft(api: ReferralsApi, token: str, case_id: str, version: int) -> Draft:
    for draft in await read_drafts(api, token, case_id):
        if draft.version == version:
            return draft
    raise cases.NotFound()


async def add_draft(api: ReferralsApi, token: str, case_id: str, form: FormData) -> list[FieldError]:
    """A new draft (``POST /v1/cases/{id}/cspr/draft``, its one field ``text``): none when it was kept."""
    return await cases.take_step(api, token, case_id, CSPR_DRAFT, form)
