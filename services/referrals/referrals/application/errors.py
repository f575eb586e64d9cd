"""What a use case answers when it cannot go ahead; the HTTP routes map each to its status code.

A pathway step out of order or a rule broken comes from the domain (``OutOfOrder`` → 409,
``RuleBroken`` → 422); an agency acting for another is ``NotYourAgency`` (403) from the
partnership's vocabulary; who may see or do what on a case is ``NotAllowed`` (403) from
``domain/access.py``. Re-exported here so the routes learn every error from one place.
"""
from __future__ import annotations

from safeguard_shared.partnership import NotYourAgency

from ..domain.errors import NotAllowed, NotTheChair, OutOfOrder, RuleBroken

__all__ = ["CaseNotFound", "DocumentTooLarge", "NotAllowed", "NotTheChair", "NotYourAgency", "OutOfOrder", "RuleBroken",
           "UnsupportedFile"]


class CaseNotFound(Exception):
    """No case (of the pathway asked for) with that id: 404."""


class UnsupportedFile(RuleBroken):
    """A file whose content is not of a type a case's documents may be: 415 rather than 422, naming the
    field all the same."""


class DocumentTooLarge(Exception):
    """A file larger than the documents' limit (413); nothing of it is kept."""
