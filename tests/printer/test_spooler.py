"""The spooler printing through real sockets, and its behaviour when printers fail."""

from __future__ import annotations

import logging
import struct
import threading
import time

import pytest

from printer import PrinterStatus, Spooler

from .fake_network_printer import FakeNetworkPrinter, free_port
from .tickets import TRACKING_URL, make_ticket

TIMEOUT = 1.0


@pytest.fixture
def spooler():
    s = Spooler(timeout=TIMEOUT)
    yield s
    s.shutdown()


def wait_done(spooler: Spooler, job_id: str):
    job = spooler.wait(job_id, TIMEOUT + 3)
    assert job is not None and job.state in ("printed", "failed"), job
    return job


def ticket_bytes(received: bytes) -> bytes:
    """The ticket as sent, from ESC @ on, with the trailing DLE EOT acknowledgement request removed."""
    data = received[received.index(b"\x1b@") :]
    assert data.endswith(b"\x10\x04\x01")
    return data[: -len(b"\x10\x04\x01")]


def test_spooler_prints_a_ticket_on_a_network_printer(spooler):
    ticket = make_ticket(footer="Timbre fiscal : 25 €, reçu à conserver")
    with FakeNetworkPrinter() as printer:
        job = wait_done(spooler, spooler.submit(printer.url, ticket).id)
        data = ticket_bytes(printer.received)

    assert (job.state, job.error) == ("printed", None)
    assert job.escpos_size == len(data)
    assert b"\x1d!\x11\x1bE\x01A007\n" in data or b"\x1d!\x11A007\n" in data
    text = data.decode("cp858")  # the whole stream reads back in the selected code page
    assert "Attente estimée : 15 à 30 min" in text
    assert "Château-Thierry" in text
    assert "25 €, reçu à conserver" in text
    payload = TRACKING_URL.encode()
    assert b"\x1d(k" + struct.pack("<H", len(payload) + 3) + b"1P0" + payload in data
    assert data.endswith(b"\x1bd\x06\x1dV\x00")
    assert spooler.last_status(printer.url) == PrinterStatus(True, True, "ready")


def test_nothing_listening_fails_the_job_offline_quickly(spooler):
    url = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    job = wait_done(spooler, spooler.submit(url, make_ticket()).id)

    assert (job.state, job.error) == ("failed", "offline")
    assert time.monotonic() - started < 0.5
    assert spooler.last_status(url).online is False


def test_hung_printer_fails_timeout_within_timeout_plus_1s_and_another_printer_still_prints(spooler):
    with FakeNetworkPrinter(hung=True) as hung, FakeNetworkPrinter() as good:
        started = time.monotonic()
        stuck_job = spooler.submit(hung.url, make_ticket(number="A001"))
        good_job = spooler.submit(good.url, make_ticket(number="A002"))

        good_result = wait_done(spooler, good_job.id)
        good_elapsed = time.monotonic() - started
        stuck_result = wait_done(spooler, stuck_job.id)

        assert (good_result.state, good_elapsed < TIMEOUT) == ("printed", True)
        assert b"A002" in good.received
    assert (stuck_result.state, stuck_result.error) == ("failed", "timeout")
    assert (stuck_result.finished_at - stuck_result.created_at).total_seconds() <= TIMEOUT + 1


def test_second_job_to_a_hung_printer_does_not_wait_behind_other_printers(spooler):
    with FakeNetworkPrinter(hung=True) as hung, FakeNetworkPrinter() as good:
        hung_jobs = [spooler.submit(hung.url, make_ticket()) for _ in range(3)]
        good_jobs = [spooler.submit(good.url, make_ticket(number=f"B{i}")) for i in range(3)]

        results = [wait_done(spooler, j.id) for j in good_jobs]
        assert [r.state for r in results] == ["printed"] * 3
        span = max(r.finished_at for r in results) - min(j.created_at for j in good_jobs)
        assert span.total_seconds() < TIMEOUT
        assert [wait_done(spooler, j.id).error for j in hung_jobs] == ["timeout"] * 3


def test_paper_out_fails_the_job_and_prints_nothing(spooler):
    with FakeNetworkPrinter(paper_out=True) as printer:
        job = wait_done(spooler, spooler.submit(printer.url, make_ticket()).id)

        assert (job.state, job.error) == ("failed", "paper_out")
        assert b"\x1b@" not in printer.received
        assert spooler.last_status(printer.url).paper_ok is False


def test_printer_ignoring_status_requests_fails_timeout_without_printing(spooler):
    with FakeNetworkPrinter(answer_status=False) as printer:
        job = wait_done(spooler, spooler.submit(printer.url, make_ticket()).id)

        assert (job.state, job.error) == ("failed", "timeout")
        assert "status=off" in job.detail
        assert b"\x1b@" not in printer.received


def test_printer_ignoring_status_requests_prints_with_status_off(spooler):
    with FakeNetworkPrinter(answer_status=False) as printer:
        job = wait_done(spooler, spooler.submit(printer.url + "?status=off", make_ticket()).id)
        deadline = time.monotonic() + 1
        while not printer.received.endswith(b"\x1dV\x00") and time.monotonic() < deadline:
            time.sleep(0.01)

        assert job.state == "printed"
        assert b"A007" in printer.received


@pytest.mark.parametrize("url", ["lpt1:", "http://printer:9100", "tcp://:9100"])
def test_unsupported_url_fails_the_job_without_raising(spooler, url):
    job = wait_done(spooler, spooler.submit(url, make_ticket()).id)

    assert (job.state, job.error) == ("failed", "unsupported_url")


def test_submit_returns_at_once_even_when_the_printer_hangs(spooler):
    with FakeNetworkPrinter(hung=True) as printer:
        durations = []
        for _ in range(5):
            started = time.monotonic()
            job = spooler.submit(printer.url, make_ticket())
            durations.append(time.monotonic() - started)
            assert job.state == "queued"

        assert max(durations) < 0.5


def test_job_ids_are_long_random_tokens(spooler):
    ids = {spooler.submit("virtual://", make_ticket()).id for _ in range(50)}

    assert len(ids) == 50
    assert all(len(i) >= 20 for i in ids)


def test_failure_logs_never_contain_the_tracking_url(spooler, caplog):
    caplog.set_level(logging.DEBUG, logger="printer")
    with FakeNetworkPrinter(paper_out=True) as printer:
        wait_done(spooler, spooler.submit(printer.url, make_ticket()).id)
    wait_done(spooler, spooler.submit(f"tcp://127.0.0.1:{free_port()}", make_ticket()).id)

    assert "paper_out" in caplog.text and "offline" in caplog.text
    assert TRACKING_URL not in caplog.text
    assert "Zq3x9V0dK2mLr8PqWn4sHbT1" not in caplog.text


def test_check_asks_the_printer_now_and_updates_last_status(spooler):
    with FakeNetworkPrinter() as printer:
        assert spooler.last_status(printer.url) is None
        status = spooler.check(printer.url)

    assert (status.online, status.paper_ok) == (True, True)
    assert spooler.last_status(printer.url) == status
    assert spooler.check("nonsense").detail.startswith("unsupported_url")


class FrozenDriver:
    """A transport whose send never returns, like a driver that ignores its timeout."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def status(self, timeout: float) -> PrinterStatus:
        return PrinterStatus(True, None, "fake")

    def send(self, data: bytes, timeout: float) -> None:
        self.calls += 1
        self.release.wait()


def test_watchdog_ends_a_job_whose_driver_never_returns_and_fails_the_next_one_fast():
    frozen = FrozenDriver()
    spooler = Spooler(transport_for=lambda url: frozen, timeout=0.5)
    try:
        first = wait_done(spooler, spooler.submit("fake://frozen", make_ticket()).id)
        started = time.monotonic()
        second = wait_done(spooler, spooler.submit("fake://frozen", make_ticket()).id)

        assert first.error == "timeout"
        assert (first.finished_at - first.created_at).total_seconds() <= 0.5 + 1
        assert (second.error, time.monotonic() - started < 0.3) == ("timeout", True)
        assert frozen.calls == 1  # no second thread piled onto the frozen driver
    finally:
        frozen.release.set()
        spooler.shutdown()


class CountingPrinter:
    """A transport that records how many sends overlap in time."""

    def __init__(self) -> None:
        self.active = self.peak = 0
        self.lock = threading.Lock()

    def status(self, timeout: float) -> PrinterStatus:
        return PrinterStatus(True, True, "fake")

    def send(self, data: bytes, timeout: float) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.05)
        with self.lock:
            self.active -= 1


def test_jobs_for_one_printer_run_one_at_a_time_even_with_several_workers():
    printer = CountingPrinter()
    spooler = Spooler(transport_for=lambda url: printer, timeout=1.0, workers=4)
    try:
        jobs = [spooler.submit("fake://one", make_ticket()) for _ in range(6)]
        assert [wait_done(spooler, j.id).state for j in jobs] == ["printed"] * 6
    finally:
        spooler.shutdown()

    assert printer.peak == 1


def test_only_the_last_max_jobs_kept_are_remembered():
    spooler = Spooler(timeout=1.0, max_jobs_kept=5)
    try:
        jobs = [spooler.submit("virtual://kept", make_ticket()) for _ in range(10)]
        for job in jobs:
            spooler.wait(job.id, 3)
        assert spooler.get(jobs[0].id) is None
        assert spooler.get(jobs[-1].id).state == "printed"
    finally:
        spooler.shutdown()


def test_shutdown_fails_queued_jobs_and_later_submissions_without_raising():
    frozen = FrozenDriver()
    spooler = Spooler(transport_for=lambda url: frozen, timeout=0.3, workers=1)
    try:
        spooler.submit("fake://frozen", make_ticket())
        queued = spooler.submit("fake://frozen", make_ticket())
        spooler.shutdown()
        late = spooler.submit("fake://frozen", make_ticket())

        assert spooler.get(queued.id).error in {"shutdown", "timeout"}
        assert (late.state, late.error) == ("failed", "shutdown")
    finally:
        frozen.release.set()
