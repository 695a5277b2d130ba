"""SQLAlchemy 2.x models. Importing this package registers every table on Base.metadata."""

from .appointments import ACTIVE_STATUSES, APPOINTMENT_STATUSES, Appointment
from .audit import AuditEntry
from .base import Base
from .booking import (
    Absence,
    Motif,
    Notification,
    OpeningRangeRow,
    Place,
    PlaceClosure,
    SlotHold,
    WaitlistRequest,
)
from .cache import CacheEpoch
from .cases import CASE_STATUSES, Case, CaseMessage, CaseService
from .requests import Request, RequestService
from .satisfaction import SatisfactionAnswer
from .sites import Category, Counter, CounterService, OpeningException, OpeningHours, Partner, Service, Site
from .staff import AccessToken, Device, EnrollmentCode, PasswordReset, User, UserService
from .stats import (
    RetentionGrant,
    StatsCell,
    StatsDay,
    StatsHistogram,
    StatsMonth,
    StatsMonthHistogram,
)
from .tickets import Ticket, TicketEvent, TicketSequence

__all__ = [
    "ACTIVE_STATUSES",
    "Absence",
    "Motif",
    "Notification",
    "OpeningRangeRow",
    "Place",
    "PlaceClosure",
    "SlotHold",
    "WaitlistRequest",
    "APPOINTMENT_STATUSES",
    "Appointment",
    "EnrollmentCode",
    "AuditEntry",
    "PasswordReset",
    "AccessToken",
    "Base",
    "CacheEpoch",
    "Request",
    "RequestService",
    "SatisfactionAnswer",
    "CASE_STATUSES",
    "Case",
    "CaseMessage",
    "CaseService",
    "Category",
    "Counter",
    "CounterService",
    "Device",
    "OpeningException",
    "OpeningHours",
    "Partner",
    "Service",
    "Site",
    "RetentionGrant",
    "StatsCell",
    "StatsDay",
    "StatsHistogram",
    "StatsMonth",
    "StatsMonthHistogram",
    "Ticket",
    "TicketEvent",
    "TicketSequence",
    "User",
    "UserService",
]
