"""The words of the domain's codes that every door shows: priority reasons and visit outcomes.

Services keep codes (they know no language); the kiosk, the counter, the admin pages and the API
word them here, once, in the caller's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def weekday_names() -> list[str]:
    """Monday first, as the models number them (0 = Monday)."""
    return [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")]


def priority_labels() -> dict[str, str]:
    return {
        "cmi": _("Carte mobilité inclusion « priorité » ou « invalidité » (et son accompagnant)"),
        "pregnancy": _("Femme enceinte"),
        "elderly": _("Personne âgée de plus de 75 ans"),
        "child": _("Personne accompagnée d'un enfant de moins de 3 ans"),
    }


def outcome_labels() -> dict[str, str]:
    return {
        "resolved": _("Résolu"),
        "redirected": _("Orienté vers un partenaire"),
        "escalated": _("Transmis au niveau 2"),
        "incomplete": _("Dossier incomplet"),
    }


def channel_labels() -> dict[str, str]:
    """The channels of guichet.core.channels, as an agent reads them."""
    return {
        "phone": _("Téléphone"),
        "email": _("Courriel"),
        "post": _("Courrier"),
        "social": _("Réseau social"),
        "web": _("Formulaire en ligne"),
        "desk": _("À l'accueil, sans ticket"),
    }


def with_outcome_labels(config: dict[str, Any]) -> dict[str, Any]:
    labels = outcome_labels()
    config["outcomes"] = [
        {"code": o["code"], "label": o["label"] or labels.get(o["code"], o["code"])}
        for o in config["outcomes"]
    ]
    return config
