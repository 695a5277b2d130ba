"""Response bodies of API v1, as pydantic models: the OpenAPI document is generated from them.

The services build plain dicts; these models describe them field by field (names are a contract,
never renamed here) and are not applied at run time. tests/integration/test_openapi_responses.py
validates real answers against the document, refusing any field a model lacks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from guichet.core.tickets import Source, State


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent() -> Any:
    """A key the service leaves out rather than setting to null (not required, never null)."""
    return Field(default=None, json_schema_extra=_no_default)


CounterStatusName = Literal["open", "paused", "closed"]
AppointmentStatus = Literal["booked", "checked_in", "seen", "no_show", "cancelled"]
Iso = Annotated[str, Field(json_schema_extra={"format": "date-time"})]  # ISO 8601 with offset


class FieldError(BaseModel):
    field: str
    message: str


class Error(BaseModel):
    """Error: a stable code and a French message."""

    error: str = Field(examples=["ticket_not_found"])
    message: str
    details: dict[str, str | int | float | bool | list[Any]] = absent()
    errors: list[FieldError] = absent()


class Person(BaseModel):
    id: int
    name: str


class CounterRef(BaseModel):
    id: int
    number: int
    name: str


class HeldTicket(BaseModel):
    id: int
    number: str
    status: State


# --- tickets and counters -------------------------------------------------------------------------


class TicketAppointment(BaseModel):
    code: str
    starts_at: Iso
    duration_min: int
    service: str
    status: AppointmentStatus
    expert: Person | None


class Ticket(BaseModel):
    """The ticket."""

    id: int
    number: str = Field(examples=["A007"])
    service: str
    service_label: str
    status: State
    priority: bool
    priority_reason: str | None
    source: Source
    position: int | None
    estimated_wait_s: int | None
    quoted_wait_s: int | None
    tracking_url: str
    counter: CounterRef | None
    arrived_at: Iso
    issued_at: Iso
    called_at: Iso | None
    started_at: Iso | None
    ended_at: Iso | None
    recall_count: int
    outcome: str | None
    note: str | None
    transferred_from: int | None
    wait_s: int = Field(description="Arrival to first call (or to now while waiting)")
    placed_first: bool
    target_counter: int | None
    target_agent: int | None
    parked_at: Iso | None
    appointment: TicketAppointment | None = Field(description="The appointment it comes from")


class PublicTicket(BaseModel):
    """What the ticket's tracking link shows (no personal data)."""

    number: str
    service: str
    service_label: str
    status: State
    position: int | None
    estimated_wait_s: int | None
    counter: int | None = Field(description="Number of the counter calling or serving it")
    called_at: Iso | None


class CounterService(BaseModel):
    code: str
    label: str
    weight: float


class Counter(BaseModel):
    """A counter, its agent and the ticket it holds."""

    id: int
    number: int
    name: str
    status: CounterStatusName
    agent: Person | None
    services: list[CounterService]
    ticket: HeldTicket | None


class Counters(BaseModel):
    """The site's counters."""

    counters: list[Counter]


class CurrentTicket(BaseModel):
    """The ticket the counter holds, if any."""

    ticket: Ticket | None


class Tickets(BaseModel):
    """Tickets."""

    tickets: list[Ticket]


class MeCounter(CounterRef):
    status: CounterStatusName


class CasesDue(BaseModel):
    """The open level-2 cases the account sees that are late, and due within GUICHET_CASE_WARNING_H."""

    overdue: int
    due_soon: int


class Me(BaseModel):
    """The signed-in account."""

    id: int
    username: str
    name: str
    role: str
    site: str | None
    counter: MeCounter | None


class Health(BaseModel):
    """Healthy."""

    status: Literal["ok"]
    database: str


# --- sites and services ---------------------------------------------------------------------------


class WeekdayHours(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    ranges: list[tuple[str, str]] = Field(description='Opening ranges, e.g. ["09:00", "12:00"]')


class SiteInfo(BaseModel):
    id: int
    slug: str
    name: str
    address: str
    timezone: str
    open: bool
    next_opening: Iso | None
    hours: list[WeekdayHours]
    priority_reasons: list[str]


class ServiceQueue(BaseModel):
    code: str
    label: str
    labels: dict[str, str]
    prefix: str
    partner: str | None
    partner_name: str | None
    level: int
    category: str
    target_wait_min: int
    waiting: int
    open_counters: int
    estimated_wait_s: int
    open: bool
    closed_reason: str | None
    next_opening: Iso | None


class SiteServices(BaseModel):
    """The site and its services."""

    site: SiteInfo
    services: list[ServiceQueue]


class BoardService(BaseModel):
    code: str
    label: str
    level: int
    waiting: int
    longest_wait_s: int
    target_wait_s: int
    over_target: int
    open_counters: int


class Board(BaseModel):
    """The live queue board."""

    server_time: Iso
    timezone: str = Field(description="The site's IANA zone: times are shown there, e.g. Europe/Paris")
    services: list[BoardService]
    counters: list[Counter]
    parked: int


class SiteRef(BaseModel):
    slug: str
    name: str


class Outcome(BaseModel):
    code: str
    label: str


class WorkstationService(BaseModel):
    code: str
    label: str
    level: int
    active: bool


class Agent(Person):
    role: str


class Expert(Person):
    services: list[str]


class WorkstationSite(SiteRef):
    timezone: str = Field(examples=["Europe/Paris"])


class Workstation(BaseModel):
    """What the workstation's dialogs offer."""

    site: WorkstationSite
    outcomes: list[Outcome]
    min_recalls_before_no_show: int
    services: list[WorkstationService]
    counters: list[CounterRef]
    agents: list[Agent]
    experts: list[Expert]


class StaffMember(BaseModel):
    """An account and the services it may serve (empty: every service)."""

    id: int
    name: str
    username: str
    role: str
    services: list[str]


class Staff(BaseModel):
    """The site's accounts."""

    users: list[StaffMember]


class KioskPrinter(BaseModel):
    id: int
    site: str
    name: str
    printer: str
    state: str
    detail: str
    checked_at: Iso | None
    alert: bool


class Printers(BaseModel):
    """Kiosks and their printers, alerts first."""

    kiosks: list[KioskPrinter]


class StoredMessage(BaseModel):
    """The message as stored (spaces collapsed)."""

    message: str


# --- level-2 cases --------------------------------------------------------------------------------


class CaseContact(BaseModel):
    name: str
    email: str | None
    phone: str | None


class CaseServicePart(BaseModel):
    code: str
    label: str
    expert: Person | None
    contribution: str | None
    contributed_at: Iso | None
    contributed_by: Person | None


class CaseMessage(BaseModel):
    """One message of the case's exchange with the citizen."""

    kind: Literal["answer", "reply"] = Field(
        description="answer: a grouped answer sent; reply: the citizen's reply (it reopened the case)"
    )
    text: str
    at: Iso
    by: Person | None = Field(description="The agent who answered; null for the citizen's reply")


class Case(BaseModel):
    """A level-2 case."""

    id: int
    reference: str = Field(examples=["N2-000042"])
    status: Literal["open", "answered"]
    channel: Literal["phone", "email", "post", "social", "desk", "web"]
    opened_at: Iso
    due_at: Iso
    overdue: bool
    remaining_s: int | None
    description: str
    consent: bool
    contact: CaseContact | None
    opened_by: Person | None
    ticket: str | None = Field(description="Number of the ticket it was escalated from")
    services: list[CaseServicePart]
    missing: list[str] = Field(description="Services whose contribution is missing")
    answer: str | None
    answered_at: Iso | None
    answered_by: Person | None
    messages: list[CaseMessage] = Field(description="The exchange with the citizen, oldest first")


class RequestRecorded(BaseModel):
    """A request recorded: solved at once, or escalated to a level-2 case (then `id`, `reference`
    and `deadline_at` are the case's)."""

    request_id: int
    channel: Literal["phone", "email", "post", "social", "desk", "web"]
    services: list[str]
    outcome: str | None = Field(description="The outcome when solved at once")
    recorded_at: Iso
    status: Literal["resolved", "escalated"]
    id: int | None = Field(description="The level-2 case's id")
    reference: str | None = Field(examples=["N2-000042"])
    deadline_at: Iso | None = Field(description="When the case must be answered")
    case: Case | None


class ActedTicket(Ticket):
    """The ticket after the action (for a transfer, the new linked waiting ticket)."""

    case: Case = absent()


class Cases(BaseModel):
    """Level-2 cases."""

    cases: list[Case]


class DayAppointment(BaseModel):
    code: str
    starts_at: Iso
    duration_min: int
    service: str
    service_label: str
    status: AppointmentStatus
    ticket: HeldTicket | None


class SatisfactionAnswered(BaseModel):
    """The visit's rating was recorded (one per ticket)."""

    satisfaction: Literal["answered"]


class AppointmentOutcome(BaseModel):
    """An appointment once its outcome is recorded."""

    code: str
    status: AppointmentStatus
    starts_at: Iso


class ExpertDay(BaseModel):
    """The expert's day."""

    appointments: list[DayAppointment]
    waiting: list[Ticket]


# --- booking --------------------------------------------------------------------------------------


class Place(BaseModel):
    id: int
    name: str
    address: str


class Motif(BaseModel):
    code: str
    label: str
    service: str
    duration_min: int
    extra_per_person_min: int
    max_persons: int
    min_delay_min: int
    max_delay_days: int
    bookable_by: Literal["everyone", "agents"]
    instructions: str
    requires_ants: bool


class BookingSite(SiteRef):
    timezone: str


class Motifs(BaseModel):
    """Bookable motifs and places."""

    site: BookingSite
    motifs: list[Motif]
    places: list[Place]


class SlotPlace(BaseModel):
    id: int
    name: str


class Slot(BaseModel):
    start: Iso = Field(description="ISO 8601 with offset, e.g. 2027-03-30T09:30:00+02:00")
    end: Iso
    place: SlotPlace


class Slots(BaseModel):
    """Free slots."""

    motif: Motif
    duration_min: int
    from_: str = Field(alias="from", description="First day, YYYY-MM-DD")
    to: str
    slots: list[Slot]


class Hold(BaseModel):
    """The hold's token and when it lapses."""

    hold: str
    expires_at: Iso


class Appointment(BaseModel):
    """The appointment."""

    code: str
    status: AppointmentStatus
    start: Iso
    end: Iso
    duration_min: int
    service: str
    service_label: str
    place: Place | None
    persons: int
    site: SiteRef
    motif: str | None
    motif_label: str
    instructions: str
    ics_url: str
    can_change: bool
    change_until: Iso


class ManagedAppointment(Appointment):
    """The appointment and its manage link."""

    manage_url: str = Field(description="Signed link to see, move or cancel it")


class ViewedAppointment(ManagedAppointment):
    """The appointment, its manage link and its waitlist request."""

    waitlist: Literal["active", "fulfilled", "closed"] | None


class Waitlist(BaseModel):
    """On the waitlist."""

    waitlist: Literal["active"]


class FeedUrl(BaseModel):
    """The private calendar feed URL."""

    url: str


# --- setting a site up (api/setup.py) ---------------------------------------------------------------


class SetupService(BaseModel):
    """A service as managers set it up."""

    code: str
    prefix: str
    label: str
    labels: dict[str, str]
    partner: str | None
    category: str
    level: Literal[1, 2]
    daily_quota: int | None
    target_wait_min: int
    sla_hours: int
    active: bool


class SetupCounterService(BaseModel):
    code: str
    weight: float


class SetupCounter(BaseModel):
    """A counter as managers set it up."""

    id: int
    number: int
    name: str
    status: CounterStatusName
    services: list[SetupCounterService]


class Account(BaseModel):
    """An account of the site; its password is never part of any answer."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: Literal["agent", "expert", "manager", "admin"]
    site: str | None
    services: list[str]
    active: bool


class Accounts(BaseModel):
    users: list[Account]


class PasswordLink(BaseModel):
    """A one-time link with which the account's owner chooses their password (shown once)."""

    url: str
    expires_at: Iso


class NewAccount(Account):
    password_link: PasswordLink


class AuditActor(BaseModel):
    kind: Literal["user", "device", "system"]
    id: int | None
    name: str


class AuditEntry(BaseModel):
    """One administrative change or sensitive action: who, when, what, before and after."""

    id: int
    at: Iso
    site: str | None
    actor: AuditActor
    kind: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditEntries(BaseModel):
    entries: list[AuditEntry]


class Device(BaseModel):
    """A kiosk or a display of the site."""

    id: int
    site: str
    kind: Literal["kiosk", "display"]
    name: str
    active: bool
    printer_url: str | None
    printer_state: str
    last_seen_at: Iso | None


class Devices(BaseModel):
    devices: list[Device]


class EnrolmentLink(BaseModel):
    """A one-time link (24 h) that makes the browser opening it this device."""

    url: str


class NewDevice(Device):
    enrolment: EnrolmentLink


# --- setup: site settings, hours and closures ---------------------------------------------------------


class SiteSettings(BaseModel):
    """A site's fields and settings as they apply (the installation's defaults resolved)."""

    slug: str
    name: str
    address: str
    timezone: str
    holiday_subdivision: str | None
    worked_holidays: list[str]
    priority_reasons: list[str] = Field(description="Offered at the kiosk; the legal CMI always first")
    outcomes: list[str]
    outcome_labels: dict[str, str]
    priority_cap: int
    min_recalls_before_no_show: int
    appointment_early_min: int
    display_message: str


class WeeklyRange(BaseModel):
    weekday: int = Field(description="0 = Monday")
    opens: str = Field(description="HH:MM, local time")
    closes: str = Field(description="HH:MM, local time")


class WeeklyHours(BaseModel):
    """Weekly opening ranges by weekday and time (empty: none set)."""

    weekly: list[WeeklyRange]


class Closure(BaseModel):
    """A dated exception: closed all day (no hours) or these hours instead of the usual ones."""

    id: int
    day: str = Field(json_schema_extra={"format": "date"})
    opens: str | None
    closes: str | None
    label: str


class Closures(BaseModel):
    closures: list[Closure]


# --- setup: partners, categories, devices -------------------------------------------------------------


class DisplayConfig(BaseModel):
    """What a display shows: these services and counters only (empty: all), in these languages."""

    services: list[str]
    counters: list[int]
    languages: list[Literal["fr", "en", "ar", "es", "pt"]]
    max_calls: int = Field(ge=1, le=20)


class DeviceDetail(Device):
    """A device with its printer's last report and, for a display, its configuration."""

    printer_detail: str
    printer_checked_at: Iso | None
    display: DisplayConfig | None


class PrintCheck(BaseModel):
    """How the test ticket went; the same state is kept on the kiosk for the printer alerts."""

    state: Literal["ok", "error"]
    detail: str


class Partner(BaseModel):
    """An operator whose démarches the sites handle (installation-wide)."""

    code: str
    name: str
    services: int = Field(description="Services (of every site) that name it")


class Partners(BaseModel):
    partners: list[Partner]


class Category(BaseModel):
    """A group of services on the kiosk's first screen."""

    code: str
    label: str = Field(description="French label")
    labels: dict[str, str] = Field(description="Label in the other interface languages")
    sort: int


class Categories(BaseModel):
    categories: list[Category]


# --- setup: booking places and motifs -----------------------------------------------------------------


class SetupPlace(BaseModel):
    """A booking place as managers set it up."""

    id: int
    name: str
    address: str
    active: bool


class SetupPlaces(BaseModel):
    places: list[SetupPlace]


class PlaceClosure(BaseModel):
    """Whole local days a place is closed (first and last included)."""

    id: int
    place: int = Field(description="Place id")
    first_day: str = Field(description="YYYY-MM-DD", json_schema_extra={"format": "date"})
    last_day: str = Field(description="YYYY-MM-DD", json_schema_extra={"format": "date"})
    label: str


class PlaceClosures(BaseModel):
    closures: list[PlaceClosure]


class SetupMotif(Motif):
    """A motif as managers set it up (the public fields and the set-up ones)."""

    buffer_min: int
    max_per_contact: int
    active: bool


class SetupMotifs(BaseModel):
    motifs: list[SetupMotif]


# --- setup: experts' agendas --------------------------------------------------------------------------


class AgendaExpert(BaseModel):
    """An expert of the site and the services they serve (none listed: every service)."""

    id: int
    name: str
    username: str
    active: bool
    services: list[str]


class AgendaExperts(BaseModel):
    experts: list[AgendaExpert]


class OpeningRange(BaseModel):
    """An expert receives at a place, weekly on one weekday between two local times, over a date span."""

    id: int
    expert_id: int
    place: SlotPlace
    weekday: int = Field(description="0 = Monday ... 6 = Sunday")
    start_time: str = Field(examples=["09:00"], description="Local time at the site")
    end_time: str = Field(examples=["12:00"])
    valid_from: str = Field(description="YYYY-MM-DD")
    valid_until: str | None = Field(description="YYYY-MM-DD; null: open-ended")
    every_weeks: int
    motifs: list[str] = Field(description="Motif codes; empty: every motif of the expert's services")


class OpeningRanges(BaseModel):
    ranges: list[OpeningRange]


class ExpertAbsence(BaseModel):
    """An absence of the expert (leave, training): no slot overlaps it."""

    id: int
    expert_id: int
    starts_at: Iso = Field(description="ISO 8601 with the site's offset")
    ends_at: Iso
    label: str


class ExpertAbsences(BaseModel):
    absences: list[ExpertAbsence]


class PreviewMotif(BaseModel):
    motif: Motif
    duration_min: int
    slots: list[Slot]


class AgendaPreview(BaseModel):
    """The free slots the expert's ranges give, per motif (the public search's slots, for this expert)."""

    expert: AgendaExpert
    timezone: str
    from_: str = Field(alias="from", description="First day, YYYY-MM-DD")
    to: str
    motifs: list[PreviewMotif]


# --- statistics -----------------------------------------------------------------------------------


class WaitFigures(BaseModel):
    """Waits from issue (or check-in) to the first call, whole seconds; median and P90 by nearest rank."""

    mean: float | None
    median: int | None
    p90: int | None
    max: int | None


class ServiceTimeFigures(BaseModel):
    """From the start of service to its end, whole seconds."""

    mean: float | None
    median: int | None


class EstimateFigures(BaseModel):
    """|quoted wait - actual wait| over the waits quoted at issue."""

    mean_abs: float | None
    within_5min_pct: float | None


class Indicators(BaseModel):
    """A site's or a service's figures over the period."""

    issued: int
    served: int
    no_show: int
    cancelled: int
    transferred: int
    redirected: int = Field(description="Tickets closed with the outcome 'redirected' (sent elsewhere)")
    wait_s: WaitFigures
    service_s: ServiceTimeFigures
    within_target_pct: float | None
    estimate_error_s: EstimateFigures


class LiveService(BaseModel):
    code: str
    label: str
    waiting: int
    longest_wait_s: int | None = Field(description="Since the arrival of the longest-waiting ticket")
    target_s: int
    over_target: bool


class LiveCounter(BaseModel):
    number: int
    name: str
    status: CounterStatusName


class LiveSite(BaseModel):
    slug: str
    name: str
    timezone: str


class SiteLive(BaseModel):
    """A site's queues and counters now; `alerts`: the services whose longest wait passed target."""

    site: LiveSite
    at: Iso
    services: list[LiveService]
    counters: list[LiveCounter]
    open_counters: int
    alerts: list[str]


class SiteStats(BaseModel):
    """Quality indicators of a site over a period of business days (both ends included)."""

    site: str
    from_: str = Field(alias="from")
    to: str
    totals: Indicators
    services: dict[str, Indicators]
