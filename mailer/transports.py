"""Mail transports: one class per URL scheme, every wait on a server bounded by a timeout.

    smtp://[user:pass@]host[:port]            plain SMTP (port 25), AUTH if a user is given
    smtp+starttls://[user:pass@]host[:port]   SMTP upgraded with STARTTLS (port 587), certificate checked
    smtps://[user:pass@]host[:port]           SMTP over TLS from the first byte (port 465)
    file://DIR                                each message written as DIR/<name>.eml (the embedded default):
                                              file://instance/mail is relative, file:///var/mail/x absolute

Options in the query string: `timeout` (connect, greeting, TLS and login, seconds, default 10),
`send_timeout` (each step of sending one message, default 60), `cafile` (a PEM file of the authorities
to trust instead of the system's, for a relay with a private certificate). A user name or password
with reserved characters is percent-encoded (`p%40ss` for `p@ss`).

An SMTP transport connects on its first message and keeps the connection for the next ones, until
`close()`: one connection per batch.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import REJECTED, MailError

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
CONNECT_TIMEOUT_S = 10.0
SEND_TIMEOUT_S = 60.0
DEFAULT_DIRECTORY = "instance/mail"
FORMS = "smtp://[user:pass@]host[:port], smtp+starttls://..., smtps://... or file://DIR"


@runtime_checkable
class Transport(Protocol):
    def send(self, message: EmailMessage, name: str) -> None:
        """Send one message; `name` identifies it where the transport keeps files (never an address)."""

    def close(self) -> None:
        """End the batch: close the connection, if any."""


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {' '.join(text.split())}"


class SmtpTransport:
    """SMTP, SMTP with STARTTLS, or SMTPS; TLS certificates are always verified."""

    def __init__(
        self,
        host: str,
        port: int,
        security: Security = "plain",
        username: str | None = None,
        password: str | None = None,
        timeout: float = CONNECT_TIMEOUT_S,
        send_timeout: float = SEND_TIMEOUT_S,
        cafile: str | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.timeout, self.send_timeout, self.cafile = timeout, send_timeout, cafile
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"the mail server {self.host}:{self.port}"

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    def _failure(self, exc: OSError, stage: str) -> MailError:
        """One error code per way a connection fails; the server's reply is kept, addresses removed."""
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return MailError("auth", f"{self.where} refused the user name or password ({_reply(exc)})")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            missing = "STARTTLS" if stage == "starttls" else "authentication (AUTH)"
            return MailError(
                "tls" if stage == "starttls" else "auth", f"{self.where} does not offer {missing}"
            )
        if isinstance(exc, ssl.SSLError):
            return MailError("tls", f"TLS with {self.where} failed: {exc.reason or exc}")
        # smtplib reports a reply that timed out as a disconnection, the timeout as its context.
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            limit = self.send_timeout if stage == "send" else self.timeout
            return MailError("timeout", f"no answer from {self.where} within {limit:g} s ({stage})")
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return MailError("offline", f"{self.where} closed the connection ({stage})")
        if isinstance(exc, smtplib.SMTPResponseException):
            return MailError("offline", f"{self.where} answered {_reply(exc)} ({stage})")
        return MailError("offline", f"cannot reach {self.where}: {exc.strerror or exc}")

    def _connect(self) -> smtplib.SMTP:
        stage = "connect"
        smtp: smtplib.SMTP | None = None
        try:
            if self.security == "tls":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                stage = "starttls"
                smtp.starttls(context=self._tls())
            if self.username:
                stage = "login"
                smtp.login(self.username, self.password or "")
        except OSError as exc:  # smtplib's and ssl's errors are OSErrors too
            if smtp is not None:
                smtp.close()
            raise self._failure(exc, stage) from exc
        return smtp

    def send(self, message: EmailMessage, name: str) -> None:
        smtp = self._smtp = self._smtp or self._connect()
        if smtp.sock is not None:
            smtp.sock.settimeout(self.send_timeout)
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = "; ".join(
                f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()
            )
            raise MailError(REJECTED, f"{self.where} refused the recipient ({replies})") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailError("sender_refused", f"{self.where} refused the sender ({_reply(exc)})") from exc
        except smtplib.SMTPDataError as exc:
            raise MailError(REJECTED, f"{self.where} refused the message ({_reply(exc)})") from exc
        except OSError as exc:
            self._drop()
            raise self._failure(exc, "send") from exc

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            if self._smtp.sock is not None:
                self._smtp.sock.settimeout(self.timeout)
            self._smtp.quit()
        except OSError:
            pass  # the messages are sent; a server hanging up early on QUIT changes nothing
        finally:
            self._drop()


class FileTransport:
    """Each message written as DIR/<name>.eml, whole or not at all (written aside, then renamed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage, name: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "message"
        target = self.directory / f"{safe}.eml"
        partial = self.directory / f".{safe}.eml.part"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(bytes(message))
            os.replace(partial, target)
        except OSError as exc:
            raise MailError("unwritable", f"cannot write to {self.directory}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        pass


def _shown(url: str) -> str:
    """The URL without its user name and password, to quote in an error."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl() if "@" in parts.netloc else url


def _seconds(query: dict[str, str], key: str, default: float, url: str) -> float:
    try:
        value = float(query.get(key, default))
    except ValueError:
        value = 0
    if not 0 < value <= 600:
        raise MailError("unsupported_url", f"{key} must be a number of seconds (0 to 600) in {_shown(url)!r}")
    return value


def open_transport(url: str) -> Transport:
    """Build the transport a mail URL names, without connecting; MailError("unsupported_url") names
    the accepted forms."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return FileTransport(Path(unquote(parts.netloc + parts.path) or DEFAULT_DIRECTORY))
    if scheme not in SCHEMES:
        raise MailError("unsupported_url", f"unsupported mail URL {_shown(url)!r}: use {FORMS}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"timeout", "send_timeout", "cafile"})
    if unknown:
        raise MailError("unsupported_url", f"unknown option {unknown[0]!r} in {_shown(url)!r}")
    try:
        port = parts.port
    except ValueError:
        raise MailError("unsupported_url", f"the port is not a number in {_shown(url)!r}") from None
    security, default_port = SCHEMES[scheme]
    return SmtpTransport(
        parts.hostname or "127.0.0.1",
        port or default_port,
        security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=_seconds(query, "timeout", CONNECT_TIMEOUT_S, url),
        send_timeout=_seconds(query, "send_timeout", SEND_TIMEOUT_S, url),
        cafile=query.get("cafile"),
    )
