"""Booking API: motifs, free slots, holds, appointments and their .ics file."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, jsonify, request
from pydantic import Field

from ..ratelimit import limited
from ..services import booking
from ..services.errors import Invalid
from . import bp
from .auth import actor, ctx, current_actor, public, requires
from .routes import parse
from .schemas import Body


class BookBody(Body):
    site: str = Field(min_length=1, max_length=64)
    motif: str = Field(min_length=1, max_length=32)
    start: str = Field(min_length=10, max_length=40, description="ISO 8601 with offset, from /slots")
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9 +().-]{6,32}$")
    persons: int = Field(1, ge=1, le=20)
    place: int | None = Field(None, ge=1)
    ants_number: str | None = Field(None, max_length=10, description="ANTS pre-application number")
    hold: str | None = Field(None, max_length=64, description="Token of a hold on this slot")
    consent: bool = Field(True, description="Agreement to the processing of the contact for this booking")
    case: int | None = Field(None, ge=1, description="Level-2 case this appointment answers (agents only)")


class Signed(Body):
    sig: str = Field(min_length=1, max_length=64, description="The last segment of the manage link")


class MoveBody(Signed):
    start: str = Field(min_length=10, max_length=40)
    hold: str | None = Field(None, max_length=64)
    place: int | None = Field(None, ge=1, description="The place of the chosen slot")


class HoldBody(Body):
    site: str = Field(min_length=1, max_length=64)
    motif: str = Field(min_length=1, max_length=32)
    start: str = Field(min_length=10, max_length=40)
    persons: int = Field(1, ge=1, le=20)
    place: int | None = Field(None, ge=1)


def _date(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise Invalid("date_malformed", field=name) from exc


def _int_arg(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise Invalid("validation")
    return int(raw)


@bp.get("/sites/<slug>/motifs")
@public
def motifs(slug: str):
    return jsonify(booking.list_motifs(ctx(), slug, current_actor()))


@bp.get("/sites/<slug>/slots")
@public
@limited("slots")
def slots(slug: str):
    motif = request.args.get("motif", "")[:32]
    if not motif:
        raise Invalid("motif_required")
    today = ctx().clock().date()
    first = _date("from", today)
    last = _date("to", first + timedelta(days=13))
    persons = _int_arg("persons", 1) or 1
    place = _int_arg("place", None)
    return jsonify(booking.find_slots(ctx(), slug, motif, first, last, persons, place, current_actor()))


@bp.post("/holds")
@public
@limited("hold")
def hold():
    body = parse(HoldBody)
    result = booking.hold_slot(
        ctx(), body.site, body.motif, body.start, body.persons, body.place, current_actor()
    )
    return jsonify(result), 201


@bp.post("/appointments")
@public
@limited("booking")
def book():
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
def appointment(code: str):
    return jsonify(booking.view_appointment(ctx(), code, request.args.get("sig", "")[:64]))


@bp.post("/appointments/<code>/cancel")
@public
@limited("public_appointment")
def cancel(code: str):
    body = parse(Signed)
    return jsonify(booking.cancel(ctx(), code, body.sig))


@bp.post("/appointments/<code>/move")
@public
@limited("booking")
def move(code: str):
    body = parse(MoveBody)
    return jsonify(booking.move(ctx(), code, body.sig, body.start, body.hold, body.place))


@bp.post("/appointments/<code>/waitlist")
@public
@limited("public_appointment")
def waitlist(code: str):
    body = parse(Signed)
    return jsonify(booking.join_waitlist(ctx(), code, body.sig))


@bp.get("/appointments/<code>.ics")
@public
@limited("public_appointment")
def appointment_ics(code: str):
    from ..services import ical

    appt, site, place = booking.get_appointment(ctx(), code)
    body = ical.appointment_calendar(appt, site, place, method="PUBLISH")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="rendez-vous-{appt.code}.ics"'},
    )


@bp.get("/experts/me/calendar")
@requires("agent", "expert", "manager", "admin")
def my_calendar():
    return jsonify(booking.feed_url(ctx(), actor()))


@bp.get("/experts/<int:user_id>/calendar/<token>.ics")
@public
@limited("public_appointment")
def expert_calendar(user_id: int, token: str):
    return Response(booking.expert_feed(ctx(), user_id, token), mimetype="text/calendar")
