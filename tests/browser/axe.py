"""Run axe-core (from node_modules, injected by content) on a Playwright page; fail on any violation."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_MAX_NODES = 5


class AxeViolationsError(AssertionError):
    """axe-core found WCAG 2.1 A/AA violations (xfail(raises=...) can target exactly this)."""


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page: Any) -> dict[str, Any]:
    """axe.run on the whole document with the WCAG 2.0/2.1 A and AA rules; return axe's results."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return {violations: r.violations, passes: r.passes.length, url: r.url,
                    version: r.testEngine.version};
        }""",
        WCAG_TAGS,
    )


def format_violations(violations: list[dict[str, Any]], context_label: str) -> str:
    lines = [f"{context_label}: {len(violations)} axe violation(s) (WCAG 2.1 A/AA)"]
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact') or 'n/a'}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:_MAX_NODES]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").strip().splitlines()
            # failureSummary reads "Fix any of the following:\n  <first reason>\n  ..."
            first = next((s.strip() for s in summary[1:] if s.strip()), summary[0] if summary else "")
            lines.append(f"    at {target}: {first}")
            lines.append(f"       {node.get('html', '')[:160]}")
        if len(v["nodes"]) > _MAX_NODES:
            lines.append(f"    ... and {len(v['nodes']) - _MAX_NODES} more element(s)")
    return "\n".join(lines)


def check_axe(page: Any, context_label: str) -> None:
    """Fail with a readable list (rule, impact, help, targets, first failure) on any violation."""
    result = run_axe(page)
    violations = result["violations"]
    if violations:
        raise AxeViolationsError(
            format_violations(violations, f"{context_label} ({result['url']}, axe {result['version']})")
        )
