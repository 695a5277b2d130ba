"""Demo data: a realistic France Services site, safe to load again (nothing is duplicated)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import (
    AccessToken,
    Category,
    Counter,
    CounterService,
    OpeningHours,
    Partner,
    Service,
    Site,
    User,
    UserService,
)
from . import accounts, devices
from .checkin import new_booking_code
from .context import Context, Event, utcnow

DEMO_PASSWORD = "guichet-demo"

PARTNERS = [
    ("ANTS", "France Titres (ANTS)"),
    ("CAF", "Caisse d'allocations familiales"),
    ("CPAM", "Assurance Maladie"),
    ("CNAV", "Assurance retraite"),
    ("DGFIP", "Finances publiques"),
    ("FT", "France Travail"),
    ("POSTE", "La Poste"),
    ("JUSTICE", "Ministère de la Justice"),
    ("MAIRIE", "Mairie de Bourg-Lès-Demo"),
]

# The kiosk's groups of services, in their order: code, French label, {lang: label}.
CATEGORIES = [
    (
        "papiers",
        "Papiers d'identité, permis, carte grise",
        {
            "en": "Identity documents, driving licence, vehicle registration",
            "ar": "وثائق الهوية، رخصة القيادة، البطاقة الرمادية للسيارة",
            "es": "Documentos de identidad, permiso de conducir, documentos del vehículo",
            "pt": "Documentos de identificação, carta de condução, certificado de matrícula",
        },
    ),
    (
        "famille",
        "Famille, logement, allocations",
        {
            "en": "Family, housing, benefits",
            "ar": "الأسرة، السكن، المساعدات الاجتماعية",
            "es": "Familia, vivienda, ayudas sociales",
            "pt": "Família, habitação, prestações sociais",
        },
    ),
    (
        "sante",
        "Santé, assurance maladie",
        {
            "en": "Health, health insurance",
            "ar": "الصحة، التأمين الصحي",
            "es": "Salud, seguro de enfermedad",
            "pt": "Saúde, seguro de saúde",
        },
    ),
    (
        "emploi-retraite",
        "Emploi et retraite",
        {
            "en": "Work and retirement",
            "ar": "العمل والتقاعد",
            "es": "Empleo y jubilación",
            "pt": "Emprego e reforma",
        },
    ),
    (
        "budget",
        "Impôts et argent",
        {
            "en": "Taxes and money",
            "ar": "الضرائب والمال",
            "es": "Impuestos y dinero",
            "pt": "Impostos e dinheiro",
        },
    ),
    (
        "courrier",
        "Courrier et colis",
        {
            "en": "Post and parcels",
            "ar": "البريد والطرود",
            "es": "Correo y paquetes",
            "pt": "Correio e encomendas",
        },
    ),
    (
        "justice",
        "Justice et droits",
        {
            "en": "Justice and rights",
            "ar": "العدالة والحقوق",
            "es": "Justicia y derechos",
            "pt": "Justiça e direitos",
        },
    ),
    (
        "mairie",
        "Mairie : état civil, élections, école",
        {
            "en": "Town hall: civil records, elections, school",
            "ar": "البلدية: الحالة المدنية، الانتخابات، المدرسة",
            "es": "Ayuntamiento: registro civil, elecciones, escuela",
            "pt": "Câmara municipal: registo civil, eleições, escola",
        },
    ),
]

# code, prefix, partner, level, category, French label, {lang: label}, quota, target min, service s
SERVICES = [
    (
        "ANTS_ID",
        "A",
        "ANTS",
        1,
        "papiers",
        "Carte d'identité et passeport",
        {
            "en": "ID card and passport",
            "es": "DNI y pasaporte",
            "pt": "Cartão de cidadão e passaporte",
            "ar": "بطاقة الهوية وجواز السفر",
        },
        40,
        20,
        900,
    ),
    (
        "ANTS_VEH",
        "C",
        "ANTS",
        1,
        "papiers",
        "Carte grise et permis de conduire",
        {
            "en": "Vehicle registration and driving licence",
            "es": "Matriculación y permiso de conducir",
            "pt": "Registo automóvel e carta de condução",
            "ar": "البطاقة الرمادية ورخصة القيادة",
        },
        None,
        20,
        720,
    ),
    (
        "CAF",
        "F",
        "CAF",
        1,
        "famille",
        "Allocations familiales et aide au logement",
        {
            "en": "Family and housing benefits",
            "es": "Prestaciones familiares y de vivienda",
            "pt": "Abonos de família e de habitação",
            "ar": "المنح العائلية ومساعدة السكن",
        },
        None,
        15,
        600,
    ),
    (
        "CPAM",
        "M",
        "CPAM",
        1,
        "sante",
        "Assurance maladie, carte Vitale",
        {
            "en": "Health insurance, Vitale card",
            "es": "Seguro de enfermedad, tarjeta Vitale",
            "pt": "Seguro de saúde, cartão Vitale",
            "ar": "التأمين الصحي وبطاقة فيتال",
        },
        None,
        15,
        540,
    ),
    (
        "RETRAITE",
        "R",
        "CNAV",
        1,
        "emploi-retraite",
        "Retraite",
        {"en": "Retirement and pensions", "es": "Jubilación", "pt": "Reforma", "ar": "التقاعد"},
        None,
        15,
        720,
    ),
    (
        "IMPOTS",
        "I",
        "DGFIP",
        1,
        "budget",
        "Impôts et déclarations",
        {
            "en": "Taxes and tax returns",
            "es": "Impuestos y declaraciones",
            "pt": "Impostos e declarações",
            "ar": "الضرائب والتصريحات",
        },
        None,
        15,
        600,
    ),
    (
        "EMPLOI",
        "E",
        "FT",
        1,
        "emploi-retraite",
        "Emploi et inscription à France Travail",
        {
            "en": "Jobs and France Travail registration",
            "es": "Empleo e inscripción en France Travail",
            "pt": "Emprego e inscrição na France Travail",
            "ar": "التشغيل والتسجيل في فرانس ترافاي",
        },
        None,
        15,
        600,
    ),
    (
        "POSTE",
        "P",
        "POSTE",
        1,
        "courrier",
        "Courrier, colis et services postaux",
        {
            "en": "Mail, parcels and postal services",
            "es": "Correo y paquetes",
            "pt": "Correio e encomendas",
            "ar": "البريد والطرود",
        },
        None,
        10,
        300,
    ),
    (
        "JUSTICE",
        "J",
        "JUSTICE",
        1,
        "justice",
        "Accès au droit et justice",
        {
            "en": "Legal help and justice",
            "es": "Acceso al derecho y justicia",
            "pt": "Acesso ao direito e justiça",
            "ar": "الوصول إلى القانون والعدالة",
        },
        None,
        20,
        900,
    ),
    (
        "ETAT_CIVIL",
        "T",
        "MAIRIE",
        1,
        "mairie",
        "État civil : naissance, mariage, décès",
        {
            "en": "Civil status: birth, marriage, death",
            "es": "Registro civil",
            "pt": "Registo civil",
            "ar": "الحالة المدنية: الولادة والزواج والوفاة",
        },
        None,
        10,
        420,
    ),
    (
        "ELECTIONS",
        "L",
        "MAIRIE",
        1,
        "mairie",
        "Inscription sur les listes électorales",
        {
            "en": "Electoral roll registration",
            "es": "Inscripción en el censo electoral",
            "pt": "Recenseamento eleitoral",
            "ar": "التسجيل في القوائم الانتخابية",
        },
        None,
        10,
        300,
    ),
    (
        "SCOLAIRE",
        "S",
        "MAIRIE",
        1,
        "mairie",
        "Inscriptions scolaires et petite enfance",
        {
            "en": "School and childcare registration",
            "es": "Inscripción escolar",
            "pt": "Inscrição escolar",
            "ar": "التسجيل المدرسي ورعاية الطفولة",
        },
        None,
        15,
        600,
    ),
    (
        "EXPERT_CAF",
        "X",
        "CAF",
        2,
        "famille",
        "Conseiller CAF (sur rendez-vous)",
        {"en": "CAF adviser (by appointment)"},
        None,
        10,
        1800,
    ),
    (
        "EXPERT_IMPOTS",
        "Y",
        "DGFIP",
        2,
        "budget",
        "Conseiller fiscal (sur rendez-vous)",
        {"en": "Tax adviser (by appointment)"},
        None,
        10,
        1800,
    ),
    (
        "URBANISME",
        "U",
        "MAIRIE",
        2,
        "mairie",
        "Urbanisme, permis de construire (sur rendez-vous)",
        {"en": "Planning and building permits (by appointment)"},
        None,
        10,
        1800,
    ),
]

LEVEL1 = [s[0] for s in SERVICES if s[3] == 1]
# number, name, {service: weight}
COUNTERS = [
    (1, "Guichet 1", {**dict.fromkeys(LEVEL1, 1.0), "ANTS_ID": 2.0, "ANTS_VEH": 2.0}),
    (2, "Guichet 2", {**dict.fromkeys(LEVEL1, 1.0), "CAF": 2.0, "CPAM": 2.0, "RETRAITE": 2.0}),
    (3, "Guichet 3", {**dict.fromkeys(LEVEL1, 1.0), "IMPOTS": 2.0, "EMPLOI": 2.0}),
    (4, "Guichet 4 — mairie", {"ETAT_CIVIL": 2.0, "ELECTIONS": 2.0, "SCOLAIRE": 2.0, "POSTE": 1.0}),
    (5, "Bureau 5 — conseillers experts", {"EXPERT_CAF": 1.0, "EXPERT_IMPOTS": 1.0}),
    (6, "Bureau 6 — urbanisme", {"URBANISME": 1.0}),
]

USERS = [
    ("agent1", "agent", "Camille Agent"),
    ("agent2", "agent", "Dominique Agent"),
    ("expert1", "expert", "Claude Expert"),
    ("expert2", "expert", "Sacha Experte"),
    ("manager", "manager", "Morgane Responsable"),
    ("admin", "admin", "Alex Administrateur"),
]
# The services each expert answers (level-2 cases and appointments); agents serve every service.
EXPERT_SERVICES = {"expert1": ["EXPERT_CAF"], "expert2": ["EXPERT_IMPOTS"]}
DEVICES = [("kiosk", "Borne d'accueil"), ("display", "Écran salle d'attente")]


@dataclass
class DemoReport:
    site_slug: str
    users: list[tuple[str, str]]
    tokens: dict[str, str]
    enrolments: dict[str, str] = field(default_factory=dict)
    appointments: list[tuple[str, str, str]] = field(default_factory=list)


def _upsert_site(s: Session) -> Site:
    site = s.scalar(select(Site).where(Site.slug == "demo"))
    if site is None:
        site = Site(
            slug="demo",
            name="France Services de Bourg-Lès-Demo",
            timezone="Europe/Paris",
            address="1 place de la Mairie, 01000 Bourg-Lès-Demo",
            settings={},
        )
        s.add(site)
        s.flush()
        for weekday in range(5):
            s.add(OpeningHours(site_id=site.id, weekday=weekday, opens=time(8, 30), closes=time(12, 30)))
            s.add(OpeningHours(site_id=site.id, weekday=weekday, opens=time(13, 30), closes=time(17, 30)))
        s.add(OpeningHours(site_id=site.id, weekday=5, opens=time(9, 0), closes=time(12, 0)))
    return site


def _load_reference(s: Session) -> Site:
    site = _upsert_site(s)
    partners = {p.code: p for p in s.scalars(select(Partner))}
    for code, name in PARTNERS:
        if code not in partners:
            partners[code] = Partner(code=code, name=name)
            s.add(partners[code])
    s.flush()
    categories = set(s.scalars(select(Category.code).where(Category.site_id == site.id)))
    for sort, (code, label, labels) in enumerate(CATEGORIES, start=1):
        if code not in categories:
            s.add(Category(site_id=site.id, code=code, label_fr=label, labels=labels, sort=sort))
    services = {sv.code: sv for sv in s.scalars(select(Service).where(Service.site_id == site.id))}
    for i, (code, prefix, partner, level, cat, label, labels, quota, target, dur) in enumerate(SERVICES):
        if code not in services:
            services[code] = Service(
                site_id=site.id,
                code=code,
                prefix=prefix,
                partner_id=partners[partner].id,
                level=level,
                category=cat,
                label_fr=label,
                labels=labels,
                daily_quota=quota,
                target_wait_min=target,
                default_service_time_s=dur,
                sort=i,
                sla_hours=72,
            )
            s.add(services[code])
    s.flush()
    counters = {c.number: c for c in s.scalars(select(Counter).where(Counter.site_id == site.id))}
    for number, name, weights in COUNTERS:
        if number not in counters:
            counter = Counter(site_id=site.id, number=number, name=name, status="closed")
            counter.service_links = [
                CounterService(service_id=services[code].id, weight=w) for code, w in weights.items()
            ]
            s.add(counter)
    return site


def load_demo(ctx: Context) -> DemoReport:
    """Create what is missing; re-issue the demo tokens (the old ones are revoked, never duplicated)."""
    ctx.transact(lambda s, _e: _load_reference(s).id)
    with ctx.db.session() as s:
        existing = set(s.scalars(select(User.username)))
    for username, role, name in USERS:
        if username not in existing:
            accounts.add_user(
                ctx,
                username,
                DEMO_PASSWORD,
                role,
                display_name=name,
                site_slug=None if role == "admin" else "demo",
                # Reserved domain: the demo's staff mail (level-2 deadline warnings) goes to the
                # .eml files of the default file transport, never to a real mailbox.
                email=f"{username}@demo.guichet.invalid",
            )

    def expert_services(s: Session, _e: list[Event]) -> None:
        for username, codes in EXPERT_SERVICES.items():
            user = s.scalar(select(User).where(User.username == username))
            if user is None or s.scalar(select(UserService).where(UserService.user_id == user.id)):
                continue
            for code in codes:
                service_id = s.scalar(
                    select(Service.id)
                    .join(Site, Site.id == Service.site_id)
                    .where(Site.slug == "demo", Service.code == code)
                )
                if service_id is not None:
                    s.add(UserService(user_id=user.id, service_id=service_id))

    ctx.transact(expert_services)

    def revoke_demo_tokens(s: Session, _e: list[Event]) -> None:
        s.execute(
            update(AccessToken)
            .where(AccessToken.label == "demo", AccessToken.revoked_at.is_(None))
            .values(revoked_at=ctx.clock())
        )

    ctx.transact(revoke_demo_tokens)
    tokens = {
        "agent1": accounts.create_token(ctx, "agent", username="agent1", label="demo"),
        "manager": accounts.create_token(ctx, "agent", username="manager", label="demo"),
    }
    for kind, name in DEVICES:
        tokens[kind] = accounts.create_token(ctx, kind, site_slug="demo", device_name=name, label="demo")
    enrolments = {
        kind: devices.enrolment_url(ctx, devices.create_enrolment(ctx, "demo", kind, name))
        for kind, name in DEVICES
    }
    ctx.transact(_booking)
    appointments = ctx.transact(lambda s, _e: _todays_appointments(s, ctx.clock()))
    return DemoReport("demo", [(u, r) for u, r, _ in USERS], tokens, enrolments, appointments)


_MINUTE = timedelta(minutes=1)


def _todays_appointments(s: Session, now: datetime) -> list[tuple[str, str, str]]:
    """Two appointments with the experts in the coming hour, so check-in can be tried at once."""
    from ..models import Appointment

    site = s.scalar(select(Site).where(Site.slug == "demo"))
    assert site is not None
    zone = ZoneInfo(site.timezone)
    experts = {
        "EXPERT_CAF": s.scalar(select(User).where(User.username == "expert1")),
        "EXPERT_IMPOTS": s.scalar(select(User).where(User.username == "expert2")),
    }
    # Keep both on today's local date, so they can be checked in even late in the evening.
    last = datetime.combine(now.astimezone(zone).date(), time(23, 59), tzinfo=zone).astimezone(UTC)
    existing = s.scalars(
        select(Appointment).where(
            Appointment.site_id == site.id,
            Appointment.starts_at >= now - timedelta(minutes=10),
            Appointment.starts_at <= last,
            Appointment.status == "booked",
            Appointment.channel == "import",
        )
    )
    rows = list(existing)
    if not rows:
        start = now.replace(second=0, microsecond=0) + timedelta(minutes=10 - now.minute % 10)
        for offset, code in ((0, "EXPERT_CAF"), (30, "EXPERT_IMPOTS")):
            service = s.scalar(select(Service).where(Service.site_id == site.id, Service.code == code))
            assert service is not None
            expert = experts[code]
            expert_id = expert.id if expert else None
            wanted = min(start + timedelta(minutes=offset), last)
            # Never on top of an appointment the expert already has (one checked in earlier, a booking),
            # and never past midnight: later minutes first, then earlier ones.
            forward = (wanted + timedelta(minutes=m) for m in range(int((last - wanted) / _MINUTE) + 1))
            backward = (wanted - timedelta(minutes=m) for m in range(1, 24 * 60))
            at = next(
                when
                for when in (*forward, *backward)
                if not expert_id
                or not s.scalar(
                    select(Appointment.id).where(
                        Appointment.expert_id == expert_id,
                        Appointment.starts_at == when,
                        Appointment.status.in_(("booked", "checked_in")),
                    )
                )
            )
            appt = Appointment(
                site_id=site.id,
                service_id=service.id,
                expert_id=expert_id,
                channel="import",
                starts_at=at,
                duration_min=30,
                code=new_booking_code(),
                status="booked",
                created_at=now,
            )
            s.add(appt)
            rows.append(appt)
        s.flush()
    return [(a.starts_at.astimezone(zone).strftime("%H:%M"), a.service.label_fr, a.code) for a in rows]


# Online booking: places, motifs, and the experts' weekly opening ranges.
PLACES = [("Espace France Services", "2 rue de la Mairie, Bourg-Lès-Demo"), ("Salle des permanences", "")]
# code, service, label, duration, extra per person, max persons, bookable by, requires ANTS, instructions
MOTIFS = [
    (
        "RDV_CAF",
        "EXPERT_CAF",
        "Rendez-vous avec un conseiller CAF",
        30,
        0,
        1,
        "everyone",
        False,
        "Apportez votre numéro d'allocataire et vos trois derniers bulletins de salaire.",
    ),
    (
        "RDV_IMPOTS",
        "EXPERT_IMPOTS",
        "Rendez-vous impôts (déclaration, prélèvement à la source)",
        30,
        0,
        1,
        "everyone",
        False,
        "Apportez votre dernier avis d'imposition et votre numéro fiscal.",
    ),
    (
        "TITRE_IDENTITE",
        "ANTS_ID",
        "Carte d'identité ou passeport (dépôt du dossier)",
        15,
        10,
        4,
        "everyone",
        True,
        "Faites d'abord la pré-demande en ligne sur ants.gouv.fr et apportez son numéro, "
        "une photo d'identité récente, un justificatif de domicile et l'ancien titre.",
    ),
    (
        "URBANISME_RDV",
        "URBANISME",
        "Permis de construire (sur orientation de l'accueil)",
        45,
        0,
        1,
        "agents",
        False,
        "Apportez les plans et le formulaire Cerfa rempli.",
    ),
]
# expert, place index, weekdays, (start, end) ranges, motif codes
RANGES = [
    ("expert1", 0, (1, 3), ((time(9), time(12)), (time(14), time(17))), ("RDV_CAF",)),
    ("expert2", 0, (0, 2, 4), ((time(9), time(12)),), ("RDV_IMPOTS", "TITRE_IDENTITE")),
    ("expert2", 1, (3,), ((time(14), time(17, 30)),), ("TITRE_IDENTITE", "URBANISME_RDV")),
]


def _booking(s: Session, _events: list[Event]) -> None:
    """Create the booking setup once (a site that already has motifs is left as its managers set it)."""
    from ..models import Motif, OpeningRangeRow, Place

    site = s.scalar(select(Site).where(Site.slug == "demo"))
    assert site is not None
    if s.scalar(select(Motif.id).where(Motif.site_id == site.id)) is not None:
        return
    places = [Place(site_id=site.id, name=name, address=address) for name, address in PLACES]
    s.add_all(places)
    services = {sv.code: sv.id for sv in s.scalars(select(Service).where(Service.site_id == site.id))}
    motifs = {}
    for i, (code, service, label, dur, extra, most, who, ants, text) in enumerate(MOTIFS):
        motifs[code] = Motif(
            site_id=site.id,
            service_id=services[service],
            code=code,
            label=label,
            duration_min=dur,
            extra_per_person_min=extra,
            max_persons=most,
            bookable_by=who,
            requires_ants=ants,
            instructions=text,
            min_delay_min=60,
            max_delay_days=60,
            buffer_min=0,
            sort=i,
        )
    s.add_all(motifs.values())
    s.flush()
    start = utcnow().astimezone(ZoneInfo(site.timezone)).date() - timedelta(days=7)
    for username, place, weekdays, hours, codes in RANGES:
        expert = s.scalar(select(User).where(User.username == username))
        if expert is None:
            continue
        for wd in weekdays:
            for opens, closes in hours:
                row = OpeningRangeRow(
                    site_id=site.id,
                    expert_id=expert.id,
                    place_id=places[place].id,
                    weekday=wd,
                    start_time=opens,
                    end_time=closes,
                    valid_from=start,
                )
                row.motifs = [motifs[c] for c in codes]
                s.add(row)
