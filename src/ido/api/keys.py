"""API keys: how they look, and the one-way hash that is all the database keeps of them."""

import hashlib
import re
import secrets

# A recognisable start, so secret scanners and people can tell an IDO key from other secrets.
KEY_PREFIX = "ido_"
# How many characters of the key are stored in clear, to find the token and to show it in the UI.
STORED_PREFIX_LENGTH = 8
# token_urlsafe() writes base64url: letters, digits, "-" and "_".
KEY_SHAPE = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_-]{16,100}")


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """SHA-256 is enough here: the key holds 256 random bits, so there is nothing to guess by brute force."""
    return hashlib.sha256(key.encode()).hexdigest()


def stored_prefix(key: str) -> str:
    return key[:STORED_PREFIX_LENGTH]


def looks_like_key(key: str) -> bool:
    """Anything else is refused before it reaches the database (PostgreSQL rejects NUL characters, say)."""
    return KEY_SHAPE.fullmatch(key) is not None
