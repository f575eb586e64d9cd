"""``safeguard token`` caps a token's life at 12 hours; ``safeguard up`` keeps its files to itself."""
from __future__ import annotations

import os
import stat

import jwt
import pytest

from safeguard_cli import main as cli
from safeguard_shared.auth import LocalIssuer


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_token_hours_above_twelve_are_refused_plainly(tmp_path, capsys) -> None:
    args = ["token", "--data-dir", str(tmp_path), "--agency", "police", "--role", "referrer"]
    with pytest.raises(SystemExit) as refused:
        cli.main([*args, "--hours", "13"])
    assert refused.value.code == 2
    assert "at most 12 hours" in capsys.readouterr().err
    assert cli.main([*args, "--hours", "12"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 12 * 3600


def test_the_data_folder_and_what_it_holds_are_private(tmp_path) -> None:
    data_dir = tmp_path / "var"
    previous = os.umask(0o022)
    try:
        cli.prepare_data_folder(data_dir)
        current = os.umask(0o077)
        assert current == 0o077  # ``safeguard up`` and its children create files 0600
        (data_dir / "referrals.db").write_bytes(b"")
        LocalIssuer(data_dir / "issuer").ensure_keys()
        (data_dir / "logs").mkdir()
        (data_dir / "logs" / "referrals.log").write_text("")
    finally:
        os.umask(previous)
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "run") == 0o700
    assert _mode(data_dir / "referrals.db") == 0o600
    assert _mode(data_dir / "logs" / "referrals.log") == 0o600
    assert _mode(data_dir / "issuer") == 0o700
    assert _mode(data_dir / "issuer" / "private.pem") == _mode(data_dir / "issuer" / "public.pem") == 0o600


def test_an_existing_data_folder_is_made_private(tmp_path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    (data_dir / "referrals.db").write_bytes(b"")
    (data_dir / "referrals.db").chmod(0o644)
    previous = os.umask(0o022)
    try:
        cli.prepare_data_folder(data_dir)
    finally:
        os.umask(previous)
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "referrals.db") == 0o600
