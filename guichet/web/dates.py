"""Dates and moments as French pages write them (14/07/2027, 14/07/2027 09:30); stored and sent as
ISO 8601. Template filters `day` and `moment`, for every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask


def french_day(value: str | date | None) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def french_moment(value: str | datetime | None) -> str:
    """A moment at the wall time it carries (the site's, for the services' ISO 8601 answers)."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.strftime("%d/%m/%Y %H:%M")


def register_date_filters(app: Flask) -> None:
    app.add_template_filter(french_day, "day")
    app.add_template_filter(french_moment, "moment")
