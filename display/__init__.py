"""Waiting-room display: calls pushed over Socket.IO namespace /display, seen and heard."""

from .views import bp

__all__ = ["bp"]
