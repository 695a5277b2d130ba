"""Ticket printing off the request path: the ticket is committed first, the spooler prints after.

A printer fault never loses a ticket: the kiosk shows a virtual ticket and managers see the alert.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from printer import PrintJob, Spooler, TicketPrint

from ..core.roles import KIOSK
from ..models import Device
from .context import Actor, Context
from .devices import record_printer_state


def printer_url_for(ctx: Context, actor: Actor) -> str | None:
    """The kiosk's own printer (device config `printer_url`), else the installation's."""
    if actor.kind != "device" or actor.role != KIOSK:
        return None  # an agent previewing the kiosk prints nothing; the screen shows the ticket
    with ctx.db.session() as s:
        config = s.scalar(select(Device.config).where(Device.id == actor.id)) or {}
    return str(config.get("printer_url") or ctx.settings.printer_url)


PRINT_REPORT_WAIT_S = 15.0


class _Owners:
    """Which device submitted each recent job (bounded), so a kiosk reads only its own jobs."""

    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self._owner: OrderedDict[str, int] = OrderedDict()
        self._keep = keep

    def add(self, job_id: str, device_id: int) -> None:
        with self._lock:
            self._owner[job_id] = device_id
            while len(self._owner) > self._keep:
                self._owner.popitem(last=False)

    def owner(self, job_id: str) -> int | None:
        with self._lock:
            return self._owner.get(job_id)


_owners = _Owners()


def submit(ctx: Context, spooler: Spooler, actor: Actor, ticket: TicketPrint) -> PrintJob | None:
    """Queue the ticket for the kiosk's printer; returns at once (None when nothing is to print)."""
    url = printer_url_for(ctx, actor)
    if url is None:
        return None
    job = spooler.submit(url, ticket)
    _owners.add(job.id, actor.id)
    threading.Thread(target=_report, args=(ctx, spooler, job.id, actor.id), daemon=True).start()
    return job


def _report(ctx: Context, spooler: Spooler, job_id: str, device_id: int) -> None:
    """Once the job ends, record the printer's state on the kiosk (managers' alert)."""
    job = spooler.wait(job_id, timeout=PRINT_REPORT_WAIT_S)
    if job is None or job.state not in ("printed", "failed"):
        record_printer_state(ctx, device_id, "error", "no answer")
        return
    record_printer_state(ctx, device_id, "ok" if job.state == "printed" else "error", job.error or "")


def job_status(ctx: Context, spooler: Spooler, actor: Actor, job_id: str) -> dict[str, Any] | None:
    """State of a print job, for the kiosk that submitted it only."""
    if _owners.owner(job_id) != actor.id:
        return None
    job = spooler.get(job_id)
    if job is None:
        return None
    return {"job": job.id, "state": job.state, "error": job.error}
