"""The citizen's page from the e-mail (/rdv/gerer/<code>/<sig>): see, cancel, move, join the waitlist.

The signature in the link is the citizen's key (booking.signature): every page and form checks it
through the booking service, and a wrong one gets the French "use the link from the e-mail" page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _

from guichet.core.errors import DomainError, NotFound
from guichet.services import booking
from guichet.services.guards import is_staff
from guichet.web.auth import ctx, public
from guichet.web.csrf import form_token_ok
from guichet.web.errors import http_status
from guichet.web.qr import qr_svg
from guichet.web.ratelimit import limited

from . import selection, texts
from .rendering import error_page, localized, page, viewer
from .selection import BadInput, Selection
from .views import bp, refuse


def _appointment(code: str, sig: str) -> dict[str, Any]:
    """The appointment of a signed link (PageError with the French explanation otherwise)."""
    try:
        return booking.view_appointment(ctx(), code, sig)
    except DomainError as exc:
        refuse(http_status(exc), texts.error_message(exc.code, exc.params))


def _manage_page(appt: dict[str, Any], sig: str, status: int = 200, alert: str | None = None):
    view = texts.appointment_view(appt)
    return page(
        "manage.html",
        status,
        a=view,
        site=appt["site"],
        sig=sig,
        alert=alert,
        notices=get_flashed_messages(),
        qr=qr_svg(appt["code"]),
        ics_url=url_for("api.appointment_ics", code=appt["code"]),
        book_url=url_for(".book_page", site=appt["site"]["slug"]),
        limit_h=ctx().settings.booking_change_limit_h,
        staff=is_staff(viewer()),
        texts=texts,
    )


@bp.get("/rdv/gerer/<code>/<sig>")
@public
@limited("public_appointment")
@localized
def manage(code: str, sig: str):
    appt = _appointment(code, sig)
    return _manage_page(appt, sig)


def _refused(appt: dict[str, Any], sig: str, exc: DomainError):
    """A change the service refused (too late, already cancelled): the manage page says why."""
    return _manage_page(appt, sig, http_status(exc), alert=texts.error_message(exc.code, exc.params))


def _signed_post(code: str, sig: str, action: Callable[[], object], done: str):
    """A form of the manage page: check the link and the form, call the service, back to the page."""
    appt = _appointment(code, sig)
    if not form_token_ok():
        return _manage_page(appt, sig, 403, alert=_("Le formulaire a expiré : réessayez."))
    try:
        action()
    except DomainError as exc:
        return _refused(appt, sig, exc)
    flash(done)
    return redirect(url_for(".manage", code=code, sig=sig), code=303)


@bp.get("/rdv/gerer/<code>/<sig>/annuler")
@public
@limited("public_appointment")
@localized
def cancel_page(code: str, sig: str):
    appt = _appointment(code, sig)
    if not appt["can_change"]:
        return redirect(url_for(".manage", code=code, sig=sig), code=303)
    return page("cancel.html", a=texts.appointment_view(appt), site=appt["site"], sig=sig, texts=texts)


@bp.post("/rdv/gerer/<code>/<sig>/annuler")
@public
@limited("public_appointment")
@localized
def cancel(code: str, sig: str):
    return _signed_post(
        code,
        sig,
        lambda: booking.cancel(ctx(), code, sig),
        _("Votre rendez-vous est annulé. Un e-mail vous le confirme."),
    )


@bp.post("/rdv/gerer/<code>/<sig>/attente")
@public
@limited("public_appointment")
@localized
def waitlist(code: str, sig: str):
    return _signed_post(
        code,
        sig,
        lambda: booking.join_waitlist(ctx(), code, sig),
        _(
            "C'est noté : si un créneau plus tôt se libère, nous vous l'écrirons par e-mail. "
            "Votre rendez-vous actuel reste valable."
        ),
    )


def _move_selection(appt: dict[str, Any]) -> Selection | None:
    """The appointment's motif as the booking pages see it; None when it cannot be booked online."""
    try:
        data = booking.list_motifs(ctx(), appt["site"]["slug"], viewer())
    except NotFound:
        return None
    motif = next((m for m in data["motifs"] if m["code"] == appt.get("motif")), None)
    if motif is None:
        return None
    persons = int(appt.get("persons") or 1)
    return Selection(site=data["site"], motif=motif, places=data["places"], persons=persons)


def _move_page(
    appt: dict[str, Any],
    sig: str,
    status: int = 200,
    error: str | None = None,
    alert: str | None = None,
    proposals: list[dict[str, Any]] | None = None,
):
    code = appt["code"]
    if not appt["can_change"]:
        return redirect(url_for(".manage", code=code, sig=sig), code=303)
    sel = _move_selection(appt)
    if sel is None:
        return _manage_page(appt, sig, 409, alert=texts.error_message("appointment_not_movable"))
    raw_from = request.values.get("from") or None
    try:
        day = selection.parse_day(request.values.get("day"))
        first, end, before, after = selection.window(sel, ctx().clock(), raw_from)
    except BadInput as exc:
        return error_page(400, exc.message, url_for(".move_page", code=code, sig=sig), _("Choisir un jour"))

    def link(**extra: Any) -> str:
        return url_for(".move_page", code=code, sig=sig, **{k: v for k, v in extra.items() if v})

    values: dict[str, Any] = {
        "a": texts.appointment_view(appt),
        "site": appt["site"],
        "sig": sig,
        "sel": sel,
        "texts": texts,
        "alert": alert,
        "error": error,
        "manage_url": url_for(".manage", code=code, sig=sig),
        "action": url_for(".move", code=code, sig=sig),
        "proposals": selection.slot_choices(proposals or [], sel.asks_place),
    }
    slug, motif = sel.site["slug"], sel.motif["code"]
    if day is None:
        found = booking.find_slots(ctx(), slug, motif, first, end, sel.persons_or_one, None, viewer())
        values["days"] = [
            {
                "label": texts.day_label(d),
                "count": texts.slots_count(n),
                "url": link(day=d.isoformat(), **{"from": raw_from}),
            }
            for d, n in selection.group_by_day(found["slots"])
        ]
        values.update(
            first=texts.day_label(first),
            end=texts.day_label(end),
            before=link(**{"from": before.isoformat()}) if before else None,
            after=link(**{"from": after.isoformat()}) if after else None,
        )
        return page("move.html", status, **values)
    found = booking.find_slots(ctx(), slug, motif, day, day, sel.persons_or_one, None, viewer())
    values.update(
        day=day,
        day_text=texts.day_label(day),
        choices=selection.slot_choices(found["slots"]),
        days_url=link(**{"from": raw_from}),
        back_from=raw_from or "",
    )
    return page("move.html", status, **values)


@bp.get("/rdv/gerer/<code>/<sig>/deplacer")
@public
@limited("slots")
@localized
def move_page(code: str, sig: str):
    appt = _appointment(code, sig)
    return _move_page(appt, sig)


@bp.post("/rdv/gerer/<code>/<sig>/deplacer")
@public
@limited("booking")
@localized
def move(code: str, sig: str):
    appt = _appointment(code, sig)
    if not form_token_ok():
        return _manage_page(appt, sig, 403, alert=_("Le formulaire a expiré : réessayez."))
    chosen = selection.parse_slot(request.form.get("slot"))
    if chosen is None:
        return _move_page(appt, sig, 400, error=_("Choisissez un horaire dans la liste."))
    try:
        moved = booking.move(ctx(), code, sig, chosen[0], place_id=chosen[1])
    except DomainError as exc:
        if exc.code == "slot_taken":
            return _move_page(
                appt,
                sig,
                409,
                alert=texts.error_message("slot_taken"),
                proposals=list(exc.params.get("next") or []),
            )
        return _refused(appt, sig, exc)
    view = texts.appointment_view(moved)
    flash(
        _(
            "Votre rendez-vous est déplacé au %(day)s à %(time)s. "
            "Le code reste le même ; un e-mail vous le confirme.",
            day=view["day"],
            time=view["time"],
        )
    )
    return redirect(url_for(".manage", code=code, sig=sig), code=303)
