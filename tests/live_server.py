"""Real `guichet serve` processes for the tests that need one: set-up through the CLI, start, stop.

The server is started through the `guichet` console script, as in production, so it runs under the
default server (gevent, patched by guichet.entry) unless the test passes `--server threading`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

GUICHET = str(Path(sys.executable).with_name("guichet"))
STARTUP_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without the developer's own GUICHET_* settings, plus the test's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_") or "_TEST_" in k}
    env.update(
        GUICHET_ENV="development",
        GUICHET_DATABASE_URL=database_url,
        GUICHET_PRINTER_URL="virtual://",
        # Booking e-mails as .eml files next to the database, never into the working tree.
        GUICHET_SMTP_URL="file://" + str(Path(tempfile.gettempdir()) / f"guichet-mail-{os.getpid()}"),
        # The browser tests book from one address faster than a citizen would.
        GUICHET_RATE_LIMITS="booking=300/60,hold=300/60,slots=1000/60,public_appointment=1000/60",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def cli(env: dict[str, str], *args: str, input: str | None = None, timeout: float = 120) -> str:
    """Run `guichet ARGS`; return its stdout, or raise with its output when it fails."""
    done = subprocess.run(
        [GUICHET, *args], env=env, input=input, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"guichet {' '.join(args)} exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
        )
    return done.stdout


@dataclass(frozen=True)
class DemoTokens:
    kiosk: str
    agent: str  # the demo manager: may call at any counter of the site
    display: str


DEMO_HOURS = ("mon-fri=08:30-12:30,13:30-17:30", "sat=09:00-12:00")  # the demo's opening hours


def set_demo_hours(env: dict[str, str], open_always: bool) -> None:
    """The demo site open whatever the hour of the run, or back to its own opening hours."""
    args = ("--clear",) if open_always else tuple(arg for spec in DEMO_HOURS for arg in ("--set", spec))
    cli(env, "site", "hours", "demo", *args)


def load_demo(env: dict[str, str], always_open: bool = True) -> DemoTokens:
    """Schema, demo site and one token of each kind, through the CLI as an administrator would."""
    cli(env, "db", "upgrade")
    cli(env, "demo")
    if always_open:
        set_demo_hours(env, open_always=True)
    device = ("--site", "demo", "--device")
    return DemoTokens(
        kiosk=cli(env, "token", "create", "--kind", "kiosk", *device, "Borne").strip(),
        agent=cli(env, "token", "create", "--kind", "agent", "--user", "manager").strip(),
        display=cli(env, "token", "create", "--kind", "display", *device, "Hall").strip(),
    )


class ServerProcess:
    """`guichet serve` on a fixed loopback port; it can be stopped and started again on the same port.

    Socket.IO accepts the public URL as its one origin, so each process gets its own URL as
    GUICHET_PUBLIC_URL. Every start writes its own log file (`logs()` reads them all).
    """

    def __init__(
        self,
        env: dict[str, str],
        logdir: Path,
        name: str = "server",
        port: int | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "GUICHET_PUBLIC_URL": self.url}
        self.logdir = logdir
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.logdir / f"{self.name}-{self.starts}.log"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> ServerProcess:
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        self.logdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [GUICHET, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
                env=self.env,
                cwd=self.logdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        last = "no answer yet"
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = requests.get(f"{self.url}/api/v1/health", timeout=1)
                if r.status_code == 200:
                    return self
                last = f"HTTP {r.status_code}"
            except requests.RequestException as exc:
                last = str(exc)
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"{self.name} not healthy within {STARTUP_DEADLINE_S:.0f} s ({last}):\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Send `sig` and wait; killed if it does not end in time. Its exit status (None if not running)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_DEADLINE_S)
            raise RuntimeError(f"{self.name} ignored signal {sig} for {STOP_DEADLINE_S:.0f} s") from None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def logs(self) -> str:
        return "".join(
            (self.logdir / f"{self.name}-{i}.log").read_text(errors="replace")
            for i in range(1, self.starts + 1)
        )
