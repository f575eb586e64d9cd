"""What people ask the referrals service to do: the referrals themselves and each pathway step's
input. They are the HTTP request bodies too (FastAPI reads them straight from JSON): unknown fields
are refused so that a typo never silently drops a fact."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
