"""Request bodies, validated strictly so that a typo is a clear 422 rather than a silent default."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from guichet.services.counter_setup import CounterServiceIn
from guichet.services.requests import Contact
from guichet.web.bodies import Body


class IssueTicket(Body):
    service: str = Field(min_length=1, max_length=32, description="Service code, e.g. ANTS_ID")
    priority: bool = Field(False, description="Legal or local priority (checked by the agent)")
    priority_reason: str | None = Field(None, max_length=64, description="e.g. cmi, pregnancy")


class Transfer(Body):
    service: str | None = Field(None, min_length=1, max_length=32, description="Target service code")
    counter: int | None = Field(None, ge=1, description="Target counter id (only it may call the ticket)")
    agent: int | None = Field(None, ge=1, description="Target agent's user id (only they may call it)")
    placement: Literal["arrival", "first"] = Field(
        "arrival", description="By original arrival time, or before the other walk-ins"
    )

    @model_validator(mode="after")
    def one_target(self) -> Transfer:
        if self.service is None and self.counter is None and self.agent is None:
            raise ValueError("give a service code, a counter id or an agent id")
        if self.counter is not None and self.agent is not None:
            raise ValueError("give a counter or an agent, not both")
        return self


class CaseIn(Body):
    services: list[str] = Field(min_length=1, max_length=10, description="Service codes concerned")
    description: str = Field(min_length=1, max_length=2000)
    consent: bool = Field(False, description="The citizen agreed to their contact being kept")
    contact: Contact | None = None
    expert: int | None = Field(None, ge=1, description="Expert's user id, if already known")


class Finish(Body):
    outcome: str = Field(min_length=1, max_length=32)
    note: str | None = Field(None, max_length=2000)
    case: CaseIn | None = Field(None, description="Required with outcome `escalated`")


class Resume(Body):
    counter: int = Field(ge=1, description="The counter taking the parked ticket back")


class CounterStatus(Body):
    status: Literal["open", "paused", "closed"]


class WalkIn(Body):
    service: str = Field(min_length=1, max_length=32)


class Contribution(Body):
    service: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=4000)


class SatisfactionBody(Body):
    satisfied: bool = Field(description="Globalement satisfait ?")
    score: int | None = Field(None, ge=0, le=10, description="From 0 (not at all) to 10 (entirely); optional")


class OutcomeBody(Body):
    outcome: Literal["seen", "no_show"] = Field(description="How the appointment ended: held, or missed")


class Answer(Body):
    text: str = Field(min_length=1, max_length=8000)


class CounterServices(Body):
    services: list[CounterServiceIn] = Field(max_length=100)


class UserServices(Body):
    services: list[str] = Field(max_length=100, description="Service codes; empty: every service")


class DisplayMessage(Body):
    message: str = Field(max_length=280, description="Shown on the site's screens; empty to remove")


class Empty(Body):
    pass


ACTION_BODIES: dict[str, type[Body]] = {
    "recall": Empty,
    "start": Empty,
    "no-show": Empty,
    "requeue": Empty,
    "park": Empty,
    "unpark": Empty,
    "resume": Resume,
    "cancel": Empty,
    "transfer": Transfer,
    "finish": Finish,
}


# --- booking (api/booking.py) -------------------------------------------------------------------


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


# --- query strings (read by the views from request.args; here for the document) ------------------


class CasesQuery(Body):
    status: Literal["open", "answered", "all"] = "open"


class SlotsQuery(Body):
    motif: str = Field(max_length=32, description="Motif code")
    from_: str | None = Field(None, alias="from", description="First day, YYYY-MM-DD (default today)")
    to: str | None = Field(None, description="Last day, YYYY-MM-DD (at most 62 days after from)")
    persons: int | None = Field(None, ge=1, description="People in the appointment (longer slots)")
    place: int | None = Field(None, ge=1, description="Only this place")


class SignedQuery(Body):
    sig: str = Field(max_length=64, description="Signature from the manage link")


class StatsQuery(Body):
    from_: str | None = Field(
        None, alias="from", description="First business day, YYYY-MM-DD (default: 29 days before `to`)"
    )
    to: str | None = Field(
        None, description="Last business day, YYYY-MM-DD (default: today, the site's date)"
    )


class AuditQuery(Body):
    site: str | None = Field(None, description="Site slug")
    actor: int | None = Field(None, description="Account id of whoever acted")
    kind: str | None = Field(None, description="e.g. service, or service.updated")
    from_: str | None = Field(None, alias="from", description="From this moment, ISO 8601 with offset")
    to: str | None = Field(None, description="Before this moment, ISO 8601 with offset")
