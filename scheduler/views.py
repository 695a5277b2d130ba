"""Booking pages: motif → persons and place → day → time (held) → contact → confirmation.

Every step is a server-rendered form (GET for choices, POST with the session's CSRF token for the
hold and the booking), so the flow works without JavaScript; booking.js only moves the focus and
prevents double submission. Each POST calls one booking service, the same as the REST API.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import gettext as _

from guichet.api.auth import ctx, public
from guichet.core.errors import DomainError
from guichet.ratelimit import limited
from guichet.services import booking
from guichet.services.errors import Forbidden, Invalid, NotFound

from . import selection, texts
from .rendering import error_page, form_ok, is_staff, localized, page, poster, viewer
from .selection import BadInput, Selection

bp = Blueprint(
    "scheduler",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/scheduler/static",
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9 +().-]{6,32}$")
ANTS_RE = re.compile(r"^[A-Z0-9]{10}$")
MAX_HOLDS_KEPT = 4


def status_of(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Invalid):
        return 400
    return 409


def _unknown_site():
    return error_page(
        404, texts.error_message("site_not_found"), url_for("pages.home"), _("Retour à l'accueil")
    )


def _expired(site: str):
    return error_page(
        403, _("Le formulaire a expiré : réessayez."), url_for(".book_page", site=site), _("Recommencer")
    )


def _selection(site: str, args: Any, who: Any) -> Selection | tuple[str, int]:
    """The site's motif named in args, with its options; or the error page to answer."""
    try:
        data = booking.list_motifs(ctx(), site, who)
    except NotFound:
        return _unknown_site()
    try:
        case = selection.parse_case(args.get("case"))
    except BadInput as exc:
        return error_page(400, exc.message, url_for(".book_page", site=site), _("Recommencer"))
    if case is not None and not is_staff(who):
        return error_page(
            403,
            _("Seul un agent connecté peut rattacher un rendez-vous à un dossier."),
            url_for(".book_page", site=site),
            _("Prendre rendez-vous sans dossier"),
        )
    code = (args.get("motif") or "").strip()[:32]
    motif = next((m for m in data["motifs"] if m["code"] == code), None)
    if motif is None:
        message = texts.error_message("motif_not_found" if code else "motif_required")
        return error_page(
            404 if code else 400, message, url_for(".book_page", site=site, case=case), _("Choisir un motif")
        )
    return selection.read(data["site"], motif, data["places"], args, case)


def _common(sel: Selection, who: Any) -> dict[str, Any]:
    return {"sel": sel, "site": sel.site, "staff": is_staff(who), "texts": texts}


def _motifs_page(site: str, who: Any, error: str | None = None):
    try:
        data = booking.list_motifs(ctx(), site, who)
        case = selection.parse_case(request.args.get("case"))
    except NotFound:
        return _unknown_site()
    except BadInput as exc:
        return error_page(400, exc.message, url_for(".book_page", site=site), _("Recommencer"))
    return page(
        "motifs.html",
        400 if error else 200,
        site=data["site"],
        motifs=data["motifs"],
        case=case,
        staff=is_staff(who),
        error=error,
        texts=texts,
    )


@bp.get("/rdv/<site>")
@public
@limited("slots")
@localized
def book_page(site: str):
    who = viewer()
    if not request.args.get("motif"):
        sent = request.args.get("step") == "motif"  # the motif form was sent without a choice
        return _motifs_page(site, who, texts.error_message("motif_required") if sent else None)
    sel = _selection(site, request.args, who)
    if not isinstance(sel, Selection):
        return sel
    if sel.asks_place and sel.place is None:
        _offer_only_open_places(sel, who)
    if not sel.complete:
        return page("options.html", 400 if sel.errors else 200, **_common(sel, who))
    try:
        day = selection.parse_day(request.args.get("day"))
        if day is None:
            return _days(sel, who)
        return _slots(sel, who, day)
    except BadInput as exc:
        return error_page(
            400, exc.message, url_for(".book_page", site=site, **sel.params()), _("Choisir un jour")
        )


def _offer_only_open_places(sel: Selection, who: Any) -> None:
    """Ask only about the places where this motif has free slots (a place the motif is never offered
    at would lead to an empty calendar); with one such place, nothing is asked."""
    now = ctx().clock()
    first = sel.today(now)
    last = min(sel.last_day(now), first + timedelta(days=booking.MAX_SEARCH_DAYS))
    found = booking.find_slots(
        ctx(), sel.site["slug"], sel.motif["code"], first, last, sel.persons_or_one, None, who
    )
    open_ids = {slot["place"]["id"] for slot in found["slots"]}
    offered = [p for p in sel.places if p["id"] in open_ids]
    if offered:
        sel.places = offered
    if len(offered) == 1:
        sel.errors.pop("place", None)  # nothing to choose: that place is the one


def _days(sel: Selection, who: Any, status: int = 200):
    now = ctx().clock()
    first, end, before, after = selection.window(sel, now, request.args.get("from"))
    found = booking.find_slots(
        ctx(), sel.site["slug"], sel.motif["code"], first, end, sel.persons_or_one, sel.place, who
    )
    days = [
        {
            "label": texts.day_label(d),
            "count": texts.slots_count(n),
            "url": url_for(
                ".book_page", site=sel.site["slug"], **sel.params(day=d.isoformat(), **{"from": _iso(first)})
            ),
        }
        for d, n in selection.group_by_day(found["slots"])
    ]
    page_url = lambda d: url_for(".book_page", site=sel.site["slug"], **sel.params(**{"from": _iso(d)}))  # noqa: E731
    return page(
        "days.html",
        status,
        days=days,
        first=texts.day_label(first),
        end=texts.day_label(end),
        before=page_url(before) if before else None,
        after=page_url(after) if after else None,
        duration=texts.duration_text(found["duration_min"]),
        **_common(sel, who),
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _slots(
    sel: Selection,
    who: Any,
    day: date,
    status: int = 200,
    error: str | None = None,
    alert: str | None = None,
    proposals: list[dict[str, Any]] | None = None,
):
    found = booking.find_slots(
        ctx(), sel.site["slug"], sel.motif["code"], day, day, sel.persons_or_one, sel.place, who
    )
    return page(
        "slots.html",
        status,
        day=day,
        day_text=texts.day_label(day),
        choices=selection.slot_choices(found["slots"]),
        proposals=selection.slot_choices(proposals or [], sel.asks_place),
        error=error,
        alert=alert,
        hold_minutes=booking.HOLD_MINUTES,
        days_url=url_for(
            ".book_page", site=sel.site["slug"], **sel.params(**{"from": request.values.get("from") or None})
        ),
        back_from=request.values.get("from") or "",
        **_common(sel, who),
    )


def _hold_key(site: str, motif: str, start: str, place: int | None, persons: int) -> str:
    return f"{site}|{motif}|{start}|{place or ''}|{persons}"


@bp.post("/rdv/<site>/creneau")
@public
@limited("hold")
@localized
def hold(site: str):
    """Keep the chosen slot for the citizen while they fill in the contact form."""
    if not form_ok():
        return _expired(site)
    who = poster()
    sel = _selection(site, request.form, who)
    if not isinstance(sel, Selection):
        return sel
    chosen = selection.parse_slot(request.form.get("slot"))
    if chosen is not None and chosen[1] in {p["id"] for p in sel.places}:
        sel.place = chosen[1]  # the time chosen says where
        sel.errors.pop("place", None)
    elif sel.asks_place and sel.place is None:
        _offer_only_open_places(sel, who)
    if not sel.complete:
        return page("options.html", 400, **_common(sel, who))
    try:
        day = selection.parse_day(request.form.get("day"))
    except BadInput as exc:
        return error_page(
            400, exc.message, url_for(".book_page", site=site, **sel.params()), _("Choisir un jour")
        )
    if chosen is None:
        if day is None:
            return _days(sel, who, 400)
        return _slots(sel, who, day, 400, error=_("Choisissez un horaire dans la liste."))
    start, place = chosen
    persons = sel.persons_or_one
    try:
        held = booking.hold_slot(ctx(), site, sel.motif["code"], start, persons, place, who)
    except DomainError as exc:
        if exc.code != "slot_taken":
            return error_page(
                status_of(exc),
                texts.error_message(exc.code, exc.params),
                url_for(".book_page", site=site, **sel.params()),
                _("Choisir un autre créneau"),
            )
        moment = texts.parse_iso(start)
        return _slots(
            sel,
            who,
            day or (moment.date() if moment else sel.today(ctx().clock())),
            409,
            alert=texts.error_message("slot_taken"),
            proposals=list(exc.params.get("next") or []),
        )
    holds = dict(session.get("rdv_holds") or {})
    holds[_hold_key(site, sel.motif["code"], start, place, persons)] = held
    session["rdv_holds"] = dict(list(holds.items())[-MAX_HOLDS_KEPT:])
    return redirect(url_for(".contact_page", site=site, **sel.params(start=start, place=place)), code=303)


def _contact(sel: Selection, who: Any, start_raw: str, status: int = 200, **extra: Any):
    start = texts.parse_iso(start_raw)
    assert start is not None
    key = _hold_key(sel.site["slug"], sel.motif["code"], start_raw, sel.place, sel.persons_or_one)
    held = (session.get("rdv_holds") or {}).get(key)
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
        **_common(sel, who),
    )


def _start_or_error(sel: Selection, raw: str | None):
    if texts.parse_iso(raw or "") is None:
        return error_page(
            400,
            texts.error_message("start_malformed"),
            url_for(".book_page", site=sel.site["slug"], **sel.params()),
            _("Choisir un créneau"),
        )
    return None


@bp.get("/rdv/<site>/coordonnees")
@public
@limited("slots")
@localized
def contact_page(site: str):
    who = viewer()
    sel = _selection(site, request.args, who)
    if not isinstance(sel, Selection):
        return sel
    if not sel.complete:
        return page("options.html", 400, **_common(sel, who))
    bad = _start_or_error(sel, request.args.get("start"))
    return bad or _contact(sel, who, request.args["start"])


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
    if not form_ok():
        return _expired(site)
    who = poster()
    sel = _selection(site, request.form, who)
    if not isinstance(sel, Selection):
        return sel
    if not sel.complete:
        return page("options.html", 400, **_common(sel, who))
    start = request.form.get("start") or ""
    bad = _start_or_error(sel, start)
    if bad:
        return bad
    values, errors = check_contact(request.form, bool(sel.motif["requires_ants"]))
    if errors:
        return _contact(sel, who, start, 400, values=values, errors=errors)
    key = _hold_key(site, sel.motif["code"], start, sel.place, sel.persons_or_one)
    held = (session.get("rdv_holds") or {}).get(key)
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
            return _contact(sel, who, start, status_of(exc), values=values, errors=errors)
        proposals = exc.params.get("next") if exc.code == "slot_taken" else None
        return _contact(
            sel,
            who,
            start,
            status_of(exc),
            values=values,
            alert=message,
            proposals=selection.slot_choices(list(proposals or []), sel.asks_place),
        )
    holds = dict(session.get("rdv_holds") or {})
    holds.pop(key, None)
    session["rdv_holds"] = holds
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
        return error_page(status_of(exc), texts.error_message(exc.code, exc.params))
    view = texts.appointment_view(appt)
    who = viewer()
    return page(
        "confirmation.html",
        a=view,
        site=appt["site"],
        staff=is_staff(who),
        qr=texts.qr_svg(appt["code"]),
        ics_url=url_for("api.appointment_ics", code=appt["code"]),
        manage_url=url_for(".manage", code=appt["code"], sig=sig),
        manage_full=appt.get("manage_url", ""),
        texts=texts,
    )


from . import manage  # noqa: E402,F401  (registers the manage pages on bp)
