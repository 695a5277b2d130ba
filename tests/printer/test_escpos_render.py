"""ESC/POS bytes of a ticket, checked byte for byte against the printer command set."""

from __future__ import annotations

import struct

import pytest

from printer import Qr, Text, layout_ticket, render_escpos

from .tickets import TRACKING_URL, make_ticket

ESC_INIT = b"\x1b@"
SELECT_CP858_EPSON = b"\x1bt\x13"  # ESC t 19: PC858 (Euro) on Epson-compatible printers
ACCENTS_CP858 = b"\x82 \x8a \x85 \x87 \x93 \xd5"  # é è à ç ô € in code page 858
FEED_AND_FULL_CUT = b"\x1bd\x06\x1dV\x00"
GS_QR = b"\x1d(k"
GS_RASTER = b"\x1dv0"


def accented_ticket():
    return make_ticket(footer="é è à ç ô €", wait_text="Attente estimée : 15 à 30 min, timbre 25 €")


def qr_store_command(data: str) -> bytes:
    """GS ( k <Function 180>: store the QR data, pL pH counting cn, fn, m and the data."""
    payload = data.encode("ascii")
    return GS_QR + struct.pack("<H", len(payload) + 3) + b"1P0" + payload


def test_code_page_858_is_selected_right_after_init():
    out = render_escpos(layout_ticket(accented_ticket()))

    assert out.startswith(ESC_INIT + SELECT_CP858_EPSON)
    assert out.count(b"\x1bt") == 1  # never switched again behind our back


def test_french_accents_and_euro_are_encoded_in_code_page_858():
    out = render_escpos(layout_ticket(accented_ticket()))

    assert ACCENTS_CP858 in out
    assert "é è à ç ô €".encode("cp858") == ACCENTS_CP858
    assert "estimée".encode("cp858") in out
    assert "é".encode() not in out  # no UTF-8 leaking through


@pytest.mark.parametrize(("profile", "select"), [("NT-5890K", b"\x1bt\x35"), ("TSP600", b"\x1bt\x04")])
def test_code_page_slot_number_comes_from_the_printer_profile(profile, select):
    out = render_escpos(layout_ticket(accented_ticket()), profile=profile)

    assert out.startswith(ESC_INIT + select)
    assert ACCENTS_CP858 in out


def test_printer_without_a_euro_code_page_prints_eur_and_keeps_accents():
    out = render_escpos([Text("25 € à payer, reçu")], profile="simple")  # this profile knows only CP437

    assert out.startswith(ESC_INIT + b"\x1bt\x00")
    assert b"25 EUR \x85 payer, re\x87u" in out


def test_characters_missing_from_the_code_page_are_transliterated_or_question_marks():
    out = render_escpos([Text("Ğ cœur l’été مرحبا")])

    assert b"G coeur l'\x82t\x82 ?????" in out


def test_control_characters_in_texts_cannot_inject_printer_commands():
    out = render_escpos([Text("A007\x1b@\x1dV\x00"), Text("fin")])

    assert out.count(ESC_INIT) == 1
    assert b"\x1dV" not in out
    assert b"A007 @ V " in out


def test_number_is_sent_with_the_double_width_double_height_command():
    out = render_escpos(layout_ticket(make_ticket()))

    assert b"\x1d!\x11\x1bE\x01A007\n" in out or b"\x1d!\x11A007\n" in out
    assert out.count(b"\x1d!\x11") == 1


def test_native_qr_command_carries_the_tracking_url_then_prints_it():
    out = render_escpos(layout_ticket(make_ticket()))

    store = qr_store_command(TRACKING_URL)
    assert store in out
    assert out.index(store) < out.index(GS_QR + b"\x03\x001Q0")  # <Function 181>: print the symbol
    assert b"\x1ba\x01" in out[: out.index(GS_QR)]  # centred by ESC a 1


def test_ticket_ends_with_paper_feed_and_full_cut():
    out = render_escpos(layout_ticket(make_ticket()))

    assert out.endswith(FEED_AND_FULL_CUT)
    assert out.count(b"\x1dV") == 1


def test_ticket_with_native_qr_is_under_2_kb():
    ticket = accented_ticket()
    long_ticket = make_ticket(
        priority_text="PRIORITAIRE",
        service_label="Carte grise, permis de conduire et démarches en ligne liées au véhicule",
        footer="Mairie de Château-Thierry, 16 place de l'Hôtel de Ville, ouverte du lundi au samedi",
    )
    sizes = [len(render_escpos(layout_ticket(t))) for t in (ticket, long_ticket)]

    print(f"\nESC/POS bytes per ticket with native QR: typical {sizes[0]}, long {sizes[1]}")
    assert max(sizes) < 2048


def test_profile_without_native_qr_gets_a_raster_qr_within_the_paper_width():
    out = render_escpos(layout_ticket(make_ticket()), profile="NT-5890K")

    assert GS_QR not in out
    start = out.index(GS_RASTER)
    width_bytes, height = struct.unpack("<HH", out[start + 4 : start + 8])
    assert width_bytes * 8 <= 384
    assert len(out) >= start + 8 + width_bytes * height
    print(f"\nESC/POS bytes per ticket with a raster QR (58 mm, NT-5890K profile): {len(out)}")


def test_printer_without_cutter_gets_the_feed_but_no_cut_command():
    out = render_escpos(layout_ticket(make_ticket()), profile="NT-5890K")  # tear-bar 58 mm printer

    assert out.endswith(b"\x1bd\x06")
    assert b"\x1dV" not in out


def test_rtl_ticket_prints_number_qr_and_fallback_without_question_marks():
    ticket = make_ticket(rtl=True, service_label="بطاقة رمادية", latin_fallback="Carte grise")
    out = render_escpos(layout_ticket(ticket))

    assert b"A007" in out
    assert b"Carte grise" in out
    assert qr_store_command(TRACKING_URL) in out
    assert b"?" not in out.replace(TRACKING_URL.encode(), b"")


def test_qr_module_size_is_sent_to_the_printer():
    out = render_escpos([Qr(TRACKING_URL, size=5)])

    assert GS_QR + b"\x03\x001C\x05" in out
