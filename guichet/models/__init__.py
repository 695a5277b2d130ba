"""SQLAlchemy 2.x models. Importing this package registers every table on Base.metadata."""

from .appointments import APPOINTMENT_STATUSES, Appointment
from .base import Base
from .cases import CASE_STATUSES, Case, CaseService
from .sites import Counter, CounterService, OpeningException, OpeningHours, Partner, Service, Site
from .staff import DEVICE_KINDS, ROLES, AccessToken, Device, EnrollmentCode, User, UserService
from .tickets import Ticket, TicketEvent, TicketSequence

__all__ = [
    "APPOINTMENT_STATUSES",
    "Appointment",
    "EnrollmentCode",
    "DEVICE_KINDS",
    "ROLES",
    "AccessToken",
    "Base",
    "CASE_STATUSES",
    "Case",
    "CaseService",
    "Counter",
    "CounterService",
    "Device",
    "OpeningException",
    "OpeningHours",
    "Partner",
    "Service",
    "Site",
    "Ticket",
    "TicketEvent",
    "TicketSequence",
    "User",
    "UserService",
]
