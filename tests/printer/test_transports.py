"""Printer URLs and transports, with a real TCP listener standing in for a network printer."""

from __future__ import annotations

import time

import pytest

from printer import PrinterError, open_transport
from printer.transports import (
    EscposDeviceTransport,
    FileTransport,
    TcpTransport,
    VirtualPrinter,
    status_from_bytes,
)

from .fake_network_printer import FakeNetworkPrinter, free_port


def test_tcp_url_gives_host_and_port_with_9100_by_default():
    explicit = open_transport("tcp://192.168.1.50:9101")
    default = open_transport("tcp://imprimante-accueil.local")

    assert isinstance(explicit, TcpTransport) and isinstance(default, TcpTransport)
    assert (explicit.host, explicit.port) == ("192.168.1.50", 9101)
    assert (default.host, default.port) == ("imprimante-accueil.local", 9100)
    assert explicit.ask_status and not open_transport("tcp://10.0.0.9?status=off").ask_status


def test_usb_url_takes_hex_vendor_and_product_ids():
    transport = open_transport("usb://04b8:0e15?out_ep=02")

    assert isinstance(transport, EscposDeviceTransport)
    assert transport.options == {"idVendor": 0x04B8, "idProduct": 0x0E15, "out_ep": 0x02}


def test_serial_url_takes_the_device_path_and_baudrate():
    transport = open_transport("serial:///dev/ttyUSB0?baudrate=19200")

    assert isinstance(transport, EscposDeviceTransport)
    assert transport.options == {"devfile": "/dev/ttyUSB0", "baudrate": 19200}


def test_file_and_virtual_urls():
    assert isinstance(open_transport("file:///dev/usb/lp0"), FileTransport)
    assert open_transport("file:///dev/usb/lp0").path == "/dev/usb/lp0"
    assert isinstance(open_transport("virtual://"), VirtualPrinter)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "lp0",
        "http://printer:9100",
        "tcp://:9100",
        "tcp://host:port",
        "usb://04b8",
        "usb://zz:0e15",
        "usb://04b8:0",
        "serial://",
        "serial:///dev/ttyS0?baudrate=fast",
        "file://",
        "ipp://printer/queue",
    ],
)
def test_bad_urls_raise_unsupported_url_with_a_clear_message(url):
    with pytest.raises(PrinterError) as caught:
        open_transport(url)

    assert caught.value.code == "unsupported_url"
    assert any(hint in caught.value.message for hint in ("tcp://", "usb://", "baudrate"))


@pytest.mark.parametrize(
    ("printer_byte", "paper_byte", "online", "paper_ok"),
    [
        (0x12, 0x12, True, True),  # all well
        (0x12, 0x1E, True, True),  # paper near end: still prints
        (0x1A, 0x72, False, False),  # paper end: offline, paper out
        (0x1A, 0x12, False, True),  # offline for another reason (cover open)
        (None, None, True, None),  # no answer: online, paper unknown
        (0x12, None, True, None),  # no paper sensor answer
        (0xFF, 0x12, True, None),  # not a status byte: unknown
    ],
)
def test_status_bytes_decode_like_an_epson_printer(printer_byte, paper_byte, online, paper_ok):
    status = status_from_bytes(printer_byte, paper_byte)

    assert (status.online, status.paper_ok) == (online, paper_ok)


def test_tcp_status_of_a_ready_printer_is_online_with_paper():
    with FakeNetworkPrinter() as printer:
        status = open_transport(printer.url).status(1.0)

        assert (status.online, status.paper_ok) == (True, True)
        assert printer.received == b"\x10\x04\x01\x10\x04\x04"


def test_tcp_status_of_a_printer_without_paper_says_paper_out():
    with FakeNetworkPrinter(paper_out=True) as printer:
        status = open_transport(printer.url).status(1.0)

    assert status.paper_ok is False


def test_tcp_printer_that_does_not_answer_status_is_online_with_paper_unknown():
    with FakeNetworkPrinter(answer_status=False) as printer:
        started = time.monotonic()
        status = open_transport(printer.url).status(0.5)

    assert (status.online, status.paper_ok) == (True, None)
    assert time.monotonic() - started < 1.0


def test_tcp_printer_refusing_the_connection_is_offline():
    status = open_transport(f"tcp://127.0.0.1:{free_port()}").status(1.0)

    assert (status.online, status.paper_ok) == (False, None)


def test_tcp_send_to_hung_printer_raises_timeout_within_the_timeout():
    with FakeNetworkPrinter(hung=True) as printer:
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            open_transport(printer.url).send(b"\x1b@ticket", 0.5)

    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 1.0


def test_tcp_send_with_status_off_prints_on_a_printer_that_ignores_status():
    with FakeNetworkPrinter(answer_status=False) as printer:
        open_transport(printer.url + "?status=off").send(b"\x1b@ticket", 1.0)
        deadline = time.monotonic() + 1
        while printer.received != b"\x1b@ticket" and time.monotonic() < deadline:
            time.sleep(0.01)

        assert printer.received == b"\x1b@ticket"


def test_file_transport_writes_the_bytes_to_the_device_file(tmp_path):
    device = tmp_path / "lp0"
    device.write_bytes(b"")

    open_transport(f"file://{device}").send(b"\x1b@ticket\x1dV\x00", 1.0)

    assert device.read_bytes() == b"\x1b@ticket\x1dV\x00"
    assert open_transport(f"file://{device}").status(1.0).online


def test_file_transport_to_a_missing_device_is_offline(tmp_path):
    transport = open_transport(f"file://{tmp_path}/absent/lp0")

    with pytest.raises(PrinterError) as caught:
        transport.send(b"x", 1.0)
    assert caught.value.code == "offline"
    assert transport.status(1.0).online is False


@pytest.mark.parametrize("url", ["usb://04b8:0e15", "serial:///dev/ttyGUICHET-absent"])
def test_usb_and_serial_failures_are_printer_errors_never_driver_exceptions(url):
    transport = open_transport(url)

    with pytest.raises(PrinterError) as caught:
        transport.send(b"x", 0.5)
    assert caught.value.code in {"driver_missing", "offline"}
    assert transport.status(0.5).online is False
