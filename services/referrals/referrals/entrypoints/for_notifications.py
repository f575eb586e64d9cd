"""What the notifications service asks for at the moment it sends a message, and only it: the completed
rapid review template for the Panel (``GET /v1/cases/{case_id}/rapid-review-template``) and a letter to
the adult, the family or the advocate (``GET /v1/cases/{case_id}/family-letters/{letter_no}``). Their
free text and the family's contact details never travel on the bus (services/referrals README, "The
completed rapid review template", "Letters to the family")."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from safeguard_shared.partnership import Principal
from safeguard_shared.service_caller import require_service_caller, service_principal

from ..application.queries import FamilyLetterContent, RapidReviewTemplate, family_letter, rapid_review_template
from .errors import answer, runtime

router = APIRouter(prefix="/v1", tags=["referrals"])


def service_only(not_found: str) -> dict[str, Any]:
    """The route's documented answers, marked as not a person's operation: the access table does not
    apply; the service token decides."""
    return dict(responses={401: {"description": "the service token is missing or wrong"},
                           403: {"description": "no service token is configured and the caller is not on this "
                                                "machine"},
                           404: {"description": not_found}},
                openapi_extra={"x-service-only": "notifications"})


def notifications_only(request: Request, what: str) -> Principal:
    """The caller, once it has shown the static ``REFERRALS_SERVICE_TOKEN`` (without one configured, only a
    caller on this machine): the notifications service, as the access log names it."""
    require_service_caller(request, runtime(request).settings.service_token,  # type: ignore[attr-defined]
                           what=what, setting="REFERRALS_SERVICE_TOKEN")
    return service_principal("notifications")


@router.get("/cases/{case_id}/rapid-review-template", response_model=RapidReviewTemplate,
            **service_only("no such case, or no rapid review decided on it"))
async def completed_rapid_review_template(case_id: str, request: Request) -> RapidReviewTemplate | JSONResponse:
    """The notifications service (see above): the decided rapid review's content, each read recorded in
    the access log as the notifications service's."""
    caller = notifications_only(request, "the completed rapid review template")
    return await answer(rapid_review_template(case_id, caller, runtime(request).unit_of_work()))


@router.get("/cases/{case_id}/family-letters/{letter_no}", response_model=FamilyLetterContent,
            **service_only("no such case, or no such letter owed on it"))
async def letter_to_the_family(case_id: str, letter_no: int, request: Request) -> FamilyLetterContent | JSONResponse:
    """The notifications service (see above): the letter's recipient, as recorded when it was owed, and
    its words, each read recorded in the access log as the notifications service's."""
    caller = notifications_only(request, "a letter to the family")
    return await answer(family_letter(case_id, letter_no, caller, runtime(request).unit_of_work()))
