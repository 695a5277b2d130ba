"""JSON request bodies, validated strictly by pydantic models so a typo is a clear 422, not a default."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class InvalidJson(Exception):
    """The body is not a JSON object (answered 400)."""


class Body(BaseModel):
    """Base of every request body: unknown fields refused, surrounding spaces stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse(model: type[M]) -> M:
    """An absent body counts as {}; anything but a JSON object is a 400."""
    raw = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(raw, dict):
        raise InvalidJson()
    return model.model_validate(raw)
