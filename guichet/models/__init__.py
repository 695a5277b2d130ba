"""SQLAlchemy 2.x models. Importing this package registers every table on Base.metadata."""

from .base import Base
from .sites import Counter, CounterService, OpeningException, OpeningHours, Partner, Service, Site
from .staff import DEVICE_KINDS, ROLES, AccessToken, Device, User
from .tickets import Ticket, TicketEvent, TicketSequence

__all__ = [
    "DEVICE_KINDS",
    "ROLES",
    "AccessToken",
    "Base",
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
]
