"""The `guichet` command: serve, migrate, load the demo, manage users and tokens."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from .core.roles import AGENT, DEVICE_KINDS, ROLES
from .settings import SERVERS, SettingsError, load_settings


@contextmanager
def _reported() -> Iterator[None]:
    """A refused operation ends the command with its code, never a traceback."""
    from .core.errors import DomainError

    try:
        yield
    except DomainError as exc:
        raise click.ClickException(f"{exc.code} {exc.params}") from exc


def _settings():
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _context():
    from sqlalchemy import inspect

    from .app import create_app

    app = create_app(_settings())
    ctx = app.extensions["guichet"]
    if not inspect(ctx.db.engine).has_table("alembic_version"):
        raise click.ClickException(f"no schema in {ctx.db.url}: run `guichet db upgrade` first")
    return app, ctx


@click.group()
def main() -> None:
    """Guichet: kiosk, queue and appointments for public reception."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default=None,
    help="gevent (one thread serves every screen), or threading (Werkzeug's threaded server, for "
    "debugging). Default: GUICHET_SERVER, else gevent.",
)
@click.option(
    "--jobs/--no-jobs",
    default=True,
    show_default=True,
    help="Run the background jobs in this process (booking e-mails, reminders, retention) every minute.",
)
def serve(host: str, port: int, server: str | None, jobs: bool) -> None:
    """Serve the web application and Socket.IO in one process."""
    from .concurrency import gevent_patched
    from .server import run

    mode = server or _settings().server
    if (mode == "gevent") != gevent_patched():
        # Only guichet.entry (the `guichet` command) can patch before the imports it would need to.
        hint = "run the `guichet` command (guichet.entry)" if mode == "gevent" else "use --server gevent"
        raise click.ClickException(f"the {mode} server cannot run in this process as it was started: {hint}")
    app, ctx = _context()
    click.echo(f"Guichet on http://{host}:{port}/ ({mode} server, database: {ctx.db.dialect})", err=True)
    _announce_setup(ctx, f"http://{host}:{port}")
    if jobs:
        from .services.jobs import jobs_loop

        app.extensions["socketio"].start_background_task(jobs_loop, ctx)
    run(app, host, port)


def _announce_setup(ctx, base_url: str, err: bool = True) -> bool:  # type: ignore[no-untyped-def]
    """On a database without any account, print where to set Guichet up and the code it asks for."""
    from .services.first_run import needs_setup, setup_code

    if not needs_setup(ctx):
        return False
    code = setup_code(ctx.settings)
    click.echo(f"No account yet: open {base_url}/setup and give the code {code}", err=err)
    return True


@main.command()
def setup() -> None:
    """Print the one-time code of the setup page (first run without the demo)."""
    _app, ctx = _context()
    if ctx.settings.secret_key_drawn:
        raise click.ClickException(
            "the setup code derives from GUICHET_SECRET_KEY, which is not set: set it for both this "
            "command and `guichet serve`, or use the code `guichet serve` prints"
        )
    if not _announce_setup(ctx, ctx.settings.public_url, err=False):
        raise click.ClickException("Guichet is already set up (an account exists): sign in instead")


@main.group()
def jobs() -> None:
    """Background work, for cron when `guichet serve --no-jobs` is used."""


@jobs.command("run")
def jobs_run() -> None:
    """One pass: queue reminders, send the e-mails waiting in the outbox, purge holds and old contacts."""
    from .services.jobs import run_jobs

    _app, ctx = _context()
    for name, count in run_jobs(ctx).items():
        click.echo(f"{name:<24} {count}")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (idempotent)."""
    from .migrate import upgrade

    upgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}", err=True)


@main.command()
@click.option(
    "--history",
    type=click.IntRange(0, 366),
    default=0,
    show_default=True,
    help="Also fill this many past days with activity (tickets, appointments, cases) for the statistics.",
)
def demo(history: int) -> None:
    """Load a demo France Services site (slug `demo`); safe to run again."""
    from .services.demo import DEMO_PASSWORD, load_demo
    from .services.demo_history import load_history

    settings = _settings()
    if settings.production:
        raise click.ClickException("refusing to load demo accounts in production")
    _app, ctx = _context()
    report = load_demo(ctx)
    if history:
        added = load_history(ctx, report.site_slug, history)
        click.echo(f"Past activity: {added} tickets added over the {history} days before today", err=True)
    base = settings.public_url
    click.echo(f"""Demo site loaded: France Services de Bourg-Lès-Demo (slug `{report.site_slug}`)

  Home page            {base}/
  Services and waits   {base}/api/v1/sites/{report.site_slug}/services
  API description      {base}/api/v1/openapi.json
  Statistics           {base}/manage/stats (sign in as manager)

Logins (password for all: {DEMO_PASSWORD}; demo only):""")
    for username, role in report.users:
        click.echo(f"  {username:<10} {role}")
    click.echo("\nAPI tokens (new on each run; the previous demo tokens are revoked):")
    for name, token in report.tokens.items():
        click.echo(f"  {name:<10} {token}")
    click.echo("\nOpening hours: Mon-Fri 08:30-12:30 and 13:30-17:30, Sat 09:00-12:00 (Europe/Paris);")
    click.echo(
        "the kiosk shows its closed screen outside them. Keep it open: guichet site hours demo --clear"
    )
    click.echo("\nOne-time links to enrol this browser as the demo kiosk or display (valid 24 h):")
    for kind, link in report.enrolments.items():
        click.echo(f"  {kind:<10} {link}")
    if report.appointments:
        click.echo("\nToday's demo appointments (booking codes to check in at the kiosk):")
        for when, label, code in report.appointments:
            click.echo(f"  {when}  {code}  {label}")
    click.echo(f"""
Try it:
  curl -s -X POST -H 'Authorization: Bearer {report.tokens["kiosk"]}' -H 'Content-Type: application/json' \\
       -d '{{"service": "CAF"}}' {base}/api/v1/sites/demo/tickets
  curl -s -X POST -H 'Authorization: Bearer {report.tokens["agent1"]}' {base}/api/v1/counters/2/call-next""")


@main.group()
def device() -> None:
    """Kiosks and displays."""


@device.command("enroll")
@click.option("--site", "site_slug", required=True)
@click.option("--kind", type=click.Choice(DEVICE_KINDS), required=True)
@click.option("--name", "device_name", required=True, help="Device name, created if new")
@click.option("--printer-url", help="The kiosk's own printer (default: GUICHET_PRINTER_URL)")
def device_enroll(site_slug: str, kind: str, device_name: str, printer_url: str | None) -> None:
    """Print a one-time link (valid 24 h) that makes the browser opening it this device."""
    from .services.devices import create_enrolment, enrolment_url, set_printer_url

    _app, ctx = _context()
    with _reported():
        code = create_enrolment(ctx, site_slug, kind, device_name)
        if printer_url is not None:
            set_printer_url(ctx, site_slug, device_name, printer_url)
    click.echo(enrolment_url(ctx, code))


@device.command("configure")
@click.option("--site", "site_slug", required=True)
@click.option("--name", "device_name", required=True)
@click.option("--languages", help="Announcement languages of a display, e.g. fr,en")
@click.option("--services", help="Service codes a display shows (default: every walk-in service)")
@click.option("--counters", help="Counter numbers a display shows, e.g. 1,2,3")
@click.option("--max-calls", type=click.IntRange(1, 20), help="Calls listed on a display")
def device_configure(site_slug, device_name, languages, services, counters, max_calls) -> None:
    """Set a display's languages and filters ("" clears an option)."""
    from .services.devices import configure_display

    def split(value: str | None) -> list[str] | None:
        return None if value is None else [v.strip() for v in value.split(",") if v.strip()]

    changes: dict[str, object] = {}
    for key, value in (("languages", split(languages)), ("services", split(services))):
        if value is not None:
            changes[key] = value
    if counters is not None:
        try:
            changes["counters"] = [int(c) for c in split(counters) or []]
        except ValueError as exc:
            raise click.BadParameter("counters are numbers, e.g. 1,2,3") from exc
    if max_calls is not None:
        changes["max_calls"] = max_calls
    _app, ctx = _context()
    with _reported():
        config = configure_display(ctx, site_slug, device_name, changes)
    click.echo(f"{device_name}: {config}", err=True)


@main.group()
def site() -> None:
    """Sites."""


@site.command("hours")
@click.argument("site_slug")
@click.option("--set", "specs", multiple=True, help='e.g. "mon-fri=08:30-12:30,13:30-17:30" (repeatable)')
@click.option("--clear", is_flag=True, help="Remove every weekly range: the site is always open")
def site_hours(site_slug: str, specs: tuple[str, ...], clear: bool) -> None:
    """Replace the site's weekly opening hours (the kiosk closes outside them)."""
    from .services.hours import set_weekly_hours

    if not specs and not clear:
        raise click.UsageError("give --set at least once, or --clear")
    _app, ctx = _context()
    with _reported():
        count = set_weekly_hours(ctx, site_slug, [] if clear else list(specs))
    click.echo(f"{site_slug}: {count} weekly opening ranges", err=True)


@main.group()
def config() -> None:
    """A site's set-up as a JSON file, to copy it to another site or installation."""


@config.command("export")
@click.argument("site_slug")
def config_export(site_slug: str) -> None:
    """Print the site's set-up (settings, hours, services, counters, booking) as JSON."""
    import json

    from .services.site_config import export_site

    _app, ctx = _context()
    with _reported():
        data = export_site(ctx, site_slug)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@config.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--site", "site_slug", help="Import into this site instead of the file's")
@click.option("--apply", is_flag=True, help="Save the changes (without it: a dry run that saves nothing)")
def config_import(file, site_slug: str | None, apply: bool) -> None:  # type: ignore[no-untyped-def]
    """Show what the file changes, and with --apply save it all in one transaction."""
    import json

    from .services.site_config import import_site

    try:
        data = json.load(file)
    except ValueError as exc:
        raise click.ClickException(f"not a JSON file: {exc}") from exc
    _app, ctx = _context()
    with _reported():
        report = import_site(ctx, data, slug=site_slug, apply=apply)
    for line in report.lines():
        click.echo(line)


@main.group()
def printer() -> None:
    """The ticket printer named by GUICHET_PRINTER_URL."""


@printer.command("test")
@click.option("--url", "url", help="Printer URL (default: GUICHET_PRINTER_URL)")
def printer_test(url: str | None) -> None:
    """Print a sample ticket with accents, a QR code and a cut; fail loudly if it does not print."""
    from printer import Spooler, TicketPrint

    settings = _settings()
    target = url or settings.printer_url
    spooler = Spooler()
    sample = TicketPrint(
        site_name="Guichet — test d'impression",
        number="A007",
        service_label="État civil, élections",
        issued_at="23/11/2026 14:05",
        position_text="3 personnes avant vous",
        wait_text="Attente estimée : entre 5 et 15 minutes (à vérifier : é è à ç ô €)",
        tracking_url=f"{settings.public_url}/t/exemple",
        qr_caption="Suivez votre attente sur votre téléphone",
        privacy_text="Ce ticket ne contient aucune donnée personnelle.",
        priority_text="PRIORITAIRE",
    )
    job = spooler.submit(target, sample)
    done = spooler.wait(job.id, timeout=15)
    spooler.shutdown()
    if done is None or done.state != "printed":
        raise click.ClickException(f"not printed on {target}: {done.error if done else 'no answer'}")
    click.echo(f"printed on {target}", err=True)


@printer.command("status")
@click.option("--url", "url", help="Printer URL (default: GUICHET_PRINTER_URL)")
def printer_status(url: str | None) -> None:
    """Ask the printer for its state (online, paper); exit 1 when it is not ready."""
    from printer import Spooler

    target = url or _settings().printer_url
    spooler = Spooler()
    status = spooler.check(target)
    spooler.shutdown()
    paper = {True: "ok", False: "OUT", None: "unknown"}[status.paper_ok]
    click.echo(f"{target}: {'online' if status.online else 'OFFLINE'}, paper {paper} ({status.detail})")
    if not status.online or status.paper_ok is False:
        sys.exit(1)


@main.group()
def user() -> None:
    """Agents' accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--site", "site_slug", help="Site slug; omit for every site (admins)")
@click.option("--name", "display_name")
@click.option("--email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def user_add(username, role, site_slug, display_name, email, password_stdin) -> None:
    """Create an agent account; the password is asked for (never an argument)."""
    from .services.accounts import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _app, ctx = _context()
    with _reported():
        user_id = add_user(ctx, username, password, role, display_name, site_slug, email)
    click.echo(f"user {username} created (id {user_id})", err=True)


@main.group()
def token() -> None:
    """Bearer tokens for agents' scripts and for devices."""


@token.command("create")
@click.option("--kind", type=click.Choice([AGENT, *DEVICE_KINDS]), required=True)
@click.option("--user", "username", help="Agent username (kind agent)")
@click.option("--site", "site_slug", help="Site slug (kiosk, display)")
@click.option("--device", "device_name", help="Device name, created if new (kiosk, display)")
@click.option("--label", default="")
def token_create(kind, username, site_slug, device_name, label) -> None:
    """Create a token and print only the token on stdout (it is stored hashed, shown once)."""
    from .services.accounts import create_token

    _app, ctx = _context()
    with _reported():
        value = create_token(
            ctx, kind, username=username, site_slug=site_slug, device_name=device_name, label=label
        )
    click.echo(value)


if __name__ == "__main__":
    main()
