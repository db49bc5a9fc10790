"""Encryption of personal data at rest (appointments, referrals, enrolments).

Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet: the first key of IDO_ENCRYPTION_KEYS encrypts, every
key decrypts, so keys can be rotated. In debug mode without keys, a key is derived from SECRET_KEY so the demo
runs without set-up; production refuses to start without IDO_ENCRYPTION_KEYS (see settings).
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(("ido-encryption:" + secret_key).encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.IDO_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:  # a wrong or removed key: fail loudly, never show ciphertext as data
        raise ValueError("Personal data cannot be decrypted with the configured IDO_ENCRYPTION_KEYS.") from error


class EncryptedTextField(models.TextField):
    """Text stored encrypted. An empty value stays empty (nothing to protect, and "deleted" is visible).
    It cannot be searched or ordered in the database, by design."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
