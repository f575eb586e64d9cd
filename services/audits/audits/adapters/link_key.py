"""The key survey links are signed with: ``AUDITS_SURVEY_LINK_KEY``, else one made once and kept in the
data folder (readable by the service only), so links stay valid across restarts."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def survey_link_key(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    path = Path(data_dir) / "audits-survey-link.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_text(secrets.token_urlsafe(48))
        temporary.chmod(0o600)
        os.replace(temporary, path)  # two processes starting at once: one key wins, both read it
    return path.read_text().strip().encode()
