"""The base of every validated input a use case takes (API bodies, admin forms, imported files)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, create_model, model_validator
from pydantic.fields import FieldInfo


class Input(BaseModel):
    """Unknown fields refused, surrounding spaces stripped: a typo is a clear error, not a default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Patch(Input):
    """Some fields of a resource, each optional; null only where the resource itself allows it."""

    source: ClassVar[type[Input]]

    @model_validator(mode="after")
    def no_null_for_required(self) -> Patch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and not _nullable(self.source.model_fields[name]):
                raise ValueError(f"{name} cannot be null")
        return self


def _nullable(info: FieldInfo) -> bool:
    annotation = info.annotation
    return annotation is None or type(None) in getattr(annotation, "__args__", ())


def changes_of(model: Input) -> dict[str, Any]:
    """Only the fields the caller sent (a PATCH leaves the others as they are)."""
    return {name: getattr(model, name) for name in model.model_fields_set}


def optional_copy(name: str, model: type[Input]) -> type[Patch]:
    """The same fields and constraints, none required: the body of a PATCH, written once."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        copy = FieldInfo.merge_field_infos(info, default=None, default_factory=None)
        annotation: Any = info.annotation
        fields[field_name] = (annotation | None, copy)
    patch: type[Patch] = create_model(
        name, __base__=Patch, __doc__=f"Fields of {model.__name__} to change", **fields
    )
    patch.source = model
    return patch
