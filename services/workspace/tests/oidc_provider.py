"""An OpenID Connect provider for tests, built from Authlib's own server components: the
authorisation code grant with PKCE required (S256) and the OpenID Connect extension that issues the
ID token. It serves discovery, the authorisation endpoint (which signs in whoever the test says is at
the keyboard, without a login page), the token endpoint and its JWKS, as an ASGI app.

The access token it issues is what the services verify: signed with the test's local issuer key, for
the audience the services expect, carrying the person's agency and roles. The ID token is for the
workspace (audience: its client id) and is signed with the provider's own key.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jwt
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID = "workspace-client"
CLIENT_SECRET = "test-secret"


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uri: str
    token_endpoint_auth_method: str = "client_secret_basic"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Payload(OAuth2Payload):
    def __init__(self, values: list[tuple[str, str]]):
        self._datalist: dict[str, list] = {}
        for k, v in values:
            self._datalist.setdefault(k, []).append(v)
        self._data = {k: v[0] for k, v in self._datalist.items()}

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return self._datalist


class StarletteRequest(OAuth2Request):
    def __init__(self, method: str, url: str, headers, query: list, form: list):
        super().__init__(method, url, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = Payload(query + form)

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


class Provider:
    """The provider, its keys, its one registered client (the workspace) and who signs in next."""

    def __init__(self, issuer: str, redirect_uri: str, access_token_key: bytes, *,
                 access_issuer: str = "safeguard-local", access_audience: str = "safeguard"):
        self.issuer = issuer
        self.client = Client(CLIENT_ID, CLIENT_SECRET, redirect_uri)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.id_token_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
        public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": "provider-1", "use": "sig", "alg": "RS256"}]}
        self.access_token_key = access_token_key
        self.access_issuer, self.access_audience = access_issuer, access_audience
        self.codes: dict[str, Code] = {}
        self.next_user: dict[str, Any] = {}
        self.nonces: set[str] = set()
        self.server = self._server()

    def _server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id):
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token, request):
                pass

            def create_oauth2_request(self, request):
                return request

            def create_json_request(self, request):
                return request

            def handle_response(self, status, body, headers):
                if isinstance(body, dict):
                    return JSONResponse(body, status_code=status, headers=dict(headers))
                return Response(body or "", status_code=status, headers=dict(headers))

            def send_signal(self, name, *args, **kwargs):
                pass

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, request):
                payload = request.payload
                provider.codes[code] = Code(
                    code=code, client_id=payload.client_id, redirect_uri=payload.redirect_uri,
                    scope=payload.scope, user=request.user, nonce=payload.data.get("nonce"),
                    code_challenge=payload.data.get("code_challenge"),
                    code_challenge_method=payload.data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return nonce in provider.nonces

            def resolve_client_private_key(self, client):
                from joserfc.jwk import RSAKey

                return RSAKey.import_key(provider.id_token_key, parameters={"kid": "provider-1"})

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + 300}

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": "provider-1"}

            def generate_user_info(self, user, scope):
                return UserInfo(sub=user["sub"], name=user.get("name"), agency=user.get("agency"),
                                roles=user.get("roles"))

        def bearer(client, grant_type, user=None, scope=None, expires_in=None, include_refresh_token=True):
            now = int(time.time())
            claims = {"sub": user["sub"], "agency": user.get("agency"), "roles": user.get("roles") or [],
                      "iss": provider.access_issuer, "aud": provider.access_audience, "iat": now, "exp": now + 3600}
            return {"token_type": "Bearer", "access_token": jwt.encode(claims, provider.access_token_key, "RS256"),
                    "expires_in": 3600, "scope": scope}

        server = Server()
        server.register_token_generator("default", bearer)
        server.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)])
        return server

    async def _request(self, request: Request) -> StarletteRequest:
        form = []
        if request.method == "POST":
            form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        return StarletteRequest(request.method, str(request.url), request.headers,
                                list(request.query_params.multi_items()), form)

    def app(self) -> Starlette:
        provider = self

        async def discovery(_request: Request) -> Response:
            return JSONResponse({
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })

        async def jwks(_request: Request) -> Response:
            return Response(json.dumps(provider.jwks), media_type="application/json")

        async def authorize(request: Request) -> Response:
            oauth_request = await provider._request(request)
            return provider.server.create_authorization_response(oauth_request, grant_user=provider.next_user)

        async def token(request: Request) -> Response:
            return provider.server.create_token_response(await provider._request(request))

        return Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/jwks", jwks),
                                 Route("/authorize", authorize), Route("/token", token, methods=["POST"])])
