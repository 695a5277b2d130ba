"""The OpenAPI 3.1 document of API v1; a test checks it against the app's routes both ways."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from .schemas import (
    ACTION_BODIES,
    Answer,
    BookBody,
    CaseIn,
    Contribution,
    CounterServices,
    CounterStatus,
    DisplayMessage,
    Finish,
    HoldBody,
    IssueTicket,
    MoveBody,
    Resume,
    Signed,
    Transfer,
    UserServices,
    WalkIn,
)

ERROR = {"$ref": "#/components/schemas/Error"}
TICKET = {"$ref": "#/components/schemas/Ticket"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    words = {
        400: "Malformed request",
        401: "No or invalid credentials",
        403: "Wrong role or site",
        404: "Not found",
        409: "Refused by a queue rule",
        422: "Invalid field values",
        429: "Too many requests from this address (Retry-After)",
    }
    return {str(c): _json(ERROR, words[c]) for c in codes}


def _path_param(name: str, kind: str = "string", description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": kind},
        "description": description,
    }


SECURED = [{"bearer": []}, {"session": []}]


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    ticket_props = {
        "id": {"type": "integer"},
        "number": {"type": "string", "examples": ["A007"]},
        "service": {"type": "string"},
        "service_label": {"type": "string"},
        "status": {
            "type": "string",
            "enum": ["waiting", "called", "serving", "parked", "done", "no_show", "cancelled", "transferred"],
        },
        "priority": {"type": "boolean"},
        "priority_reason": {"type": ["string", "null"]},
        "source": {"type": "string", "enum": ["kiosk", "appointment", "counter", "api"]},
        "position": {"type": ["integer", "null"]},
        "estimated_wait_s": {"type": ["integer", "null"]},
        "quoted_wait_s": {"type": ["integer", "null"]},
        "tracking_url": {"type": "string"},
        "counter": {"type": ["object", "null"]},
        "arrived_at": {"type": "string"},
        "issued_at": {"type": "string"},
        "called_at": {"type": ["string", "null"]},
        "started_at": {"type": ["string", "null"]},
        "ended_at": {"type": ["string", "null"]},
        "recall_count": {"type": "integer"},
        "outcome": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
        "transferred_from": {"type": ["integer", "null"]},
        "wait_s": {"type": "integer", "description": "Arrival to first call (or to now while waiting)"},
        "placed_first": {"type": "boolean"},
        "target_counter": {"type": ["integer", "null"]},
        "target_agent": {"type": ["integer", "null"]},
        "parked_at": {"type": ["string", "null"]},
        "appointment": {"type": ["object", "null"], "description": "The appointment it comes from"},
        "case": {"type": "object", "description": "Finish with a case: the level-2 case opened"},
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Guichet API",
            "version": "1",
            "description": "Queue, kiosk and counter API of Guichet. Errors are JSON objects "
            "with a stable `error` code and a French `message`.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Agent API token or kiosk/display device token",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Agent web session; writes need the X-CSRF-Token header",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                        "errors": {"type": "array"},
                    },
                },
                "Ticket": {"type": "object", "properties": ticket_props},
                "IssueTicket": IssueTicket.model_json_schema(),
                "Transfer": Transfer.model_json_schema(),
                "Finish": Finish.model_json_schema(),
                "Resume": Resume.model_json_schema(),
                "CaseIn": CaseIn.model_json_schema(),
                "Case": {"type": "object", "description": "A level-2 case (see docs/contracts/counter.md)"},
                "Counter": {"type": "object", "description": "A counter, its agent and held ticket"},
                "DisplayMessage": DisplayMessage.model_json_schema(),
            },
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness and database check",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "Healthy")},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "OpenAPI document")},
                }
            },
            "/sites/{slug}/services": {
                "get": {
                    "summary": "Active services with waiting count and estimated wait (public)",
                    "security": [],
                    "parameters": [_path_param("slug")],
                    "responses": {"200": _json({"type": "object"}, "Site and services"), **_errors(404)},
                }
            },
            "/sites/{slug}/counters": {
                "get": {
                    "summary": "Counters with their id and the services they serve (agents)",
                    "security": SECURED,
                    "parameters": [_path_param("slug")],
                    "responses": {"200": _json({"type": "object"}, "Counters"), **_errors(401, 403, 404)},
                }
            },
            "/sites/{slug}/tickets": {
                "post": {
                    "summary": "Issue a ticket (kiosk device or agent)",
                    "security": SECURED,
                    "parameters": [_path_param("slug")],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/IssueTicket"}}
                        },
                    },
                    "responses": {
                        "201": _json(TICKET, "Ticket issued"),
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                }
            },
            "/tickets/{token}": {
                "get": {
                    "summary": "Public status of a ticket by its tracking token (no personal data)",
                    "security": [],
                    "parameters": [_path_param("token")],
                    "responses": {"200": _json({"type": "object"}, "Status"), **_errors(404)},
                }
            },
            "/counters/{counter_id}/call-next": {
                "post": {
                    "summary": "Call the next ticket for this counter (atomic claim)",
                    "security": SECURED,
                    "parameters": [_path_param("counter_id", "integer")],
                    "responses": {
                        "200": _json(TICKET, "The called ticket"),
                        "204": {"description": "Nothing waits for this counter"},
                        **_errors(401, 403, 404, 409),
                    },
                }
            },
            "/sites/{slug}/display-message": {
                "put": {
                    "summary": "Set the information message of the site's waiting-room screens (managers)",
                    "security": SECURED,
                    "parameters": [_path_param("slug")],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/DisplayMessage"}}
                        },
                    },
                    "responses": {
                        "200": _json({"type": "object"}, "The message as stored"),
                        **_errors(400, 401, 403, 404, 422),
                    },
                }
            },
            "/printers": {
                "get": {
                    "summary": "Kiosk printers and their last known state, alerts first (managers)",
                    "security": SECURED,
                    "responses": {"200": _json({"type": "object"}, "Kiosks"), **_errors(401, 403)},
                }
            },
            "/tickets/{ticket_id}/{action}": {
                "post": {
                    "summary": "Apply a counter action to a ticket",
                    "security": SECURED,
                    "parameters": [
                        _path_param("ticket_id", "integer"),
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": sorted(ACTION_BODIES)},
                        },
                    ],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Transfer"},
                                        {"$ref": "#/components/schemas/Finish"},
                                        {"$ref": "#/components/schemas/Resume"},
                                        {"type": "object", "additionalProperties": False},
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            TICKET,
                            "The ticket after the action (for a transfer, the new linked waiting ticket)",
                        ),
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                }
            },
        },
    }
    doc["paths"].update(_workstation_paths())
    doc["paths"].update(_booking_paths())
    return doc


def _op(
    summary: str,
    params: list[dict[str, Any]],
    ok: dict[str, Any],
    errors: tuple[int, ...],
    body: type[BaseModel] | None = None,
    status: str = "200",
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "security": SECURED,
        "parameters": params,
        "responses": {status: ok, **_errors(*errors)},
    }
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body.model_json_schema()}},
        }
    return op


def _workstation_paths() -> dict[str, Any]:
    """Counter workstation, level-2 cases and managers' settings (issue 5)."""
    obj = {"type": "object"}
    counter = {"$ref": "#/components/schemas/Counter"}
    case = {"$ref": "#/components/schemas/Case"}
    cid = [_path_param("counter_id", "integer")]
    slug = [_path_param("slug")]
    case_id = [_path_param("case_id", "integer")]
    status_q = {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["open", "answered", "all"], "default": "open"},
    }
    return {
        "/me": {
            "get": _op("The signed-in account and the counter it sits at", [], _json(obj, "Me"), (401, 403))
        },
        "/counters/{counter_id}/occupy": {
            "post": _op(
                "Sit at this counter (the previous one is closed)",
                cid,
                _json(counter, "Counter"),
                (401, 403, 404, 409),
            )
        },
        "/counters/{counter_id}/status": {
            "post": _op(
                "Open, pause or close a counter",
                cid,
                _json(counter, "Counter"),
                (400, 401, 403, 404, 409, 422),
                CounterStatus,
            )
        },
        "/counters/{counter_id}/walk-in": {
            "post": _op(
                "Serve a visitor who has no ticket (numbered, served at once)",
                cid,
                _json(TICKET, "The ticket, being served"),
                (400, 401, 403, 404, 409, 422),
                WalkIn,
                "201",
            )
        },
        "/counters/{counter_id}/current": {
            "get": _op(
                "The ticket this counter holds", cid, _json(obj, "{ticket: Ticket|null}"), (401, 403, 404)
            )
        },
        "/counters/{counter_id}/services": {
            "put": _op(
                "Set the services a counter calls, with weights (managers)",
                cid,
                _json(counter, "Counter"),
                (400, 401, 403, 404, 422),
                CounterServices,
            )
        },
        "/users/{user_id}/services": {
            "put": _op(
                "Set the services an agent or expert may serve (managers)",
                [_path_param("user_id", "integer")],
                _json(obj, "User"),
                (400, 401, 403, 404, 422),
                UserServices,
            )
        },
        "/sites/{slug}/staff": {
            "get": _op(
                "Accounts of the site and their services (managers)",
                slug,
                _json(obj, "Users"),
                (401, 403, 404),
            )
        },
        "/sites/{slug}/parked": {
            "get": _op("Today's parked tickets", slug, _json(obj, "{tickets: [Ticket]}"), (401, 403, 404))
        },
        "/sites/{slug}/board": {
            "get": _op(
                "Live queue board: waiting, longest wait, over target, counters",
                slug,
                _json(obj, "Board"),
                (401, 403, 404),
            )
        },
        "/sites/{slug}/workstation": {
            "get": _op(
                "Workstation settings: outcomes, services, counters, agents, experts",
                slug,
                _json(obj, "Configuration"),
                (401, 403, 404),
            )
        },
        "/sites/{slug}/cases": {
            "post": _op(
                "Open a level-2 case without a ticket (phone, e-mail)",
                slug,
                _json(case, "Case"),
                (400, 401, 403, 404, 422),
                CaseIn,
                "201",
            )
        },
        "/cases": {
            "get": _op(
                "Level-2 cases the caller may see, overdue and soonest deadline first",
                [status_q],
                _json(obj, "{cases: [Case]}"),
                (400, 401, 403),
            )
        },
        "/cases/{case_id}": {"get": _op("One level-2 case", case_id, _json(case, "Case"), (401, 403, 404))},
        "/cases/{case_id}/contributions": {
            "post": _op(
                "A service's contribution to a case",
                case_id,
                _json(case, "Case"),
                (400, 401, 403, 404, 409, 422),
                Contribution,
            )
        },
        "/cases/{case_id}/answer": {
            "post": _op(
                "Close a case with one grouped answer (every service must have contributed)",
                case_id,
                _json(case, "Case"),
                (400, 401, 403, 404, 409, 422),
                Answer,
            )
        },
        "/experts/me/day": {
            "get": _op(
                "The expert's appointments of the day and checked-in citizens waiting",
                [],
                _json(obj, "Day"),
                (401, 403),
            )
        },
    }


def _booking_paths() -> dict[str, Any]:
    """Online booking (issue 6). Public endpoints are rate-limited per client address (429)."""
    obj = {"type": "object"}
    slug = [_path_param("slug")]

    def query(name: str, kind: str, description: str, required: bool = False) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": required,
            "schema": {"type": kind},
            "description": description,
        }

    def public(op: dict[str, Any]) -> dict[str, Any]:
        op["security"] = []
        return op

    slot = {
        "type": "object",
        "properties": {
            "start": {
                "type": "string",
                "description": "ISO 8601 with offset, e.g. 2027-03-30T09:30:00+02:00",
            },
            "end": {"type": "string"},
            "place": {"type": "object"},
        },
    }
    return {
        "/sites/{slug}/motifs": {
            "get": public(
                _op(
                    "Bookable motifs and places (agents also see agents-only motifs)",
                    slug,
                    _json(obj, "Motifs and places"),
                    (404,),
                )
            )
        },
        "/sites/{slug}/slots": {
            "get": public(
                _op(
                    "Free slots of a motif between two dates (one per place and start time)",
                    [
                        *slug,
                        query("motif", "string", "Motif code", True),
                        query("from", "string", "First day, YYYY-MM-DD (default today)"),
                        query("to", "string", "Last day, YYYY-MM-DD (at most 62 days after from)"),
                        query("persons", "integer", "People in the appointment (longer slots)"),
                        query("place", "integer", "Only this place"),
                    ],
                    _json(
                        {"type": "object", "properties": {"slots": {"type": "array", "items": slot}}}, "Slots"
                    ),
                    (400, 404, 429),
                )
            )
        },
        "/holds": {
            "post": public(
                _op(
                    "Hold a slot for 10 minutes while the contact form is filled in",
                    [],
                    _json(obj, "{hold, expires_at}"),
                    (400, 404, 409, 422, 429),
                    HoldBody,
                    "201",
                )
            )
        },
        "/appointments": {
            "post": public(
                _op(
                    "Book a slot: 201 with the booking code; 409 slot_taken with the next free slots",
                    [],
                    _json(obj, "The appointment and its code"),
                    (400, 404, 409, 422, 429),
                    BookBody,
                    "201",
                )
            )
        },
        "/appointments/{code}": {
            "get": public(
                _op(
                    "An appointment seen through its signed manage link",
                    [_path_param("code"), query("sig", "string", "Signature from the manage link", True)],
                    _json(obj, "Appointment"),
                    (403, 404, 429),
                )
            )
        },
        "/appointments/{code}/cancel": {
            "post": public(
                _op(
                    "Cancel with the signed link (until the change limit)",
                    [_path_param("code")],
                    _json(obj, "Appointment"),
                    (400, 403, 404, 409, 422, 429),
                    Signed,
                )
            )
        },
        "/appointments/{code}/move": {
            "post": public(
                _op(
                    "Move to another free slot of the motif (same code and calendar UID)",
                    [_path_param("code")],
                    _json(obj, "Appointment"),
                    (400, 403, 404, 409, 422, 429),
                    MoveBody,
                )
            )
        },
        "/appointments/{code}/waitlist": {
            "post": public(
                _op(
                    "Be offered an earlier slot when one frees up (at most 3 offers)",
                    [_path_param("code")],
                    _json(obj, "{waitlist}"),
                    (400, 403, 404, 409, 422, 429),
                    Signed,
                )
            )
        },
        "/experts/me/calendar": {
            "get": _op(
                "The private calendar feed URL of the signed-in expert", [], _json(obj, "{url}"), (401, 403)
            )
        },
        "/experts/{user_id}/calendar/{token}.ics": {
            "get": public(
                {
                    "summary": "An expert's private calendar feed (iCalendar, no contact data)",
                    "parameters": [_path_param("user_id", "integer"), _path_param("token")],
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        **_errors(404, 429),
                    },
                }
            )
        },
        "/appointments/{code}.ics": {
            "get": public(
                {
                    "summary": "The appointment as an iCalendar file (Europe/Paris VTIMEZONE, VALARM)",
                    "parameters": [_path_param("code")],
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        **_errors(404, 429),
                    },
                }
            )
        },
    }
