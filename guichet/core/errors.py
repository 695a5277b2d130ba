"""Domain errors: a machine-readable code plus parameters; the web layer words them."""

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
