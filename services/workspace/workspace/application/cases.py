"""Use cases over the referrals service: refer a child, read a case, find cases by reference."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..adapters.referrals_api import ReferralsApi
from .referral_form import FieldError, FormData, errors_from_api, form_to_referral


class SignInAgain(Exception):
    """The person's token is no longer accepted (expired, or the issuer changed)."""


class NotPermitted(Exception):
    """The service refused: the message is its own."""


class NotFound(Exception):
    pass


@dataclass
class ReferralOutcome:
    case: dict[str, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)
    # The referrals service found the same referral already made (same child, incident date and agency):
    # no second case was opened, and ``case`` is the existing one.
    duplicate: bool = False


def _message(body: Any) -> str:
    detail = body.get("detail") if isinstance(body, Mapping) else None
    return detail if isinstance(detail, str) else "The service refused this."


async def refer_child(api: ReferralsApi, token: str, form: FormData) -> ReferralOutcome:
    referral, problems = form_to_referral(form)
    answer = await api.refer_child(token, referral, idempotency_key=next(iter(form.get("idempotency_key") or []), None))
    if answer.status == 201:
        return ReferralOutcome(case=answer.body)
    if answer.status == 200 and isinstance(answer.body, Mapping) and answer.body.get("duplicate_of"):
        return ReferralOutcome(case=dict(answer.body), duplicate=True)
    if answer.status == 422:
        return ReferralOutcome(errors=errors_from_api(answer.body.get("detail"), problems))
    if answer.status == 401:
        raise SignInAgain()
    if answer.status == 403:
        raise NotPermitted(_message(answer.body))
    raise RuntimeError(f"the referrals service answered {answer.status}")


async def read_case(api: ReferralsApi, token: str, case_id: str) -> dict[str, Any]:
    answer = await api.case(token, case_id)
    if answer.status == 200:
        return dict(answer.body)
    if answer.status == 401:
        raise SignInAgain()
    if answer.status == 403:
        raise NotPermitted(_message(answer.body))
    if answer.status in (404, 422):
        raise NotFound()
    raise RuntimeError(f"the referrals service answered {answer.status}")


async def find_cases(api: ReferralsApi, token: str, q: str) -> list[dict[str, Any]]:
    answer = await api.search_cases(token, q)
    if answer.status == 200:
        return list(answer.body)
    if answer.status == 401:
        raise SignInAgain()
    if answer.status == 403:
        raise NotPermitted(_message(answer.body))
    raise RuntimeError(f"the referrals service answered {answer.status}")
