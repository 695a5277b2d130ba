"""Kiosk: the touchscreen page where walk-in visitors take a ticket, or check in for an appointment."""

from .socket import KioskNamespace
from .views import bp

__all__ = ["KioskNamespace", "bp"]
