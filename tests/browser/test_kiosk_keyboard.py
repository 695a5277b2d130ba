"""The kiosk without touch: keyboard or keypad alone (Tab, Shift+Tab, Enter, arrows), and a USB scanner.

European Accessibility Act: a ticket machine must be usable without touch. At every step the focused
control shows a visible focus indicator, and after every screen change the focus is on the new
screen's heading, so that a screen reader announces where the visitor is.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .test_kiosk import (
    LANDSCAPE,
    PRINTED,
    demo_appointment_codes,
    public_status,
    record,
)
from .test_kiosk import always_open as always_open  # noqa: F401 (fixtures shared with test_kiosk.py)
from .test_kiosk import kiosk_state as kiosk_state  # noqa: F401
from .test_kiosk import open_kiosk as open_kiosk  # noqa: F401

pytestmark = pytest.mark.viewport(*LANDSCAPE)

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim().replace(/\\s+/g, ' '),
            dataGo: el.getAttribute('data-go'), service: el.getAttribute('data-service'),
            priority: el.getAttribute('data-priority'),
            outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
            boxShadow: s.boxShadow};
}"""


def focused(page: Page) -> dict[str, Any]:
    info = page.evaluate(FOCUSED)
    assert info is not None, "nothing has the focus"
    return info


def focus_visible(page: Page) -> dict[str, Any]:
    """The focused control, asserting that it shows a focus indicator (outline or box-shadow)."""
    info = focused(page)
    outline = info["outlineStyle"] != "none" and info["outlineWidth"] > 0
    assert outline or info["boxShadow"] != "none", f"no visible focus indicator on {info}"
    return info


def heading_focused(page: Page, heading_id: str) -> None:
    """After a screen change the new screen's h1 has the focus (and is the visible screen's h1)."""
    expect(page.locator(f"h1#{heading_id}")).to_be_visible()
    expect(page.locator(f"h1#{heading_id}")).to_be_focused()


def tab_to(page: Page, match: dict[str, Any], *, key: str = "Tab", limit: int = 20) -> dict[str, Any]:
    """Press `key` until the focused control has every attribute in `match`, checking focus at each stop."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focus_visible(page)
        seen.append(info["text"][:30] or info["id"])
        if all(info.get(k) == v for k, v in match.items()):
            return info
    raise AssertionError(f"{key} never reached {match}; went through {seen}")


def test_keyboard_alone_walk_in_flow_with_visible_focus_and_focus_on_each_new_heading(
    open_kiosk, live_server
) -> None:
    page = open_kiosk()
    heading_focused(page, "h-home")

    first = tab_to(page, {"tag": "button"})
    assert first["dataGo"] == "category-papiers", f"Tab does not start on the first tile: {first}"
    page.keyboard.press("ArrowRight")  # arrows move between tiles (a keypad with arrows only)
    assert focus_visible(page)["dataGo"] == "category-famille"
    page.keyboard.press("ArrowLeft")
    assert focus_visible(page)["dataGo"] == "category-papiers"
    page.keyboard.press("Tab")
    assert focus_visible(page)["dataGo"] == "category-famille"
    page.keyboard.press("Enter")
    heading_focused(page, "h-cat-famille")

    tab_to(page, {"service": "CAF"})
    page.keyboard.press("Enter")
    heading_focused(page, "h-priority")

    tab_to(page, {"priority": "cmi"})
    back = tab_to(page, {"priority": ""}, key="Shift+Tab")
    assert back["text"] == "Non, ticket normal"
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/kiosk/demo/tickets")) as info:
        page.keyboard.press("Enter")
    assert info.value.status == 201, info.value.text()
    ticket = record(info.value.json()["ticket"])
    heading_focused(page, "h-ticket")
    expect(page.locator("#t-number")).to_have_text(ticket["number"])
    assert re.fullmatch(r"F\d{3}", ticket["number"])
    expect(page.locator("#t-print")).to_have_text(PRINTED)
    assert public_status(live_server, ticket)["status"] == "waiting"

    tab_to(page, {"dataGo": "done"})
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/kiosk/demo")
    heading_focused(page, "h-home")


def test_keyboard_alone_checkin_by_typing_the_code_then_enter(open_kiosk, live_server) -> None:
    code, label = demo_appointment_codes(live_server)[0]
    page = open_kiosk()
    heading_focused(page, "h-home")
    tab_to(page, {"dataGo": "checkin"})
    page.keyboard.press("Enter")
    heading_focused(page, "h-checkin")

    field = tab_to(page, {"tag": "input"})
    assert field["id"] == "checkin-code"
    page.keyboard.type(code.lower())  # people type in lower case; the server normalises
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/kiosk/demo/checkin")) as info:
        page.keyboard.press("Enter")
    assert info.value.status == 201, info.value.text()
    record(info.value.json()["ticket"])
    heading_focused(page, "h-ticket")
    expect(page.locator("#t-number")).to_have_text(info.value.json()["ticket"]["number"])
    expect(page.locator("#t-service")).to_have_text(label)


def test_usb_scanner_on_home_screen_fast_code_and_enter_checks_in(open_kiosk, live_server) -> None:
    code, label = demo_appointment_codes(live_server)[0]
    page = open_kiosk()
    heading_focused(page, "h-home")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/kiosk/demo/checkin")) as info:
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")
    assert info.value.status == 201, info.value.text()
    body = info.value.json()
    record(body["ticket"])
    assert body["again"] is False, "the scanner test needs a code nobody checked in yet"
    heading_focused(page, "h-ticket")
    expect(page.locator("#t-number")).to_have_text(body["ticket"]["number"])
    expect(page.locator("#t-service")).to_have_text(label)


def test_scanner_on_checkin_screen_with_focus_on_heading_still_fills_the_code(
    open_kiosk, live_server
) -> None:
    code, _label = demo_appointment_codes(live_server)[0]
    page = open_kiosk()
    tab_to(page, {"dataGo": "checkin"})
    page.keyboard.press("Enter")
    heading_focused(page, "h-checkin")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/kiosk/demo/checkin")) as info:
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")
    assert info.value.status == 201, info.value.text()
    body = info.value.json()
    record(body["ticket"])
    assert body["again"] is False, "this test needs a code nobody checked in yet"
    expect(page.locator("#checkin-code")).to_have_value(code)
    heading_focused(page, "h-ticket")
    expect(page.locator("#t-number")).to_have_text(body["ticket"]["number"])
