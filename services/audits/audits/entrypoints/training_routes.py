"""HTTP routes for training impact: completions, surveys and the impact report (prefix /v1/training)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import EmailStr, Field, ValidationError

from safeguard_shared.auth import CurrentPrincipal
from safeguard_shared.partnership import AGENCIES
from safeguard_shared.service_caller import require_service_caller

from ..application import queries
from ..application import training as use_cases
from ..application.access import is_qa, require_qa
from ..application.errors import Forbidden
from ..domain.csvfiles import Completion, check_completion, parse_completions, raise_problems
from ..domain.errors import Problem, RuleBroken
from .common import MAX_UPLOAD_BYTES, Strict, runtime_of, validation_detail
from .schemas import Impact, ImportResult, Survey, SurveyRecipient, SurveysSent

router = APIRouter(prefix="/v1/training", tags=["training impact"])

MAX_ROWS = 100_000


class CompletionIn(Strict):
    trainee: str = Field(min_length=1, max_length=200, description="the agency's staff identifier")
    agency: str = Field(min_length=1, max_length=60)
    course: str = Field(min_length=1, max_length=200)
    completed_on: date
    manager: str | None = Field(default=None, max_length=200)
    # Where the two surveys go: kept in the audits store only, never on the bus.
    trainee_email: EmailStr | None = Field(default=None, max_length=320)
    manager_email: EmailStr | None = Field(default=None, max_length=320)


class CompletionsIn(Strict):
    completions: list[CompletionIn] = Field(min_length=1, max_length=MAX_ROWS)


class FollowUpAnswers(Strict):
    survey: Literal["follow_up"]
    practice_changed: bool
    confidence_before: int = Field(ge=1, le=5)
    confidence_after: int = Field(ge=1, le=5)
    example: str | None = Field(default=None, max_length=5000)


class ManagerAnswers(Strict):
    survey: Literal["manager"]
    change_noticed: bool
    team_impact: int = Field(ge=1, le=5)
    comments: str | None = Field(default=None, max_length=5000)


SurveyAnswers = Annotated[FollowUpAnswers | ManagerAnswers, Field(discriminator="survey")]

COMPLETIONS_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": CompletionsIn.model_json_schema()},
    "text/csv": {"schema": {"type": "string", "maxLength": MAX_UPLOAD_BYTES},
                 "example": "trainee,agency,course,completed_on,manager,trainee_email,manager_email\n"
                            "S-1042,police,Core safeguarding,2026-09-14,M-77,a.trainee@police.example,"
                            "a.manager@police.example\n"}}}}


@router.post("/completions", openapi_extra=COMPLETIONS_BODY, response_model=ImportResult)
async def import_completions(principal: CurrentPrincipal, request: Request) -> dict[str, int]:
    """Import core training completions (CSV or JSON). All or nothing: a file with any bad line is refused
    with every problem named; a completion imported before is not imported again."""
    require_qa(principal)
    runtime = runtime_of(request)
    today = runtime.clock.today()
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    raw = await request.body()
    batch: list[Completion] = []
    try:
        if content_type in ("text/csv", "application/csv", "text/plain"):
            batch = parse_completions(raw.decode("utf-8-sig"), AGENCIES, today)
            if len(batch) > MAX_ROWS:
                raise RuleBroken.one(("body", "completions"), f"send at most {MAX_ROWS} lines at a time")
        else:
            body = CompletionsIn.model_validate_json(raw)
            problems: list[Problem] = []
            for n, item in enumerate(body.completions):
                where = ("body", "completions", str(n))
                completion, found = check_completion(item.model_dump(), where, AGENCIES, today)
                problems.extend(found)
                if completion:
                    batch.append(completion)
            if problems:
                raise_problems(problems)
    except UnicodeDecodeError:
        raise RuleBroken.one(("body",), "the file is not UTF-8 text") from None
    except ValidationError as exc:
        raise RuleBroken.one(("body",), "; ".join(f"{'.'.join(d['loc'][1:])}: {d['msg']}"
                                                   for d in validation_detail(exc)[:20])) from None
    return await use_cases.import_completions(use_cases.ImportCompletions(batch), runtime.unit_of_work())


@router.post("/surveys/issue", response_model=SurveysSent)
async def issue_due_surveys(principal: CurrentPrincipal, request: Request) -> dict[str, int]:
    """Send every survey whose day has come now (the service also does this by itself)."""
    require_qa(principal)
    runtime = runtime_of(request)
    sent = 0
    command = use_cases.SendDueSurveys(link_days=runtime.settings.survey_link_days)  # type: ignore[attr-defined]
    while (n := await use_cases.send_due_surveys(command, runtime.unit_of_work())) > 0:
        sent += n
    return {"sent": sent}


def _may_read_recipients(request: Request) -> None:
    """The notifications service, with the static ``AUDITS_RECIPIENTS_TOKEN``; without one configured,
    only a caller on this machine (the embedded default)."""
    require_service_caller(request, request.app.state.runtime.settings.recipients_token,
                           what="a survey's recipient", setting="AUDITS_RECIPIENTS_TOKEN")


@router.get("/surveys/{survey_id}/recipient", response_model=SurveyRecipient)
async def survey_recipient(survey_id: str, request: Request) -> dict[str, Any]:
    """For the notifications service only, at the moment it sends a survey's message: the recipient's
    address and the survey's signed link. The address lives in this store and nowhere else (README)."""
    _may_read_recipients(request)
    runtime = runtime_of(request)
    return await use_cases.survey_recipient(use_cases.SurveyRecipient(
        survey_id, runtime.settings.public_base_url, request.app.state.survey_link_key),  # type: ignore[attr-defined]
        runtime.unit_of_work())


@router.get("/surveys", response_model=list[Survey])
async def list_surveys(principal: CurrentPrincipal, request: Request,
                       status: Literal["pending", "requested", "sent", "answered", "late", "no_address",
                                       "undeliverable"] | None = None,
                       agency: str | None = None,
                       limit: int = Query(default=500, ge=1, le=10000)) -> list[dict[str, Any]]:
    """Surveys by status: an agency sees its own staff's, to pass on and answer. A survey's ``due_on``
    is the day the scheduling service gave it (null until its clock has started). ``late``: its day had
    passed when the completion was recorded — late, not yet sent (listed here once, never sent
    automatically); ``no_address``: no e-mail address for its recipient; ``undeliverable``: the
    message was refused; ``requested``: the message is on its way."""
    return await queries.list_surveys(runtime_of(request).unit_of_work(), principal, status=status, agency=agency,
                                      limit=limit)


@router.post("/surveys/{survey_id}/answers", response_model=Survey)
async def answer_survey(survey_id: str, body: SurveyAnswers, principal: CurrentPrincipal,
                        request: Request) -> dict[str, Any]:
    """The trainee's follow-up answers, or the manager's on the impact for the team."""
    cmd = use_cases.AnswerSurvey(survey_id, body.survey, body.model_dump(exclude={"survey"}))
    return await use_cases.answer_survey(cmd, principal, runtime_of(request).unit_of_work())


@router.get("/impact", response_model=Impact)
async def impact(principal: CurrentPrincipal, request: Request, by: Literal["course", "agency"] = "course",
                 completed_from: date | None = None, completed_to: date | None = None) -> dict[str, Any]:
    """The impact of core training: completions, survey returns, practice changed, confidence, team impact."""
    if not (is_qa(principal) or principal.has_any({"reporting_reader"})):
        raise Forbidden("this needs one of the roles: qa_lead, business_unit, reporting_reader")
    return await queries.impact(runtime_of(request).unit_of_work(), by=by, completed_from=completed_from,
                                completed_to=completed_to)
