"""The base of every validated input a use case takes (API bodies, admin forms, imported files)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo


class Input(BaseModel):
    """Unknown fields refused, surrounding spaces stripped: a typo is a clear error, not a default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def changes_of(model: Input) -> dict[str, Any]:
    """Only the fields the caller sent (a PATCH leaves the others as they are)."""
    return {name: getattr(model, name) for name in model.model_fields_set}


def optional_copy(name: str, model: type[Input]) -> type[Input]:
    """The same fields and constraints, none required: the body of a PATCH, written once."""
    from pydantic import create_model

    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        copy = FieldInfo.merge_field_infos(info, default=None)
        annotation: Any = info.annotation
        fields[field_name] = (annotation | None, copy)
    patch: type[Input] = create_model(
        name, __base__=Input, __doc__=f"Fields of {model.__name__} to change", **fields
    )
    return patch
