"""GET /v1/cases/{case_id}/rapid-review-template: the completed rapid review template, for the
notifications service only, at the moment it sends it to the Panel. Its free text (the rationale,
the actions, the learning) never travels on the bus (services/referrals README, "The completed
rapid review template")."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from safeguard_shared.service_caller import require_service_caller, service_principal

from ..application.queries import RapidReviewTemplate, rapid_review_template
from .errors import answer, runtime

router = APIRouter(prefix="/v1", tags=["referrals"])


@router.get("/cases/{case_id}/rapid-review-template", response_model=RapidReviewTemplate,
            responses={401: {"description": "the service token is missing or wrong"},
                       403: {"description": "no service token is configured and the caller is not on this machine"},
                       404: {"description": "no such case, or no rapid review decided on it"}},
            # Not a person's operation: the access table does not apply; the service token decides.
            openapi_extra={"x-service-only": "notifications"})
async def completed_rapid_review_template(case_id: str, request: Request) -> RapidReviewTemplate | JSONResponse:
    """The notifications service, with the static ``REFERRALS_SERVICE_TOKEN`` (without one configured,
    only a caller on this machine): the decided rapid review's content, each read recorded in the
    access log as the notifications service's."""
    require_service_caller(request, runtime(request).settings.service_token,  # type: ignore[attr-defined]
                           what="the completed rapid review template", setting="REFERRALS_SERVICE_TOKEN")
    return await answer(rapid_review_template(case_id, service_principal("notifications"),
                                              runtime(request).unit_of_work()))
