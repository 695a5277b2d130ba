"""The `guichet` command patches for gevent only when it serves with gevent, and decides before any import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guichet.entry import requested_server


@pytest.mark.parametrize(
    "argv,environ,expected",
    [
        (["guichet", "serve"], {}, "gevent"),
        (["guichet", "serve", "--port", "8000"], {"GUICHET_SERVER": "threading"}, "threading"),
        (["guichet", "serve", "--server", "threading"], {}, "threading"),
        (["guichet", "serve", "--server=threading"], {"GUICHET_SERVER": "gevent"}, "threading"),
        (["guichet", "serve", "--server", "gevent"], {"GUICHET_SERVER": "threading"}, "gevent"),
        (["guichet", "serve"], {"GUICHET_SERVER": "nonsense"}, None),  # `serve` reports it, unpatched
        (["guichet", "db", "upgrade"], {}, None),
        (["guichet", "token", "create", "--kind", "kiosk"], {}, None),
        (["guichet", "--help"], {}, None),
        (["guichet"], {}, None),
    ],
)
def test_only_serve_asks_for_a_server(argv: list[str], environ: dict[str, str], expected: str | None) -> None:
    assert requested_server(argv, environ) == expected


def test_serve_patches_before_guichet_or_its_libraries_are_imported() -> None:
    # What gevent must patch first: if any of these were imported unpatched, the server would mix real
    # threads and greenlets (psycopg, for one, chooses its wait function at import).
    probe = (
        "import sys\n"
        "sys.argv = ['guichet', 'serve', '--help']\n"
        "import guichet.entry as entry\n"
        "loaded = [m for m in ('flask', 'sqlalchemy', 'psycopg', 'redis', 'guichet.cli', 'guichet.db') "
        "if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "entry.prepare(sys.argv, {})\n"
        "from gevent import monkey\n"
        "assert monkey.is_module_patched('socket') and monkey.is_module_patched('threading')\n"
        "import psycopg.waiting\n"
        "assert psycopg.waiting.wait is not getattr(psycopg.waiting, 'wait_c', None)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_other_commands_run_unpatched() -> None:
    probe = (
        "import sys\n"
        "import guichet.entry as entry\n"
        "assert entry.prepare(['guichet', 'db', 'upgrade'], {}) is None\n"
        "assert 'gevent.monkey' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
