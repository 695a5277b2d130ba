"""Domain errors: a machine-readable code plus parameters; the web layer words them.

The class says how a door answers: `NotFound` 404, `Forbidden` 403, `Unprocessable` 422, `Invalid`
400, any other `DomainError` (a rule refused the operation) 409.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation (answered as HTTP 409)."""

    code = "domain_error"

    def __init__(self, code: str | None = None, **params: object) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(f"{self.code}: {params}")


class InvalidTransition(DomainError):
    """The ticket's current state does not allow the requested action."""

    code = "invalid_transition"


class NotFound(DomainError):
    """The thing named does not exist, or not for this caller (answered 404)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this (answered 403)."""

    code = "forbidden"


class Invalid(DomainError):
    """The request is malformed or names something unusable (answered 400/422)."""

    code = "invalid"


class Unprocessable(Invalid):
    """Well-formed, but a field's value is refused here (not an expert, another site's place): 422."""

    code = "unprocessable"
