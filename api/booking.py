"""Booking API: motifs, free slots, holds, appointments and their .ics file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request

from guichet.core.errors import Invalid
from guichet.core.roles import STAFF
from guichet.services import appointment_outcomes, booking, ical
from guichet.web.auth import actor, ctx, current_actor, public, requires
from guichet.web.bodies import date_arg, parse
from guichet.web.ratelimit import limited

from .blueprint import bp
from .schemas import BookBody, HoldBody, MoveBody, OutcomeBody, Signed


def _int_arg(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise Invalid("validation")
    return int(raw)


@bp.get("/sites/<slug>/motifs")
@public
def motifs(slug: str) -> Any:
    return jsonify(booking.list_motifs(ctx(), slug, current_actor()))


@bp.get("/sites/<slug>/slots")
@public
@limited("slots")
def slots(slug: str) -> Any:
    motif = request.args.get("motif", "")[:32]
    if not motif:
        raise Invalid("motif_required")
    today = ctx().clock().date()
    first = date_arg("from") or today
    last = date_arg("to") or first + timedelta(days=13)
    persons = _int_arg("persons", 1) or 1
    place = _int_arg("place", None)
    return jsonify(booking.find_slots(ctx(), slug, motif, first, last, persons, place, current_actor()))


@bp.post("/holds")
@public
@limited("hold")
def hold() -> Any:
    body = parse(HoldBody)
    result = booking.hold_slot(
        ctx(), body.site, body.motif, body.start, body.persons, body.place, current_actor()
    )
    return jsonify(result), 201


@bp.post("/appointments")
@public
@limited("booking")
def book() -> Any:
    body = parse(BookBody)
    if not body.consent:
        raise Invalid("booking_consent_required")
    req = booking.BookingRequest(
        site=body.site,
        motif=body.motif,
        start=body.start,
        name=body.name,
        email=body.email,
        phone=body.phone,
        persons=body.persons,
        place=body.place,
        ants_number=body.ants_number,
        hold=body.hold,
        case_id=body.case,
    )
    return jsonify(booking.book(ctx(), req, current_actor())), 201


@bp.get("/appointments/<code>")
@public
@limited("public_appointment")
def appointment(code: str) -> Any:
    return jsonify(booking.view_appointment(ctx(), code, request.args.get("sig", "")[:64]))


@bp.post("/appointments/<code>/cancel")
@public
@limited("public_appointment")
def cancel(code: str) -> Any:
    body = parse(Signed)
    return jsonify(booking.cancel(ctx(), code, body.sig))


@bp.post("/appointments/<code>/move")
@public
@limited("booking")
def move(code: str) -> Any:
    body = parse(MoveBody)
    return jsonify(booking.move(ctx(), code, body.sig, body.start, body.hold, body.place))


@bp.post("/appointments/<code>/waitlist")
@public
@limited("public_appointment")
def waitlist(code: str) -> Any:
    body = parse(Signed)
    return jsonify(booking.join_waitlist(ctx(), code, body.sig))


@bp.post("/appointments/<code>/outcome")
@requires(*STAFF)
def appointment_outcome(code: str) -> Any:
    body = parse(OutcomeBody)
    return jsonify(appointment_outcomes.mark(ctx(), actor(), code, body.outcome))


@bp.get("/appointments/<code>.ics")
@public
@limited("public_appointment")
def appointment_ics(code: str) -> Any:
    appt, site, place = booking.get_appointment(ctx(), code)
    body = ical.appointment_calendar(appt, site, place, method="PUBLISH")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="rendez-vous-{appt.code}.ics"'},
    )


@bp.get("/experts/me/calendar")
@requires(*STAFF)
def my_calendar() -> Any:
    return jsonify(booking.feed_url(ctx(), actor()))


@bp.get("/experts/<int:user_id>/calendar/<token>.ics")
@public
@limited("public_appointment")
def expert_calendar(user_id: int, token: str) -> Any:
    return Response(booking.expert_feed(ctx(), user_id, token), mimetype="text/calendar")
