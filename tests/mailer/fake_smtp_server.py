"""A real SMTP server on loopback (aiosmtpd) for the mailer's tests: plain, STARTTLS or implicit TLS,
optional AUTH, recipients refused on demand, and a stall before accepting the data."""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificate(directory: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 (openssl is part of every Debian base install)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


@dataclass
class Inbox:
    """What the server received, per connection (the client's source port tells connections apart)."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    stall_s: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        if self.stall_s:
            await asyncio.sleep(self.stall_s)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        self.peers.append(session.peer)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        if (login, password) != ("guichet@mairie.test", "p@ss:word"):
            return AuthResult(success=False, handled=False)
        self.logins.append((login, password))
        return AuthResult(success=True)


@contextmanager
def smtp_server(
    inbox: Inbox,
    starttls: Certificate | None = None,
    implicit_tls: Certificate | None = None,
    auth: bool = False,
) -> Iterator[int]:
    """Serve `inbox` on a free loopback port for the duration of the block; yields the port."""
    port = free_port()
    options: dict[str, Any] = {}
    if starttls is not None:
        options.update(tls_context=starttls.server_context(), require_starttls=True)
    if implicit_tls is not None:
        options.update(ssl_context=implicit_tls.server_context())
    if auth:
        # aiosmtpd counts only STARTTLS as TLS: over implicit TLS, AUTH must be allowed "without" it.
        options.update(
            authenticator=inbox.authenticate,
            auth_require_tls=starttls is not None,
        )
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
