"""No request a service's own OpenAPI document allows, nor one it forbids, makes it answer 5xx (issue 12).

Schemathesis reads each service's committed document (docs/api/, regenerate with scripts/export_api.py)
and generates requests for every operation: valid ones (positive) and ones that break the schema
(negative: wrong types, missing fields, out-of-range values). They are sent to the real service app,
migrated on SQLite and on PostgreSQL (no broker: ``/health`` is left out, since it rightly answers
503), as the business unit (who may reach most of the code behind each route), as an agency
referrer, and with no token at all. The examples are bounded and
derandomised so that CI runs the same requests every time; widen with ``FUZZ_EXAMPLES``.

Schemathesis only generates here: the requests go through the test's own ASGI client, in the same
event loop as the app's database engine (schemathesis' own ASGI caller runs the app in another loop).
"""
from __future__ import annotations

import functools
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.openapi import from_dict

from safeguard_testing.apps import SERVICES, bearer, migrated

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))


def drawn(strategy: Any, examples: int) -> list[Any]:
    """The strategy's first ``examples`` cases, the same on every run."""
    cases: list[Any] = []

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


@functools.cache  # drawn once per service, sent to both stores
def generated_requests(service: str, examples: int) -> list[dict[str, Any]]:
    """Each operation's requests: method, path with its parameters filled in, query, headers, body."""
    schema = from_dict(json.loads((ROOT / "docs" / "api" / f"{service}.openapi.json").read_text()))
    requests: list[dict[str, Any]] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/health":  # 503 is its honest answer here: no broker is running
            continue
        name = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                cases = drawn(operation.as_strategy(generation_mode=mode), examples)
            except Exception as error:  # an operation schemathesis cannot satisfy is named, not hidden
                requests.append({"unsatisfiable": f"{name} ({mode.value}): {type(error).__name__}"})
                continue
            for case in cases:
                kwargs = case.as_transport_kwargs(base_url=f"http://{service}.test")
                requests.append({"method": kwargs["method"], "url": kwargs["url"],
                                 "params": kwargs.get("params") or None,
                                 "headers": {k: v for k, v in (kwargs.get("headers") or {}).items()
                                             if k.lower() != "authorization"},
                                 "json": kwargs.get("json"), "content": kwargs.get("data"), "operation": name})
    return requests


@pytest.mark.parametrize("service", SERVICES)
async def test_no_generated_request_makes_a_service_fail(service, databases, tmp_path, issuer):
    requests = generated_requests(service, EXAMPLES)
    sent = [r for r in requests if "unsatisfiable" not in r]
    assert len({r["operation"] for r in sent}) >= 3, "the document gave almost no operations to try"
    who = {"business unit": bearer(issuer, "business_unit", "business_unit"),
           "a police referrer": bearer(issuer, "police", "referrer"),
           "no one": {}}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    async with migrated(service, database_url=await databases.at_head(service), data_dir=tmp_path,
                        issuer=issuer) as app:
        for n, request in enumerate(sent):
            token = list(who.values())[n % len(who)]
            body: dict[str, Any] = {"json": request["json"]} if request["json"] is not None else {}
            if not body and isinstance(request["content"], (str, bytes)):
                body = {"content": request["content"]}
            response = await app.client.request(request["method"], request["url"], params=request["params"],
                                                headers={**request["headers"], **token}, **body)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{request['operation']} → {response.status_code}: "
                                f"{request['method']} {request['url']} {request['params']} {body}")
    print(f"\n{service}: {len(sent)} requests over {len({r['operation'] for r in sent})} operations, "
          f"statuses {dict(sorted(statuses.items()))}")
    assert not failures, f"{len(failures)} of {len(sent)} answered 5xx:\n" + "\n".join(failures[:20])
