"""Ticket tracking: the page a ticket's QR code opens (/t/<token>) and the /track Socket.IO namespace
that keeps it live on the citizen's phone. No personal data, no login: the token is the credential."""

from .socket import TrackNamespace
from .views import bp

__all__ = ["TrackNamespace", "bp"]
