"""Query parameters every service takes the same way.

A case, audit or completion id in a query string is a UUID (36 characters): a longer value is no id
of ours, so it is refused with a 422 naming the parameter before anything is read or recorded (the
access log keeps ids in 36 characters; the fuzzer found a longer one answered 500 on PostgreSQL).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Query

IdFilter = Annotated[str | None, Query(max_length=36, description="an id (a UUID); filters the list to it")]
