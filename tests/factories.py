"""Build test data through the same services production uses (no hand-written rows for actors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select

from guichet.models import Appointment, Counter, CounterService, OpeningHours, Service, Site
from guichet.services import accounts, checkin
from guichet.services.context import Actor, Context

PASSWORD = "correct horse battery"


@dataclass
class World:
    site_id: int
    slug: str
    services: dict[str, int]
    counters: dict[int, int]  # counter number -> id
    tokens: dict[str, str] = field(default_factory=dict)  # role or device kind -> bearer token
    actors: dict[str, Actor] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


# code, prefix, quota, active
SERVICES = [
    ("CAF", "F", None, True),
    ("CPAM", "M", None, True),
    ("ANTS", "A", 3, True),
    ("OLD", "O", None, False),
]
# number, services served
COUNTERS = [(1, ["CAF", "CPAM", "ANTS"]), (2, ["CAF", "CPAM"]), (3, ["ANTS"])]


def make_site(
    ctx: Context,
    slug: str = "test",
    with_hours: bool = False,
    counters: list[tuple[int, list[str]]] | None = None,
) -> tuple[int, dict[str, int], dict[int, int]]:
    def work(s, _events):
        site = Site(slug=slug, name=f"Site {slug}", timezone="Europe/Paris", address="", settings={})
        s.add(site)
        s.flush()
        if with_hours:
            for wd in range(5):
                s.add(OpeningHours(site_id=site.id, weekday=wd, opens=time(9), closes=time(17)))
        services = {}
        for i, (code, prefix, quota, active) in enumerate(SERVICES):
            sv = Service(
                site_id=site.id,
                code=code,
                prefix=prefix,
                label_fr=f"Service {code}",
                labels={},
                daily_quota=quota,
                active=active,
                sort=i,
                level=1,
            )
            s.add(sv)
            s.flush()
            services[code] = sv.id
        ids = {}
        for number, codes in counters or COUNTERS:
            c = Counter(site_id=site.id, number=number, name=f"Guichet {number}", status="closed")
            c.service_links = [CounterService(service_id=services[code]) for code in codes]
            s.add(c)
            s.flush()
            ids[number] = c.id
        return site.id, services, ids

    return ctx.transact(work)


def build_world(
    ctx: Context, slug: str = "test", counters: list[tuple[int, list[str]]] | None = None
) -> World:
    site_id, services, counter_ids = make_site(ctx, slug, counters=counters)
    w = World(site_id, slug, services, counter_ids)
    for role in ("agent", "expert", "manager", "admin"):
        username = f"{role}-{slug}"
        uid = accounts.add_user(ctx, username, PASSWORD, role, site_slug=None if role == "admin" else slug)
        w.user_ids[role] = uid
        w.tokens[role] = accounts.create_token(ctx, "agent", username=username)
        w.actors[role] = Actor("user", uid, role, None if role == "admin" else site_id)
    uid = accounts.add_user(ctx, f"agent2-{slug}", PASSWORD, "agent", site_slug=slug)
    w.user_ids["agent2"] = uid
    w.tokens["agent2"] = accounts.create_token(ctx, "agent", username=f"agent2-{slug}")
    w.actors["agent2"] = Actor("user", uid, "agent", site_id)
    for kind in ("kiosk", "display"):
        w.tokens[kind] = accounts.create_token(ctx, kind, site_slug=slug, device_name=f"{kind} 1")
    with ctx.db.session() as s:
        for kind in ("kiosk", "display"):
            actor = accounts.resolve_token(ctx, w.tokens[kind], ctx.clock())
            assert actor is not None
            w.actors[kind] = actor
        assert s.scalar(select(Site.id).where(Site.slug == slug)) == site_id
    return w


@dataclass
class Booking:
    place: int
    experts: list[int]
    motifs: dict[str, int]


def add_booking(
    ctx: Context, world: World, experts: int = 1, days: tuple[int, ...] = (0, 1, 2, 3, 4)
) -> Booking:
    """A place, three motifs (CAF 30 min; passport with ANTS number, 15 min + 10 per person; an
    agents-only one) and `experts` experts receiving 09:00-12:00 on the given weekdays."""
    from datetime import date

    from guichet.models import Motif, OpeningRangeRow, Place

    ids = [world.user_ids["expert"]]
    for n in range(2, experts + 1):
        ids.append(
            accounts.add_user(ctx, f"expert{n}-{world.slug}", PASSWORD, "expert", site_slug=world.slug)
        )

    def work(s, _events):  # type: ignore[no-untyped-def]
        place = Place(site_id=world.site_id, name="Salle des permanences", address="1 place de la Mairie")
        s.add(place)
        motifs = [
            Motif(
                site_id=world.site_id,
                service_id=world.services["CAF"],
                code="CAF_RDV",
                label="Dossier CAF",
                duration_min=30,
                min_delay_min=0,
                max_delay_days=60,
                max_per_contact=2,
            ),
            Motif(
                site_id=world.site_id,
                service_id=world.services["ANTS"],
                code="PASSEPORT",
                label="Passeport",
                duration_min=15,
                extra_per_person_min=10,
                max_persons=4,
                min_delay_min=0,
                max_delay_days=60,
                requires_ants=True,
                max_per_contact=5,
            ),
            Motif(
                site_id=world.site_id,
                service_id=world.services["CPAM"],
                code="CPAM_AGENT",
                label="Dossier CPAM (sur orientation)",
                duration_min=30,
                bookable_by="agents",
                min_delay_min=0,
            ),
        ]
        s.add_all(motifs)
        s.flush()
        for eid in ids:
            for wd in days:
                s.add(
                    OpeningRangeRow(
                        site_id=world.site_id,
                        expert_id=eid,
                        place_id=place.id,
                        weekday=wd,
                        start_time=time(9),
                        end_time=time(12),
                        valid_from=date(2020, 1, 1),
                    )
                )
        return Booking(place.id, ids, {m.code: m.id for m in motifs})

    return ctx.transact(work)


def add_appointment(
    ctx: Context, world: World, service_code: str, starts_at: datetime, expert_id: int | None = None
) -> str:
    """A booked 30-minute appointment at the world's site (booked three days before); its code."""
    code = checkin.new_booking_code()

    def work(s, _events):  # type: ignore[no-untyped-def]
        service = s.scalar(
            select(Service).where(Service.site_id == world.site_id, Service.code == service_code)
        )
        s.add(
            Appointment(
                site_id=world.site_id,
                service_id=service.id,
                expert_id=expert_id,
                starts_at=starts_at,
                duration_min=30,
                code=code,
                status="booked",
                created_at=starts_at - timedelta(days=3),
            )
        )

    ctx.transact(work)
    return code
