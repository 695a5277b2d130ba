"""HTML forms for the services' validated inputs: the posted fields turned into the same pydantic
model the REST API takes, and every refusal worded in French next to the field it concerns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from ..core.errors import DomainError, Forbidden, NotFound
from .messages import messages, word

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _words(kind: str, ctx: dict[str, Any]) -> str:
    table = {
        "missing": _("Ce champ est obligatoire."),
        "string_too_short": _("Ce champ est obligatoire."),
        "string_too_long": _("Texte trop long (au plus %(max_length)s caractères)."),
        "string_pattern_mismatch": _("Format invalide."),
        "greater_than_equal": _("Valeur trop petite (au moins %(ge)s)."),
        "greater_than": _("Valeur trop petite (plus de %(gt)s)."),
        "less_than_equal": _("Valeur trop grande (au plus %(le)s)."),
        "int_parsing": _("Nombre entier attendu."),
        "float_parsing": _("Nombre attendu."),
        "literal_error": _("Valeur non autorisée."),
    }
    template = str(table.get(kind, _("Valeur invalide.")))
    try:
        return template % ctx
    except (KeyError, TypeError, ValueError):
        return template


def field_errors(exc: ValidationError, data: dict[str, Any] | None = None) -> dict[str, str]:
    """First error of each field, in French, keyed by the field's name (its first path element).

    A rule of an input model (an unknown time zone, overlapping ranges) raises its error code as the
    error's type: it is worded by guichet.web.messages like a service's refusal. A field left empty
    is "required", whatever the type it failed to parse as."""
    out: dict[str, str] = {}
    table = messages()
    for error in exc.errors(include_url=False, include_input=False):
        name = str(error["loc"][0]) if error["loc"] else "form"
        ctx = dict(error.get("ctx") or {})
        if error["type"] in table:
            out.setdefault(name, word(error["type"], ctx) or table[error["type"]])
        elif data is not None and data.get(name) in (None, ""):
            out.setdefault(name, str(_("Ce champ est obligatoire.")))
        else:
            out.setdefault(name, _words(error["type"], ctx))
    return out


def domain_errors(exc: DomainError) -> dict[str, str]:
    """A refusal of the service, next to the field it names (or above the form)."""
    return {str(exc.params.get("field", "form")): word(exc.code, exc.params) or exc.code}


def read_form(fields: dict[str, str]) -> dict[str, Any]:
    """The posted values by field kind: text, int (empty: absent), bool (checkbox), codes (a list),
    labels (one input per language: name.lang), weights (services chosen with a weight each)."""
    data: dict[str, Any] = {}
    form = request.form
    for name, kind in fields.items():
        if kind == "bool":
            data[name] = form.get(name) == "on"
        elif kind == "int":
            raw = form.get(name, "").strip()
            if raw:
                # A number as a number (choices such as level 1 or 2 are not coerced from text).
                data[name] = int(raw) if raw.isdigit() and len(raw) < 10 else raw
            elif name in form:
                data[name] = None
        elif kind == "codes":
            data[name] = form.getlist(name)
        elif kind == "labels":
            prefix = name + "."
            data[name] = {k[len(prefix) :]: v for k, v in form.items() if k.startswith(prefix) and v.strip()}
        elif kind == "weights":
            data[name] = [
                {"code": code, "weight": form.get(f"weight.{code}", "1").strip() or "1"}
                for code in form.getlist(name)
            ]
        else:
            data[name] = form.get(name, "")
    return data


def submit(model: type[M], data: dict[str, Any], action: Callable[[M], T]) -> tuple[T | None, dict[str, str]]:
    """Validate, then run the service; (result, {}) or (None, the errors by field). Nothing is saved
    unless the whole service call succeeded (one transaction)."""
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        return None, field_errors(exc, data)
    try:
        return action(body), {}
    except ValidationError as exc:  # a service's second look (against the clock or stored values)
        return None, field_errors(exc, data)
    except DomainError as exc:
        if isinstance(exc, (Forbidden, NotFound)) and "field" not in exc.params:
            raise  # not the form's fault: the page answers 403 or 404
        return None, domain_errors(exc)


def refusal(action: Callable[[], object]) -> dict[str, str]:
    """A button's action (a deletion) refused by a rule, worded above the form; {} once done."""
    try:
        action()
    except DomainError as exc:
        if isinstance(exc, (Forbidden, NotFound)) and "field" not in exc.params:
            raise
        return {"form": next(iter(domain_errors(exc).values()))}
    return {}
