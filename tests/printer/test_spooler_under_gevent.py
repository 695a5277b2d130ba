"""The spooler inside `guichet serve`, which runs under gevent: threads are greenlets there.

Each test runs a child process patched the way guichet.entry patches `guichet serve`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PATCH = "from guichet.entry import prepare\nassert prepare(['guichet', 'serve'], {}) == 'gevent'\n"

BLOCKING_DRIVER = (
    PATCH
    + """
import json, time
import gevent
from gevent import monkey
from printer import PrinterStatus, Spooler
from tests.printer.tickets import make_ticket

native_sleep = monkey.get_original("time", "sleep")


class UsbLike:
    blocks_in_c = True  # like pyusb: waits inside C, where no greenlet can run

    def status(self, timeout):
        return PrinterStatus(True, True, "fake")

    def send(self, data, timeout):
        native_sleep(3)


ticks = []


def ticker():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.01)


gevent.spawn(ticker)
gevent.sleep(0.05)
spooler = Spooler(transport_for=lambda url: UsbLike(), timeout=0.5)
started = time.monotonic()
job = spooler.wait(spooler.submit("usb://04b8:0e15", make_ticket()).id, 6)
elapsed = time.monotonic() - started
gevent.sleep(0.05)
print(json.dumps({
    "error": job.error,
    "elapsed": elapsed,
    "longest_pause": max(b - a for a, b in zip(ticks, ticks[1:])),
}))
"""
)


def run_patched(code: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def test_the_spooler_tests_pass_in_a_gevent_patched_process() -> None:
    done = run_patched(
        PATCH
        + "import sys, pytest\n"
        + "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests/printer/test_spooler.py']))\n"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_a_driver_blocking_in_c_neither_freezes_the_server_nor_escapes_the_watchdog() -> None:
    done = run_patched(BLOCKING_DRIVER)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["error"] == "timeout"
    assert result["elapsed"] < 1.5, result  # timeout 0.5 s + the watchdog's 0.5 s grace
    # Every other greenlet (screens, kiosks) kept running while the driver was stuck.
    assert result["longest_pause"] < 0.3, result
