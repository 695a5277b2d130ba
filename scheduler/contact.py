"""Booking pages, the end: the contact form (the slot being held), the booking itself, and the
confirmation with the booking code, its QR code, the calendar file and the manage link."""

from __future__ import annotations

import re
from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext as _

from guichet.core.errors import DomainError
from guichet.services import booking
from guichet.services.guards import is_staff
from guichet.web.auth import ctx, public
from guichet.web.errors import http_status
from guichet.web.qr import qr_svg
from guichet.web.ratelimit import limited

from . import selection, texts
from .rendering import (
    error_page,
    forget_hold,
    held_slot,
    hold_key,
    localized,
    page,
    poster,
    viewer,
)
from .selection import Selection
from .views import bp, chosen_selection, common, refuse, require_complete, require_form

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9 +().-]{6,32}$")
ANTS_RE = re.compile(r"^[A-Z0-9]{10}$")


def _contact(sel: Selection, who: Any, start_raw: str, status: int = 200, **extra: Any):
    start = texts.parse_iso(start_raw)
    assert start is not None
    held = held_slot(hold_key(sel.site["slug"], sel.motif["code"], start_raw, sel.place, sel.persons_or_one))
    held_until = texts.parse_iso(held["expires_at"]) if held else None
    now = ctx().clock()
    values = extra.pop("values", {})
    return page(
        "contact.html",
        status,
        start=start_raw,
        day_text=texts.day_label(start.date(), year=True),
        time_text=texts.time_label(start),
        duration=texts.duration_text(sel.duration_min()),
        held_until=texts.time_label(held_until.astimezone(sel.tz))
        if held_until and held_until > now
        else None,
        values=values,
        errors=extra.pop("errors", {}),
        change_limit_h=ctx().settings.booking_change_limit_h,
        reminder_h=ctx().settings.reminder_h,
        slots_url=url_for(".book_page", site=sel.site["slug"], **sel.params(day=start.date().isoformat())),
        **extra,
        **common(sel, who),
    )


def _start(sel: Selection, raw: str | None) -> str:
    """The slot's start as sent back by the form (PageError when it is not a time)."""
    if texts.parse_iso(raw or "") is None:
        refuse(
            400,
            texts.error_message("start_malformed"),
            url_for(".book_page", site=sel.site["slug"], **sel.params()),
            _("Choisir un créneau"),
        )
    return str(raw)


@bp.get("/rdv/<site>/coordonnees")
@public
@limited("slots")
@localized
def contact_page(site: str):
    who = viewer()
    sel = chosen_selection(site, request.args, who)
    require_complete(sel, who)
    return _contact(sel, who, _start(sel, request.args.get("start")))


def check_contact(form: Any, requires_ants: bool) -> tuple[dict[str, str], dict[str, str]]:
    """The contact form's values, and a French message per field that is missing or malformed."""
    values = {
        "name": " ".join((form.get("name") or "").split()),
        "email": (form.get("email") or "").strip(),
        "phone": (form.get("phone") or "").strip(),
        "ants": re.sub(r"[\s-]", "", form.get("ants") or "").upper(),
        "consent": "1" if form.get("consent") else "",
    }
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Indiquez le nom et le prénom.")
    elif len(values["name"]) > 200:
        errors["name"] = texts.error_message("too_long", {"limit": 200})
    if not values["email"]:
        errors["email"] = _("Indiquez une adresse e-mail.")
    elif len(values["email"]) > 254 or not EMAIL_RE.match(values["email"]):
        errors["email"] = _("Adresse e-mail invalide : elle doit ressembler à nom@exemple.fr.")
    if values["phone"] and not PHONE_RE.match(values["phone"]):
        errors["phone"] = _(
            "Numéro de téléphone invalide : écrivez des chiffres, par exemple 06 12 34 56 78."
        )
    if requires_ants:
        if not values["ants"]:
            errors["ants"] = texts.error_message("ants_required")
        elif not ANTS_RE.match(values["ants"]):
            errors["ants"] = texts.error_message("ants_malformed")
    if not values["consent"]:
        errors["consent"] = texts.error_message("booking_consent_required")
    return values, errors


# Booking errors that belong to one field of the contact form.
FIELD_OF_ERROR = {
    "ants_required": "ants",
    "ants_malformed": "ants",
    "ants_already_used": "ants",
    "too_many_appointments": "email",
    "booking_consent_required": "consent",
}


@bp.post("/rdv/<site>/coordonnees")
@public
@limited("booking")
@localized
def book(site: str):
    require_form(site)
    who = poster()
    sel = chosen_selection(site, request.form, who)
    require_complete(sel, who)
    start = _start(sel, request.form.get("start"))
    values, errors = check_contact(request.form, bool(sel.motif["requires_ants"]))
    if errors:
        return _contact(sel, who, start, 400, values=values, errors=errors)
    key = hold_key(site, sel.motif["code"], start, sel.place, sel.persons_or_one)
    held = held_slot(key)
    req = booking.BookingRequest(
        site=site,
        motif=sel.motif["code"],
        start=start,
        name=values["name"],
        email=values["email"],
        phone=values["phone"] or None,
        persons=sel.persons_or_one,
        place=sel.place,
        ants_number=(values["ants"] or None) if sel.motif["requires_ants"] else None,
        hold=held["hold"] if held else None,
        case_id=sel.case,
    )
    try:
        appt = booking.book(ctx(), req, who)
    except DomainError as exc:
        message = texts.error_message(exc.code, exc.params)
        if exc.code in FIELD_OF_ERROR:
            errors = {FIELD_OF_ERROR[exc.code]: message}
            return _contact(sel, who, start, http_status(exc), values=values, errors=errors)
        proposals = exc.params.get("next") if exc.code == "slot_taken" else None
        return _contact(
            sel,
            who,
            start,
            http_status(exc),
            values=values,
            alert=message,
            proposals=selection.slot_choices(list(proposals or []), sel.asks_place),
        )
    forget_hold(key)
    sig = appt["manage_url"].rstrip("/").rsplit("/", 1)[-1]
    return redirect(url_for(".confirmation", code=appt["code"], sig=sig), code=303)


@bp.get("/rdv/confirmation/<code>/<sig>")
@public
@limited("public_appointment")
@localized
def confirmation(code: str, sig: str):
    try:
        appt = booking.view_appointment(ctx(), code, sig)
    except DomainError as exc:
        return error_page(http_status(exc), texts.error_message(exc.code, exc.params))
    view = texts.appointment_view(appt)
    who = viewer()
    return page(
        "confirmation.html",
        a=view,
        site=appt["site"],
        staff=is_staff(who),
        qr=qr_svg(appt["code"]),
        ics_url=url_for("api.appointment_ics", code=appt["code"]),
        manage_url=url_for(".manage", code=appt["code"], sig=sig),
        manage_full=appt.get("manage_url", ""),
        texts=texts,
    )
