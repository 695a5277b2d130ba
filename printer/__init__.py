"""Ticket printing: a pure layout, ESC/POS bytes through python-escpos, a PNG preview, transports chosen
by URL, and a background spooler so that a printer fault never blocks the kiosk nor loses a ticket."""

from .escpos_render import render_escpos
from .layout import Block, Cut, Feed, Qr, Text, TicketPrint, layout_ticket
from .preview import render_png
from .spooler import PrintJob, Spooler
from .transports import (
    PrinterError,
    PrinterStatus,
    Transport,
    VirtualPrinter,
    VirtualTicket,
    open_transport,
    virtual_printer,
)

__all__ = [
    "Block",
    "Cut",
    "Feed",
    "PrintJob",
    "PrinterError",
    "PrinterStatus",
    "Qr",
    "Spooler",
    "Text",
    "TicketPrint",
    "Transport",
    "VirtualPrinter",
    "VirtualTicket",
    "layout_ticket",
    "open_transport",
    "render_escpos",
    "render_png",
    "virtual_printer",
]
