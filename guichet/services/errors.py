"""Errors the service layer raises besides core's DomainError (answered 409)."""

from __future__ import annotations

from ..core.errors import DomainError


class NotFound(DomainError):
    """The thing named does not exist, or not for this caller (answered 404)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this (answered 403)."""

    code = "forbidden"


class Invalid(DomainError):
    """The request is malformed or names something unusable (answered 400/422)."""

    code = "invalid"
