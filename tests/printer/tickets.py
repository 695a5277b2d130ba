"""Factory for TicketPrint values used across the printer tests."""

from __future__ import annotations

import dataclasses

from printer import TicketPrint

TRACKING_URL = "https://guichet.example.fr/suivi/Zq3x9V0dK2mLr8PqWn4sHbT1"

_DEFAULTS = TicketPrint(
    site_name="France Services de Château-Thierry",
    number="A007",
    service_label="Carte grise",
    issued_at="23/11/2026 14:05",
    position_text="3 personnes avant vous",
    wait_text="Attente estimée : 15 à 30 min",
    tracking_url=TRACKING_URL,
    qr_caption="Suivez votre attente sur votre téléphone",
    privacy_text="Ce ticket ne contient aucune donnée personnelle.",
)


def make_ticket(**overrides: object) -> TicketPrint:
    return dataclasses.replace(_DEFAULTS, **overrides)
