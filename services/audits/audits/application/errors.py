"""What a use case says when it refuses before any rule is weighed; entrypoints map these to HTTP."""
from __future__ import annotations


class NotFound(Exception):
    """No such thing — or not one this caller may see (404: an agency never learns that another
    agency's response exists)."""


class Forbidden(Exception):
    """The caller's role may not do this (403)."""
