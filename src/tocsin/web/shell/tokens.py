"""Secret tokens the site hands out once (invitation links, API tokens) and keeps only
as a hash, so that a copy of the database cannot be used in their place."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    """A fresh random token (256 bits, URL-safe), after ``prefix``."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
