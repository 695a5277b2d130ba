"""The virtual printer (virtual://): no hardware, keeps the last tickets in memory with a PNG preview.

It is the default printer, so a fresh install issues tickets at once, and the admin page shows what
would have been printed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from .layout import Block
from .preview import render_png
from .status import PrinterStatus, Transport


@dataclass(frozen=True)
class VirtualTicket:
    number: str
    png: bytes
    escpos_size: int
    printed_at: datetime  # UTC


class VirtualPrinter:
    """In-memory printer: keeps the last `keep` tickets (PNG preview and ESC/POS size); always online."""

    def __init__(self, keep: int = 20) -> None:
        self._tickets: deque[VirtualTicket] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def status(self, timeout: float) -> PrinterStatus:
        return PrinterStatus(True, True, "virtual printer")

    def send(self, data: bytes, timeout: float) -> None:
        """Raw bytes alone carry no layout: the ticket is kept with its size and an empty preview."""
        self._record(VirtualTicket("", b"", len(data), datetime.now(UTC)))

    def print_ticket(self, number: str, blocks: Sequence[Block], data: bytes) -> None:
        """Keep a ticket with the PNG preview drawn from its blocks (the spooler calls this, not send)."""
        self._record(VirtualTicket(number, render_png(blocks), len(data), datetime.now(UTC)))

    def _record(self, ticket: VirtualTicket) -> None:
        with self._lock:
            self._tickets.append(ticket)

    def recent(self) -> list[VirtualTicket]:
        """Tickets printed last, oldest first."""
        with self._lock:
            return list(self._tickets)


@runtime_checkable
class PreviewTransport(Transport, Protocol):
    """A transport that wants the layout too, to keep a preview (the virtual printer)."""

    def print_ticket(self, number: str, blocks: Sequence[Block], data: bytes) -> None: ...


_virtual_printers: dict[str, VirtualPrinter] = {}
_virtual_lock = threading.Lock()


def virtual_printer(name: str = "") -> VirtualPrinter:
    """The process-wide printer behind virtual://name: the admin page sees what the spooler printed."""
    with _virtual_lock:
        return _virtual_printers.setdefault(name, VirtualPrinter())
