"""Sending e-mail, as `printer/` prints tickets: one transport per URL scheme (SMTP, STARTTLS, SMTPS,
.eml files), chosen by `open_transport(url)`, with bounded timeouts and errors that carry a short code
and no personal data. Imports nothing from `guichet`: what to send, and when, is the outbox's business
(`guichet/services/notifications/outbox.py`)."""

from .errors import REJECTED, MailError, redact
from .transports import FileTransport, SmtpTransport, Transport, open_transport

__all__ = ["REJECTED", "FileTransport", "MailError", "SmtpTransport", "Transport", "open_transport", "redact"]
