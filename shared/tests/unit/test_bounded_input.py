"""Request bodies are bounded before they are read in full, and tokens live at most 12 hours."""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from fastapi import FastAPI, Request

from safeguard_shared.auth import MAX_TOKEN_SECONDS, LocalIssuer
from safeguard_shared.service import BoundBodySize

LIMIT = 1000


def _app(read: list[int]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/things")
    async def things(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            read.append(len(chunk))
        return {"size": size}

    app.add_middleware(BoundBodySize, max_bytes=LIMIT, upload_bytes=LIMIT * 4,
                       is_upload=lambda scope: str(scope.get("path", "")).endswith("/upload"))
    return app


async def _client(read: list[int]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(read)), base_url="http://test")


async def test_a_body_at_the_limit_is_read() -> None:
    read: list[int] = []
    async with await _client(read) as client:
        answer = await client.post("/v1/things", content=b"x" * LIMIT)
    assert answer.status_code == 200 and answer.json() == {"size": LIMIT}


async def test_a_declared_length_over_the_limit_is_a_413_before_any_read() -> None:
    read: list[int] = []
    async with await _client(read) as client:
        answer = await client.post("/v1/things", content=b"x" * (LIMIT + 1))
    assert answer.status_code == 413
    assert answer.json() == {"detail": f"The request body is larger than the limit of {LIMIT} bytes."}
    assert read == []


async def test_a_streamed_body_without_a_length_stops_at_the_limit() -> None:
    read: list[int] = []
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            sent.append(1)
            yield b"y" * 300

    async with await _client(read) as client:
        answer = await client.post("/v1/things", content=chunks())
    assert answer.status_code == 413
    assert "1000 bytes" in answer.json()["detail"]
    assert sum(read) <= LIMIT


async def test_an_upload_route_has_its_own_larger_limit() -> None:
    read: list[int] = []
    async with await _client(read) as client:
        upload = await client.post("/v1/things/upload", content=b"z" * (LIMIT * 3))
        bigger = await client.post("/v1/things/upload", content=b"z" * (LIMIT * 4 + 1))
    assert upload.status_code == 404  # past the bound: routed (no such route in this little app)
    assert bigger.status_code == 413 and "4000 bytes" in bigger.json()["detail"]


def test_a_token_lives_at_most_twelve_hours(tmp_path) -> None:
    issuer = LocalIssuer(tmp_path / "issuer")
    assert MAX_TOKEN_SECONDS == 12 * 3600
    token = issuer.mint(agency="police", roles=["referrer"], ttl_seconds=12 * 3600)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 12 * 3600
    with pytest.raises(ValueError, match="12 hours"):
        issuer.mint(agency="police", roles=["referrer"], ttl_seconds=12 * 3600 + 1)
    with pytest.raises(ValueError, match="12 hours"):
        issuer.mint(agency="police", roles=["referrer"], ttl_seconds=0)
