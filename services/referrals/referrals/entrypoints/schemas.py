"""What the pathway steps answer: where the case stands after the step (the intake and the read
models are the application's own: ``application.intake`` and ``application.queries``)."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from ..domain.child_case import ChildCase
from ..domain.sar_case import SarCase


class ChildCaseProgress(BaseModel):
    case_id: str
    case_ref: str
    stage: str
    meeting_on: date | None
    meeting_window: tuple[date, date] | None
    scoping_returned_by: list[str]
    quorate: bool | None  # None until the attendance is recorded
    missing_partners: list[str] | None
    decision: str | None
    panel_response: str | None
    # Plain-words warnings the scoping request gave (a meeting after the rapid review's completion date).
    warnings: list[str] = []

    @classmethod
    def of(cls, case: ChildCase) -> ChildCaseProgress:
        attended = bool(case.attendance)
        return cls(case_id=case.case_id, case_ref=case.case_ref, stage=case.stage, meeting_on=case.meeting_on,
                   meeting_window=case.meeting_window, scoping_returned_by=sorted(case.scoping_returns),
                   quorate=case.quorate if attended else None,
                   missing_partners=case.missing_partners if attended else None,
                   decision=case.decision.decision if case.decision else None,
                   panel_response=case.panel_response.response if case.panel_response else None,
                   warnings=list(case.scoping_warnings))


class SarProgress(BaseModel):
    case_id: str
    case_ref: str
    stage: str
    scoping_returned_by: list[str]
    imrs: list[str]
    delayed: bool
    # Letters owed to the adult, the family or the advocate that wait for a family contact to be recorded.
    letters_awaiting_contact: list[str] = []

    @classmethod
    def of(cls, case: SarCase) -> SarProgress:
        return cls(case_id=case.case_id, case_ref=case.case_ref, stage=case.stage,
                   scoping_returned_by=sorted(case.scoping_returns), imrs=sorted(case.imrs), delayed=case.delayed,
                   letters_awaiting_contact=[owed.letter for owed in case.letters_awaiting_contact])
