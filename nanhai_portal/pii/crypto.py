"""Encryption at rest and the blind index.

Keys come from the environment (settings):
- ``PII_ENCRYPTION_KEYS``: Fernet keys (AES-128-CBC with HMAC-SHA256), newest first. The
  first encrypts; all decrypt, so a new key can be put in front, rows re-encrypted with
  ``manage.py rotate_pii_keys``, and the old key removed.
- ``PII_INDEX_KEY``: the HMAC-SHA256 key of the blind index, for exact lookup and uniqueness
  without storing the value. It does not rotate: changing it means rebuilding every index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class PIIDecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.PII_ENCRYPTION_KEYS)


def encrypt(plaintext: str) -> str:
    return _fernet(_keys()).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise PIIDecryptionError("No configured PII key decrypts this value.") from None


def rotate(token: str) -> str:
    """The same value encrypted with the newest key."""
    try:
        return _fernet(_keys()).rotate(token.encode()).decode()
    except InvalidToken:
        raise PIIDecryptionError("No configured PII key decrypts this value.") from None


def is_encrypted_with_primary_key(token: str) -> bool:
    try:
        Fernet(_keys()[0].encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def blind_index(kind: str, value: str) -> str:
    """Keyed HMAC of a normalised value; ``kind`` separates ID numbers from mobiles."""
    key = settings.PII_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def development_key(label: str) -> str:
    """A fixed key for development and tests only (production refuses to start without real ones)."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"nanhai-dev-{label}".encode()).digest()).decode()
