"""Use cases over the referrals service: refer a child, read a case, find cases by reference."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..adapters.referrals_api import ApiAnswer, ReferralsApi
from .adult_referral_form import ADULT_REFERRAL
from .referral_form import FieldError, FormData, errors_from_api, form_to_referral
from .steps import Step


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


class OutOfOrder(Exception):
    """The service said this step cannot be taken now (its 409): the message is its own."""


def _message(body: Any) -> str:
    detail = body.get("detail") if isinstance(body, Mapping) else None
    return detail if isinstance(detail, str) else "The service refused this."


def expect(answer: ApiAnswer, *ok: int) -> Any:
    """The body of an answer the page can use, or the exception that says why not."""
    if answer.status in ok:
        return answer.body
    if answer.status == 401:
        raise SignInAgain()
    if answer.status == 403:
        raise NotPermitted(_message(answer.body))
    if answer.status == 404:
        raise NotFound()
    if answer.status == 409:
        raise OutOfOrder(_message(answer.body))
    raise RuntimeError(f"a service answered {answer.status}")


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


async def find_cases(api: ReferralsApi, token: str, q: str = "") -> list[dict[str, Any]]:
    """Cases whose reference contains ``q``; without it, every case the person may find (an agency's
    own referrals, or the business unit's every case), newest first."""
    return list(expect(await api.search_cases(token, q), 200))


@dataclass
class AdultOutcome:
    case: dict[str, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)
    duplicate: bool = False

    @property
    def returned(self) -> bool:
        return bool(self.case and self.case.get("status") == "returned")


async def refer_adult(api: ReferralsApi, token: str, form: FormData, *, resubmission_of: str | None = None
                      ) -> AdultOutcome:
    """A SAR referral, or a returned one sent again. An incomplete one is not an error: the service
    records it as returned, with the reasons, and the page shows them."""
    referral, problems = form_to_referral(form, ADULT_REFERRAL)
    if problems:
        return AdultOutcome(errors=errors_from_api([], problems, ADULT_REFERRAL))
    if resubmission_of:
        answer = await api.resubmit_adult(token, resubmission_of, referral)
    else:
        answer = await api.refer_adult(token, referral,
                                       idempotency_key=next(iter(form.get("idempotency_key") or []), None))
    if answer.status == 422:
        return AdultOutcome(errors=errors_from_api(answer.body.get("detail"), problems, ADULT_REFERRAL))
    body = dict(expect(answer, 200, 201))
    return AdultOutcome(case=body, duplicate=answer.status == 200 and bool(body.get("duplicate_of")))


async def take_step(api: ReferralsApi, token: str, case_id: str, step: Step, form: FormData) -> list[FieldError]:
    """One step of the pathway from its form: no errors when the service took it."""
    body, problems = form_to_referral(form, step.fields)
    if problems:
        return errors_from_api([], problems, step.fields)
    answer = await api.step(token, case_id, step.api_path, body)
    if answer.status == 422:
        return errors_from_api(answer.body.get("detail"), problems, step.fields)
    expect(answer, 200, 201)
    return []


def return_reasons(history: list[dict[str, Any]]) -> list[str]:
    """Why a SAR referral was last returned, from its history (which the referring agency may read)."""
    returns = [h for h in history if h.get("action") == "returned"]
    return list((returns[-1].get("detail") or {}).get("reasons") or []) if returns else []
