"""Waiting-room display: calls pushed over Socket.IO namespace /display, seen and heard."""

from .socket import DisplayNamespace
from .views import bp

__all__ = ["DisplayNamespace", "bp"]
