"""The recipient directory the partnership configures, read and checked once at start-up.

A directory with a key missing stops the service with an error naming the key
(``recipient directory …: missing 'audit_leads.police.address'``): a statutory notice must never
be found undeliverable only on the day it is owed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULT_DIRECTORY = Path(__file__).parent.parent / "directory.yaml"
NAMED = ("national_panel", "ofsted", "secretary_of_state", "business_unit")
PER_AGENCY = ("agencies", "audit_leads")


class DirectoryError(ValueError):
    """The recipient directory cannot be used as it is; the message names the key to fix."""


def load_directory(path: str | Path | None) -> dict[str, Any]:
    source = Path(path or DEFAULT_DIRECTORY)
    try:
        data = yaml.safe_load(source.read_text())
    except OSError as exc:
        raise DirectoryError(f"recipient directory {source}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DirectoryError(f"recipient directory {source}: not valid YAML ({type(exc).__name__})") from None
    problem = check_directory(data)
    if problem:
        raise DirectoryError(f"recipient directory {source}: {problem}")
    directory: dict[str, Any] = data  # a mapping: check_directory said so
    return directory


def check_directory(data: object) -> str | None:
    """The first problem with a directory, or None. Every agency with a safeguarding lead
    (``agencies``) must also name its audit lead (``audit_leads``), and the other way round."""
    if not isinstance(data, dict):
        return "expected a mapping of recipients at the top level"
    for kind in NAMED:
        problem = _check_entry(data.get(kind), kind)
        if problem:
            return problem
    for section in PER_AGENCY:
        entries = data.get(section)
        if not isinstance(entries, dict) or not entries:
            return f"missing '{section}' (one entry per agency: name and address)"
        for agency, entry in entries.items():
            problem = _check_entry(entry, f"{section}.{agency}")
            if problem:
                return problem
    for a, b in (PER_AGENCY, PER_AGENCY[::-1]):
        for agency in data[a]:
            if agency not in data[b]:
                return f"missing '{b}.{agency}' ('{a}' has {agency}: each agency needs both)"
    return None


def _check_entry(entry: object, key: str) -> str | None:
    if not isinstance(entry, dict):
        return f"missing '{key}'"
    for part in ("name", "address"):
        if not entry.get(part) or not isinstance(entry[part], str):
            return f"missing '{key}.{part}'"
    if "@" not in entry["address"]:
        return f"'{key}.address' is not an e-mail address"
    return None
