#!/usr/bin/env python3
"""API throughput and latency benchmark for Guichet: issue, call-next and both at once, against a real
`guichet serve`, at several numbers of concurrent clients.

For each selected database (SQLite file, PostgreSQL schema) this script:

  1. makes a temporary directory and a fresh database (SQLite file in that directory, or a
     throw-away schema ``bench_<pid>`` in the PostgreSQL database ``test``);
  2. runs ``guichet db upgrade``, ``guichet demo``, ``guichet site hours demo --clear`` (the demo
     site is then open at any hour) and ``guichet token create`` (kiosk, manager);
  3. starts ``guichet serve`` on a free loopback port, waits for ``GET /api/v1/health``, checks that
     every benchmark service issues now, and adds counters so that each counter client has its own
     (unless ``--demo-counters``);
  4. for each C of ``--clients``, one round per phase, each ``--seconds`` long (or ``--tickets``
     operations), C threads with one keep-alive ``requests.Session`` each:
       issue:  C kiosks POST tickets;
       call:   C counters loop call-next -> start -> finish, from a queue topped up to ``--queue``;
       mixed:  C//2 kiosks issue while the other C - C//2 counters call, start and finish;
     every request is timed and the server process's CPU is read from /proc around each round;
  5. checks that every issue answered 201, that no ticket was called twice, that ticket numbers are
     unique, and, in the database itself, that every called ticket is done with one call and every
     other one still waits;
  6. prints a table per database and stops the server (and drops the PostgreSQL schema), even on error.

Usage:  python bench/api_latency.py [--db sqlite|postgresql|both] [--clients 1,8,32]
                                    [--seconds S | --tickets N] [--queue W] [--demo-counters]

Only loopback addresses are used; every loop is bounded.  Nothing in the repository is written.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://127.0.0.1:5432/test"
PG_PORT = 5432
SITE = "demo"
# Level-1 services of the demo site without a daily quota (ANTS_ID has a quota of 40/day).
# CAF..RETRAITE are served by counters 1-3; POSTE and ETAT_CIVIL also by counter 4.
SERVICES = ["CAF", "CPAM", "IMPOTS", "EMPLOI", "RETRAITE", "POSTE", "ETAT_CIVIL"]
BENCH_COUNTER_BASE = 100  # counters the benchmark adds are numbered 101, 102, ...
FILL_CLIENTS = 4  # threads that top the queue up between rounds (untimed)
IDLE_WAIT = 0.02  # seconds a mixed-round counter waits after a 204 before it calls again
HTTP_TIMEOUT = 60  # seconds, per request
HEALTH_TIMEOUT = 60  # seconds to wait for the server to answer /health
CLI_TIMEOUT = 300  # seconds for each `guichet` set-up command
BARRIER_TIMEOUT = 120  # seconds for a round's threads to be ready
ROUND_TIMEOUT = 900  # seconds: a round's thread that has not ended by then fails the run


class BenchError(RuntimeError):
    """The run could not complete or a correctness check failed."""


# --------------------------------------------------------------------------- helpers


def guichet_exe() -> str:
    """The console script next to the running interpreter, else the project's venv, else PATH."""
    for candidate in (Path(sys.executable).parent / "guichet", REPO / ".venv" / "bin" / "guichet"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("guichet")
    if found:
        return found
    raise BenchError("cannot find the `guichet` console script (activate /work/main/.venv)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class ConnectionCounter(logging.Handler):
    """Counts new TCP connections opened by urllib3 (to show that keep-alive is effective)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Starting new HTTP connection"):
            with self._lock:
                self.count += 1


CONNECTIONS = ConnectionCounter()
_u3 = logging.getLogger("urllib3.connectionpool")
_u3.setLevel(logging.DEBUG)
_u3.addHandler(CONNECTIONS)
_u3.propagate = False


def clean_env(database_url: str, workdir: Path, port: int | None = None) -> dict[str, str]:
    """The caller's environment without any GUICHET_* setting, plus the benchmark's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env["GUICHET_DATABASE_URL"] = database_url
    env["GUICHET_ENV"] = "development"
    env["GUICHET_LOG_LEVEL"] = "INFO"
    if port is not None:
        env["GUICHET_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env["PYTHONUNBUFFERED"] = "1"
    env["HOME"] = env.get("HOME", str(workdir))
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        [guichet_exe(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=CLI_TIMEOUT
    )
    if proc.returncode != 0:
        raise BenchError(f"`guichet {' '.join(args)}` failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def cpu_note(before: float | None, after: float | None, wall: float) -> str:
    if before is None or after is None or wall <= 0:
        return "server CPU n/a"
    return f"server process CPU {after - before:.1f} s ({(after - before) / wall:.0%} of one core)"


def machine_cpu() -> tuple[float, float] | None:
    """(busy CPU seconds of the whole machine from /proc/stat, this process's CPU seconds)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait (guest is in user)
    return busy / os.sysconf("SC_CLK_TCK"), time.process_time()


def proc_cpu_seconds(pid: int) -> float | None:
    """User+system CPU time of a process so far (Linux /proc), None if it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------- server


class Server:
    """`guichet serve` (the console script, so gevent unless `args` say otherwise) as a child process;
    always stopped by `stop()`. Shared by the benchmarks of bench/."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int, args: tuple[str, ...] = ()) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = cwd / "server.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [guichet_exe(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self) -> dict:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        last: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = requests.get(f"{self.base}/api/v1/health", timeout=2)
                if r.status_code == 200:
                    return r.json()
                last = f"HTTP {r.status_code}"
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.1)
        raise BenchError(f"server not healthy after {HEALTH_TIMEOUT}s (last: {last}):\n{self.log_tail()}")

    def cpu_seconds(self) -> float | None:
        """User+system CPU time of the server process so far (Linux /proc), None elsewhere."""
        return proc_cpu_seconds(self.proc.pid)

    def log_text(self) -> str:
        self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


class PgBackends:
    """CPU of the PostgreSQL backends that serve the server's own connections: matched by the
    server's TCP ports to 5432 (its socket inodes in /proc), so other users of the database are left
    out. Backends that closed between two readings are not counted (a lower bound)."""

    def __init__(self, server_pid: int, schema: str) -> None:
        import psycopg

        self.server_pid = server_pid
        self.conn = psycopg.connect(PG_ADMIN_URL, autocommit=True)
        self.schema = schema

    def _server_ports(self) -> list[int]:
        inodes = set()
        fd_dir = Path(f"/proc/{self.server_pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        ports = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                cols = line.split()
                if len(cols) > 9 and cols[9] in inodes and int(cols[2].rsplit(":", 1)[1], 16) == PG_PORT:
                    ports.append(int(cols[1].rsplit(":", 1)[1], 16))
        return ports

    def reading(self) -> dict[int, float]:
        """CPU seconds so far of each backend serving the server now, by backend pid."""
        ports = self._server_ports()
        if not ports:
            return {}
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s) AND datname = 'test'", (ports,)
        ).fetchall()
        out = {}
        for (pid,) in rows:
            cpu = proc_cpu_seconds(pid)
            if cpu is not None:
                out[pid] = cpu
        return out

    @staticmethod
    def delta(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- the run's ledger


class Ledger:
    """Every ticket the benchmark issued and called on one database, across all its rounds; the
    client-side half of the correctness checks (the database check is the other half)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued: dict[int, str] = {}  # ticket id -> number
        self.numbers: set[str] = set()
        self.called: set[int] = set()

    def add_issued(self, ticket_id: int, number: str) -> str | None:
        with self.lock:
            if ticket_id in self.issued:
                return f"ticket id {ticket_id} issued twice"
            if number in self.numbers:
                return f"number {number} given to two tickets (second: id {ticket_id})"
            self.issued[ticket_id] = number
            self.numbers.add(number)
        return None

    def add_called(self, ticket_id: int) -> str | None:
        with self.lock:
            if ticket_id in self.called:
                return f"ticket {ticket_id} ({self.issued.get(ticket_id)}) called twice"
            if ticket_id not in self.issued:
                return f"call-next gave ticket {ticket_id}, which the benchmark never issued"
            self.called.add(ticket_id)
        return None

    @property
    def waiting(self) -> int:
        with self.lock:
            return len(self.issued) - len(self.called)


class Stop:
    """When a round's clients stop: after `seconds`, after `count` operations in all, or when `until`
    is set (the mixed round's counters stop when its kiosks have stopped). Bounded either way."""

    def __init__(
        self, seconds: float | None = None, count: int | None = None, until: threading.Event | None = None
    ) -> None:
        self.seconds, self.left, self.until = seconds, count, until
        self.deadline: float | None = None
        self._lock = threading.Lock()

    def arm(self) -> None:
        if self.seconds is not None:
            self.deadline = time.monotonic() + self.seconds

    def take(self) -> bool:
        if self.until is not None and self.until.is_set():
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.left is None:
            return True
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


# --------------------------------------------------------------------------- rounds


ISSUE, CALL_200, CALL_204, START, FINISH = (
    "issue (201)",
    "call-next (200)",
    "call-next (204)",
    "start",
    "finish",
)
KINDS = [ISSUE, CALL_200, CALL_204, START, FINISH]


@dataclass
class Round:
    phase: str  # issue, call, mixed (fill: untimed top-up, not reported as a row)
    clients: int  # C asked for
    issuers: int = 0
    counters: list[int] = field(default_factory=list)
    waiting_start: int | None = None
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float | None = None
    db_cpu_s: float | None = None  # PostgreSQL backends of the server
    machine: str = ""
    connections: int = 0

    @property
    def issued(self) -> int:
        return len(self.latencies[ISSUE])

    @property
    def cycles(self) -> int:
        return len(self.latencies[FINISH])

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def label(self) -> str:
        if self.phase == "mixed":
            return f"{self.issuers}+{len(self.counters)}"
        n = self.issuers if self.phase == "issue" else len(self.counters)
        return str(n) if n == self.clients else f"{n} of {self.clients}"


class Client:
    """One round's thread: a keep-alive session, its own latencies, merged into the round at the end."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.lat: dict[str, list[float]] = {k: [] for k in KINDS}
        self.errors: list[str] = []

    def post(self, path: str, body: dict | None = None) -> tuple[requests.Response | None, float]:
        t0 = time.perf_counter()
        try:
            r = self.session.post(f"{self.base}{path}", json=body, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            self.errors.append(f"POST {path}: {type(exc).__name__}: {exc}")
            return None, 0.0
        return r, time.perf_counter() - t0

    def issue_loop(self, ledger: Ledger, stop: Stop, offset: int) -> None:
        k = offset
        while stop.take():
            service = SERVICES[k % len(SERVICES)]
            k += 1
            r, elapsed = self.post(f"/api/v1/sites/{SITE}/tickets", {"service": service})
            if r is None:
                return
            if r.status_code != 201:
                self.errors.append(f"issue {service}: HTTP {r.status_code} {r.text[:200]}")
                return
            self.lat[ISSUE].append(elapsed)
            body = r.json()
            problem = ledger.add_issued(int(body["id"]), str(body["number"]))
            if problem:
                self.errors.append(problem)
                return

    def counter_loop(self, ledger: Ledger, stop: Stop, counter_id: int, idle_wait: float | None) -> None:
        """call-next -> start -> finish until `stop`; a 204 ends the loop, or (mixed) waits and retries."""
        while stop.take():
            r, elapsed = self.post(f"/api/v1/counters/{counter_id}/call-next")
            if r is None:
                return
            if r.status_code == 204:
                self.lat[CALL_204].append(elapsed)
                if idle_wait is None:
                    return
                time.sleep(idle_wait)
                continue
            if r.status_code != 200:
                self.errors.append(f"counter {counter_id} call-next: HTTP {r.status_code} {r.text[:200]}")
                return
            self.lat[CALL_200].append(elapsed)
            body = r.json()
            ticket_id = int(body["id"])
            if body.get("status") != "called" or (body.get("counter") or {}).get("id") != counter_id:
                self.errors.append(
                    f"counter {counter_id} call-next gave {body.get('status')} at {body.get('counter')}"
                )
                return
            problem = ledger.add_called(ticket_id)
            if problem:
                self.errors.append(problem)
                return
            for kind, path, payload in (
                (START, f"/api/v1/tickets/{ticket_id}/start", None),
                (FINISH, f"/api/v1/tickets/{ticket_id}/finish", {"outcome": "resolved"}),
            ):
                r, elapsed = self.post(path, payload)
                if r is None:
                    return
                if r.status_code != 200:
                    self.errors.append(
                        f"counter {counter_id} {kind} {ticket_id}: HTTP {r.status_code} {r.text[:200]}"
                    )
                    return
                self.lat[kind].append(elapsed)


def run_round(
    rnd: Round,
    server: Server,
    pg: PgBackends | None,
    kiosk: str,
    agent: str,
    ledger: Ledger,
    issue_stop: Stop,
    call_stop: Stop,
    idle_wait: float | None,
) -> Round:
    """Run one round's threads together (a barrier releases them at once) and read the CPU around it."""
    lock = threading.Lock()
    jobs: list[tuple[Client, Callable[[Client], None]]] = []
    for i in range(rnd.issuers):
        jobs.append((Client(server.base, kiosk), lambda c, i=i: c.issue_loop(ledger, issue_stop, i)))
    for cid in rnd.counters:
        jobs.append(
            (Client(server.base, agent), lambda c, cid=cid: c.counter_loop(ledger, call_stop, cid, idle_wait))
        )
    barrier = threading.Barrier(len(jobs) + 1)

    def thread_body(client: Client, job: Callable[[Client], None]) -> None:
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            job(client)
        except Exception as exc:  # a crashed client must fail the run, not vanish
            client.errors.append(f"client thread: {type(exc).__name__}: {exc}")
        finally:
            client.session.close()
            with lock:
                for kind, values in client.lat.items():
                    rnd.latencies[kind].extend(values)
                rnd.errors.extend(client.errors)

    threads = [threading.Thread(target=thread_body, args=job, daemon=True) for job in jobs]
    issuer_threads = threads[: rnd.issuers]
    for t in threads:
        t.start()
    conns0 = CONNECTIONS.count
    m0, s0, d0 = machine_cpu(), server.cpu_seconds(), pg.reading() if pg else None
    issue_stop.arm()
    call_stop.arm()
    barrier.wait(timeout=BARRIER_TIMEOUT)
    start = time.perf_counter()
    for t in issuer_threads:
        t.join(timeout=ROUND_TIMEOUT)
    if call_stop.until is not None:
        call_stop.until.set()  # the mixed round's counters stop with its kiosks
    for t in threads:
        t.join(timeout=ROUND_TIMEOUT)
    rnd.wall_s = time.perf_counter() - start
    m1, s1, d1 = machine_cpu(), server.cpu_seconds(), pg.reading() if pg else None
    if any(t.is_alive() for t in threads):
        rnd.errors.append(
            f"{sum(t.is_alive() for t in threads)} client threads still running after {ROUND_TIMEOUT}s"
        )
    rnd.connections = CONNECTIONS.count - conns0
    if s0 is not None and s1 is not None:
        rnd.server_cpu_s = s1 - s0
    if d0 is not None and d1 is not None:
        rnd.db_cpu_s = PgBackends.delta(d0, d1)
    rnd.machine = cpu_split(m0, m1, rnd.server_cpu_s, rnd.db_cpu_s, rnd.wall_s)
    return rnd


def cpu_split(
    m0: tuple[float, float] | None,
    m1: tuple[float, float] | None,
    server: float | None,
    db: float | None,
    wall: float,
) -> str:
    """The machine's CPU during a round, split into server, PostgreSQL backends, this client, others."""
    if m0 is None or m1 is None or server is None or wall <= 0:
        return "machine CPU n/a"
    machine, client = m1[0] - m0[0], m1[1] - m0[1]
    pg = f", its PostgreSQL backends {db / wall:.2f}" if db is not None else ""
    other = max(machine - server - client - (db or 0.0), 0.0)
    return (
        f"machine {machine / wall:.2f} of {os.cpu_count()} cores busy: server {server / wall:.2f}{pg}, "
        f"benchmark client {client / wall:.2f}, others {other / wall:.2f}"
    )


# --------------------------------------------------------------------------- set-up and checks


def api_get(base: str, path: str, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.get(f"{base}{path}", headers=headers, timeout=HTTP_TIMEOUT)
    if r.status_code != 200:
        raise BenchError(f"GET {path}: HTTP {r.status_code} {r.text[:300]}")
    return r.json()


def services_state(base: str) -> dict[str, dict]:
    """The public service listing (open or not, and how many wait), by service code."""
    return {sv["code"]: sv for sv in api_get(base, f"/api/v1/sites/{SITE}/services")["services"]}


def check_services_open(base: str) -> None:
    listing = services_state(base)
    closed = {
        code: (listing[code].get("closed_reason"), listing[code].get("next_opening"))
        for code in SERVICES
        if code not in listing or not listing[code].get("open")
    }
    if closed:
        raise BenchError(f"services that do not issue now (reason, next opening): {closed}")


def check_waiting(base: str, ledger: Ledger) -> int:
    """The waiting count the server shows must be the benchmark's own count (issued - called)."""
    listing = services_state(base)
    on_server = sum(int(sv.get("waiting") or 0) for sv in listing.values())
    expected = ledger.waiting
    if on_server != expected:
        raise BenchError(f"the server shows {on_server} waiting tickets, the benchmark expects {expected}")
    return expected


def prepare_counters(base: str, agent: str, wanted: int, add: bool) -> tuple[list[int], str]:
    """Counters serving the benchmark's services: the demo's, then (with `add`) new ones serving all of
    them, so that each counter client has a counter of its own (one ticket at a time per counter)."""
    listing = api_get(base, f"/api/v1/sites/{SITE}/counters", agent)["counters"]
    wanted_codes = set(SERVICES)
    demo = [c for c in listing if wanted_codes & {s["code"] for s in c["services"]}]
    ids = [c["id"] for c in demo]
    note = f"demo counters serving the services: {[c['number'] for c in demo]}"
    if len(ids) >= wanted or not add:
        if len(ids) < wanted:
            note += f"; counter clients capped at {len(ids)} (--demo-counters)"
        return ids, note
    added = []
    for k in range(1, wanted - len(ids) + 1):
        number = BENCH_COUNTER_BASE + k
        r = requests.post(
            f"{base}/api/v1/sites/{SITE}/counters",
            headers={"Authorization": f"Bearer {agent}"},
            json={
                "number": number,
                "name": f"Banc {k}",
                "services": [{"code": c, "weight": 1.0} for c in SERVICES],
            },
            timeout=HTTP_TIMEOUT,
        )
        if r.status_code != 201:
            raise BenchError(f"create counter {number}: HTTP {r.status_code} {r.text[:300]}")
        ids.append(int(r.json()["id"]))
        added.append(number)
    note += f"; added {len(added)} counters {added[0]}-{added[-1]} serving all 7 services at weight 1"
    return ids, note


def fill_queue(server: Server, kiosk: str, agent: str, ledger: Ledger, target: int) -> tuple[int, float]:
    """Top the queue up to `target` waiting tickets (untimed, not a reported round)."""
    need = target - ledger.waiting
    if need <= 0:
        return 0, 0.0
    rnd = Round("fill", FILL_CLIENTS, issuers=min(FILL_CLIENTS, need))
    run_round(rnd, server, None, kiosk, agent, ledger, Stop(count=need), Stop(count=0), None)
    if rnd.errors:
        raise BenchError(f"filling the queue: {len(rnd.errors)} errors, first: {rnd.errors[:5]}")
    return rnd.issued, rnd.wall_s


def database_check(kind: str, workdir: Path, schema: str, ledger: Ledger) -> str:
    """Read the tickets and their call events in the database itself: every called ticket is done and
    was called once; every other one still waits, never called; no two tickets share a number."""
    sql_tickets = "SELECT id, number, state, business_day FROM tickets"
    sql_calls = "SELECT ticket_id, COUNT(*) FROM ticket_events WHERE to_state = 'called' GROUP BY ticket_id"
    if kind == "sqlite":
        with sqlite3.connect(f"file:{workdir / 'guichet.db'}?mode=ro", uri=True, timeout=30) as conn:
            tickets = conn.execute(sql_tickets).fetchall()
            calls = dict(conn.execute(sql_calls).fetchall())
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            tickets = conn.execute(sql_tickets).fetchall()
            calls = dict(conn.execute(sql_calls).fetchall())
    rows = {tid: (number, state) for tid, number, state, _day in tickets}
    problems = []
    by_number: dict[tuple, int] = {}
    for _tid, number, _state, day in tickets:
        by_number[(number, str(day))] = by_number.get((number, str(day)), 0) + 1
    shared = [n for n, k in by_number.items() if k > 1]
    if shared:
        problems.append(f"{len(shared)} numbers shared by several tickets, e.g. {shared[:3]}")
    missing = [tid for tid in ledger.issued if tid not in rows]
    if missing:
        problems.append(f"{len(missing)} issued tickets not in the database, e.g. {missing[:5]}")
    wrong_number = [tid for tid, n in ledger.issued.items() if tid in rows and rows[tid][0] != n]
    if wrong_number:
        problems.append(f"{len(wrong_number)} tickets whose number differs from the issue answer")
    bad_called = [t for t in ledger.called if rows.get(t, (None, None))[1] != "done" or calls.get(t) != 1]
    if bad_called:
        t = bad_called[0]
        problems.append(
            f"{len(bad_called)} called tickets not done-with-one-call, e.g. {t}: "
            f"state {rows.get(t, (None, None))[1]}, {calls.get(t, 0)} calls"
        )
    waiting = [t for t in ledger.issued if t not in ledger.called]
    bad_waiting = [t for t in waiting if rows.get(t, (None, None))[1] != "waiting" or calls.get(t)]
    if bad_waiting:
        t = bad_waiting[0]
        problems.append(
            f"{len(bad_waiting)} uncalled tickets not waiting, e.g. {t}: "
            f"state {rows.get(t, (None, None))[1]}, {calls.get(t, 0)} calls"
        )
    others = len(rows) - len(ledger.issued) + len(missing)
    if problems:
        raise BenchError("database check: " + "; ".join(problems))
    return (
        f"database check: {len(ledger.issued)} issued, numbers unique; {len(ledger.called)} called, each "
        f"done with exactly one call event; {len(waiting)} never called, all still waiting with none; "
        f"{others} tickets the benchmark did not issue"
    )


def pg_schema_create(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')


def pg_schema_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


# --------------------------------------------------------------------------- one database


@dataclass
class Options:
    clients: list[int]
    seconds: float | None
    tickets: int | None
    queue: int
    add_counters: bool

    def stop(self, until: threading.Event | None = None) -> Stop:
        return Stop(self.seconds, self.tickets, until)


@dataclass
class DbResult:
    kind: str
    dialect: str = "?"
    rounds: list[Round] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_one(kind: str, opts: Options) -> DbResult:
    result = DbResult(kind)
    workdir = Path(tempfile.mkdtemp(prefix=f"guichet-bench-{kind}-"))
    schema = f"bench_{os.getpid()}"
    schema_made = False
    server: Server | None = None
    pg: PgBackends | None = None
    ledger = Ledger()
    try:
        if kind == "sqlite":
            url = f"sqlite:///{workdir / 'guichet.db'}"
        else:
            pg_schema_create(schema)
            schema_made = True
            url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
        port = free_port()
        env = clean_env(url, workdir, port)
        t0 = time.perf_counter()
        run_cli(["db", "upgrade"], env, workdir)
        run_cli(["demo"], env, workdir)
        run_cli(["site", "hours", SITE, "--clear"], env, workdir)
        kiosk = run_cli(
            ["token", "create", "--kind", "kiosk", "--site", SITE, "--device", "bench-kiosk"], env, workdir
        ).strip()
        agent = run_cli(["token", "create", "--kind", "agent", "--user", "manager"], env, workdir).strip()
        setup_s = time.perf_counter() - t0

        server = Server(env, workdir, port)
        health = server.wait_healthy()
        result.dialect = health.get("database", "?")
        check_services_open(server.base)
        counters, counter_note = prepare_counters(server.base, agent, max(opts.clients), opts.add_counters)
        if not counters:
            raise BenchError("no counter serves the benchmark's services")
        if kind == "postgresql":
            pg = PgBackends(server.proc.pid, schema)
        result.notes += [
            f"set-up (CLI: db upgrade, demo, site hours --clear, 2 tokens): {setup_s:.1f} s; "
            "services issue now (site open, no service hours, no quota on these 7); " + counter_note,
        ]

        def finish_round(rnd: Round) -> None:
            if rnd.errors:
                raise BenchError(
                    f"{rnd.phase} round, {rnd.label} clients: {len(rnd.errors)} errors, "
                    f"first: {rnd.errors[:5]}"
                )
            result.rounds.append(rnd)

        for c in opts.clients:
            rnd = Round("issue", c, issuers=c, waiting_start=check_waiting(server.base, ledger))
            finish_round(run_round(rnd, server, pg, kiosk, agent, ledger, opts.stop(), Stop(count=0), None))
        filled: list[tuple[int, float]] = []
        for c in opts.clients:
            filled.append(fill_queue(server, kiosk, agent, ledger, max(opts.queue, opts.tickets or 0)))
            rnd = Round("call", c, counters=counters[:c], waiting_start=check_waiting(server.base, ledger))
            finish_round(run_round(rnd, server, pg, kiosk, agent, ledger, Stop(count=0), opts.stop(), None))
            if len(rnd.latencies[CALL_204]):
                result.notes.append(
                    f"call round {rnd.label}: {len(rnd.latencies[CALL_204])} counters found nothing left for "
                    "their services (204) and stopped before the round's end"
                )
        for c in opts.clients:
            filled.append(fill_queue(server, kiosk, agent, ledger, opts.queue))
            issuers, callers = max(1, c // 2), max(1, c - c // 2)
            rnd = Round("mixed", c, issuers=issuers, counters=counters[:callers])
            rnd.waiting_start = check_waiting(server.base, ledger)
            until = threading.Event()
            finish_round(
                run_round(rnd, server, pg, kiosk, agent, ledger, opts.stop(), Stop(until=until), IDLE_WAIT)
            )
        remaining = check_waiting(server.base, ledger)
        result.notes.append(database_check(kind, workdir, schema, ledger))
        log = server.log_text()
        result.notes += [
            f"client checks: every issue answered 201 ({len(ledger.issued)}), numbers unique, "
            f"every call-next gave a ticket the benchmark issued, none twice ({len(ledger.called)} called); "
            f"{remaining} left waiting, which the server's listing also counts",
            f"queue top-ups before the call and mixed rounds (untimed): "
            f"{sum(n for n, _ in filled)} tickets in {sum(s for _, s in filled):.1f} s",
            f"server log: {log.count('Traceback')} tracebacks, "
            f"{log.count('write conflict, retrying')} 'write conflict, retrying' warnings, "
            f"{sum(1 for line in log.splitlines() if ' ERROR ' in line)} ERROR lines",
        ]
        return result
    except BaseException:
        if server is not None:
            print(
                f"\n--- {kind}: server log tail ({server.log_path}) ---\n{server.log_tail()}", file=sys.stderr
            )
        raise
    finally:
        if pg is not None:
            pg.close()
        if server is not None:
            server.stop()
        if schema_made:
            try:
                pg_schema_drop(schema)
            except Exception as exc:  # report, do not mask the original error
                print(f"warning: could not drop schema {schema}: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- output


def ms(values: list[float], p: float) -> str:
    return "-" if not values else f"{percentile(sorted(values), p) * 1000:.1f}"


def per(total_s: float | None, n: int) -> str:
    return "-" if total_s is None or n == 0 else f"{total_s * 1000 / n:.1f}"


def summary_rows(rnd: Round) -> list[tuple[str, ...]]:
    """(phase, clients, waiting, ops, unit, ops/s, p50, p99, server CPU ms/op, ms/req, db CPU ms/op)."""
    wall = rnd.wall_s or float("nan")
    waiting = "-" if rnd.waiting_start is None else str(rnd.waiting_start)
    reqs = rnd.requests

    def row(phase: str, n: int, unit: str, lat: list[float] | None) -> tuple[str, ...]:
        return (
            phase,
            rnd.label,
            waiting,
            str(n),
            unit,
            f"{n / wall:.1f}",
            ms(lat, 50) if lat is not None else "-",
            ms(lat, 99) if lat is not None else "-",
            per(rnd.server_cpu_s, n),
            per(rnd.server_cpu_s, reqs),
            per(rnd.db_cpu_s, n),
        )

    if rnd.phase == "issue":
        return [row("issue", rnd.issued, "ticket", rnd.latencies[ISSUE])]
    if rnd.phase == "call":
        return [row("call", rnd.cycles, "cycle", rnd.latencies[CALL_200])]
    both = rnd.issued + rnd.cycles
    rows = [
        row("mixed: issue", rnd.issued, "ticket", rnd.latencies[ISSUE]),
        row("mixed: call", rnd.cycles, "cycle", rnd.latencies[CALL_200]),
        row("mixed: all", both, "op", None),
    ]
    # CPU per ticket or per cycle alone would charge the other kind's work to it: only the 'all' row.
    return [r[:8] + ("", "", "") for r in rows[:2]] + rows[2:]


def print_table(result: DbResult) -> None:
    print(f"\n=== {result.kind} (server reports database: {result.dialect}) ===")
    head = (
        "phase",
        "clients",
        "waiting",
        "ops",
        "unit",
        "ops/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/op",
        "ms/req",
        "db ms/op",
    )
    widths = (13, 8, 8, 6, 7, 8, 8, 8, 10, 7, 9)

    def line(cols: tuple[str, ...]) -> str:
        return " ".join(
            f"{c:<{w}}" if i in (0, 4) else f"{c:>{w}}"
            for i, (c, w) in enumerate(zip(cols, widths, strict=True))
        )

    print(line(head))
    for rnd in result.rounds:
        for r in summary_rows(rnd):
            print(line(r))
    print("\n  requests by kind (client-side latency, ms)")
    print(f"  {'round':<14} {'request':<16} {'count':>7} {'p50':>8} {'p99':>8} {'max':>8}")
    for rnd in result.rounds:
        name = f"{rnd.phase} {rnd.label}"
        for kind in KINDS:
            lat = sorted(rnd.latencies[kind])
            if not lat:
                continue
            print(
                f"  {name:<14} {kind:<16} {len(lat):>7} {ms(lat, 50):>8} {ms(lat, 99):>8} "
                f"{lat[-1] * 1000:>8.1f}"
            )
            name = ""
    print("\n  per round: wall-clock, machine CPU, new TCP connections")
    for rnd in result.rounds:
        print(
            f"  {rnd.phase + ' ' + rnd.label:<14} wall {rnd.wall_s:5.1f} s, {rnd.machine}; "
            f"new TCP connections {rnd.connections}"
        )
    for note in LEGEND + result.notes:
        print(f"  - {note}")
    sys.stdout.flush()


LEGEND = [
    "ops/s: operations / the round's wall-clock; a cycle is call-next + start + finish (3 requests); "
    "p50/p99: issue latency on ticket rows, call-next (200) latency on cycle rows",
    "CPU ms/op: server process CPU / ops; ms/req: the same CPU / every HTTP request of the round; "
    "db ms/op: CPU of the PostgreSQL backends of the server's connections, a lower bound (a backend that "
    "closed during the round, e.g. the pool's overflow beyond 10, is not counted); in mixed rounds only "
    "per op over tickets + cycles, since the two kinds share the server",
    "mixed C: C//2 kiosks issue while C - C//2 counters call (1+1 for C=1); waiting: tickets waiting at "
    "the round's start (the benchmark's count, equal to the server's listing)",
]


def machine_info() -> list[str]:
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        nproc = str(len(os.sched_getaffinity(0)))
    server_py = (
        subprocess.run(
            [
                str(Path(guichet_exe()).parent / "python"),
                "-c",
                "import sys, importlib.metadata as m; print(sys.version.split()[0], *(f'{p}={m.version(p)}' "
                "for p in ('flask','werkzeug','flask-socketio','sqlalchemy','psycopg')))",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        or "?"
    )
    return [
        f"machine: {platform.node()} {platform.system()} {platform.release()} {platform.machine()}, "
        f"nproc {nproc}, cpu_count {os.cpu_count()}",
        f"client python {platform.python_version()}, requests {requests.__version__}",
        "server: `guichet serve`, one process: gevent's WSGI server with Flask-SocketIO in gevent mode "
        "unless the benchmark says `--server threading` (Werkzeug's threaded server); SQLAlchemy pool 10+10",
        f"server python/packages: {server_py}",
    ]


def parse_clients(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a comma-separated list of numbers, e.g. 1,8,32") from exc
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("at least one number, each at least 1")
    return values


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    who = ap.add_mutually_exclusive_group()
    who.add_argument(
        "--clients", type=parse_clients, default=[1, 8, 32], help="concurrency levels (default 1,8,32)"
    )
    who.add_argument("--concurrency", type=int, help="one concurrency level (same as --clients C)")
    much = ap.add_mutually_exclusive_group()
    much.add_argument("--seconds", type=float, default=8.0, help="length of each round (default 8)")
    much.add_argument("--tickets", type=int, help="operations per round instead: tickets issued, call cycles")
    ap.add_argument(
        "--queue",
        type=int,
        default=1000,
        help="waiting tickets at the start of each call and mixed round (default 1000)",
    )
    ap.add_argument(
        "--demo-counters",
        action="store_true",
        help="use only the demo's counters (4 serve the services), capping the counter clients",
    )
    args = ap.parse_args(argv)
    clients = [args.concurrency] if args.concurrency is not None else args.clients
    if (
        min(clients) < 1
        or (args.tickets is not None and args.tickets < 1)
        or args.seconds <= 0
        or args.queue < 0
    ):
        ap.error("--clients/--concurrency, --tickets and --seconds must be positive, --queue at least 0")
    opts = Options(
        clients=clients,
        seconds=None if args.tickets is not None else args.seconds,
        tickets=args.tickets,
        queue=args.queue,
        add_counters=not args.demo_counters,
    )

    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    length = f"{args.tickets} operations" if args.tickets is not None else f"{args.seconds:g} s"
    print(
        f"Guichet API benchmark: clients {','.join(map(str, clients))}, rounds of {length}, "
        f"call and mixed rounds start with at least {args.queue} waiting"
    )
    for line in machine_info():
        print(line)
    sys.stdout.flush()
    failures = 0
    for kind in kinds:
        started = time.perf_counter()
        try:
            result = run_one(kind, opts)
        except BenchError as exc:
            failures += 1
            print(f"\n=== {kind}: FAILED ===\n{exc}", file=sys.stderr)
            continue
        result.notes.append(f"this database took {time.perf_counter() - started:.0f} s in all")
        print_table(result)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
