"""Unit tests of the pure ticket layout."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from printer import Cut, Feed, Qr, Text, layout_ticket

from .tickets import TRACKING_URL, make_ticket

ARABIC_SERVICE = "بطاقة رمادية"


def texts(blocks: list) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Text)]


def index_of(blocks: list, predicate) -> int:
    return next(i for i, b in enumerate(blocks) if predicate(b))


def test_blocks_go_site_number_service_time_wait_qr_caption_privacy_then_cut():
    blocks = layout_ticket(make_ticket(priority_text="PRIORITAIRE", footer="Bonne journée"))

    order = [
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "France Services de Château-Thierry"),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "PRIORITAIRE"),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "A007"),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "Carte grise"),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "23/11/2026 14:05"),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "3 personnes avant vous"),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text.startswith("Attente estimée")),
        index_of(blocks, lambda b: isinstance(b, Qr)),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text.startswith("Suivez")),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text.startswith("Ce ticket")),
        index_of(blocks, lambda b: isinstance(b, Text) and b.text == "Bonne journée"),
        index_of(blocks, lambda b: isinstance(b, Cut)),
    ]
    assert order == sorted(order)


def test_number_alone_is_printed_double_width_and_double_height_in_bold():
    blocks = layout_ticket(make_ticket())

    double = [b for b in blocks if isinstance(b, Text) and b.size == (2, 2)]
    assert double == [Text("A007", size=(2, 2), bold=True, align="center")]


def test_priority_mark_is_printed_only_for_priority_tickets():
    with_priority = texts(layout_ticket(make_ticket(priority_text="PRIORITAIRE")))
    without = texts(layout_ticket(make_ticket(priority_text=None)))

    assert "PRIORITAIRE" in with_priority
    assert "PRIORITAIRE" not in without
    assert len(with_priority) == len(without) + 1


def test_privacy_line_is_printed_after_the_qr_code():
    blocks = layout_ticket(make_ticket())
    after_qr = texts(blocks[index_of(blocks, lambda b: isinstance(b, Qr)) :])

    assert "Ce ticket ne contient aucune donnée personnelle." in " ".join(after_qr)


def test_single_qr_code_holds_exactly_the_tracking_url():
    qrs = [b for b in layout_ticket(make_ticket()) if isinstance(b, Qr)]

    assert [q.data for q in qrs] == [TRACKING_URL]


def test_cut_is_the_last_block_and_the_only_cut():
    blocks = layout_ticket(make_ticket())

    assert isinstance(blocks[-1], Cut)
    assert sum(isinstance(b, Cut) for b in blocks) == 1


def test_footer_is_printed_only_when_given():
    assert "Mairie ouverte le samedi" in texts(layout_ticket(make_ticket(footer="Mairie ouverte le samedi")))
    assert len(texts(layout_ticket(make_ticket(footer=None)))) == len(texts(layout_ticket(make_ticket())))


@pytest.mark.parametrize("width_chars", [32, 42, 48])
def test_long_service_label_is_wrapped_within_the_line_width(width_chars):
    label = "Carte grise, permis de conduire et démarches en ligne liées au véhicule (ANTS)"
    blocks = layout_ticket(make_ticket(service_label=label), width_chars=width_chars)

    lines = [b for b in blocks if isinstance(b, Text)]
    assert all(len(b.text) * b.size[0] <= width_chars for b in lines)
    start = lines.index(Text("A007", size=(2, 2), bold=True)) + 1
    end = lines.index(Text("23/11/2026 14:05"))
    service_lines = [b.text for b in lines[start:end]]
    assert len(service_lines) >= 2
    assert " ".join(service_lines) == label


def test_word_longer_than_a_line_is_split_instead_of_overflowing():
    blocks = layout_ticket(make_ticket(service_label="X" * 50), width_chars=32)

    assert [b.text for b in blocks if isinstance(b, Text) and b.text.startswith("X")] == ["X" * 32, "X" * 18]


def test_feeds_are_single_lines_between_sections():
    feeds = [b for b in layout_ticket(make_ticket()) if isinstance(b, Feed)]

    assert feeds and all(f.n == 1 for f in feeds)


def test_rtl_ticket_prints_number_qr_and_latin_fallback_but_no_arabic_line():
    ticket = make_ticket(
        rtl=True,
        service_label=ARABIC_SERVICE,
        position_text="3 أشخاص قبلك",
        qr_caption="تابع انتظارك على هاتفك",
        latin_fallback="Carte grise",
    )
    blocks = layout_ticket(ticket)

    lines = texts(blocks)
    assert "A007" in lines
    assert "Carte grise" in lines
    assert [b.data for b in blocks if isinstance(b, Qr)] == [TRACKING_URL]
    assert not any("\u0600" <= ch <= "\u06ff" for line in lines for ch in line)


def test_rtl_ticket_without_latin_fallback_prints_the_tracking_url_as_text():
    lines = texts(layout_ticket(make_ticket(rtl=True, service_label=ARABIC_SERVICE), width_chars=80))

    assert TRACKING_URL in lines


def test_layout_module_imports_only_the_standard_library():
    source = Path(__file__).parents[2] / "printer" / "layout.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))

    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        if not (isinstance(node, ast.ImportFrom) and node.level)
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
