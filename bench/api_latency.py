#!/usr/bin/env python3
"""API latency benchmark for Guichet: issue tickets, then call them, against a real `guichet serve`.

For each selected database (SQLite file, PostgreSQL schema) this script:

  1. makes a temporary directory and a fresh database (SQLite file in that directory, or a
     throw-away schema ``bench_<pid>`` in the PostgreSQL database ``test``);
  2. runs ``guichet db upgrade``, ``guichet demo`` and ``guichet token create`` (kiosk, manager);
  3. starts ``guichet serve`` on a free loopback port and waits for ``GET /api/v1/health``;
  4. issue phase: C threads POST N tickets in total (keep-alive session per thread), every
     answer must be 201; each request is timed;
  5. call phase: one thread per counter (at most C, only counters serving the issued services)
     loops call-next -> start -> finish until call-next answers 204; only call-next is timed;
     every issued ticket must be called exactly once;
  6. prints a table per database and stops the server (and drops the PostgreSQL schema),
     even on error.

Usage:  python bench/api_latency.py [--db sqlite|postgresql|both] [--tickets N] [--concurrency C]

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
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://127.0.0.1:5432/test"
SITE = "demo"
# Level-1 services of the demo site without a daily quota (ANTS_ID has a quota of 40/day).
# CAF..RETRAITE are served by counters 1-3; POSTE and ETAT_CIVIL also by counter 4.
SERVICES = ["CAF", "CPAM", "IMPOTS", "EMPLOI", "RETRAITE", "POSTE", "ETAT_CIVIL"]
HTTP_TIMEOUT = 60  # seconds, per request
HEALTH_TIMEOUT = 60  # seconds to wait for the server to answer /health
CLI_TIMEOUT = 300  # seconds for each `guichet` set-up command


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


# --------------------------------------------------------------------------- results


@dataclass
class OpStats:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    wall_s: float = 0.0
    show_rate: bool = True  # False for rows whose count is not a measure of work (final 204s)

    def row(self) -> tuple[str, int, float, float, float, float]:
        lat = sorted(self.latencies)
        n = len(lat)
        return (
            self.name,
            n,
            percentile(lat, 50) * 1000,
            percentile(lat, 99) * 1000,
            (lat[-1] if lat else float("nan")) * 1000,
            n / self.wall_s if self.wall_s > 0 and self.show_rate else float("nan"),
        )


@dataclass
class DbResult:
    kind: str
    dialect: str = "?"
    ops: list[OpStats] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def print_table(result: DbResult) -> None:
    header = ("operation", "requests", "p50 ms", "p99 ms", "max ms", "req/s")
    rows = [op.row() for op in result.ops]
    print(f"\n=== {result.kind} (server reports database: {result.dialect}) ===")
    print(f"{header[0]:<26} {header[1]:>9} {header[2]:>9} {header[3]:>9} {header[4]:>9} {header[5]:>9}")
    for name, n, p50, p99, mx, tput in rows:
        rate = "-" if math.isnan(tput) else f"{tput:.1f}"
        print(f"{name:<26} {n:>9} {p50:>9.1f} {p99:>9.1f} {mx:>9.1f} {rate:>9}")
    for note in result.notes:
        print(f"  - {note}")
    sys.stdout.flush()


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
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

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


# --------------------------------------------------------------------------- phases


def issue_phase(
    base: str, kiosk_token: str, total: int, concurrency: int
) -> tuple[OpStats, list[int], list[str]]:
    stats = OpStats("issue ticket (POST 201)")
    ids: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    shares = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)
    url = f"{base}/api/v1/sites/{SITE}/tickets"

    def worker(index: int, count: int) -> None:
        lat: list[float] = []
        got: list[int] = []
        errs: list[str] = []
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {kiosk_token}"
            barrier.wait()
            for k in range(count):
                service = SERVICES[(index + k * concurrency) % len(SERVICES)]
                t0 = time.perf_counter()
                try:
                    r = session.post(url, json={"service": service}, timeout=HTTP_TIMEOUT)
                except requests.RequestException as exc:
                    errs.append(f"issue {service}: {type(exc).__name__}: {exc}")
                    continue
                lat.append(time.perf_counter() - t0)
                if r.status_code == 201:
                    got.append(int(r.json()["id"]))
                else:
                    errs.append(f"issue {service}: HTTP {r.status_code} {r.text[:200]}")
        with lock:
            stats.latencies.extend(lat)
            ids.extend(got)
            errors.extend(errs)

    threads = [threading.Thread(target=worker, args=(i, n), daemon=True) for i, n in enumerate(shares)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    stats.wall_s = time.perf_counter() - start
    return stats, ids, errors


def counters_for_services(base: str, agent_token: str) -> list[int]:
    r = requests.get(
        f"{base}/api/v1/sites/{SITE}/counters",
        headers={"Authorization": f"Bearer {agent_token}"},
        timeout=HTTP_TIMEOUT,
    )
    if r.status_code != 200:
        raise BenchError(f"GET counters: HTTP {r.status_code} {r.text[:300]}")
    wanted = set(SERVICES)
    return [c["id"] for c in r.json()["counters"] if wanted & {s["code"] for s in c["services"]}]


def call_phase(
    base: str, agent_token: str, counter_ids: list[int], total: int
) -> tuple[OpStats, OpStats, list[int], list[str]]:
    called = OpStats("call-next (200)")
    empty = OpStats("call-next (204, empty)", show_rate=False)
    ids: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(counter_ids) + 1)
    max_iterations = total + 10  # bounded: a caller cannot be given more tickets than exist

    def worker(counter_id: int) -> None:
        lat_ok: list[float] = []
        lat_empty: list[float] = []
        got: list[int] = []
        errs: list[str] = []
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {agent_token}"
            barrier.wait()
            for _ in range(max_iterations):
                t0 = time.perf_counter()
                try:
                    r = session.post(f"{base}/api/v1/counters/{counter_id}/call-next", timeout=HTTP_TIMEOUT)
                except requests.RequestException as exc:
                    errs.append(f"counter {counter_id} call-next: {type(exc).__name__}: {exc}")
                    break
                elapsed = time.perf_counter() - t0
                if r.status_code == 204:
                    lat_empty.append(elapsed)
                    break
                if r.status_code != 200:
                    errs.append(f"counter {counter_id} call-next: HTTP {r.status_code} {r.text[:200]}")
                    break
                lat_ok.append(elapsed)
                ticket_id = int(r.json()["id"])
                got.append(ticket_id)
                try:
                    r1 = session.post(f"{base}/api/v1/tickets/{ticket_id}/start", timeout=HTTP_TIMEOUT)
                    r2 = (
                        session.post(
                            f"{base}/api/v1/tickets/{ticket_id}/finish",
                            json={"outcome": "resolved"},
                            timeout=HTTP_TIMEOUT,
                        )
                        if r1.status_code == 200
                        else None
                    )
                except requests.RequestException as exc:
                    errs.append(f"counter {counter_id} start/finish {ticket_id}: {type(exc).__name__}: {exc}")
                    break
                if r1.status_code != 200 or r2 is None or r2.status_code != 200:
                    bad = r1 if r1.status_code != 200 else r2
                    errs.append(
                        f"counter {counter_id} start/finish {ticket_id}: "
                        f"HTTP {bad.status_code} {bad.text[:200]}"
                    )
                    break
            else:
                errs.append(f"counter {counter_id}: no 204 after {max_iterations} calls")
        with lock:
            called.latencies.extend(lat_ok)
            empty.latencies.extend(lat_empty)
            ids.extend(got)
            errors.extend(errs)

    threads = [threading.Thread(target=worker, args=(cid,), daemon=True) for cid in counter_ids]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    called.wall_s = empty.wall_s = time.perf_counter() - start
    return called, empty, ids, errors


# --------------------------------------------------------------------------- one database


def pg_schema_create(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')


def pg_schema_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def cpu_note(before: float | None, after: float | None, wall: float) -> str:
    if before is None or after is None or wall <= 0:
        return "server CPU n/a"
    return f"server process CPU {after - before:.1f} s ({(after - before) / wall:.0%} of one core)"


def run_one(kind: str, tickets: int, concurrency: int) -> DbResult:
    result = DbResult(kind)
    workdir = Path(tempfile.mkdtemp(prefix=f"guichet-bench-{kind}-"))
    schema = f"bench_{os.getpid()}"
    schema_made = False
    server: Server | None = None
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
        kiosk = run_cli(
            ["token", "create", "--kind", "kiosk", "--site", SITE, "--device", "bench-kiosk"], env, workdir
        ).strip()
        agent = run_cli(["token", "create", "--kind", "agent", "--user", "manager"], env, workdir).strip()
        setup_s = time.perf_counter() - t0

        server = Server(env, workdir, port)
        health = server.wait_healthy()
        result.dialect = health.get("database", "?")

        conn_before = CONNECTIONS.count
        cpu0 = server.cpu_seconds()
        issue, issued_ids, issue_errors = issue_phase(server.base, kiosk, tickets, concurrency)
        result.ops.append(issue)
        issue_conns = CONNECTIONS.count - conn_before
        cpu1 = server.cpu_seconds()
        if issue_errors:
            raise BenchError(f"{len(issue_errors)} issue errors, first: {issue_errors[:5]}")
        if len(issued_ids) != tickets or len(set(issued_ids)) != tickets:
            raise BenchError(
                f"issued {len(issued_ids)} ids ({len(set(issued_ids))} distinct), expected {tickets}"
            )

        counter_ids = counters_for_services(server.base, agent)[:concurrency]
        if not counter_ids:
            raise BenchError("no counter serves the benchmark's services")
        conn_before = CONNECTIONS.count
        called, empty, called_ids, call_errors = call_phase(server.base, agent, counter_ids, tickets)
        result.ops.extend([called, empty])
        call_conns = CONNECTIONS.count - conn_before
        cpu2 = server.cpu_seconds()
        if call_errors:
            raise BenchError(f"{len(call_errors)} call errors, first: {call_errors[:5]}")
        dupes = len(called_ids) - len(set(called_ids))
        if dupes:
            raise BenchError(f"{dupes} tickets were called more than once")
        if set(called_ids) != set(issued_ids):
            missing = set(issued_ids) - set(called_ids)
            extra = set(called_ids) - set(issued_ids)
            raise BenchError(
                f"called {len(called_ids)} of {tickets}: {len(missing)} never called, "
                f"{len(extra)} unknown ids"
            )

        log = server.log_text()
        result.notes += [
            f"set-up (db upgrade + demo + 2 tokens via CLI): {setup_s:.1f} s",
            f"issue phase: {concurrency} clients, wall {issue.wall_s:.2f} s, "
            f"{cpu_note(cpu0, cpu1, issue.wall_s)}, "
            f"services round-robin {','.join(SERVICES)}; new TCP connections: {issue_conns}",
            f"call phase: {len(counter_ids)} callers on counters {counter_ids} (manager token), "
            f"wall {called.wall_s:.2f} s incl. untimed start+finish, "
            f"{cpu_note(cpu1, cpu2, called.wall_s)}; "
            f"{len(called_ids)} called, 0 duplicates, all {tickets} issued tickets called once; "
            f"call cycles/s {len(called_ids) / called.wall_s:.1f}; new TCP connections: {call_conns}",
            "req/s = requests of that row / wall-clock of its phase",
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
        if server is not None:
            server.stop()
        if schema_made:
            try:
                pg_schema_drop(schema)
            except Exception as exc:  # report, do not mask the original error
                print(f"warning: could not drop schema {schema}: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- main


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--tickets", type=int, default=2000, help="tickets issued (and called) per database")
    ap.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="concurrent clients in the issue phase; "
        "the call phase uses min(C, counters serving the services) callers",
    )
    args = ap.parse_args(argv)
    if args.tickets < 1 or args.concurrency < 1:
        ap.error("--tickets and --concurrency must be at least 1")

    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"Guichet API latency benchmark: {args.tickets} tickets, concurrency {args.concurrency}")
    for line in machine_info():
        print(line)
    sys.stdout.flush()
    failures = 0
    for kind in kinds:
        try:
            result = run_one(kind, args.tickets, args.concurrency)
        except BenchError as exc:
            failures += 1
            print(f"\n=== {kind}: FAILED ===\n{exc}", file=sys.stderr)
            continue
        print_table(result)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
