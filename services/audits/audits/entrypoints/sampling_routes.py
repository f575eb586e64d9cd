"""HTTP routes for the draw of four cases and the table of audited cases (prefix /v1).

The population comes as JSON (``{"population": [case references], "seed"?}``, docs/architecture.md,
"Stable interface"), as a CSV body (``Content-Type: text/csv``), or as a CSV file in a form
(``multipart/form-data``, field ``population``); a CSV names the agencies involved in each case
(``case_reference,agencies``).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import Field, ValidationError

from safeguard_shared.auth import CurrentPrincipal
from safeguard_shared.partnership import AGENCIES
from safeguard_shared.types import BusinessDate

from ..application import queries
from ..application import sampling as use_cases
from ..application.access import require_qa
from ..domain.csvfiles import Population, parse_population
from ..domain.errors import Problem, RuleBroken
from .common import MAX_UPLOAD_BYTES, Reference, Strict, runtime_of, settings_of, validation_detail
from .schemas import AuditedCase as AuditedCaseOut
from .schemas import AuditedCasesAdded, Exclusions, Sample

router = APIRouter(prefix="/v1", tags=["sampling"])


class SampleIn(Strict):
    population: list[Reference] = Field(min_length=4, max_length=1_000_000)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    # This draw's exclusions, on top of the partnership's (PUT /v1/sampling/exclusions): references to
    # leave out, and a window of recently audited cases that replaces the partnership's.
    exclude: list[Reference] = Field(default=[], max_length=1_000_000)
    exclude_audited_within_months: int | None = Field(default=None, ge=0, le=120)


class Options(Strict):
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    exclude: list[Reference] = Field(default=[], max_length=1_000_000)
    exclude_audited_within_months: int | None = Field(default=None, ge=0, le=120)


class AuditedCase(Strict):
    case_ref: str = Field(min_length=1, max_length=100)
    audited_on: BusinessDate


class ExcludedReference(Strict):
    case_ref: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=300)


class ExclusionsIn(Strict):
    audited_within_months: int = Field(ge=0, le=120, description="0: recently audited cases may be drawn again")
    references: list[ExcludedReference] = Field(default=[], max_length=100_000)


class AuditedCasesIn(Strict):
    cases: list[AuditedCase] = Field(min_length=1, max_length=100_000)


_CSV_BODY = {"schema": {"type": "string", "maxLength": MAX_UPLOAD_BYTES},
             "example": "case_reference,agencies\nRR-2026-000A00,police;icb;school\n"}
SAMPLE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": SampleIn.model_json_schema()},
    "text/csv": _CSV_BODY,
    "multipart/form-data": {"schema": {"type": "object", "required": ["population"], "properties": {
        "population": {"type": "string", "format": "binary"}, "seed": {"type": "integer"},
        "exclude": {"type": "string", "maxLength": MAX_UPLOAD_BYTES,
                    "description": "references to leave out, one a line"},
        "exclude_audited_within_months": {"type": "integer"}}}}}}}


def _list(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.replace(",", "\n").splitlines() if v.strip()]


async def _read(request: Request) -> tuple[Population, Options]:
    """The population and the draw's options, from whichever body the caller sent."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        if content_type in ("text/csv", "application/csv", "text/plain"):
            text = (await request.body()).decode("utf-8-sig")
            options = Options.model_validate({"seed": request.query_params.get("seed"),
                                              "exclude": _list(request.query_params.getlist("exclude")),
                                              "exclude_audited_within_months":
                                                  request.query_params.get("exclude_audited_within_months")})
            return parse_population(text, AGENCIES), options
        if content_type == "multipart/form-data":
            form = await request.form()
            upload = form.get("population") or form.get("file")
            if upload is None or isinstance(upload, str):
                raise RuleBroken.one(("body", "population"), "attach the population as a CSV file named 'population'")
            text = (await upload.read()).decode("utf-8-sig")
            options = Options.model_validate({"seed": form.get("seed") or request.query_params.get("seed"),
                                              "exclude": _list([str(v) for v in form.getlist("exclude")]),
                                              "exclude_audited_within_months":
                                                  form.get("exclude_audited_within_months")})
            return parse_population(text, AGENCIES), options
        body = SampleIn.model_validate_json(await request.body())
    except UnicodeDecodeError:
        raise RuleBroken.one(("body", "population"), "the file is not UTF-8 text") from None
    except ValidationError as exc:
        raise _invalid(exc) from None
    return Population(body.population), Options(seed=body.seed, exclude=body.exclude,
                                                exclude_audited_within_months=body.exclude_audited_within_months)


def _invalid(exc: ValidationError) -> RuleBroken:
    return RuleBroken([Problem(tuple(d["loc"]), d["msg"], d["type"]) for d in validation_detail(exc)])


@router.post("/audits/{audit_id}/sample", openapi_extra=SAMPLE_BODY, response_model=Sample,
             responses={201: {"model": Sample, "description": "The cases were drawn now"},
                        409: {"description": "The cases were already drawn from another population; see them with "
                                             "GET /v1/audits/{audit_id}/sample"}})
async def sample(audit_id: str, principal: CurrentPrincipal, request: Request, response: Response) -> dict[str, Any]:
    """Draw four cases at random (seed, population digest and exclusions recorded); asking again with the
    same population returns the same draw (200); another population after the draw is refused (409)."""
    require_qa(principal)
    population, options = await _read(request)
    cmd = use_cases.SampleCases(audit_id, population, options.seed, exclude=options.exclude,
                                within_months=options.exclude_audited_within_months)
    result, created = await use_cases.sample_cases(cmd, principal, runtime_of(request).unit_of_work(),
                                                   settings_of(request).exclude_audited_within_months)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return result


@router.get("/audits/{audit_id}/sample", response_model=Sample)
async def get_sample(audit_id: str, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """The audit's draw: its cases, seed, population digest and what was excluded."""
    require_qa(principal)
    return await queries.get_sample(runtime_of(request).unit_of_work(), audit_id, principal)


@router.get("/sampling/exclusions", response_model=Exclusions)
async def get_exclusions(principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """The exclusions the partnership set for every draw."""
    require_qa(principal)
    return await queries.get_exclusions(runtime_of(request).unit_of_work(),
                                        settings_of(request).exclude_audited_within_months)


@router.put("/sampling/exclusions", response_model=Exclusions)
async def set_exclusions(body: ExclusionsIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Set the partnership's exclusions: cases audited within so many months, and standing references."""
    require_qa(principal)
    cmd = use_cases.SetExclusions(body.audited_within_months, [r.model_dump() for r in body.references])
    return await use_cases.set_exclusions(cmd, principal, runtime_of(request).unit_of_work(),
                                          settings_of(request).exclude_audited_within_months)


@router.post("/audited-cases", response_model=AuditedCasesAdded)
async def record_audited_cases(body: AuditedCasesIn, principal: CurrentPrincipal, request: Request) -> dict[str, int]:
    """Cases audited before (or outside) the product, so the partnership's exclusion knows them."""
    require_qa(principal)
    added = await use_cases.record_audited_cases([c.model_dump() for c in body.cases],
                                                 runtime_of(request).unit_of_work())
    return {"received": len(body.cases), "added": added}


@router.get("/audited-cases", response_model=list[AuditedCaseOut])
async def list_audited_cases(principal: CurrentPrincipal, request: Request,
                             since: BusinessDate | None = None) -> list[dict[str, Any]]:
    """The audited cases (every draw adds its four), newest last."""
    require_qa(principal)
    return await queries.list_audited_cases(runtime_of(request).unit_of_work(), since)
