"""The virtual printer (virtual://), the default when no real printer is configured."""

from __future__ import annotations

import io
import secrets
import threading

from PIL import Image

from printer import Spooler, VirtualPrinter, VirtualTicket, open_transport

from .tickets import make_ticket

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_virtual_url_names_one_shared_printer_per_name():
    name = secrets.token_hex(4)

    assert open_transport(f"virtual://{name}") is open_transport(f"virtual://{name}")
    assert open_transport(f"virtual://{name}") is not open_transport(f"virtual://{name}-other")
    assert isinstance(open_transport("virtual://"), VirtualPrinter)


def test_virtual_printer_is_always_online_with_paper():
    status = VirtualPrinter().status(0.1)

    assert (status.online, status.paper_ok) == (True, True)


def test_virtual_printer_keeps_png_previews_of_the_last_20_tickets_only():
    url = f"virtual://{secrets.token_hex(4)}"
    spooler = Spooler(timeout=2.0)
    try:
        jobs = [spooler.submit(url, make_ticket(number=f"A{i:03d}")) for i in range(25)]
        finished = [spooler.wait(job.id, 10) for job in jobs]
    finally:
        spooler.shutdown()

    assert [job.state for job in finished] == ["printed"] * 25
    recent = open_transport(url).recent()
    assert [t.number for t in recent] == [f"A{i:03d}" for i in range(5, 25)]
    for ticket in recent:
        assert ticket.png.startswith(PNG_SIGNATURE)
        image = Image.open(io.BytesIO(ticket.png))
        image.load()
        assert image.width == 384
        assert 0 < ticket.escpos_size < 2048


def test_virtual_printer_ring_buffer_is_safe_under_concurrent_prints():
    printer = VirtualPrinter(keep=20)

    def print_many(worker: int) -> None:
        for i in range(200):
            printer.send(b"x" * (worker * 1000 + i), 0.1)

    threads = [threading.Thread(target=print_many, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    recent = printer.recent()
    assert len(recent) == 20
    assert all(isinstance(t, VirtualTicket) for t in recent)
    assert len({t.escpos_size for t in recent}) == 20
