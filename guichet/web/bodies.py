"""JSON request bodies, validated strictly by pydantic models so a typo is a clear 422, not a default."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from flask import request
from pydantic import BaseModel

from ..core.errors import Invalid
from ..services.inputs import Input

M = TypeVar("M", bound=BaseModel)
# Request bodies are the services' validated inputs.
Body = Input


class InvalidJson(Exception):
    """The body is not a JSON object (answered 400)."""


def date_arg(name: str) -> date | None:
    """A YYYY-MM-DD query parameter (None when absent); malformed: a 400 (date_malformed)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise Invalid("date_malformed", field=name) from exc


def parse(model: type[M]) -> M:
    """An absent body counts as {}; anything but a JSON object is a 400."""
    raw = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(raw, dict):
        raise InvalidJson()
    return model.model_validate(raw)
