"""What awaits the independent chair's sign-off, and the chair's review of the sub-group's decision.

The chair's own acts in the referrals service (its `chair` action) are on the adults' pathway: the
sign-off of a SAR referral for scoping, the review of the sub-group's decision not to convene (to
confirm or overturn it), and the agreement that commissions a SAR. The first and last are step forms
already (``steps.py``); the review is here, a form like them whose fields are the API's JSON paths.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .referral_form import YES_NO, Field
from .sar_steps import OTHER_STEPS
from .steps import CHAIR, SAR_AGREEMENT, SAR_SCOPING, Step

SAR_DECISION_REVIEW = Step(
    "sar-decision-review", "sar/decision/confirmation", "Review the sub-group's decision not to convene a SAR",
    "Record your review", ("not_convene_recommended",),
    (Field("confirmed", "Do you confirm the decision not to convene a SAR?", "bool",
           "Select yes if you confirm the decision not to convene a SAR", options=YES_NO,
           hint="No overturns it: a SAR is convened, and you agree it next, which commissions it."),
     Field("on", "Date of your review", "date", "Enter the date of your review"),
     Field("reasons", "Your reasons (optional)", "textarea", "", required=False),
     Field("other_steps", "What is done instead (if you confirm it)", "agencies", "", options=OTHER_STEPS,
           hint="Leave these blank to keep the sub-group's.", required=False),
     Field("other_steps_detail", "Who does what (optional)", "textarea", "", required=False),
     Field("mandatory_override_reason", "Why not convene a SAR the Care Act requires", "textarea",
           "", required=False,
           hint="The Care Act s44 duty: a referral meeting the mandatory criteria is convened unless you say "
                "why not.")),
    "Your review of the sub-group's decision recorded", action="sar_decision_confirmed", pathway="adult",
    roles=CHAIR)

SIGN_OFFS = {s.slug: s for s in (SAR_DECISION_REVIEW,)}
# Where a case stands → the chair's act it awaits, and where its form is.
AWAITING = {"screened": SAR_SCOPING, "not_convene_recommended": SAR_DECISION_REVIEW, "decided": SAR_AGREEMENT}


def form_path(case_id: str, step: Step) -> str:
    """The chair's review is a page of its own here; the other acts are the case's step forms."""
    kind = "sign-offs" if step.slug in SIGN_OFFS else "steps"
    return f"/cases/{case_id}/{kind}/{step.slug}"


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


def sign_off_offered(case: dict[str, Any], roles: frozenset[str] | set[str]) -> Step | None:
    """The chair's review, on the case's page, while the sub-group's decision not to convene awaits it."""
    if set(roles) & SAR_DECISION_REVIEW.roles and case.get("pathway") == "adult" \
            and case.get("status") in SAR_DECISION_REVIEW.statuses:
        return SAR_DECISION_REVIEW
    return None
