"""Printer status and errors shared by every transport, and the decoding of DLE EOT status bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"
_STATUS_FIXED_MASK, _STATUS_FIXED_BITS = 0x93, 0x12  # bits every real-time status byte carries
_OFFLINE_BIT = 0x08
_PAPER_END_BITS = 0x60


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper_ok: bool | None  # None: the printer cannot tell or did not answer
    detail: str


class PrinterError(Exception):
    """A printing failure with a short machine code ("offline", "timeout", "paper_out", ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@runtime_checkable
class Transport(Protocol):
    def send(self, data: bytes, timeout: float) -> None: ...

    def status(self, timeout: float) -> PrinterStatus: ...


def status_from_bytes(printer_byte: int | None, paper_byte: int | None) -> PrinterStatus:
    """Decode DLE EOT 1 and 4 answers; a missing or malformed byte means "unknown", never "broken"."""

    def valid(b: int | None) -> bool:
        return b is not None and b & _STATUS_FIXED_MASK == _STATUS_FIXED_BITS

    if not valid(printer_byte):
        return PrinterStatus(True, None, "connected; no answer to the status request")
    assert printer_byte is not None
    paper_ok = None if not valid(paper_byte) else (paper_byte or 0) & _PAPER_END_BITS != _PAPER_END_BITS
    online = not printer_byte & _OFFLINE_BIT
    if paper_ok is False:
        return PrinterStatus(online, False, "paper end detected")
    return PrinterStatus(online, paper_ok, "ready" if online else "printer reports offline (cover open?)")
