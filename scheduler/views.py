"""Booking pages, the choices: motif → persons and place → day → time, which is then held
(the contact form and the confirmation are in contact.py, the citizen's manage page in manage.py).

Every step is a server-rendered form (GET for choices, POST with the session's CSRF token for the
hold and the booking), so the flow works without JavaScript; booking.js only moves the focus and
prevents double submission. Each POST calls one booking service, the same as the REST API.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NoReturn

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from guichet.core.errors import DomainError, NotFound
from guichet.services import booking
from guichet.services.guards import is_staff
from guichet.web.auth import ctx, public
from guichet.web.csrf import form_token_ok
from guichet.web.errors import http_status
from guichet.web.ratelimit import limited

from . import selection, texts
from .rendering import error_page, hold_key, localized, page, poster, remember_hold, viewer
from .selection import BadInput, Selection

bp = Blueprint(
    "scheduler",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/scheduler/static",
)


class PageError(Exception):
    """A step that cannot go on, carrying the page to answer instead (so views read straight on)."""

    def __init__(self, response: tuple[str, int]) -> None:
        super().__init__(response[1])
        self.response = response


@bp.errorhandler(PageError)
def _answer_page_error(exc: PageError) -> tuple[str, int]:
    return exc.response


def refuse(status: int, message: str, back: str | None = None, back_label: str | None = None) -> NoReturn:
    """Stop the step with the French error page (and a way back)."""
    raise PageError(error_page(status, message, back, back_label))


def require_form(site: str) -> None:
    """A posted form carries the session's CSRF token, or the citizen starts again."""
    if not form_token_ok():
        refuse(
            403, _("Le formulaire a expiré : réessayez."), url_for(".book_page", site=site), _("Recommencer")
        )


def _motifs_and_case(site: str, args: Any, who: Any) -> tuple[dict[str, Any], int | None]:
    """The site's bookable motifs, and the level-2 case the booking answers (agents only)."""
    try:
        data = booking.list_motifs(ctx(), site, who)
    except NotFound:
        refuse(404, texts.error_message("site_not_found"), url_for("pages.home"), _("Retour à l'accueil"))
    try:
        case = selection.parse_case(args.get("case"))
    except BadInput as exc:
        refuse(400, exc.message, url_for(".book_page", site=site), _("Recommencer"))
    if case is not None and not is_staff(who):
        refuse(
            403,
            _("Seul un agent connecté peut rattacher un rendez-vous à un dossier."),
            url_for(".book_page", site=site),
            _("Prendre rendez-vous sans dossier"),
        )
    return data, case


def chosen_selection(site: str, args: Any, who: Any) -> Selection:
    """The site's motif named in args, with its options read (PageError when it cannot be)."""
    data, case = _motifs_and_case(site, args, who)
    code = (args.get("motif") or "").strip()[:32]
    motif = next((m for m in data["motifs"] if m["code"] == code), None)
    if motif is None:
        message = texts.error_message("motif_not_found" if code else "motif_required")
        refuse(
            404 if code else 400, message, url_for(".book_page", site=site, case=case), _("Choisir un motif")
        )
    return selection.read(data["site"], motif, data["places"], args, case)


def common(sel: Selection, who: Any) -> dict[str, Any]:
    return {"sel": sel, "site": sel.site, "staff": is_staff(who), "texts": texts}


def require_complete(sel: Selection, who: Any) -> None:
    """Every option of the motif (persons, place) is chosen, or the options page asks again."""
    if not sel.complete:
        raise PageError(page("options.html", 400, **common(sel, who)))


def _motifs_page(site: str, who: Any, error: str | None = None):
    data, case = _motifs_and_case(site, request.args, who)
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
    sel = chosen_selection(site, request.args, who)
    if sel.asks_place and sel.place is None:
        _offer_only_open_places(sel, who)
    if not sel.complete:
        return page("options.html", 400 if sel.errors else 200, **common(sel, who))
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
        **common(sel, who),
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
        **common(sel, who),
    )


@bp.post("/rdv/<site>/creneau")
@public
@limited("hold")
@localized
def hold(site: str):
    """Keep the chosen slot for the citizen while they fill in the contact form."""
    require_form(site)
    who = poster()
    sel = chosen_selection(site, request.form, who)
    chosen = selection.parse_slot(request.form.get("slot"))
    if chosen is not None and chosen[1] in {p["id"] for p in sel.places}:
        sel.place = chosen[1]  # the time chosen says where
        sel.errors.pop("place", None)
    elif sel.asks_place and sel.place is None:
        _offer_only_open_places(sel, who)
    require_complete(sel, who)
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
                http_status(exc),
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
    remember_hold(hold_key(site, sel.motif["code"], start, place, persons), held)
    return redirect(url_for(".contact_page", site=site, **sel.params(start=start, place=place)), code=303)
