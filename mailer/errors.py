"""Mail errors: a short machine code and a message fit for logs, which never carries an e-mail address
(a recipient is personal data) nor a password."""

from __future__ import annotations

import re

# Anything shaped like an address, as servers echo it in their replies ("550 <a@b.fr>: unknown user").
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"'@]+@[^\s<>()\[\],;:\"'@]+")

# The server refused this one message (recipient, content): the others of the batch may still go.
REJECTED = "rejected"


def redact(text: str) -> str:
    """`text` with every e-mail address replaced by <address>."""
    return _ADDRESS.sub("<address>", text)


class MailError(OSError):
    """A sending failure with a short code: "unsupported_url", "offline", "timeout", "tls", "auth",
    "sender_refused", "rejected", "unwritable". An OSError like smtplib's own errors, so callers that
    treat mail as I/O keep working."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = redact(message)
        super().__init__(f"{code}: {self.message}")

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def only_this_message(self) -> bool:
        """True when the server refused this message only; otherwise the transport itself failed and
        the rest of the batch would fail the same way."""
        return self.code == REJECTED
