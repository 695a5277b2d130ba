"""Translated labels the web layer adds to service results (services stay free of Flask)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def outcome_labels() -> dict[str, str]:
    return {
        "resolved": _("Résolu"),
        "redirected": _("Orienté vers un partenaire"),
        "escalated": _("Transmis au niveau 2"),
        "incomplete": _("Dossier incomplet"),
    }


def with_outcome_labels(config: dict[str, Any]) -> dict[str, Any]:
    labels = outcome_labels()
    config["outcomes"] = [
        {"code": o["code"], "label": o["label"] or labels.get(o["code"], o["code"])}
        for o in config["outcomes"]
    ]
    return config
