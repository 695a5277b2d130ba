"""A site's own settings: local choices over the installation's defaults, typed and validated.

Sites differ by local choice, not by law: how many priority calls in a row, the recalls before a
no-show, the outcome list, the priority categories offered besides the legal CMI, holidays worked.
They are stored as a JSON object on the site; this is the one place that reads and writes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Invalid
from .tickets import DEFAULT_OUTCOMES

# The CMI priority is the law (CASF L241-3): every site offers it, whatever its settings say.
LEGAL_PRIORITY = "cmi"
DEFAULT_PRIORITY_REASONS = (LEGAL_PRIORITY, "pregnancy")
MAX_DISPLAY_MESSAGE = 280


@dataclass(frozen=True)
class QueueRules:
    """The rules a site's queue runs by, the site's choices resolved over the installation's."""

    priority_cap: int
    appointment_early_s: int
    min_recalls_before_no_show: int
    outcomes: tuple[str, ...]
    priority_reasons: tuple[str, ...]


def _int(key: str, value: object, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Invalid("invalid_site_setting", setting=key)
    return value


def _codes(key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(x, str) and x for x in value):
        raise Invalid("invalid_site_setting", setting=key)
    return tuple(value)


def _labels(key: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Invalid("invalid_site_setting", setting=key)
    return dict(value)


@dataclass(frozen=True)
class SiteSettings:
    """What a site chose; None means "the installation's default" (GUICHET_* settings)."""

    priority_cap: int | None = None
    appointment_early_s: int | None = None
    min_recalls_before_no_show: int | None = None
    outcomes: tuple[str, ...] | None = None
    # Labels of the site's own outcome codes (the default outcomes are translated by the interface).
    outcome_labels: Mapping[str, str] = field(default_factory=dict)
    # Priority categories offered at the kiosk besides the legal CMI; None: DEFAULT_PRIORITY_REASONS.
    priority_reasons: tuple[str, ...] | None = None
    # The information line of the waiting-room screens (public: no personal data).
    display_message: str = ""
    # `holidays` subdivision: "57" or "6AE" (Alsace-Moselle), "971"... (overseas departments).
    holiday_subdivision: str | None = None
    # Holidays the site works anyway: ISO dates or names ("Lundi de Pentecôte").
    worked_holidays: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> SiteSettings:
        """Read the stored object; an unknown key or a wrong type is refused, naming the setting."""
        raw = raw or {}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise Invalid("invalid_site_setting", setting=unknown[0])
        values: dict[str, Any] = {}
        for key in ("priority_cap", "appointment_early_s", "min_recalls_before_no_show"):
            if raw.get(key) is not None:
                values[key] = _int(key, raw[key])
        for key in ("outcomes", "priority_reasons"):
            if raw.get(key):  # an empty list means the default list, as it always has
                values[key] = _codes(key, raw[key])
        if raw.get("worked_holidays") is not None:
            values["worked_holidays"] = _codes("worked_holidays", raw["worked_holidays"])
        if raw.get("outcome_labels") is not None:
            values["outcome_labels"] = _labels("outcome_labels", raw["outcome_labels"])
        message = raw.get("display_message", "")
        if not isinstance(message, str) or len(message) > MAX_DISPLAY_MESSAGE:
            raise Invalid("invalid_site_setting", setting="display_message")
        values["display_message"] = message
        subdivision = raw.get("holiday_subdivision")
        if subdivision is not None and (not isinstance(subdivision, str) or len(subdivision) > 8):
            raise Invalid("invalid_site_setting", setting="holiday_subdivision")
        values["holiday_subdivision"] = subdivision or None
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """Only what the site set, so a later change of an installation default still applies."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or value == f.default or (f.name == "outcome_labels" and not value):
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out

    def changed(self, **changes: Any) -> SiteSettings:
        """A copy with some settings changed, validated as a whole."""
        return SiteSettings.parse({**self.to_json(), **changes})

    def allowed_priority_reasons(self) -> tuple[str, ...]:
        """The categories offered at the kiosk and accepted from any door: the legal CMI first, always."""
        reasons = self.priority_reasons if self.priority_reasons is not None else DEFAULT_PRIORITY_REASONS
        return reasons if LEGAL_PRIORITY in reasons else (LEGAL_PRIORITY, *reasons)

    def queue_rules(
        self, priority_cap: int, appointment_early_s: int, min_recalls_before_no_show: int
    ) -> QueueRules:
        """Resolve the site's choices over the installation's defaults (given, so core reads no config)."""
        return QueueRules(
            priority_cap=priority_cap if self.priority_cap is None else self.priority_cap,
            appointment_early_s=appointment_early_s
            if self.appointment_early_s is None
            else self.appointment_early_s,
            min_recalls_before_no_show=min_recalls_before_no_show
            if self.min_recalls_before_no_show is None
            else self.min_recalls_before_no_show,
            outcomes=self.outcomes or DEFAULT_OUTCOMES,
            priority_reasons=self.allowed_priority_reasons(),
        )
