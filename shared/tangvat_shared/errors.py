"""Domain error kinds. They carry a machine-readable code, never an HTTP status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a command may raise on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class RuleViolation(DomainError):
    code = "rule_violation"


class InvalidInput(DomainError):
    """Input that parsed but is wrong row by row (details list every bad field)."""

    code = "invalid_input"


class TooLarge(DomainError):
    """A request part over the size its rule allows (an uploaded photo)."""

    code = "too_large"


class UnsupportedMedia(DomainError):
    """Content of a kind the rule does not accept (a file that is not one of the allowed image formats)."""

    code = "unsupported_media"
