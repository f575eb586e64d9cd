"""Who may sign in, and how: the local sign-in only while the services trust the local issuer;
cookies Secure anywhere but this machine; an identity provider's claims turned into a person, or
refused; the released GOV.UK Frontend unpacked only when its integrity is the pinned one."""
from __future__ import annotations

import importlib.util
import io
import tarfile
from pathlib import Path

from workspace.application.sign_in import LocalSignIn, Person, local_sign_in_available, person_from_claims
from workspace.config import load_settings

ROOT = Path(__file__).resolve().parents[4]


def test_the_local_sign_in_is_offered_only_while_the_services_trust_the_local_issuer(tmp_path):
    issuer_dir = tmp_path / "issuer"
    ok = dict(enabled=True, jwks_url=None, issuer_dir=issuer_dir)
    assert local_sign_in_available(public_key_file=None, **ok)
    assert local_sign_in_available(public_key_file=issuer_dir / "public.pem", **ok)
    assert not local_sign_in_available(public_key_file=tmp_path / "elsewhere.pem", **ok)
    assert not local_sign_in_available(public_key_file=None, enabled=True, jwks_url="https://idp/keys",
                                       issuer_dir=issuer_dir)
    assert not local_sign_in_available(public_key_file=None, enabled=False, jwks_url=None, issuer_dir=issuer_dir)


def test_cookies_are_secure_unless_the_workspace_is_on_this_machine():
    assert not load_settings(public_url="http://127.0.0.1:8100").cookies_secure
    assert not load_settings(public_url="http://localhost:8100").cookies_secure
    assert load_settings(public_url="https://reviews.example.org").cookies_secure
    assert load_settings(public_url="http://10.1.2.3:8100").cookies_secure


def test_the_local_sign_in_says_what_is_missing_and_mints_a_token_for_the_person(tmp_path):
    local = LocalSignIn(tmp_path / "issuer", hours=1)
    errors = local.sign_in("  ", "nowhere", ["wizard"])
    assert [e.path for e in errors] == ["name", "agency", "role"]
    person = local.sign_in("  PC  Jo Bloggs ", "police", ["referrer", "referrer"])
    assert isinstance(person, Person)
    assert (person.name, person.agency, person.roles) == ("PC Jo Bloggs", "police", ("referrer",))
    principal = local.issuer.verifier().verify(person.token)
    assert principal.subject == "police:pc-jo-bloggs" and principal.roles == {"referrer"}


def test_an_identity_providers_claims_become_a_person_or_are_refused():
    claims = {"sub": "entra-1", "name": "Sam Officer", "agency": "police", "roles": "referrer unknown"}
    person = person_from_claims(claims, "access", name_claim="name", agency_claim="agency", roles_claim="roles")
    assert isinstance(person, Person) and person.roles == ("referrer",) and person.token == "access"
    no_agency = person_from_claims({**claims, "agency": "ministry"}, "a", name_claim="name", agency_claim="agency",
                                   roles_claim="roles")
    assert isinstance(no_agency, str) and "agency" in no_agency
    no_role = person_from_claims({**claims, "roles": ["wizard"]}, "a", name_claim="name", agency_claim="agency",
                                 roles_claim="roles")
    assert no_role == "Your account has no role in this system."


def _fetcher():
    spec = importlib.util.spec_from_file_location("fetch_govuk_frontend", ROOT / "scripts" / "fetch_govuk_frontend.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gov_uk_frontend_is_unpacked_only_with_the_pinned_integrity(tmp_path, monkeypatch):
    fetcher = _fetcher()
    monkeypatch.setattr(fetcher, "TARGET", tmp_path / "assets")
    fake = tmp_path / "govuk-frontend-6.3.0.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        data = b"body{}"
        info = tarfile.TarInfo("package/dist/govuk/govuk-frontend.min.css")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert fetcher.fetch(tarball=fake) == 1
    assert not (tmp_path / "assets").exists(), "nothing is unpacked from a package that is not the published one"


def test_only_the_compiled_assets_are_kept_and_no_path_leaves_the_folder():
    wanted = _fetcher().wanted
    assert wanted("package/dist/govuk/govuk-frontend.min.css") == "govuk-frontend.min.css"
    assert wanted("package/dist/govuk/assets/fonts/bold-b542beb274-v2.woff2") == "fonts/bold-b542beb274-v2.woff2"
    assert wanted("package/dist/govuk/assets/../../../etc/passwd") is None
    assert wanted("package/package.json") is None
