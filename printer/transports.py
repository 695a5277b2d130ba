"""Printer transports: one class per connection type, chosen by URL, each bounded by a timeout.

    tcp://host:9100                  network printer (raw port 9100); ?status=off for printers that
                                     ignore DLE EOT status requests
    usb://04b8:0e15                  USB vendor:product ids in hex (python-escpos Usb, needs pyusb);
                                     ?in_ep=82&out_ep=01 when the endpoints differ from these defaults
    serial:///dev/ttyUSB0?baudrate=19200   serial port (python-escpos Serial, needs pyserial)
    file:///dev/usb/lp0              write to a device file (Linux usblp)
    virtual://                       no hardware: keeps the last previews in memory

Status comes from the real-time requests DLE EOT 1 (printer) and DLE EOT 4 (paper sensor), one byte
each. A TCP printer that refuses the connection is offline; one that connects but does not answer the
status request is online with paper unknown. A TCP send asks DLE EOT 1 before the ticket and again
after it: a printer that accepts the connection but never reads ("hung") fails the job with "timeout"
instead of silently swallowing a ticket into the kernel's socket buffers (a 600-byte ticket always
fits there, so a blocked write alone would never reveal it).
"""

from __future__ import annotations

import os
import select
import socket
import time
from urllib.parse import parse_qs, urlsplit

from .status import (
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterError,
    PrinterStatus,
    Transport,
    status_from_bytes,
)
from .virtual import PreviewTransport, VirtualPrinter, VirtualTicket, virtual_printer

__all__ = [
    "EscposDeviceTransport",
    "FileTransport",
    "PreviewTransport",
    "PrinterError",
    "PrinterStatus",
    "TcpTransport",
    "Transport",
    "VirtualPrinter",
    "VirtualTicket",
    "open_transport",
    "status_from_bytes",
    "virtual_printer",
]


class TcpTransport:
    """Raw TCP (port 9100) printer: plain sockets, every wait bounded by the caller's timeout."""

    def __init__(self, host: str, port: int, ask_status: bool = True) -> None:
        self.host, self.port, self.ask_status = host, port, ask_status

    def _connect(self, deadline: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=_remaining(deadline))
        except TimeoutError as exc:
            raise PrinterError("offline", f"no answer to connect on port {self.port}") from exc
        except OSError as exc:
            raise PrinterError(
                "offline", f"cannot connect on port {self.port}: {exc.strerror or exc}"
            ) from exc
        # Ticket then a 3-byte status request: without this, Nagle's algorithm holds the request
        # until the printer's delayed ACK (~40 ms per ticket, measured by bench/kiosk_latency.py).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    @staticmethod
    def _ask(sock: socket.socket, request: bytes, deadline: float) -> int | None:
        sock.settimeout(_remaining(deadline))
        try:
            sock.sendall(request)
            answer = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as exc:
            raise PrinterError("offline", f"connection lost: {exc.strerror or exc}") from exc
        if not answer:
            raise PrinterError("offline", "the printer closed the connection")
        return answer[0]

    def status(self, timeout: float) -> PrinterStatus:
        deadline = time.monotonic() + timeout
        try:
            sock = self._connect(deadline)
        except PrinterError as exc:
            return PrinterStatus(False, None, exc.message)
        with sock:
            if not self.ask_status:
                return PrinterStatus(True, None, "connected; status requests disabled")
            try:
                printer_byte = self._ask(sock, DLE_EOT_PRINTER, deadline)
                paper_byte = self._ask(sock, DLE_EOT_PAPER, deadline) if printer_byte is not None else None
            except PrinterError as exc:
                return PrinterStatus(False, None, exc.message)
        return status_from_bytes(printer_byte, paper_byte)

    def send(self, data: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._connect(deadline) as sock:
            # Asked before the ticket so that a silent printer fails the job without printing it.
            if self.ask_status and self._ask(sock, DLE_EOT_PRINTER, deadline) is None:
                raise PrinterError(
                    "timeout",
                    f"connected, but no answer to the status request within {timeout:g} s; nothing sent "
                    "(printer hung, or it ignores DLE EOT: then add ?status=off to its URL)",
                )
            sock.settimeout(_remaining(deadline))
            try:
                sock.sendall(data)
            except TimeoutError as exc:
                raise PrinterError("timeout", f"the printer stopped reading within {timeout:g} s") from exc
            except OSError as exc:
                raise PrinterError("offline", f"connection lost: {exc.strerror or exc}") from exc
            # Real-time requests are answered in arrival order, so this answer means the ticket was read.
            if self.ask_status and self._ask(sock, DLE_EOT_PRINTER, deadline) is None:
                raise PrinterError(
                    "timeout", f"the printer did not acknowledge the ticket within {timeout:g} s"
                )


class FileTransport:
    """Device file such as /dev/usb/lp0, written without blocking so a stalled printer cannot hang us."""

    def __init__(self, path: str) -> None:
        self.path = path

    def status(self, timeout: float) -> PrinterStatus:
        if os.access(self.path, os.W_OK):
            return PrinterStatus(True, None, "device file writable")
        return PrinterStatus(False, None, "device file missing or not writable")

    def send(self, data: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND)
        except OSError as exc:
            raise PrinterError("offline", f"cannot open the device file: {exc.strerror or exc}") from exc
        try:
            view = memoryview(data)
            while view:
                _, writable, _ = select.select([], [fd], [], _remaining(deadline))
                if not writable:
                    raise PrinterError("timeout", f"the device did not accept data within {timeout:g} s")
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise PrinterError("offline", f"write failed: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)


class EscposDeviceTransport:
    """USB or serial printer through python-escpos; opened per job so an unplugged printer recovers."""

    # pyusb waits inside libusb: under gevent the spooler runs it in a native thread.
    blocks_in_c = True

    def __init__(self, kind: str, **options: object) -> None:
        self.kind, self.options = kind, options

    def _open(self, timeout: float):  # type: ignore[no-untyped-def]
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Serial, Usb

        cls = Usb if self.kind == "usb" else Serial
        # Checked first: without its driver, python-escpos raises RuntimeError even from __del__.
        if not cls.is_usable():
            package = "pyusb" if self.kind == "usb" else "pyserial"
            raise PrinterError("driver_missing", f"{self.kind} printing needs the {package} package")
        # pyusb counts milliseconds and python-escpos defaults to no timeout at all.
        device_timeout = int(timeout * 1000) if self.kind == "usb" else timeout
        device = cls(timeout=device_timeout, **self.options)
        try:
            device.open()
        except DeviceNotFoundError as exc:
            raise PrinterError("offline", f"{self.kind} printer not found") from exc
        if self.kind == "serial":
            device.device.write_timeout = timeout  # python-escpos sets only the read timeout
        return device

    def status(self, timeout: float) -> PrinterStatus:
        try:
            device = self._open(timeout)
        except PrinterError as exc:
            return PrinterStatus(False, None, exc.message)
        try:
            printer = bytes(device.query_status(DLE_EOT_PRINTER))
            paper = bytes(device.query_status(DLE_EOT_PAPER)) if printer else b""
            return status_from_bytes(printer[0] if printer else None, paper[0] if paper else None)
        except Exception as exc:  # drivers raise their own types (usb.core.USBError, SerialException)
            return PrinterStatus(True, None, f"status unreadable: {type(exc).__name__}")
        finally:
            device.close()

    def send(self, data: bytes, timeout: float) -> None:
        device = self._open(timeout)
        try:
            device._raw(data)
        except Exception as exc:  # drivers raise their own types; all mean the ticket did not go out
            code = "timeout" if "timeout" in f"{type(exc).__name__} {exc}".lower() else "offline"
            raise PrinterError(code, f"{self.kind} write failed: {type(exc).__name__}") from exc
        finally:
            device.close()


def _remaining(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


def _hex_id(text: str, url: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise PrinterError("unsupported_url", f"USB ids are hex, e.g. usb://04b8:0e15, not {url!r}") from None
    if not 0 < value <= 0xFFFF:
        raise PrinterError("unsupported_url", f"USB id out of range in {url}")
    return value


def open_transport(url: str) -> Transport:
    """Build the transport a printer URL names; PrinterError("unsupported_url") lists the accepted forms."""
    parts = urlsplit(url.strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        try:
            port = parts.port or 9100
        except ValueError:
            port = 0
        if not parts.hostname or not port:
            raise PrinterError("unsupported_url", f"expected tcp://host:9100, got {url!r}")
        return TcpTransport(parts.hostname, port, ask_status=query.get("status", "on").lower() != "off")
    if scheme == "usb":
        vid, sep, pid = parts.netloc.partition(":")
        if not sep:
            raise PrinterError(
                "unsupported_url", f"expected usb://VID:PID in hex, e.g. usb://04b8:0e15, got {url!r}"
            )
        endpoints = {k: _hex_id(query[k], url) for k in ("in_ep", "out_ep") if k in query}
        return EscposDeviceTransport(
            "usb", idVendor=_hex_id(vid, url), idProduct=_hex_id(pid, url), **endpoints
        )
    if scheme == "serial" and parts.path:
        try:
            baudrate = int(query.get("baudrate", "9600"))
        except ValueError:
            raise PrinterError("unsupported_url", f"baudrate must be a number in {url!r}") from None
        return EscposDeviceTransport("serial", devfile=parts.path, baudrate=baudrate)
    if scheme == "file" and parts.path:
        return FileTransport(parts.path)
    if scheme == "virtual":
        return virtual_printer(parts.netloc)
    raise PrinterError(
        "unsupported_url",
        f"unsupported printer URL {url!r}: use tcp://host:9100, usb://VID:PID, "
        "serial:///dev/ttyUSB0?baudrate=19200, file:///dev/usb/lp0 or virtual://",
    )
