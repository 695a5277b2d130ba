"""The channels a request reaches a guichet unique by (../shared/seeds/: desk, phone, e-mail, post,
online form, social networks): every one lands in the same organisation, with the same level-2 delay."""

from __future__ import annotations

from .errors import Invalid

PHONE, EMAIL, POST, SOCIAL, DESK, WEB = "phone", "email", "post", "social", "desk", "web"
CHANNELS = (PHONE, EMAIL, POST, SOCIAL, DESK, WEB)


def check_channel(channel: object) -> str:
    if channel not in CHANNELS:
        raise Invalid("unknown_channel", channel=str(channel)[:32], allowed=list(CHANNELS))
    return str(channel)
