"""A verified token is remembered until it expires: the next request with it is not checked again,
and after its expiry it is refused like any expired token."""
from __future__ import annotations

import jwt
import pytest

from safeguard_shared import auth
from safeguard_shared.auth import LocalIssuer


def test_a_remembered_token_is_refused_once_it_has_expired(tmp_path, monkeypatch):
    issuer = LocalIssuer(tmp_path / "issuer")
    verifier = issuer.verifier()
    token = issuer.mint(agency="police", roles=["referrer"], ttl_seconds=60)
    first = verifier.verify(token)
    assert verifier.verify(token) == first
    assert (first.agency, first.roles) == ("police", frozenset({"referrer"}))
    later = auth.time.time() + 120
    monkeypatch.setattr(auth.time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _frozen_at(later))
    with pytest.raises(jwt.ExpiredSignatureError):
        verifier.verify(token)


def _frozen_at(at: float):
    from datetime import UTC, datetime

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(at, tz or UTC)
    return Frozen
