"""Mail URLs and transports, against a real SMTP server on loopback (plain, STARTTLS, SMTPS with a
self-signed certificate) and real files: what is sent arrives, and every failure is a MailError with
a code, within its timeout, that names no address and no password."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer import REJECTED, FileTransport, MailError, SmtpTransport, Transport, open_transport, redact

from .fake_smtp_server import Certificate, Inbox, free_port, make_certificate, smtp_server

PASSWORD_URL = "guichet%40mairie.test:p%40ss%3Aword"  # guichet@mairie.test / p@ss:word


def message(to: str = "a.martin@example.org", subject: str = "Confirmation") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Mairie <rdv@mairie.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Votre rendez-vous est confirmé.")
    return msg


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def plain_server(inbox: Inbox) -> Iterator[int]:
    with smtp_server(inbox) as port:
        yield port


# --- URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "security", "host", "port"),
    [
        ("smtp://relay.mairie.test", "plain", "relay.mairie.test", 25),
        ("smtp://relay.mairie.test:2525", "plain", "relay.mairie.test", 2525),
        ("smtp+starttls://relay.mairie.test", "starttls", "relay.mairie.test", 587),
        ("SMTPS://relay.mairie.test", "tls", "relay.mairie.test", 465),
        ("smtps://10.0.0.5:4650", "tls", "10.0.0.5", 4650),
    ],
)
def test_an_smtp_url_picks_the_security_and_the_usual_port(
    url: str, security: str, host: str, port: int
) -> None:
    transport = open_transport(url)
    assert isinstance(transport, SmtpTransport)
    assert (transport.security, transport.host, transport.port) == (security, host, port)
    assert transport.username is None and transport.cafile is None


def test_credentials_are_percent_decoded_and_options_read_from_the_query() -> None:
    transport = open_transport(
        f"smtp+starttls://{PASSWORD_URL}@relay.mairie.test?timeout=3&send_timeout=7.5&cafile=/etc/relay.pem"
    )
    assert isinstance(transport, SmtpTransport)
    assert (transport.username, transport.password) == ("guichet@mairie.test", "p@ss:word")
    assert (transport.timeout, transport.send_timeout, transport.cafile) == (3, 7.5, "/etc/relay.pem")


@pytest.mark.parametrize(
    ("url", "directory"),
    [
        ("file://instance/mail", Path("instance/mail")),
        ("file:///var/spool/guichet", Path("/var/spool/guichet")),
        ("file://", Path("instance/mail")),
    ],
)
def test_a_file_url_names_the_directory_of_the_eml_files(url: str, directory: Path) -> None:
    transport = open_transport(url)
    assert isinstance(transport, FileTransport) and transport.directory == directory


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("smtpx://agent7:s3cret@relay.mairie.test", "use smtp://[user:pass@]host[:port], smtp+starttls://"),
        ("mailto://agent7:s3cret@relay.mairie.test", "unsupported mail URL 'mailto://relay.mairie.test'"),
        ("relay.mairie.test", "unsupported mail URL"),
        ("smtp://agent7:s3cret@relay.mairie.test:port", "the port is not a number"),
        ("smtp://agent7:s3cret@relay.mairie.test?timout=3", "unknown option 'timout'"),
        ("smtp://agent7:s3cret@relay.mairie.test?timeout=0", "timeout must be a number of seconds"),
        ("smtp://agent7:s3cret@relay.mairie.test?send_timeout=soon", "send_timeout must be a number"),
    ],
)
def test_a_wrong_url_is_refused_clearly_without_quoting_the_password(url: str, says: str) -> None:
    with pytest.raises(MailError) as caught:
        open_transport(url)
    assert caught.value.code == "unsupported_url" and says in str(caught.value)
    assert "s3cret" not in str(caught.value) and "agent7" not in caught.value.message


def test_every_transport_fits_the_protocol() -> None:
    for url in ("smtp://relay", "smtp+starttls://relay", "smtps://relay", "file://instance/mail"):
        assert isinstance(open_transport(url), Transport)


# --- files -------------------------------------------------------------------------------------------


def test_the_file_transport_writes_each_message_whole_as_an_eml_file(tmp_path: Path) -> None:
    transport = open_transport(f"file://{tmp_path}/boite")
    transport.send(message(subject="Premier"), "00000001-ABCD2345")
    transport.send(message(subject="Second"), "00000002-ABCD2345")
    transport.close()
    files = sorted((tmp_path / "boite").iterdir())
    assert [f.name for f in files] == ["00000001-ABCD2345.eml", "00000002-ABCD2345.eml"]
    read = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert read["Subject"] == "Second" and "confirmé" in read.get_content()


def test_a_file_name_cannot_leave_the_directory(tmp_path: Path) -> None:
    FileTransport(tmp_path / "boite").send(message(), "../../etc/passwd")
    assert [f.name for f in tmp_path.iterdir()] == ["boite"]
    assert [f.name for f in (tmp_path / "boite").iterdir()] == [".._.._etc_passwd.eml"]


def test_an_unwritable_directory_is_a_mail_error(tmp_path: Path) -> None:
    (tmp_path / "boite").write_text("a file where the directory should be")
    with pytest.raises(MailError) as caught:
        FileTransport(tmp_path / "boite").send(message(), "00000001-ABCD2345")
    assert caught.value.code == "unwritable" and not caught.value.only_this_message


# --- SMTP --------------------------------------------------------------------------------------------


def test_smtp_sends_a_batch_on_one_connection(inbox: Inbox, plain_server: int) -> None:
    transport = open_transport(f"smtp://127.0.0.1:{plain_server}")
    transport.send(message("a.martin@example.org", "Premier"), "1")
    transport.send(message("b.durand@example.org", "Second"), "2")
    transport.close()
    assert [m["Subject"] for m in inbox.messages] == ["Premier", "Second"]
    assert inbox.recipients == [["a.martin@example.org"], ["b.durand@example.org"]]
    assert len(set(inbox.peers)) == 1  # same client port: one connection


def test_a_transport_connects_only_when_a_message_goes(inbox: Inbox, plain_server: int) -> None:
    transport = open_transport(f"smtp://127.0.0.1:{free_port()}")
    transport.close()  # nothing to send: the dead port is never tried
    assert inbox.messages == []


def test_starttls_upgrades_then_logs_in_with_the_decoded_credentials(
    inbox: Inbox, certificate: Certificate
) -> None:
    with smtp_server(inbox, starttls=certificate, auth=True) as port:
        transport = open_transport(
            f"smtp+starttls://{PASSWORD_URL}@127.0.0.1:{port}?cafile={certificate.cert}"
        )
        transport.send(message(), "1")
        transport.close()
    assert inbox.logins == [("guichet@mairie.test", "p@ss:word")]
    assert [m["Subject"] for m in inbox.messages] == ["Confirmation"]


def test_starttls_refuses_a_certificate_it_does_not_trust(inbox: Inbox, certificate: Certificate) -> None:
    with smtp_server(inbox, starttls=certificate) as port, pytest.raises(MailError) as caught:
        open_transport(f"smtp+starttls://127.0.0.1:{port}").send(message(), "1")
    assert caught.value.code == "tls" and "certificate" in caught.value.message.lower()
    assert inbox.messages == []


def test_starttls_fails_clearly_when_the_server_does_not_offer_it(inbox: Inbox, plain_server: int) -> None:
    with pytest.raises(MailError) as caught:
        open_transport(f"smtp+starttls://127.0.0.1:{plain_server}").send(message(), "1")
    assert caught.value.code == "tls" and "does not offer STARTTLS" in caught.value.message
    assert inbox.messages == []


def test_smtps_speaks_tls_from_the_first_byte(inbox: Inbox, certificate: Certificate) -> None:
    with smtp_server(inbox, implicit_tls=certificate, auth=True) as port:
        transport = open_transport(f"smtps://{PASSWORD_URL}@127.0.0.1:{port}?cafile={certificate.cert}")
        transport.send(message(), "1")
        transport.close()
    assert inbox.logins == [("guichet@mairie.test", "p@ss:word")] and len(inbox.messages) == 1


def test_smtps_to_a_plain_server_is_a_tls_error(
    inbox: Inbox, plain_server: int, certificate: Certificate
) -> None:
    with pytest.raises(MailError) as caught:
        open_transport(f"smtps://127.0.0.1:{plain_server}?cafile={certificate.cert}&timeout=2").send(
            message(), "1"
        )
    assert caught.value.code == "tls" and inbox.messages == []


def test_wrong_credentials_are_an_auth_error_that_quotes_no_password(
    inbox: Inbox, certificate: Certificate
) -> None:
    with smtp_server(inbox, starttls=certificate, auth=True) as port:
        url = f"smtp+starttls://guichet%40mairie.test:wrong-pass@127.0.0.1:{port}?cafile={certificate.cert}"
        with pytest.raises(MailError) as caught:
            open_transport(url).send(message(), "1")
    assert caught.value.code == "auth" and "535" in caught.value.message
    assert "wrong-pass" not in str(caught.value) and "guichet@mairie.test" not in str(caught.value)


def test_a_closed_port_is_offline_and_not_the_messages_fault() -> None:
    with pytest.raises(MailError) as caught:
        open_transport(f"smtp://127.0.0.1:{free_port()}").send(message(), "1")
    assert caught.value.code == "offline" and not caught.value.only_this_message
    assert isinstance(caught.value, OSError)  # mail failures are I/O errors, like smtplib's


def test_a_server_that_never_greets_times_out_within_the_bound() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the connection; nobody ever says 220
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(MailError) as caught:
            open_transport(f"smtp://127.0.0.1:{port}?timeout=0.5").send(message(), "1")
        elapsed = time.monotonic() - started
    assert caught.value.code == "timeout" and "0.5 s" in caught.value.message
    assert 0.4 < elapsed < 2


def test_a_server_that_stalls_on_the_data_times_out_within_the_send_bound(inbox: Inbox) -> None:
    inbox.stall_s = 3
    with smtp_server(inbox) as port:
        transport = open_transport(f"smtp://127.0.0.1:{port}?send_timeout=0.5")
        started = time.monotonic()
        with pytest.raises(MailError) as caught:
            transport.send(message(), "1")
        elapsed = time.monotonic() - started
        transport.close()
    assert caught.value.code == "timeout" and not caught.value.only_this_message
    assert elapsed < 2


def test_a_refused_recipient_fails_that_message_only_and_the_error_names_no_address(
    inbox: Inbox, plain_server: int
) -> None:
    inbox.refuse = {"parti@example.org"}
    transport = open_transport(f"smtp://127.0.0.1:{plain_server}")
    with pytest.raises(MailError) as caught:
        transport.send(message("parti@example.org"), "1")
    transport.send(message("a.martin@example.org"), "2")  # same connection, still usable
    transport.close()
    assert caught.value.code == REJECTED and caught.value.only_this_message
    assert "550" in caught.value.message and "User unknown" in caught.value.message
    assert "parti@example.org" not in str(caught.value) and "<address>" in caught.value.message
    assert inbox.recipients == [["a.martin@example.org"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("550 5.1.1 <a.martin@example.org>: unknown", "550 5.1.1 <<address>>: unknown"),
        ("refused: jean-pierre.o'neil+rdv@mairie.fr, b@c.fr", "refused: jean-pierre.o'<address>, <address>"),
        ("no address here (host 10.0.0.5:25)", "no address here (host 10.0.0.5:25)"),
    ],
)
def test_redact_removes_every_address(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(text) == str(MailError("rejected", text)).removeprefix("rejected: ")
