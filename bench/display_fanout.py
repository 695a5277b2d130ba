#!/usr/bin/env python3
"""Display fan-out benchmark for Guichet: how long a call takes to reach N waiting-room screens.

For each size N (default 10, 100, 500) the script:

  1. (once) makes a temporary directory and a fresh SQLite database, runs ``guichet db upgrade``,
     ``guichet demo``, ``guichet site hours demo --clear`` and ``guichet token create`` (kiosk,
     manager), then creates one display device and token per screen (``bench-display-NNN``) in this
     process through ``guichet.services.accounts.create_token`` (500 CLI runs would take minutes);
     ``--shared-token`` gives every screen the same token instead;
  2. starts one ``guichet serve`` (gevent unless ``--server threading``) on a free loopback port
     (SQLite; with ``--redis [URL]`` it also gets GUICHET_REDIS_URL, so every emit goes through the
     Redis message queue) and issues M tickets (services round-robin CAF, CPAM, IMPOTS, EMPLOI,
     RETRAITE) with the kiosk token, then makes one untimed call cycle (the first call-next of a
     fresh process is cold);
  3. reads the server's VmRSS and thread count from /proc, then starts P client processes (default 1)
     that share the N screens. Each screen is a python-socketio ``AsyncClient`` on the websocket
     transport, connected to the ``/display`` namespace with ``auth={"token": ...}``; at most
     ``--connect-concurrency`` connections are opened at once per process. A screen counts as
     connected when its ``snapshot`` has arrived; the time for all N is reported;
  4. makes M calls, one at a time, with the manager's agent token on counters 1, 2, 3 in turn:
     ``POST /api/v1/counters/<id>/call-next`` is sent at t0, and every screen stamps the arrival of
     ``ticket_called`` for that number (CLOCK_MONOTONIC, shared by the processes). The next call
     waits until every screen has it (at most 10 s), then the ticket is started and finished
     (``{"outcome": "resolved"}``, untimed) and the script pauses ``--gap`` seconds;
  5. disconnects the screens, reads the server's memory again, stops the server;
  6. prints, per N: latency (arrival - t0) over every (screen, call) pair, p50 / p99 / max, the
     connect times, the server's memory, and the CPU used by the server and by the client processes
     during the calls.

The client processes freeze their garbage collector once connected (``gc.freeze()``): a full collection
over 500 clients' objects took up to 75 ms and would pass for server latency. Their remaining
generation-2 pauses during the calls are reported.

``--refresh-on-hint`` makes each screen behave as displays did before ``queue_changed`` carried its
figures: on ``queue_changed`` it emits ``refresh`` (at most one pending per screen, 200 ms later) and
gets a new ``snapshot`` (comparison only; real screens no longer do this). ``--server threading``
runs ``guichet serve --server threading`` (Werkzeug's threaded server) instead of the default gevent
server, for comparison. ``--py-spy DIR`` records the GIL-holding threads of the server and of the
clients during the calls (collapsed stacks in DIR; ``pip install py-spy``). ``--keep-logs DIR`` keeps
the server logs.

Usage:  python bench/display_fanout.py [--sizes 10,100,500] [--calls 20] [--procs P] [--redis [URL]]

Needs aiohttp for python-socketio's asyncio client (``pip install aiohttp``). Only loopback addresses
are used; every wait is bounded. Nothing in the repository is written. It reuses the helpers of
bench/api_latency.py (server process, CLI, environment, percentiles).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import multiprocessing as mp
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import (  # noqa: E402  (bench/ is not a package)
    BenchError,
    Server,
    clean_env,
    free_port,
    machine_info,
    percentile,
    run_cli,
)
from kiosk_latency import machine_cpu  # noqa: E402

SITE = "demo"
NAMESPACE = "/display"
SERVICES = ["CAF", "CPAM", "IMPOTS", "EMPLOI", "RETRAITE"]  # no daily quota, all served by counters 1-3
COUNTERS = [1, 2, 3]
HTTP_TIMEOUT = 30  # seconds, per request
DELIVERY_DEADLINE = 10.0  # seconds for one call to reach every screen
CONNECT_DEADLINE = 600.0  # seconds for all screens to connect and get their snapshot
WORKER_START_DEADLINE = 60.0
THREADS_DEADLINE = 60.0  # seconds for the server's per-screen threads to end after the disconnects
REFRESH_DELAY = 0.2  # seconds: a screen answers a burst of hints with one refresh
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


# --------------------------------------------------------------------------- /proc readings


def proc_status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def rss_mib(pid: int) -> float:
    value = proc_status(pid).get("VmRSS", "")  # "123456 kB"
    return int(value.split()[0]) / 1024 if value else float("nan")


def threads(pid: int) -> int:
    return int(proc_status(pid).get("Threads", "0"))


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick
    except (OSError, ValueError, IndexError):
        return float("nan"), float("nan")


def cpu_seconds(pid: int) -> float:
    return sum(cpu_split(pid))


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of every live thread of a process."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        status = _task_status(pid, tid)
        total += int(status.get("voluntary_ctxt_switches", 0)) + int(
            status.get("nonvoluntary_ctxt_switches", 0)
        )
    return total


def _task_status(pid: int, tid: str) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/task/{tid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


# --------------------------------------------------------------------------- screens (client processes)


def screen_process(
    wid: int,
    url: str,
    tokens: list[str],
    concurrency: int,
    refresh_on_hint: bool,
    commands: Any,
    out: Any,
) -> None:
    """Entry point of one client process: its share of the screens, in one asyncio loop."""
    try:
        asyncio.run(_screens(wid, url, tokens, concurrency, refresh_on_hint, commands, out))
    except BaseException as exc:  # report, the main process decides
        out.put(("error", wid, f"{type(exc).__name__}: {exc}"))
        raise


async def _screens(
    wid: int,
    url: str,
    tokens: list[str],
    concurrency: int,
    refresh_on_hint: bool,
    commands: Any,
    out: Any,
) -> None:
    import socketio  # imported here: the client processes are spawned

    loop = asyncio.get_running_loop()
    share = len(tokens)
    firsts: dict[str, int] = {}  # number -> screens of this process that have it
    counts = {"duplicates": 0, "queue_changed": 0, "snapshots": 0, "refreshes": 0, "disconnects": 0}

    class Screen:
        def __init__(self) -> None:
            self.sio = socketio.AsyncClient(reconnection=False)
            self.arrivals: dict[str, float] = {}
            self.snapshot = asyncio.Event()
            self.refresh_pending = False
            self.sio.on("snapshot", self.on_snapshot, namespace=NAMESPACE)
            self.sio.on("ticket_called", self.on_called, namespace=NAMESPACE)
            self.sio.on("queue_changed", self.on_queue_changed, namespace=NAMESPACE)
            self.sio.on("disconnect", self.on_disconnect, namespace=NAMESPACE)

        def on_snapshot(self, _data: Any) -> None:
            counts["snapshots"] += 1
            self.snapshot.set()

        def on_called(self, data: dict) -> None:
            now = time.monotonic()
            number = data["number"]
            if number in self.arrivals:
                counts["duplicates"] += 1
                return
            self.arrivals[number] = now
            firsts[number] = firsts.get(number, 0) + 1
            if firsts[number] == share:
                out.put(("all", wid, number, now))

        def on_queue_changed(self, _data: Any) -> None:
            counts["queue_changed"] += 1
            if refresh_on_hint and not self.refresh_pending:
                self.refresh_pending = True
                loop.call_later(REFRESH_DELAY, lambda: asyncio.ensure_future(self.refresh()))

        async def refresh(self) -> None:
            self.refresh_pending = False
            counts["refreshes"] += 1
            try:
                await self.sio.emit("refresh", namespace=NAMESPACE)
            except Exception:
                counts["disconnects"] += 1

        def on_disconnect(self, *_args: Any) -> None:
            counts["disconnects"] += 1

        async def connect(self, token: str, gate: asyncio.Semaphore) -> float:
            async with gate:
                t0 = time.monotonic()
                await self.sio.connect(
                    url,
                    namespaces=[NAMESPACE],
                    transports=["websocket"],
                    auth={"token": token},
                    wait_timeout=60,
                )
                await asyncio.wait_for(self.snapshot.wait(), 60)
                return time.monotonic() - t0

    # The client's own garbage collector pauses delay every screen of this process: record them.
    gc_pauses: list[tuple[float, float]] = []  # (start, duration) of each generation-2 collection
    gc_start = [0.0]

    def gc_timer(phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            gc_start[0] = time.monotonic()
        else:
            gc_pauses.append((gc_start[0], time.monotonic() - gc_start[0]))

    gc.callbacks.append(gc_timer)
    screens = [Screen() for _ in tokens]
    out.put(("ready", wid, os.getpid()))
    if await loop.run_in_executor(None, commands.get) != "go":
        return
    gate = asyncio.Semaphore(concurrency)
    results = await asyncio.gather(
        *(s.connect(t, gate) for s, t in zip(screens, tokens, strict=True)), return_exceptions=True
    )
    failures = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    durations = [r for r in results if isinstance(r, float)]
    # What the connections built is kept until the end: move it out of the collector's sight, so that a
    # full collection in this process (75 ms seen with 500 screens) does not pass for server latency.
    gc.collect()
    gc.freeze()
    out.put(("connected", wid, time.monotonic(), durations, failures[:5], len(failures)))

    await loop.run_in_executor(None, commands.get)  # "disconnect"
    # Screens still listening keep counting their disconnects; those are expected now.
    counts_before = dict(counts)
    t0 = time.monotonic()
    await asyncio.gather(*(s.sio.disconnect() for s in screens), return_exceptions=True)
    out.put(
        (
            "done",
            wid,
            [s.arrivals for s in screens],
            counts_before,
            time.monotonic() - t0,
            gc_pauses,
        )
    )


# --------------------------------------------------------------------------- results


@dataclass
class SizeResult:
    n: int
    procs: int
    calls: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, every (screen, call) pair
    first: list[float] = field(default_factory=list)  # per call: the first screen to hear it
    last: list[float] = field(default_factory=list)  # per call: the last screen to hear it
    call_http: list[float] = field(default_factory=list)  # call-next round trip
    missing: int = 0
    connect_all_s: float = float("nan")
    connect_each: list[float] = field(default_factory=list)
    connect_failures: int = 0
    rss: dict[str, float] = field(default_factory=dict)
    threads: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float = float("nan")
    server_sys_s: float = float("nan")
    machine_cpu_s: float = float("nan")  # every process of the machine, during the calls
    switches: int = 0  # server threads' context switches during the calls (threads alive at both ends)
    client_cpu_s: float = float("nan")
    calls_wall_s: float = float("nan")
    counts: dict[str, int] = field(default_factory=dict)
    disconnect_s: float = float("nan")
    threads_back_s: float = float("nan")
    gc_pauses: list[tuple[float, float]] = field(default_factory=list)  # clients' gen-2 GC during the calls
    notes: list[str] = field(default_factory=list)


def ms(values: list[float], p: float | None) -> str:
    v = sorted(values)
    if not v:
        return "-"
    return f"{(v[-1] if p is None else percentile(v, p)) * 1000:.1f}"


def print_tables(results: list[SizeResult], calls: int) -> None:
    print(f"\n=== call -> ticket_called on every screen ({calls} calls per size) ===")
    print(
        f"{'screens':>7} {'pairs':>6} {'missing':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'first p50':>9} {'last p50':>9} {'last max':>9} {'call-next p50':>13}"
    )
    for r in results:
        print(
            f"{r.n:>7} {len(r.latencies):>6} {r.missing:>7} {ms(r.latencies, 50):>8} "
            f"{ms(r.latencies, 99):>8} {ms(r.latencies, None):>8} {ms(r.first, 50):>9} "
            f"{ms(r.last, 50):>9} {ms(r.last, None):>9} {ms(r.call_http, 50):>13}"
        )
    print("\n=== connections, server memory and CPU ===")
    print(
        f"{'screens':>7} {'connect all s':>13} {'each p50 ms':>11} {'each p99 ms':>11} "
        f"{'RSS MiB before/connected/after':>30} {'threads b/c/a':>15} "
        f"{'srv CPU ms/call':>15} {'cli CPU ms/call':>15}"
    )
    for r in results:
        rss = "/".join(f"{r.rss.get(k, float('nan')):.1f}" for k in ("before", "connected", "after"))
        th = "/".join(str(r.threads.get(k, "?")) for k in ("before", "connected", "after"))
        per_call = r.calls or 1
        print(
            f"{r.n:>7} {r.connect_all_s:>13.2f} {ms(r.connect_each, 50):>11} {ms(r.connect_each, 99):>11} "
            f"{rss:>30} {th:>15} {r.server_cpu_s / per_call * 1000:>15.1f} "
            f"{r.client_cpu_s / per_call * 1000:>15.1f}"
        )
    for r in results:
        for note in r.notes:
            print(f"  [{r.n}] {note}")
    sys.stdout.flush()


# --------------------------------------------------------------------------- set-up


def create_display_tokens(env: dict[str, str], count: int) -> list[str]:
    """One display device and token per screen, written straight into the (not yet served) database."""
    saved = {k: os.environ.get(k) for k in env if k.startswith("GUICHET_")}
    os.environ.update({k: v for k, v in env.items() if k.startswith("GUICHET_")})
    try:
        from guichet.db import Database
        from guichet.services.accounts import create_token
        from guichet.services.context import Context
        from guichet.settings import load_settings

        settings = load_settings()
        ctx = Context(db=Database(settings.database_url, pool_size=1), settings=settings)
        try:
            return [
                create_token(ctx, "display", site_slug=SITE, device_name=f"bench-display-{i:03d}")
                for i in range(count)
            ]
        finally:
            ctx.db.dispose()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class PySpy:
    """`py-spy record` on one process until stopped; collapsed stacks in `path`."""

    def __init__(self, pid: int, path: Path) -> None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.path = path
        self.proc = subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--gil",
                "--output",
                str(path),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate(timeout=10)
        return err.decode(errors="replace").strip().splitlines()[-1:][0] if err else ""


# --------------------------------------------------------------------------- one size


def run_size(
    n: int,
    tokens: list[str],
    env: dict[str, str],
    workdir: Path,
    kiosk: str,
    agent: str,
    args: argparse.Namespace,
) -> SizeResult:
    procs = max(1, min(args.procs, n))
    result = SizeResult(n, procs)
    port = free_port()
    run_dir = workdir / f"n{n}"
    run_dir.mkdir()
    senv = {**env, "GUICHET_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = Server(senv, run_dir, port, ("--server", args.server))
    ctx = mp.get_context("spawn")
    workers: list[Any] = []
    commands: list[Any] = []
    out = ctx.Queue()
    spies: list[PySpy] = []
    try:
        server.wait_healthy()
        http = requests.Session()
        ticket_ids: list[int] = []
        for i in range(args.calls):
            r = http.post(
                f"{server.base}/api/v1/sites/{SITE}/tickets",
                json={"service": SERVICES[i % len(SERVICES)]},
                headers={"Authorization": f"Bearer {kiosk}"},
                timeout=HTTP_TIMEOUT,
            )
            if r.status_code != 201:
                raise BenchError(f"issue: HTTP {r.status_code} {r.text[:300]}")
            ticket_ids.append(r.json()["id"])
        # The first call-next of a fresh process is cold (about 90 ms: statements compiled, code paths
        # loaded); a server runs for days, so one untimed call cycle comes first, before any screen.
        warm = warm_up(http, server.base, kiosk, agent)
        result.notes.append(
            f"warm-up call cycle before the screens connect (untimed): call-next {warm:.0f} ms"
        )
        time.sleep(0.5)
        pid = server.proc.pid
        result.rss["before"], result.threads["before"] = rss_mib(pid), threads(pid)

        screen_tokens = [tokens[0]] * n if args.shared_token else tokens[:n]
        shares = [screen_tokens[w::procs] for w in range(procs)]
        for w, share in enumerate(shares):
            cq = ctx.Queue()
            p = ctx.Process(
                target=screen_process,
                args=(w, server.base, share, args.connect_concurrency, args.refresh_on_hint, cq, out),
                daemon=True,
            )
            p.start()
            workers.append(p)
            commands.append(cq)
        pids = {}
        deadline = time.monotonic() + WORKER_START_DEADLINE
        while len(pids) < procs:
            msg = get(out, deadline, "client processes to start")
            if msg[0] == "ready":
                pids[msg[1]] = msg[2]
        t0 = time.monotonic()
        for cq in commands:
            cq.put("go")
        ends = []
        deadline = time.monotonic() + CONNECT_DEADLINE
        while len(ends) < procs:
            msg = get(out, deadline, f"{n} screens to connect")
            if msg[0] == "connected":
                _, wid, end, durations, failures, failed = msg
                ends.append(end)
                result.connect_each.extend(durations)
                result.connect_failures += failed
                if failed:
                    result.notes.append(
                        f"client process {wid}: {failed} screens failed to connect: {failures}"
                    )
        result.connect_all_s = max(ends) - t0
        if result.connect_failures:
            raise BenchError(f"{result.connect_failures} of {n} screens could not connect: {result.notes}")
        time.sleep(1.0)
        result.rss["connected"], result.threads["connected"] = rss_mib(pid), threads(pid)

        if args.py_spy:
            spy_dir = Path(args.py_spy)
            spy_dir.mkdir(parents=True, exist_ok=True)
            spies.append(PySpy(pid, spy_dir / f"server-n{n}.txt"))
            spies += [PySpy(p, spy_dir / f"clients-n{n}-{w}.txt") for w, p in sorted(pids.items())]
            time.sleep(1.0)
        machine0 = machine_cpu()
        cpu_srv0 = cpu_seconds(pid)
        sys_srv0 = cpu_split(pid)[1]
        switches0 = context_switches(pid)
        cpu_cli0 = sum(cpu_seconds(p) for p in pids.values())
        calls_t0 = time.monotonic()
        complete: dict[str, int] = {}  # number -> client processes whose screens all have it
        sent_at: dict[str, float] = {}
        auth = {"Authorization": f"Bearer {agent}"}
        for i in range(args.calls):
            counter = COUNTERS[i % len(COUNTERS)]
            t_send = time.monotonic()
            r = http.post(
                f"{server.base}/api/v1/counters/{counter}/call-next", headers=auth, timeout=HTTP_TIMEOUT
            )
            result.call_http.append(time.monotonic() - t_send)
            if r.status_code != 200:
                raise BenchError(f"call-next on counter {counter}: HTTP {r.status_code} {r.text[:300]}")
            number, ticket_id = r.json()["number"], r.json()["id"]
            sent_at[number] = t_send
            deadline = t_send + DELIVERY_DEADLINE
            while complete.get(number, 0) < procs and time.monotonic() < deadline:
                try:
                    msg = out.get(timeout=max(deadline - time.monotonic(), 0.01))
                except queue.Empty:
                    break
                if msg[0] == "all":
                    complete[msg[2]] = complete.get(msg[2], 0) + 1
                elif msg[0] == "error":
                    raise BenchError(f"client process {msg[1]} failed: {msg[2]}")
            if complete.get(number, 0) < procs:
                result.notes.append(f"call {number}: not every screen had it after {DELIVERY_DEADLINE:.0f} s")
            for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
                r = http.post(
                    f"{server.base}/api/v1/tickets/{ticket_id}/{action}",
                    json=body,
                    headers=auth,
                    timeout=HTTP_TIMEOUT,
                )
                if r.status_code != 200:
                    raise BenchError(f"{action} {number}: HTTP {r.status_code} {r.text[:300]}")
            time.sleep(args.gap)
        result.calls = args.calls
        calls_t1 = time.monotonic()
        result.calls_wall_s = calls_t1 - calls_t0
        result.server_cpu_s = cpu_seconds(pid) - cpu_srv0
        machine1 = machine_cpu()
        if machine0 and machine1:
            result.machine_cpu_s = machine1[0] - machine0[0]
        result.server_sys_s = cpu_split(pid)[1] - sys_srv0
        result.switches = context_switches(pid) - switches0
        result.client_cpu_s = sum(cpu_seconds(p) for p in pids.values()) - cpu_cli0
        for spy in spies:
            last = spy.stop()
            result.notes.append(f"py-spy wrote {spy.path}" + (f" ({last})" if last else ""))
        spies.clear()

        for cq in commands:
            cq.put("disconnect")
        arrivals: list[dict[str, float]] = []
        counts: dict[str, int] = {}
        deadline = time.monotonic() + 120
        done = 0
        disconnects: list[float] = []
        while done < procs:
            msg = get(out, deadline, "screens to disconnect")
            if msg[0] == "done":
                done += 1
                arrivals.extend(msg[2])
                for k, v in msg[3].items():
                    counts[k] = counts.get(k, 0) + v
                disconnects.append(msg[4])
                result.gc_pauses.extend(p for p in msg[5] if calls_t0 <= p[0] <= calls_t1)
        result.disconnect_s = max(disconnects)
        for p in workers:
            p.join(timeout=30)
        # A closed screen's last server thread ends with the websocket's read timeout (within ~30 s).
        t_closed = time.monotonic()
        while threads(pid) > result.threads["before"] + 2 and time.monotonic() - t_closed < THREADS_DEADLINE:
            time.sleep(0.5)
        result.threads_back_s = time.monotonic() - t_closed
        result.rss["after"], result.threads["after"] = rss_mib(pid), threads(pid)
        result.counts = counts

        for number, t_send in sent_at.items():
            times = [a[number] - t_send for a in arrivals if number in a]
            result.missing += n - len(times)
            result.latencies.extend(times)
            if times:
                result.first.append(min(times))
                result.last.append(max(times))
        log = server.log_text()
        result.notes.append(
            "last screen per call, in call order (ms): "
            + " ".join(f"{t * 1000:.0f}" for t in result.last)
            + "; call-next (ms): "
            + " ".join(f"{t * 1000:.0f}" for t in result.call_http)
        )
        result.notes.append(
            f"calls: {result.calls} in {result.calls_wall_s:.1f} s (gap {args.gap} s after each, untimed "
            f"start+finish); server CPU {result.server_cpu_s:.2f} s ({result.server_sys_s:.2f} s of it in "
            f"the kernel, {result.switches / result.calls:.0f} thread context switches per call), client "
            f"processes CPU {result.client_cpu_s:.2f} s over that time"
        )
        slow = [t for t in sent_at.values() if any(t <= g <= t + 0.2 for g, _ in result.gc_pauses)]
        result.notes.append(
            f"client processes' generation-2 garbage collections during the calls: {len(result.gc_pauses)}, "
            f"longest {max((d for _, d in result.gc_pauses), default=0) * 1000:.0f} ms; "
            f"{len(slow)} of them began within 200 ms after a call-next was sent"
        )
        others = result.machine_cpu_s - result.server_cpu_s - result.client_cpu_s
        result.notes.append(
            f"machine during the calls: {result.machine_cpu_s / result.calls_wall_s:.2f} of "
            f"{os.cpu_count()} cores busy; server {result.server_cpu_s / result.calls_wall_s:.2f}, client "
            f"processes {result.client_cpu_s / result.calls_wall_s:.2f}, this script and other processes "
            f"{max(others, 0) / result.calls_wall_s:.2f}"
        )
        result.notes.append(
            f"screens heard: {counts.get('queue_changed', 0)} queue_changed, "
            f"{counts.get('snapshots', 0)} snapshots ({counts.get('refreshes', 0)} refreshes asked), "
            f"{counts.get('duplicates', 0)} duplicate ticket_called, "
            f"{counts.get('disconnects', 0)} unexpected disconnects; {procs} client process(es), "
            f"{'one shared token' if args.shared_token else 'one token per screen'}"
        )
        result.notes.append(
            f"disconnecting every screen took {result.disconnect_s:.2f} s; the server's threads were back "
            f"to {result.threads['after']} {result.threads_back_s:.1f} s later (RSS and threads 'after' "
            "are read then)"
        )
        result.notes.append(
            f"server log: {log.count('Traceback')} tracebacks, "
            f"{sum(1 for line in log.splitlines() if ' ERROR ' in line)} ERROR lines"
        )
        for line, count in exceptions_in(log).most_common(3):
            result.notes.append(f"  {count} x {line[:200]}")
        return result
    except BaseException:
        print(f"\n--- n={n}: server log tail ({server.log_path}) ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for spy in spies:
            spy.stop()
        for cq in commands:
            cq.put("disconnect")
        for p in workers:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join(timeout=10)
        server.stop()
        if args.keep_logs:
            Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
            shutil.copy(server.log_path, Path(args.keep_logs) / f"server-n{n}.log")


def warm_up(http: requests.Session, base: str, kiosk: str, agent: str) -> float:
    """Issue, call, start and finish one ticket; the call-next round trip in ms."""
    r = http.post(
        f"{base}/api/v1/sites/{SITE}/tickets",
        json={"service": SERVICES[0]},
        headers={"Authorization": f"Bearer {kiosk}"},
        timeout=HTTP_TIMEOUT,
    )
    if r.status_code != 201:
        raise BenchError(f"warm-up issue: HTTP {r.status_code} {r.text[:300]}")
    auth = {"Authorization": f"Bearer {agent}"}
    t0 = time.monotonic()
    r = http.post(f"{base}/api/v1/counters/{COUNTERS[0]}/call-next", headers=auth, timeout=HTTP_TIMEOUT)
    took = (time.monotonic() - t0) * 1000
    if r.status_code != 200:
        raise BenchError(f"warm-up call-next: HTTP {r.status_code} {r.text[:300]}")
    ticket_id = r.json()["id"]
    for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
        r = http.post(
            f"{base}/api/v1/tickets/{ticket_id}/{action}", json=body, headers=auth, timeout=HTTP_TIMEOUT
        )
        if r.status_code != 200:
            raise BenchError(f"warm-up {action}: HTTP {r.status_code} {r.text[:300]}")
    return took


def exceptions_in(log: str) -> collections.Counter[str]:
    """The closing line of every traceback in a log ("SomeError: message"), counted."""
    found: collections.Counter[str] = collections.Counter()
    inside = False
    for line in log.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line[0].isspace() and not line.startswith(("During", "The above")):
            found[line.strip()] += 1
            inside = False
    return found


def get(out: Any, deadline: float, what: str) -> tuple:
    left = deadline - time.monotonic()
    if left <= 0:
        raise BenchError(f"timed out waiting for {what}")
    try:
        msg = out.get(timeout=left)
    except queue.Empty:
        raise BenchError(f"timed out waiting for {what}") from None
    if msg[0] == "error":
        raise BenchError(f"client process {msg[1]} failed: {msg[2]}")
    return msg


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,500", help="numbers of screens, comma-separated")
    ap.add_argument("--calls", type=int, default=20, help="calls per size (default 20)")
    ap.add_argument("--procs", type=int, default=1, help="client processes sharing the screens (default 1)")
    ap.add_argument(
        "--connect-concurrency", type=int, default=20, help="connections opened at once per process"
    )
    ap.add_argument("--gap", type=float, default=0.3, help="pause in seconds after each call's finish")
    ap.add_argument("--shared-token", action="store_true", help="one display token for every screen")
    ap.add_argument("--refresh-on-hint", action="store_true", help="screens refresh on queue_changed")
    ap.add_argument(
        "--redis",
        nargs="?",
        const=DEFAULT_REDIS,
        default=None,
        metavar="URL",
        help=f"give the server GUICHET_REDIS_URL (default URL {DEFAULT_REDIS})",
    )
    ap.add_argument(
        "--server",
        choices=["gevent", "threading"],
        default="gevent",
        help="`guichet serve --server`: gevent (production default) or threading (comparison)",
    )
    ap.add_argument("--keep-logs", metavar="DIR", help="copy each server's log into DIR")
    ap.add_argument("--py-spy", metavar="DIR", help="record server and clients with py-spy during the calls")
    args = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error("--sizes takes integers, e.g. 10,100,500")
    if not sizes or min(sizes) < 1 or args.calls < 1 or args.procs < 1 or args.connect_concurrency < 1:
        ap.error("sizes, --calls, --procs and --connect-concurrency must be at least 1")
    try:
        import aiohttp  # noqa: F401  (python-socketio's AsyncClient needs it)
    except ImportError:
        print("this benchmark needs aiohttp: pip install aiohttp", file=sys.stderr)
        return 2

    print(
        f"Guichet display fan-out benchmark: screens {sizes}, {args.calls} calls, {args.procs} client "
        f"process(es), SQLite, {'Redis ' + args.redis if args.redis else 'no Redis'}, "
        f"{args.server} server"
        f"{', refresh on hint' if args.refresh_on_hint else ''}"
    )
    for line in machine_info():
        print(line)
    sys.stdout.flush()
    workdir = Path(tempfile.mkdtemp(prefix="guichet-bench-display-"))
    results: list[SizeResult] = []
    try:
        env = clean_env(f"sqlite:///{workdir / 'guichet.db'}", workdir)
        env["GUICHET_LOG_LEVEL"] = "WARNING"  # one INFO line per connection would be logged otherwise
        if args.redis:
            env["GUICHET_REDIS_URL"] = args.redis
        t0 = time.perf_counter()
        run_cli(["db", "upgrade"], env, workdir)
        run_cli(["demo"], env, workdir)
        run_cli(["site", "hours", SITE, "--clear"], env, workdir)
        kiosk = run_cli(
            ["token", "create", "--kind", "kiosk", "--site", SITE, "--device", "bench-kiosk"], env, workdir
        ).strip()
        agent = run_cli(["token", "create", "--kind", "agent", "--user", "manager"], env, workdir).strip()
        tokens = create_display_tokens(env, 1 if args.shared_token else max(sizes))
        print(f"set-up: {time.perf_counter() - t0:.1f} s ({len(tokens)} display tokens)")
        for n in sizes:
            print(f"... {n} screens", file=sys.stderr, flush=True)
            results.append(run_size(n, tokens, env, workdir, kiosk, agent, args))
    except BenchError as exc:
        print_tables(results, args.calls)
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_tables(results, args.calls)
    ok = all(r.missing == 0 and r.counts.get("duplicates", 0) == 0 for r in results)
    print(
        "\nresult: "
        + ("every screen heard every call once" if ok else "SOME CALLS WERE NOT HEARD (see above)")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
