"""What the citizen has chosen so far (motif, persons, place, case), read from a query or a form.

The booking pages are steps of one GET form: each step adds a parameter, so the browser's back button,
a reload or a shared link all land on the same step. Anything malformed becomes a French message for
the field concerned, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from . import texts

DAYS_PER_PAGE = 14


class BadInput(Exception):
    """A parameter the pages cannot use: answered 400 with its French message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _digits(raw: str | None, limit: int = 9) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > limit:
        raise ValueError(raw)
    return int(raw)


def parse_case(raw: str | None) -> int | None:
    try:
        value = _digits(raw)
    except ValueError:
        raise BadInput(_("Numéro de dossier invalide.")) from None
    if value == 0:
        raise BadInput(_("Numéro de dossier invalide."))
    return value


def parse_day(raw: str | None) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(texts.error_message("date_malformed")) from None


@dataclass
class Selection:
    """The motif chosen on a site, and its options once given (None: still to ask)."""

    site: dict[str, Any]
    motif: dict[str, Any]
    places: list[dict[str, Any]]
    persons: int | None = None
    place: int | None = None
    case: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def asks_persons(self) -> bool:
        return int(self.motif["max_persons"] or 1) > 1

    @property
    def asks_place(self) -> bool:
        return len(self.places) > 1

    @property
    def complete(self) -> bool:
        return (
            not self.errors
            and (self.persons is not None or not self.asks_persons)
            and (self.place is not None or not self.asks_place)
        )

    @property
    def persons_or_one(self) -> int:
        return self.persons or 1

    @property
    def place_row(self) -> dict[str, Any] | None:
        if self.place is not None:
            return next((p for p in self.places if p["id"] == self.place), None)
        return self.places[0] if len(self.places) == 1 else None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site["timezone"])

    def duration_min(self) -> int:
        extra = int(self.motif["extra_per_person_min"] or 0) * (self.persons_or_one - 1)
        return int(self.motif["duration_min"]) + extra

    def params(self, **extra: Any) -> dict[str, Any]:
        """Query parameters that carry this selection to the next step."""
        out: dict[str, Any] = {"motif": self.motif["code"]}
        if self.persons is not None and self.asks_persons:
            out["persons"] = self.persons
        if self.place is not None:
            out["place"] = self.place
        if self.case is not None:
            out["case"] = self.case
        out.update({k: v for k, v in extra.items() if v is not None})
        return out

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def last_day(self, now: datetime) -> date:
        return self.today(now) + timedelta(days=int(self.motif["max_delay_days"] or 60))


def read(
    site: dict[str, Any], motif: dict[str, Any], places: list[dict[str, Any]], args: Any, case: int | None
) -> Selection:
    """Build a Selection from request args or a form; bad options are kept as field errors."""
    sel = Selection(site=site, motif=motif, places=places, case=case)
    most = max(1, int(motif["max_persons"] or 1))
    raw_persons = args.get("persons")
    if raw_persons not in (None, ""):
        try:
            persons = _digits(raw_persons, 3)
        except ValueError:
            persons = None
        if persons is None or not 1 <= persons <= most:
            sel.errors["persons"] = texts.error_message("persons_out_of_range", {"max": most})
        else:
            sel.persons = persons
    raw_place = args.get("place")
    if raw_place not in (None, ""):
        try:
            place = _digits(raw_place)
        except ValueError:
            place = None
        if place is None or place not in {p["id"] for p in places}:
            sel.errors["place"] = _("Choisissez un lieu dans la liste.")
        else:
            sel.place = place
    if args.get("step") == "options":  # the options form was sent: nothing may be left out
        if sel.asks_persons and sel.persons is None and "persons" not in sel.errors:
            sel.errors["persons"] = _("Indiquez le nombre de personnes.")
        if sel.asks_place and sel.place is None and "place" not in sel.errors:
            sel.errors["place"] = _("Choisissez un lieu dans la liste.")
    return sel


def window(
    sel: Selection, now: datetime, raw_from: str | None
) -> tuple[date, date, date | None, date | None]:
    """The days shown (DAYS_PER_PAGE from `from`, within the motif's delays), and the previous and next
    windows' first days (None at either end)."""
    today, last = sel.today(now), sel.last_day(now)
    first = parse_day(raw_from) or today
    first = min(max(first, today), last)
    end = min(first + timedelta(days=DAYS_PER_PAGE - 1), last)
    before = max(first - timedelta(days=DAYS_PER_PAGE), today) if first > today else None
    after = end + timedelta(days=1) if end < last else None
    return first, end, before, after


def group_by_day(slots: list[dict[str, Any]]) -> list[tuple[date, int]]:
    """(local date, number of free slots) for each day that has some, in order."""
    counts: dict[date, int] = {}
    for slot in slots:
        start = texts.parse_iso(slot["start"])
        if start is not None:
            counts[start.date()] = counts.get(start.date(), 0) + 1
    return sorted(counts.items())


def slot_choices(slots: list[dict[str, Any]], several_places: bool | None = None) -> list[dict[str, Any]]:
    """Radio options for slots: value "start|place" (one slot per place and start). Place names are
    shown when asked, or by default when the slots are at more than one place."""
    if several_places is None:
        several_places = len({(slot.get("place") or {}).get("id") for slot in slots}) > 1
    out = []
    for slot in slots:
        start = texts.parse_iso(slot["start"])
        if start is None:
            continue
        place = slot.get("place") or {}
        out.append(
            {
                "value": f"{slot['start']}|{place.get('id', '')}",
                "time": texts.time_label(start),
                "day": texts.day_label(start.date()),
                "place": place.get("name", "") if several_places else "",
            }
        )
    return out


def parse_slot(raw: str | None) -> tuple[str, int | None] | None:
    """ "2027-03-22T09:30:00+01:00|3" → (start, place id); None when malformed."""
    start, _sep, place = (raw or "").partition("|")
    if texts.parse_iso(start) is None:
        return None
    try:
        return start, _digits(place)
    except ValueError:
        return None
