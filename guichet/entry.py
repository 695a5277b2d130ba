"""Console entry point (`guichet`): under gevent, patch the standard library before anything else loads.

gevent must replace `socket`, `threading`, `select`... before Flask, SQLAlchemy, psycopg, redis or the
printer spooler import them (psycopg, for one, picks its wait function at import time). So `guichet
serve` in gevent mode patches here, first, and only then imports the real command (`guichet.cli`).
Every other command (migrations, tokens, the demo) runs unpatched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from .settings import SettingsError, server_mode


def requested_server(argv: list[str], environ: Mapping[str, str]) -> str | None:
    """The server `argv` asks for ("gevent" or "threading"), or None when it does not run `serve`."""
    args = argv[1:]
    command = next((a for a in args if not a.startswith("-")), None)
    if command != "serve":
        return None
    rest = args[args.index(command) + 1 :]
    for i, arg in enumerate(rest):
        if arg == "--server" and i + 1 < len(rest):
            return rest[i + 1]
        if arg.startswith("--server="):
            return arg.partition("=")[2]
    try:
        return server_mode(environ)
    except SettingsError:
        return None  # `serve` reports the bad value itself, unpatched


def prepare(argv: list[str], environ: Mapping[str, str]) -> str | None:
    """Patch the standard library when `argv` serves with gevent; the server asked for, if any."""
    mode = requested_server(argv, environ)
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    return mode


def main() -> None:
    prepare(sys.argv, os.environ)
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
