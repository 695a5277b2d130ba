"""JSON request bodies, validated strictly by pydantic models so a typo is a clear 422, not a default."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel

from ..services.inputs import Input

M = TypeVar("M", bound=BaseModel)
# Request bodies are the services' validated inputs.
Body = Input


class InvalidJson(Exception):
    """The body is not a JSON object (answered 400)."""


def parse(model: type[M]) -> M:
    """An absent body counts as {}; anything but a JSON object is a 400."""
    raw = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(raw, dict):
        raise InvalidJson()
    return model.model_validate(raw)
