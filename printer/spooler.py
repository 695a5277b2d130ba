"""Print spooler: tickets print in background threads, so neither a slow nor a dead printer can hold up
the kiosk request that issued the ticket, and a printing failure never loses (or un-issues) a ticket.

Each job is rendered, then its printer I/O runs in its own thread under a watchdog: the transports
bound every wait by the timeout, and the watchdog still ends the job at timeout + 0.5 s if a driver
ignores its timeout. Jobs for the same printer run one at a time (a network printer serves one
connection at a time), jobs for different printers in parallel up to `workers`, so one hung printer
never delays another printer's tickets.

Logs name the job by a short prefix of its id and the printer by its address, never the ticket's
tracking URL (a secret that gives access to the visitor's queue position).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from .escpos_render import render_escpos
from .layout import Block, TicketPrint, layout_ticket
from .transports import PreviewTransport, PrinterError, PrinterStatus, Transport, open_transport

log = logging.getLogger(__name__)

JobState = Literal["queued", "printing", "printed", "failed"]
_WATCHDOG_GRACE = 0.5


@dataclass
class PrintJob:
    id: str
    ticket: TicketPrint
    printer_url: str
    state: JobState = "queued"
    error: str | None = None  # machine code: "offline", "timeout", "paper_out", "unsupported_url", ...
    detail: str | None = None  # human-readable cause, for the admin page
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    escpos_size: int | None = None

    @property
    def done(self) -> bool:
        return self.state in ("printed", "failed")


class _Io(Protocol):
    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


class _NativeIo:
    """A job in gevent's native thread pool, seen as a thread."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def join(self, timeout: float | None = None) -> None:
        self._result.wait(timeout)

    def is_alive(self) -> bool:
        return not self._result.ready()


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def _printer_label(url: str) -> str:
    """Printer address for logs: scheme and host or device, without query options."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Spooler:
    """Background print queue: submit() returns at once, the outcome is read with get() or wait()."""

    def __init__(
        self,
        transport_for: Callable[[str], Transport] = open_transport,
        timeout: float = 4.0,
        workers: int = 2,
        max_jobs_kept: int = 500,
        profile: str = "default",
        width_chars: int = 42,
    ) -> None:
        self._transport_for = transport_for
        self._timeout = timeout
        self._max_jobs_kept = max_jobs_kept
        self._profile = profile
        self._width_chars = width_chars
        self._cond = threading.Condition()
        self._jobs: OrderedDict[str, PrintJob] = OrderedDict()
        self._pending: deque[PrintJob] = deque()
        self._busy: set[str] = set()
        self._stuck: dict[str, _Io] = {}
        self._statuses: dict[str, PrinterStatus] = {}
        self._closed = False
        self._native: Any = None  # gevent thread pool for drivers that block in C, made on first use
        self._workers = [
            threading.Thread(target=self._work, name=f"printer-spooler-{i}", daemon=True)
            for i in range(max(workers, 1))
        ]
        for worker in self._workers:
            worker.start()

    # -- public API -------------------------------------------------------------------------------

    def submit(self, printer_url: str, ticket: TicketPrint) -> PrintJob:
        """Queue a ticket and return at once; the job never raises, failures end in state "failed"."""
        job = PrintJob(id=secrets.token_urlsafe(16), ticket=ticket, printer_url=printer_url)
        with self._cond:
            self._jobs[job.id] = job
            if self._closed:
                self._finish(job, PrinterError("shutdown", "the spooler is shut down"))
            else:
                self._pending.append(job)
                self._cond.notify_all()
            return dataclasses.replace(job)

    def get(self, job_id: str) -> PrintJob | None:
        """A snapshot of the job, or None when unknown or forgotten (only the last jobs are kept)."""
        with self._cond:
            job = self._jobs.get(job_id)
            return dataclasses.replace(job) if job else None

    def wait(self, job_id: str, timeout: float) -> PrintJob | None:
        """Block up to `timeout` seconds for the job to finish; returns its snapshot either way."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (job := self._jobs.get(job_id)) is not None and not job.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return dataclasses.replace(job) if job else None

    def last_status(self, printer_url: str) -> PrinterStatus | None:
        """Last known status of a printer, from its last job or check; None before the first one."""
        with self._cond:
            return self._statuses.get(printer_url)

    def check(self, printer_url: str) -> PrinterStatus:
        """Ask the printer now; answers within timeout + 0.5 s even when the driver hangs."""
        result: list[PrinterStatus] = []

        def ask(transport: Transport) -> None:
            try:
                result.append(transport.status(self._timeout))
            except PrinterError as exc:
                result.append(PrinterStatus(False, None, f"{exc.code}: {exc.message}"))
            except Exception as exc:  # a status check reports, it never raises
                result.append(PrinterStatus(False, None, f"internal: {type(exc).__name__}"))

        try:
            transport = self._transport_for(printer_url)
        except PrinterError as exc:
            status = PrinterStatus(False, None, f"{exc.code}: {exc.message}")
        else:
            io = self._start_io(transport, ask, transport)
            io.join(self._timeout + _WATCHDOG_GRACE)
            status = result[0] if result else PrinterStatus(False, None, "timeout: the driver did not return")
        with self._cond:
            self._statuses[printer_url] = status
        return status

    def shutdown(self) -> None:
        """Stop accepting jobs, fail the queued ones, let running ones finish (each is bounded)."""
        with self._cond:
            self._closed = True
            while self._pending:
                self._finish(self._pending.popleft(), PrinterError("shutdown", "the spooler is shut down"))
            self._cond.notify_all()
        for worker in self._workers:
            worker.join(self._timeout + 2 * _WATCHDOG_GRACE)

    # -- workers ----------------------------------------------------------------------------------

    def _next_job(self) -> PrintJob | None:
        """Oldest queued job whose printer is free; called with the lock held."""
        while not self._closed:
            for job in list(self._pending):
                url = job.printer_url
                stuck = self._stuck.get(url)
                if stuck is not None and not stuck.is_alive():
                    del self._stuck[url]
                    stuck = None
                if stuck is not None:  # fail fast rather than pile threads onto a driver that hangs
                    self._pending.remove(job)
                    self._finish(
                        job, PrinterError("timeout", "the printer is still blocked by an earlier job")
                    )
                elif url not in self._busy:
                    self._pending.remove(job)
                    return job
            self._cond.wait()
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                if job is None:
                    return
                self._busy.add(job.printer_url)
                job.state = "printing"
                self._cond.notify_all()
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._busy.discard(job.printer_url)
                    self._cond.notify_all()

    def _run(self, job: PrintJob) -> None:
        try:
            blocks = layout_ticket(job.ticket, self._width_chars)
            data = render_escpos(blocks, self._profile)
        except Exception as exc:  # a bad ticket fails its job, it never stops the worker
            with self._cond:
                self._finish(job, PrinterError("render_error", type(exc).__name__))
            return
        url = job.printer_url
        outcome: list[tuple[PrinterStatus | None, PrinterStatus | PrinterError]] = []
        try:
            transport = self._transport_for(url)
        except PrinterError as exc:
            outcome.append((None, exc))
        except Exception as exc:
            outcome.append((None, PrinterError("internal", type(exc).__name__)))
        else:
            io = self._start_io(transport, self._print, transport, job, blocks, data, outcome)
            io.join(self._timeout + _WATCHDOG_GRACE)
            if io.is_alive():
                with self._cond:
                    job.escpos_size = len(data)
                    self._stuck[url] = io
                    error = PrinterError("timeout", "the printer driver did not return")
                    self._statuses[url] = PrinterStatus(False, None, f"timeout: {error.message}")
                    self._finish(job, error)
                return
        seen, result = outcome[0] if outcome else (None, PrinterError("internal", "no outcome"))
        with self._cond:
            job.escpos_size = len(data)
            if seen is not None:
                self._statuses[url] = seen
            if isinstance(result, PrinterError):
                if result.code != "paper_out":
                    self._statuses[url] = PrinterStatus(False, None, f"{result.code}: {result.message}")
                self._finish(job, result)
            else:
                self._finish(job, None)

    def _print(
        self,
        transport: Transport,
        job: PrintJob,
        blocks: list[Block],
        data: bytes,
        outcome: list[tuple[PrinterStatus | None, PrinterStatus | PrinterError]],
    ) -> None:
        """Printer I/O of one job, on its own: status first, then the ticket, all within timeout.

        It shares nothing with the spooler but `outcome` (its last status seen, then the result), since
        under gevent a driver that blocks in C runs it in a native thread (see _start_io).
        """
        deadline = time.monotonic() + self._timeout
        seen: PrinterStatus | None = None
        try:
            # Half the budget at most, so that a silent printer still leaves time to try sending.
            seen = transport.status(self._timeout / 2)
            if seen.paper_ok is False:
                raise PrinterError("paper_out", seen.detail)
            if not seen.online:
                raise PrinterError("offline", seen.detail)
            left = max(deadline - time.monotonic(), 0.05)
            if isinstance(transport, PreviewTransport):
                transport.print_ticket(job.ticket.number, blocks, data)
            else:
                transport.send(data, left)
            outcome.append((seen, seen))
        except PrinterError as exc:
            outcome.append((seen, exc))
        except Exception as exc:  # driver bugs included: a failed job never raises into anyone
            outcome.append((seen, PrinterError("internal", type(exc).__name__)))

    def _start_io(self, transport: Transport, target: Callable[..., None], *args: object) -> _Io:
        """Run printer I/O apart from the caller, so that the watchdog can give up on it.

        A thread, which under gevent is a greenlet: fine for sockets and the virtual printer, but a
        driver that blocks in C (pyusb) would stop every greenlet of the server, so those run in a
        native thread of a pool of their own.
        """
        if getattr(transport, "blocks_in_c", False) and _gevent_patched():
            if self._native is None:
                from gevent.threadpool import ThreadPool

                self._native = ThreadPool(len(self._workers) + 2)
            return _NativeIo(self._native.spawn(target, *args))
        thread = threading.Thread(target=target, args=args, name="printer-io", daemon=True)
        thread.start()
        return thread

    def _finish(self, job: PrintJob, error: PrinterError | None) -> None:
        """Record a job's outcome and forget the oldest finished jobs; called with the lock held."""
        job.state = "failed" if error else "printed"
        job.error = error.code if error else None
        job.detail = error.message if error else None
        job.finished_at = datetime.now(UTC)
        if error:
            log.warning(
                "print job %s... on %s failed: %s (%s)",
                job.id[:6],
                _printer_label(job.printer_url),
                error.code,
                error.message,
            )
        excess = len(self._jobs) - self._max_jobs_kept
        for old_id in [i for i, j in self._jobs.items() if j.done][: max(excess, 0)]:
            del self._jobs[old_id]
        self._cond.notify_all()
