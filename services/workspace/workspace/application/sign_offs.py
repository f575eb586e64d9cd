"""What awaits the independent chair's sign-off, and the chair's review of the sub-group's decision.

The chair's own acts in the referrals service (its `chair` action) are on the adults' pathway: the
sign-off of a SAR referral for scoping, the review of the sub-group's decision not to convene (to
confirm or overturn it), and the agreement that commissions a SAR. All three are the case's step
forms (``steps.py``); this module says only which of them awaits the chair, for the panel's pages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .steps import CHAIR, SAR_AGREEMENT, SAR_DECISION_REVIEW, SAR_SCOPING, Step

# Where a case stands → the chair's act it awaits, and where its form is.
AWAITING = {"screened": SAR_SCOPING, "not_convene_recommended": SAR_DECISION_REVIEW, "decided": SAR_AGREEMENT}


def form_path(case_id: str, step: Step) -> str:
    """Every act of the chair's is one of the case's step forms (steps.py)."""
    return f"/cases/{case_id}/steps/{step.slug}"


@dataclass(frozen=True)
class Awaiting:
    case: dict[str, Any]
    step: Step

    @property
    def href(self) -> str:
        return form_path(str(self.case["case_id"]), self.step)


def awaiting_sign_off(found: list[dict[str, Any]], roles: frozenset[str] | set[str]) -> list[Awaiting]:
    """The cases whose next act is the chair's, oldest referral first (it has waited longest)."""
    if not set(roles) & CHAIR:
        return []
    waiting = [Awaiting(c, AWAITING[c["status"]]) for c in found
               if c.get("pathway") == "adult" and c.get("status") in AWAITING]
    return sorted(waiting, key=lambda a: (str(a.case.get("received_on")), str(a.case.get("case_ref"))))
