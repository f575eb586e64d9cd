"""The access log over HTTP: ``GET /v1/access-log`` (JSON, a page at a time) and
``GET /v1/access-log.csv`` (every matching row, for a subject access request or an inquiry), for the
business unit and admins only. Every service with an access log includes ``access_log_router()``.
"""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ..auth import CurrentPrincipal, require_roles
from ..partnership import LONDON
from ..service import ServiceRuntime
from ..spreadsheets import neutralise
from ..types import BusinessDate
from .store import Filters, entries, every_entry

READER_ROLES = ("business_unit",)  # and admin (require_roles lets an admin through)
MOST_PER_PAGE = 1000
COLUMNS = ("seq", "read_at", "subject", "agency", "roles", "operation", "endpoint", "case_id", "audit_id",
           "prev_hash", "row_hash")


class AccessLogEntry(BaseModel):
    """One read of case-level data: who (subject, agency, roles), what (in words, and the endpoint),
    of which case or audit, when (the real time), and the row's place in the hash chain."""

    seq: int
    read_at: datetime
    subject: str
    agency: str
    roles: list[str]
    operation: str
    endpoint: str
    case_id: str | None
    audit_id: str | None
    prev_hash: str
    row_hash: str


class CSVResponse(StreamingResponse):
    media_type = "text/csv"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _filters(case_id: Annotated[str | None, Query(max_length=36, description="reads of this case")] = None,
             audit_id: Annotated[str | None, Query(max_length=36, description="reads of this audit")] = None,
             subject: Annotated[str | None, Query(max_length=200, description="reads by this person (the "
                                                                                "token's subject)")] = None,
             since: Annotated[BusinessDate | None, Query(description="reads on or after this day (London)")] = None,
             until: Annotated[BusinessDate | None, Query(description="reads on or before this day (London)")] = None,
             after: Annotated[int, Query(ge=0, description="rows after this seq (the next page)")] = 0) -> Filters:
    return Filters(case_id=case_id, audit_id=audit_id, subject=subject, after_seq=after,
                   since=_start_of(since) if since else None,
                   before=_start_of(until + timedelta(days=1)) if until else None)


LogFilters = Annotated[Filters, Depends(_filters)]


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(v) for v in values])
    return out.getvalue()


def _cells(row: dict[str, Any]) -> list[Any]:
    return [row["read_at"].isoformat() if name == "read_at" else row[name] for name in COLUMNS]


def access_log_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["access log"])

    @router.get("/access-log", response_model=list[AccessLogEntry])
    async def read_access_log(request: Request, principal: CurrentPrincipal, filters: LogFilters,
                              limit: Annotated[int, Query(ge=1, le=MOST_PER_PAGE)] = MOST_PER_PAGE,
                              ) -> list[AccessLogEntry]:
        """Who read which case or audit, and when, oldest first (the business unit and admins only);
        for the next page, ``after`` = the last ``seq`` received."""
        require_roles(principal, *READER_ROLES)
        async with _runtime(request).sessions() as session:
            rows = await entries(session, filters, limit=limit)
        return [AccessLogEntry.model_validate({**row, "roles": row["roles"].split()}) for row in rows]

    @router.get("/access-log.csv", response_class=CSVResponse,
                responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                                 "description": "Every matching read, one row each, with its hashes."}})
    async def export_access_log(request: Request, principal: CurrentPrincipal, filters: LogFilters) -> CSVResponse:
        """Every matching read as CSV, for a subject access request or an inquiry (the business unit and
        admins only); no cell is ever opened as a formula."""
        require_roles(principal, *READER_ROLES)
        runtime = _runtime(request)

        async def lines() -> AsyncIterator[str]:
            yield _csv_line(COLUMNS)
            async with runtime.sessions() as session:
                async for row in every_entry(session, filters):
                    yield _csv_line(_cells(row))

        return CSVResponse(lines(), headers={
            "Content-Disposition": f'attachment; filename="{runtime.name}-access-log.csv"'})

    return router
