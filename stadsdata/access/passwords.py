"""Passwords of local accounts, hashed with argon2id (argon2-cffi's defaults, RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
_hasher = PasswordHasher()


def hash_password(plain: str) -> str:
    """The argon2id hash to store; refuses passwords shorter than MIN_LENGTH characters."""
    if len(plain) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(plain)


def verify_password(stored: str, plain: str) -> bool:
    """Whether `plain` matches the stored hash (False also for a garbled hash, never raises)."""
    try:
        return _hasher.verify(stored, plain)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (re-hash on next login)."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True
