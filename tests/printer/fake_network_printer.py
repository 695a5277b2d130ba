"""A real TCP listener on 127.0.0.1 that behaves like an ESC/POS network printer (raw port 9100).

It records every byte it reads and answers the real-time status requests DLE EOT n the way Epson
printers do: one status byte, 0x12 when all is well. Options model the faults met in the field:
`answer_status=False` (a printer that ignores DLE EOT but prints), `paper_out=True` (paper end sensor
set, printer offline) and `hung=True` (the connection is accepted, nothing is ever read).
"""

from __future__ import annotations

import socket
import threading

STATUS_OK = 0x12
PRINTER_OFFLINE = 0x12 | 0x08  # DLE EOT 1, bit 3: offline (a printer out of paper goes offline)
PAPER_END = 0x12 | 0x0C | 0x60  # DLE EOT 4, bits 2-3 near end and bits 5-6 paper end


def free_port() -> int:
    """A port nobody listens on (bound then released), for "connection refused" tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeNetworkPrinter:
    def __init__(self, answer_status: bool = True, paper_out: bool = False, hung: bool = False) -> None:
        self.answer_status, self.paper_out, self.hung = answer_status, paper_out, hung
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._connections: list[bytearray] = []
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def connections(self) -> list[bytes]:
        """Bytes received, one entry per accepted connection."""
        with self._lock:
            return [bytes(c) for c in self._connections]

    @property
    def received(self) -> bytes:
        return b"".join(self.connections)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._sockets.append(conn)
                buffer = bytearray()
                self._connections.append(buffer)
            if not self.hung:
                threading.Thread(target=self._serve, args=(conn, buffer), daemon=True).start()

    def _answer(self, n: int) -> int:
        if n == 4:
            return PAPER_END if self.paper_out else STATUS_OK
        return PRINTER_OFFLINE if self.paper_out and n == 1 else STATUS_OK

    def _serve(self, conn: socket.socket, buffer: bytearray) -> None:
        conn.settimeout(0.05)
        scanned = 0
        while not self._stop.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                buffer.extend(chunk)
                data = bytes(buffer)
            while (pos := data.find(b"\x10\x04", scanned)) != -1 and pos + 2 < len(data):
                scanned = pos + 3
                if self.answer_status:
                    try:
                        conn.sendall(bytes([self._answer(data[pos + 2])]))
                    except OSError:
                        return
            if pos == -1:
                scanned = max(scanned, len(data) - 1)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        with self._lock:
            for s in self._sockets:
                s.close()
        self._thread.join(1)

    def __enter__(self) -> FakeNetworkPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
