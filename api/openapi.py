"""The OpenAPI 3.1 document of API v1, generated from the pydantic request and response models.

Each route is described once in OPERATIONS; the schemas come from pydantic's own JSON Schema
(`models_json_schema`, every `$defs` entry becoming a component). A test checks the document against
the app's routes both ways, another validates real answers against it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from guichet.services import (
    catalogue,
    categories,
    counter_setup,
    device_setup,
    hours,
    partners,
    people,
    requests,
    site_setup,
)
from guichet.services.booking import absence_setup, motif_setup, place_setup, range_setup

from . import responses as r
from . import schemas as q
from .expert_setup import PreviewQuery

# What a 2xx answer carries: a model (JSON), a media type other than JSON, or nothing (None).
Reply = type[BaseModel] | str | None
# The `$ref` of each model, as a request (validation) or as an answer (serialization).
Refs = Mapping[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]

ERROR_WORDS = {
    400: "Malformed request",
    401: "No or invalid credentials",
    403: "Wrong role or site",
    404: "Not found",
    409: "Refused by a queue rule",
    422: "Invalid field values",
    429: "Too many requests from this address (Retry-After)",
}

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "slug": {"schema": {"type": "string"}, "description": "Site slug"},
    "counter_id": {"schema": {"type": "integer"}, "description": "Counter id"},
    "ticket_id": {"schema": {"type": "integer"}, "description": "Ticket id"},
    "case_id": {"schema": {"type": "integer"}, "description": "Case id"},
    "user_id": {"schema": {"type": "integer"}, "description": "Account id"},
    "token": {"schema": {"type": "string"}, "description": "Tracking or feed token"},
    "code": {"schema": {"type": "string"}, "description": "Appointment code, or service code"},
    "number": {"schema": {"type": "integer"}, "description": "Counter number"},
    "device_id": {"schema": {"type": "integer"}, "description": "Device id"},
    "place_id": {"schema": {"type": "integer"}, "description": "Booking place id"},
    "closure_id": {"schema": {"type": "integer"}, "description": "Closure id"},
    "range_id": {"schema": {"type": "integer"}, "description": "Opening range id"},
    "absence_id": {"schema": {"type": "integer"}, "description": "Absence id"},
    "partner_code": {"schema": {"type": "string"}, "description": "Partner code"},
    "category": {"schema": {"type": "string"}, "description": "Category code"},
    "action": {
        "schema": {"type": "string", "enum": sorted(q.ACTION_BODIES)},
        "description": "Counter action",
    },
}

TAGS = {
    "system": "The installation: health, this document, who is calling",
    "queue": "Services, issuing, tracking, call-next and ticket actions",
    "counters": "The counter workstation: counters, walk-ins, board, parked tickets",
    "cases": "Requests from every channel, level-2 cases and the expert's day",
    "management": "Managers' settings: services of counters and agents, staff, printers, screens",
    "stats": "Quality indicators: waits, service times, estimates' accuracy (managers, admins)",
    "setup": "Setting a site up: services, counters, accounts, the audit log (managers, admins)",
    "booking": "Online booking: motifs, slots, holds, appointments, calendar feeds",
}


@dataclass(frozen=True)
class Op:
    """One route: its method, path, what it answers, what it takes and who may call it."""

    method: str
    path: str
    tag: str
    summary: str
    replies: Mapping[int, Reply]
    errors: tuple[int, ...] = ()  # refusals of the operation itself; auth and body errors are added
    body: tuple[type[BaseModel], ...] = ()  # several: any one of them (anyOf)
    query: type[BaseModel] | None = None
    public: bool = False


ICS = "text/calendar"
ACTION_MODELS = tuple(dict.fromkeys(q.ACTION_BODIES.values()))

OPERATIONS: tuple[Op, ...] = (
    # system
    Op("get", "/health", "system", "Liveness and database check", {200: r.Health}, public=True),
    Op("get", "/openapi.json", "system", "This document", {200: "application/json"}, public=True),
    Op("get", "/me", "system", "The signed-in account and the counter it sits at", {200: r.Me}),
    # queue
    Op(
        "get",
        "/sites/{slug}/services",
        "queue",
        "Active services with waiting count and estimated wait (public)",
        {200: r.SiteServices},
        (404,),
        public=True,
    ),
    Op(
        "post",
        "/sites/{slug}/tickets",
        "queue",
        "Issue a ticket (kiosk device or agent)",
        {201: r.Ticket},
        (404, 409),
        body=(q.IssueTicket,),
    ),
    Op(
        "get",
        "/tickets/{token}",
        "queue",
        "Public status of a ticket by its tracking token (no personal data)",
        {200: r.PublicTicket},
        (404,),
        public=True,
    ),
    Op(
        "post",
        "/counters/{counter_id}/call-next",
        "queue",
        "Call the next ticket for this counter (atomic claim); 204 when nothing waits for it",
        {200: r.Ticket, 204: None},
        (404, 409),
        body=(q.Empty,),
    ),
    Op(
        "post",
        "/tickets/{ticket_id}/{action}",
        "queue",
        "Apply a counter action to a ticket (finish with outcome `escalated` opens a case)",
        {200: r.ActedTicket},
        (404, 409),
        body=ACTION_MODELS,
    ),
    # counters
    Op(
        "get",
        "/sites/{slug}/counters",
        "counters",
        "Counters with their id and the services they serve (agents)",
        {200: r.Counters},
        (404,),
    ),
    Op(
        "post",
        "/counters/{counter_id}/occupy",
        "counters",
        "Sit at this counter (the previous one is closed)",
        {200: r.Counter},
        (404, 409),
        body=(q.Empty,),
    ),
    Op(
        "post",
        "/counters/{counter_id}/status",
        "counters",
        "Open, pause or close a counter",
        {200: r.Counter},
        (404, 409),
        body=(q.CounterStatus,),
    ),
    Op(
        "post",
        "/counters/{counter_id}/walk-in",
        "counters",
        "Serve a visitor who has no ticket (numbered, served at once)",
        {201: r.Ticket},
        (404, 409),
        body=(q.WalkIn,),
    ),
    Op(
        "get",
        "/counters/{counter_id}/current",
        "counters",
        "The ticket this counter holds",
        {200: r.CurrentTicket},
        (404,),
    ),
    Op("get", "/sites/{slug}/parked", "counters", "Today's parked tickets", {200: r.Tickets}, (404,)),
    Op(
        "get",
        "/sites/{slug}/board",
        "counters",
        "Live queue board: waiting, longest wait, over target, counters",
        {200: r.Board},
        (404,),
    ),
    Op(
        "get",
        "/sites/{slug}/workstation",
        "counters",
        "Workstation settings: outcomes, services, counters, agents, experts",
        {200: r.Workstation},
        (404,),
    ),
    # management
    Op(
        "put",
        "/counters/{counter_id}/services",
        "management",
        "Set the services a counter calls, with weights (managers)",
        {200: r.Counter},
        (404,),
        body=(q.CounterServices,),
    ),
    Op(
        "put",
        "/users/{user_id}/services",
        "management",
        "Set the services an agent or expert may serve (managers)",
        {200: r.StaffMember},
        (404,),
        body=(q.UserServices,),
    ),
    Op(
        "get",
        "/sites/{slug}/staff",
        "management",
        "Accounts of the site and their services (managers)",
        {200: r.Staff},
        (404,),
    ),
    Op(
        "get",
        "/printers",
        "management",
        "Kiosk printers and their last known state, alerts first (managers)",
        {200: r.Printers},
    ),
    Op(
        "put",
        "/sites/{slug}/display-message",
        "management",
        "Set the information message of the site's waiting-room screens (managers)",
        {200: r.StoredMessage},
        (404,),
        body=(q.DisplayMessage,),
    ),
    # setup
    Op(
        "post",
        "/sites/{slug}/services",
        "setup",
        "Create a service (managers of the site, admins)",
        {201: r.SetupService},
        (404, 409),
        body=(catalogue.ServiceIn,),
    ),
    Op(
        "patch",
        "/sites/{slug}/services/{code}",
        "setup",
        "Change some fields of a service; issued tickets keep their numbers",
        {200: r.SetupService},
        (404, 409),
        body=(catalogue.ServicePatch,),
    ),
    Op(
        "delete",
        "/sites/{slug}/services/{code}",
        "setup",
        "Delete a service that never issued a ticket (409: deactivate it instead)",
        {204: None},
        (404, 409),
    ),
    Op(
        "post",
        "/sites/{slug}/counters",
        "setup",
        "Create a counter with the services it calls",
        {201: r.SetupCounter},
        (404, 409),
        body=(counter_setup.CounterIn,),
    ),
    Op(
        "patch",
        "/sites/{slug}/counters/{number}",
        "setup",
        "Rename, renumber a counter or change its services",
        {200: r.SetupCounter},
        (404, 409),
        body=(counter_setup.CounterPatch,),
    ),
    Op(
        "delete",
        "/sites/{slug}/counters/{number}",
        "setup",
        "Delete a closed counter that never called a ticket",
        {204: None},
        (404, 409),
    ),
    Op("get", "/sites/{slug}/users", "setup", "The site's accounts", {200: r.Accounts}, (404,)),
    Op(
        "post",
        "/sites/{slug}/users",
        "setup",
        "Create an account; the answer carries the one-time link that sets its password",
        {201: r.NewAccount},
        (404, 409),
        body=(people.UserIn,),
    ),
    Op(
        "patch",
        "/users/{user_id}",
        "setup",
        "Change an account; deactivating it revokes its tokens and sessions",
        {200: r.Account},
        (404, 409),
        body=(people.UserPatch,),
    ),
    Op(
        "post",
        "/users/{user_id}/password-link",
        "setup",
        "A fresh one-time password link (the earlier one stops working)",
        {201: r.PasswordLink},
        (404,),
    ),
    Op("get", "/sites/{slug}/devices", "setup", "The site's kiosks and displays", {200: r.Devices}, (404,)),
    Op(
        "post",
        "/sites/{slug}/devices",
        "setup",
        "Create a kiosk or display; the answer carries its one-time enrolment link",
        {201: r.NewDevice},
        (404, 409),
        body=(device_setup.DeviceIn,),
    ),
    Op(
        "post",
        "/devices/{device_id}/enrolment",
        "setup",
        "A fresh one-time enrolment link for the device",
        {201: r.EnrolmentLink},
        (404, 409),
    ),
    Op(
        "post",
        "/devices/{device_id}/revoke",
        "setup",
        "Revoke the device: every token it holds stops working at once",
        {200: r.Device},
        (404,),
    ),
    Op(
        "get",
        "/audit",
        "setup",
        "The audit log, newest first (a manager reads their own site's)",
        {200: r.AuditEntries},
        (400, 404),
        query=q.AuditQuery,
    ),
    # statistics
    Op(
        "get",
        "/sites/{slug}/stats",
        "stats",
        "Quality indicators of the site and each service over a period (managers, admins)",
        {200: r.SiteStats},
        (400, 404),
        query=q.StatsQuery,
    ),
    Op(
        "get",
        "/sites/{slug}/live",
        "stats",
        "The site's queues now (waiting, longest wait against target) and its counters (managers, admins)",
        {200: r.SiteLive},
        (404,),
    ),
    # setup: site settings, hours and closures
    Op(
        "post",
        "/sites",
        "setup",
        "Create a site (admins only)",
        {201: r.SiteSettings},
        (409,),
        body=(site_setup.SiteIn,),
    ),
    Op(
        "get",
        "/sites/{slug}/settings",
        "setup",
        "The site's fields and settings",
        {200: r.SiteSettings},
        (404,),
    ),
    Op(
        "patch",
        "/sites/{slug}",
        "setup",
        "Change the site's fields and settings; a new time zone is refused while today has tickets",
        {200: r.SiteSettings},
        (404, 409),
        body=(site_setup.SitePatch,),
    ),
    Op(
        "get", "/sites/{slug}/hours", "setup", "The site's weekly opening hours", {200: r.WeeklyHours}, (404,)
    ),
    Op(
        "put",
        "/sites/{slug}/hours",
        "setup",
        "Replace the site's weekly opening hours (several ranges a day: a split day)",
        {200: r.WeeklyHours},
        (404,),
        body=(hours.WeeklyIn,),
    ),
    Op(
        "get",
        "/sites/{slug}/services/{code}/hours",
        "setup",
        "A service's own weekly hours, within the site's (empty: the site's)",
        {200: r.WeeklyHours},
        (404,),
    ),
    Op(
        "put",
        "/sites/{slug}/services/{code}/hours",
        "setup",
        "Replace a service's own weekly hours",
        {200: r.WeeklyHours},
        (404,),
        body=(hours.WeeklyIn,),
    ),
    Op(
        "get",
        "/sites/{slug}/closures",
        "setup",
        "Dated exceptions and closures from today on",
        {200: r.Closures},
        (404,),
    ),
    Op(
        "post",
        "/sites/{slug}/closures",
        "setup",
        "Close a day, or give it other hours (today or later, one per day)",
        {201: r.Closure},
        (404, 409),
        body=(hours.ClosureIn,),
    ),
    Op(
        "delete",
        "/sites/{slug}/closures/{closure_id}",
        "setup",
        "Remove a dated exception: the day has its usual hours again",
        {204: None},
        (404,),
    ),
    # setup: partners, categories, devices
    Op(
        "patch",
        "/devices/{device_id}",
        "setup",
        "Rename a device, set a kiosk's printer or a display's services, counters, languages and calls "
        "shown (the display reloads itself)",
        {200: r.DeviceDetail},
        (404, 409),
        body=(device_setup.DevicePatch,),
    ),
    Op(
        "post",
        "/devices/{device_id}/test-print",
        "setup",
        "Print a test ticket on the kiosk's printer and record the printer's state (409 not_a_kiosk)",
        {200: r.PrintCheck},
        (404, 409),
    ),
    Op("get", "/partners", "setup", "Every partner of the installation", {200: r.Partners}),
    Op(
        "post",
        "/partners",
        "setup",
        "Create a partner (admins only)",
        {201: r.Partner},
        (409,),
        body=(partners.PartnerIn,),
    ),
    Op(
        "patch",
        "/partners/{partner_code}",
        "setup",
        "Rename or recode a partner (admins only); its services follow",
        {200: r.Partner},
        (404, 409),
        body=(partners.PartnerPatch,),
    ),
    Op(
        "delete",
        "/partners/{partner_code}",
        "setup",
        "Delete a partner no service names (admins only; 409 partner_in_use)",
        {204: None},
        (404, 409),
    ),
    Op(
        "get",
        "/sites/{slug}/categories",
        "setup",
        "The site's categories of services, in kiosk order",
        {200: r.Categories},
        (404,),
    ),
    Op(
        "post",
        "/sites/{slug}/categories",
        "setup",
        "Create a category of services",
        {201: r.Category},
        (404, 409),
        body=(categories.CategoryIn,),
    ),
    Op(
        "patch",
        "/sites/{slug}/categories/{category}",
        "setup",
        "Relabel, reorder or recode a category; its services follow a new code",
        {200: r.Category},
        (404, 409),
        body=(categories.CategoryPatch,),
    ),
    Op(
        "delete",
        "/sites/{slug}/categories/{category}",
        "setup",
        "Delete a category no service names (409 category_in_use)",
        {204: None},
        (404, 409),
    ),
    # setup: booking places and motifs
    Op(
        "get",
        "/sites/{slug}/places",
        "setup",
        "The site's booking places, inactive ones included",
        {200: r.SetupPlaces},
        (404,),
    ),
    Op(
        "post",
        "/sites/{slug}/places",
        "setup",
        "Create a booking place",
        {201: r.SetupPlace},
        (404,),
        body=(place_setup.PlaceIn,),
    ),
    Op(
        "patch",
        "/sites/{slug}/places/{place_id}",
        "setup",
        "Rename, readdress or (de)activate a place; booked appointments stay",
        {200: r.SetupPlace},
        (404,),
        body=(place_setup.PlacePatch,),
    ),
    Op(
        "delete",
        "/sites/{slug}/places/{place_id}",
        "setup",
        "Delete a place no appointment nor opening range names (409 place_in_use: deactivate it)",
        {204: None},
        (404, 409),
    ),
    Op(
        "get",
        "/sites/{slug}/places/{place_id}/closures",
        "setup",
        "The place's closures not over yet, soonest first",
        {200: r.PlaceClosures},
        (404,),
    ),
    Op(
        "post",
        "/sites/{slug}/places/{place_id}/closures",
        "setup",
        "Close a place over whole days from today on (409 closure_has_appointments: move or cancel them)",
        {201: r.PlaceClosure},
        (404, 409),
        body=(place_setup.ClosureIn,),
    ),
    Op(
        "delete",
        "/sites/{slug}/places/{place_id}/closures/{closure_id}",
        "setup",
        "Delete a closure: the place gives slots on those days again",
        {204: None},
        (404,),
    ),
    Op(
        "get",
        "/sites/{slug}/motifs/all",
        "setup",
        "Every motif of the site with its set-up fields, inactive and agents-only ones included",
        {200: r.SetupMotifs},
        (404,),
    ),
    Op(
        "post",
        "/sites/{slug}/motifs",
        "setup",
        "Create a motif (409 motif_code_taken)",
        {201: r.SetupMotif},
        (404, 409),
        body=(motif_setup.MotifIn,),
    ),
    Op(
        "patch",
        "/sites/{slug}/motifs/{code}",
        "setup",
        "Change some fields of a motif; booked appointments keep their time and length",
        {200: r.SetupMotif},
        (404, 409),
        body=(motif_setup.MotifPatch,),
    ),
    Op(
        "delete",
        "/sites/{slug}/motifs/{code}",
        "setup",
        "Delete a motif no appointment used (409 motif_in_use: deactivate it)",
        {204: None},
        (404, 409),
    ),
    # setup: experts' agendas
    Op(
        "get",
        "/sites/{slug}/experts",
        "setup",
        "The site's experts and the services each serves",
        {200: r.AgendaExperts},
        (404,),
    ),
    Op(
        "get",
        "/sites/{slug}/experts/{user_id}/ranges",
        "setup",
        "An expert's weekly opening ranges at the site (422 not_an_expert)",
        {200: r.OpeningRanges},
        (404, 422),
    ),
    Op(
        "post",
        "/sites/{slug}/experts/{user_id}/ranges",
        "setup",
        "Add a weekly opening range (409 range_overlaps: another range of the expert meets it)",
        {201: r.OpeningRange},
        (404, 409),
        body=(range_setup.RangeIn,),
    ),
    Op(
        "patch",
        "/sites/{slug}/ranges/{range_id}",
        "setup",
        "Change a range (409 range_has_appointments: booked appointments would fall outside it)",
        {200: r.OpeningRange},
        (404, 409),
        body=(range_setup.RangePatch,),
    ),
    Op(
        "delete",
        "/sites/{slug}/ranges/{range_id}",
        "setup",
        "Delete a range (409 range_has_appointments: move or cancel them first)",
        {204: None},
        (404, 409),
    ),
    Op(
        "get",
        "/sites/{slug}/experts/{user_id}/absences",
        "setup",
        "An expert's absences not yet over",
        {200: r.ExpertAbsences},
        (404, 422),
    ),
    Op(
        "post",
        "/sites/{slug}/experts/{user_id}/absences",
        "setup",
        "Add an absence, in the site's local time (409 absence_has_appointments)",
        {201: r.ExpertAbsence},
        (404, 409),
        body=(absence_setup.AbsenceIn,),
    ),
    Op(
        "delete",
        "/sites/{slug}/absences/{absence_id}",
        "setup",
        "Delete an absence: its slots are bookable again",
        {204: None},
        (404,),
    ),
    Op(
        "get",
        "/sites/{slug}/experts/{user_id}/preview",
        "setup",
        "The free slots the expert's ranges give, per motif (those the public search offers)",
        {200: r.AgendaPreview},
        (400, 404, 422),
        query=PreviewQuery,
    ),
    # cases
    Op(
        "post",
        "/sites/{slug}/requests",
        "cases",
        "Record a request from any channel: solved at once (`resolved_outcome`) or escalated to a "
        "level-2 case with the services' delay (then `id`, `reference` and `deadline_at` are the case's)",
        {201: r.RequestRecorded},
        (400, 404, 409),
        body=(requests.RequestIn,),
    ),
    Op(
        "get",
        "/cases",
        "cases",
        "Level-2 cases the caller may see, overdue and soonest deadline first",
        {200: r.Cases},
        (400,),
        query=q.CasesQuery,
    ),
    Op(
        "get",
        "/cases/due",
        "cases",
        "How many open cases the caller sees are late, and due within GUICHET_CASE_WARNING_H hours",
        {200: r.CasesDue},
    ),
    Op("get", "/cases/{case_id}", "cases", "One level-2 case", {200: r.Case}, (404,)),
    Op(
        "post",
        "/cases/{case_id}/contributions",
        "cases",
        "A service's contribution to a case",
        {200: r.Case},
        (404, 409),
        body=(q.Contribution,),
    ),
    Op(
        "post",
        "/cases/{case_id}/answer",
        "cases",
        "Close a case with one grouped answer (every service must have contributed)",
        {200: r.Case},
        (404, 409),
        body=(q.Answer,),
    ),
    Op(
        "get",
        "/experts/me/day",
        "cases",
        "The expert's appointments of the day and checked-in citizens waiting",
        {200: r.ExpertDay},
    ),
    # booking (public endpoints are rate-limited per client address: 429)
    Op(
        "get",
        "/sites/{slug}/motifs",
        "booking",
        "Bookable motifs and places (agents also see agents-only motifs)",
        {200: r.Motifs},
        (404,),
        public=True,
    ),
    Op(
        "get",
        "/sites/{slug}/slots",
        "booking",
        "Free slots of a motif between two dates (one per place and start time)",
        {200: r.Slots},
        (400, 404, 429),
        query=q.SlotsQuery,
        public=True,
    ),
    Op(
        "post",
        "/holds",
        "booking",
        "Hold a slot for 10 minutes while the contact form is filled in",
        {201: r.Hold},
        (404, 409, 429),
        body=(q.HoldBody,),
        public=True,
    ),
    Op(
        "post",
        "/appointments",
        "booking",
        "Book a slot: 201 with the booking code; 409 slot_taken with the next free slots",
        {201: r.ManagedAppointment},
        (404, 409, 429),
        body=(q.BookBody,),
        public=True,
    ),
    Op(
        "get",
        "/appointments/{code}",
        "booking",
        "An appointment seen through its signed manage link",
        {200: r.ViewedAppointment},
        (403, 404, 429),
        query=q.SignedQuery,
        public=True,
    ),
    Op(
        "post",
        "/tickets/{token}/satisfaction",
        "queue",
        "Rate a finished visit by its tracking token: satisfied or not, and a 0-10 score (anonymous, once)",
        {201: r.SatisfactionAnswered},
        (404, 409, 422),
        body=(q.SatisfactionBody,),
        public=True,
    ),
    Op(
        "post",
        "/appointments/{code}/outcome",
        "booking",
        "Record how an appointment ended, seen or no-show (its expert, or a manager of the site)",
        {200: r.AppointmentOutcome},
        (403, 404, 409, 422),
        body=(q.OutcomeBody,),
    ),
    Op(
        "post",
        "/appointments/{code}/cancel",
        "booking",
        "Cancel with the signed link (until the change limit)",
        {200: r.Appointment},
        (403, 404, 409, 429),
        body=(q.Signed,),
        public=True,
    ),
    Op(
        "post",
        "/appointments/{code}/move",
        "booking",
        "Move to another free slot of the motif (same code and calendar UID)",
        {200: r.ManagedAppointment},
        (403, 404, 409, 429),
        body=(q.MoveBody,),
        public=True,
    ),
    Op(
        "post",
        "/appointments/{code}/waitlist",
        "booking",
        "Be offered an earlier slot when one frees up (at most 3 offers)",
        {200: r.Waitlist},
        (403, 404, 409, 429),
        body=(q.Signed,),
        public=True,
    ),
    Op(
        "get",
        "/appointments/{code}.ics",
        "booking",
        "The appointment as an iCalendar file (Europe/Paris VTIMEZONE, VALARM)",
        {200: ICS},
        (404, 429),
        public=True,
    ),
    Op(
        "get",
        "/experts/me/calendar",
        "booking",
        "The private calendar feed URL of the signed-in expert",
        {200: r.FeedUrl},
    ),
    Op(
        "get",
        "/experts/{user_id}/calendar/{token}.ics",
        "booking",
        "An expert's private calendar feed (iCalendar, no contact data)",
        {200: ICS},
        (404, 429),
        public=True,
    ),
)

SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
SECURITY_SCHEMES = {
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
}


def _schemas() -> tuple[Refs, dict[str, Any]]:
    """Every model's reference, and the components: requests as validated, responses as serialized."""
    inputs = {m for op in OPERATIONS for m in op.body}
    outputs = {m for op in OPERATIONS for m in op.replies.values() if isinstance(m, type)}
    outputs.add(r.Error)
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((m, "validation") for m in sorted(inputs, key=lambda m: m.__name__)),
        *((m, "serialization") for m in sorted(outputs, key=lambda m: m.__name__)),
    ]
    refs, top = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    return {(m, mode): refs[(m, mode)] for m, mode in pairs}, top.get("$defs", {})


def _content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _first_line(model: type[BaseModel]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]


def _parameters(op: Op) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, **PATH_PARAMETERS[name]}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(by_alias=True)
        for name, prop in schema["properties"].items():
            param = {
                "name": name,
                "in": "query",
                "required": name in schema.get("required", ()),
                "schema": _query_schema(prop),
            }
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    return params


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never null: `X | None = None` becomes X."""
    out = {k: v for k, v in prop.items() if k not in ("title", "description")}
    if out.get("default", "") is None:
        del out["default"]
    options = [o for o in out.get("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1:
        del out["anyOf"]
        out.update(options[0])
    return out


def _operation(op: Op, refs: Refs) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, reply in sorted(op.replies.items()):
        if reply is None:
            responses[str(status)] = {"description": "No content"}
        elif isinstance(reply, str):
            responses[str(status)] = {"description": reply, "content": {reply: {}}}
        else:
            responses[str(status)] = _content(refs[(reply, "serialization")], _first_line(reply))
    errors = set(op.errors)
    if op.body:
        errors |= {400, 422}  # not a JSON object; a field refused by the model
    if not op.public:
        errors |= {401, 403}
    error = refs[(r.Error, "serialization")]
    for status in sorted(errors):
        responses[str(status)] = _content(error, ERROR_WORDS[status])
    out: dict[str, Any] = {
        "tags": [op.tag],
        "summary": op.summary,
        "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
        "security": [] if op.public else SECURED,
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.body:
        schemas = [refs[(m, "validation")] for m in op.body]
        # An absent body counts as {}: it is required only when the model has required fields.
        required = len(op.body) == 1 and bool(op.body[0].model_json_schema().get("required"))
        out["requestBody"] = {
            "required": required,
            "content": {
                "application/json": {"schema": schemas[0] if len(schemas) == 1 else {"anyOf": schemas}}
            },
        }
    return out


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    refs, components = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        item = paths.setdefault(op.path, {})
        if op.method in item:
            raise ValueError(f"{op.method} {op.path} is described twice")
        item[op.method] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Guichet API",
            "version": "1",
            "description": "Queue, kiosk and counter API of Guichet. Errors are JSON objects "
            "with a stable `error` code and a French `message`.",
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name, "description": words} for name, words in TAGS.items()],
        "components": {"securitySchemes": SECURITY_SCHEMES, "schemas": components},
        "paths": paths,
    }
