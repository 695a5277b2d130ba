"""The booking pages (/rdv/...) through the Flask test client: every step renders, choices carry from
one step to the next, the hold and the booking go through the booking service, every bad input is a
French message (never a 500: tests/integration/conftest.py checks every answer), and the citizen's
manage page cancels, moves and joins the waitlist with the signed link."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from guichet.models import Appointment, Case, OpeningRangeRow, Place, SlotHold, WaitlistRequest
from guichet.services import booking as booking_service

from ..factories import add_booking

# Monday 22 March 2027, 08:00 in Paris (as in test_booking_api.py): Easter Monday is the 29th.
NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)
CAF_SLOT = "2027-03-23T10:00:00+01:00"  # Tuesday: more than 24 h ahead, so it can still be changed


@pytest.fixture
def booking(ctx, world):  # type: ignore[no-untyped-def]
    ctx.clock = lambda: NOW
    return add_booking(ctx, world)


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, tags removed and spaces collapsed (entities decoded)."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def csrf_of(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="csrf" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def radios(response, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = re.findall(
        rf'<input type="radio" name="{name}" id="[^"]+" value="([^"]+)"', response.get_data(as_text=True)
    )
    return [html.unescape(v) for v in found]


def h1(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
    assert match, "no h1"
    return " ".join(html.unescape(match.group(1)).split())


def hold(client, slot: str, motif: str = "CAF_RDV", **extra):  # type: ignore[no-untyped-def]
    query = "".join(f"&{k}={v}" for k, v in extra.items())
    page = client.get(f"/rdv/test?motif={motif}&day={slot[:10]}{query}")
    data = {"csrf": csrf_of(page), "motif": motif, "day": slot[:10], "slot": slot, **extra}
    return client.post("/rdv/test/creneau", data=data)


def contact(place: int, start: str = CAF_SLOT, motif: str = "CAF_RDV", **fields) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {"motif": motif, "place": str(place), "start": start, "name": "Alex Martin"}
    data.update({"email": "a.martin@example.org", "consent": "1"})
    data.update({k: str(v) for k, v in fields.items()})
    return data


def book_through_pages(client, booking, start: str = CAF_SLOT, **fields):  # type: ignore[no-untyped-def]
    """Hold, then send the contact form: the answer to the booking POST."""
    held = hold(client, f"{start}|{booking.place}")
    assert held.status_code == 303, text(held)
    form = client.get(held.headers["Location"])
    assert form.status_code == 200, text(form)
    return client.post(
        "/rdv/test/coordonnees", data={"csrf": csrf_of(form), **contact(booking.place, start, **fields)}
    )


def manage_link(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'href="(/rdv/gerer/[A-Z0-9]+/[0-9a-f]+)"', response.get_data(as_text=True))
    assert match, "no manage link on the page"
    return match.group(1)


# --- choosing ------------------------------------------------------------------------------------


def test_motif_page_lists_public_motifs_with_duration_and_instructions(client, ctx, booking) -> None:
    def instructions(s, _e):  # type: ignore[no-untyped-def]
        from guichet.models import Motif

        s.get(Motif, booking.motifs["CAF_RDV"]).instructions = "Apportez votre numéro d'allocataire."

    ctx.transact(instructions)
    r = client.get("/rdv/test")
    assert r.status_code == 200
    assert '<html lang="fr"' in r.get_data(as_text=True)
    assert h1(r) == "Prendre rendez-vous : choisissez le motif"
    page = text(r)
    assert "Dossier CAF" in page and "Passeport" in page
    assert "Dossier CPAM (sur orientation)" not in page  # agents only
    assert "Durée : 30 minutes" in page and "Durée : 15 minutes" in page
    assert "Apportez votre numéro d'allocataire." in page
    assert "jusqu'à 4 personnes" in page and "Numéro de pré-demande ANTS demandé." in page
    assert radios(r, "motif") == ["CAF_RDV", "PASSEPORT"]


def test_the_page_is_french_whatever_the_browser_language(client, booking) -> None:
    r = client.get("/rdv/test", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="fr"' in r.get_data(as_text=True)
    assert "choisissez le motif" in h1(r)


def test_sending_the_motif_form_without_a_choice_says_so_next_to_the_choices(client, booking) -> None:
    r = client.get("/rdv/test?step=motif")
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert 'aria-describedby="motif-erreur"' in body
    assert "Choisissez un motif de rendez-vous." in text(r)
    assert "<title>Erreur : " in body


def test_a_motif_for_several_persons_asks_how_many_then_shows_the_longer_duration(client, booking) -> None:
    r = client.get("/rdv/test?motif=PASSEPORT")
    assert r.status_code == 200
    assert h1(r) == "Précisez votre demande"
    body = r.get_data(as_text=True)
    assert '<select id="personnes" name="persons"' in body
    assert "15 minutes pour une personne, 10 minutes de plus par personne" in text(r)
    days = client.get("/rdv/test?motif=PASSEPORT&persons=3")
    assert days.status_code == 200 and h1(days) == "Choisissez un jour"
    assert "Le rendez-vous dure 35 minutes." in text(days)


def test_days_page_lists_the_next_fourteen_days_with_free_slots_and_a_link_for_more(client, booking) -> None:
    r = client.get("/rdv/test?motif=CAF_RDV")
    assert r.status_code == 200
    page = text(r)
    assert "du lundi 22 mars au dimanche 4 avril" in page
    links = re.findall(r'href="(/rdv/test\?[^"]*day=(\d{4}-\d{2}-\d{2})[^"]*)"', r.get_data(as_text=True))
    days = [d for _u, d in links]
    # Weekdays only, today from 09:00, Easter Monday (29 March) closed.
    assert days == [
        "2027-03-22",
        "2027-03-23",
        "2027-03-24",
        "2027-03-25",
        "2027-03-26",
        "2027-03-30",
        "2027-03-31",
        "2027-04-01",
        "2027-04-02",
    ]
    assert "6 créneaux libres" in page
    more = re.search(r'href="([^"]+)">Voir plus de jours', r.get_data(as_text=True))
    assert more and "from=2027-04-05" in more.group(1)
    later = client.get(html.unescape(more.group(1)))
    assert "du lundi 5 avril au dimanche 18 avril" in text(later)
    assert "Voir les jours précédents" in text(later)


def test_slots_page_shows_the_day_s_times_as_one_radio_group(client, booking) -> None:
    r = client.get("/rdv/test?motif=CAF_RDV&day=2027-03-23")
    assert r.status_code == 200
    assert h1(r) == "Choisissez l'heure"
    values = radios(r, "slot")
    assert [v.split("|")[0][11:16] for v in values] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert all(v.endswith(f"|{booking.place}") for v in values)
    body = r.get_data(as_text=True)
    assert body.count("<fieldset") == 1 and "Horaires libres le mardi 23 mars" in text(r)


def test_only_places_where_the_motif_is_offered_are_asked(client, ctx, world, booking) -> None:
    def second_place(s, _e):  # type: ignore[no-untyped-def]
        annex = Place(site_id=world.site_id, name="Annexe du Bourg", address="3 rue Haute")
        empty = Place(site_id=world.site_id, name="Salle vide", address="")
        s.add_all([annex, empty])
        s.flush()
        s.add(
            OpeningRangeRow(
                site_id=world.site_id,
                expert_id=world.user_ids["expert"],
                place_id=annex.id,
                weekday=5,  # Saturdays
                start_time=time(9),
                end_time=time(10),
                valid_from=date(2020, 1, 1),
            )
        )
        return annex.id

    annex = ctx.transact(second_place)
    r = client.get("/rdv/test?motif=CAF_RDV")
    assert r.status_code == 200 and h1(r) == "Précisez votre demande"
    assert radios(r, "place") == [str(booking.place), str(annex)]
    assert "Salle vide" not in text(r)
    none = client.get("/rdv/test?motif=CAF_RDV&step=options")
    assert none.status_code == 400 and "Choisissez un lieu dans la liste." in text(none)
    saturday = client.get(f"/rdv/test?motif=CAF_RDV&place={annex}")
    days = re.findall(r"day=(\d{4}-\d{2}-\d{2})", saturday.get_data(as_text=True))
    assert days == ["2027-03-27", "2027-04-03"]  # Saturdays only, at the annex


# --- holding and booking -------------------------------------------------------------------------


def test_picking_a_time_holds_it_then_the_contact_form_says_until_when(client, ctx, booking) -> None:
    r = hold(client, f"{CAF_SLOT}|{booking.place}")
    assert r.status_code == 303
    where = urlsplit(r.headers["Location"])
    assert where.path == "/rdv/test/coordonnees"
    assert parse_qs(where.query) == {"motif": ["CAF_RDV"], "place": [str(booking.place)], "start": [CAF_SLOT]}
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SlotHold)) == 1
    form = client.get(r.headers["Location"])
    assert form.status_code == 200 and h1(form) == "Vos coordonnées"
    page = text(form)
    assert "Ce créneau vous est réservé jusqu'à 08:10." in page
    assert "mardi 23 mars 2027" in page and "10:00" in page
    body = form.get_data(as_text=True)
    for field in ('id="nom"', 'id="email"', 'id="telephone"', 'id="accord"'):
        assert field in body
    assert 'id="ants"' not in body  # the CAF motif needs no ANTS number
    assert "effacées au plus tard 2 ans après le rendez-vous" in page


def test_a_held_slot_is_not_offered_to_someone_else(client, app, booking) -> None:
    assert hold(client, f"{CAF_SLOT}|{booking.place}").status_code == 303
    other = app.test_client()
    r = other.get("/rdv/test?motif=CAF_RDV&day=2027-03-23")
    assert f"{CAF_SLOT}|{booking.place}" not in radios(r, "slot")


def test_holding_a_time_just_taken_shows_the_french_message_and_the_next_free_slots(
    client, app, booking
) -> None:
    other = app.test_client()
    assert hold(other, f"{CAF_SLOT}|{booking.place}").status_code == 303
    r = hold(client, f"{CAF_SLOT}|{booking.place}")
    assert r.status_code == 409
    page = text(r)
    assert "Ce créneau vient d'être pris. Choisissez-en un autre." in page
    assert "Choisir le mardi 23 mars à 10:30" in page
    assert 'role="alert"' in r.get_data(as_text=True)


def test_sending_the_time_form_without_a_time_asks_for_one(client, booking) -> None:
    page = client.get("/rdv/test?motif=CAF_RDV&day=2027-03-23")
    r = client.post(
        "/rdv/test/creneau", data={"csrf": csrf_of(page), "motif": "CAF_RDV", "day": "2027-03-23"}
    )
    assert r.status_code == 400
    assert "Choisissez un horaire dans la liste." in text(r)
    assert 'aria-describedby="horaire-erreur"' in r.get_data(as_text=True)


def test_booking_confirms_with_code_qr_code_calendar_file_and_manage_link(client, ctx, booking) -> None:
    r = book_through_pages(client, booking, phone="06 12 34 56 78")
    assert r.status_code == 303, text(r)
    assert r.headers["Location"].startswith("/rdv/confirmation/")
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment))
        assert appt is not None and appt.contact_email == "a.martin@example.org"
        assert appt.contact_phone == "06 12 34 56 78" and appt.channel == "online"
        code = appt.code
        assert s.scalar(select(func.count()).select_from(SlotHold)) == 0  # the hold was used
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and h1(page) == "Rendez-vous confirmé"
    words = text(page)
    assert code in words and "mardi 23 mars 2027" in words and "de 10:00 à 10:30" in words
    assert "Salle des permanences" in words and "1 place de la Mairie" in words
    body = page.get_data(as_text=True)
    assert f'aria-label="QR code du code de rendez-vous {code}"' in body and "<svg" in body
    ics = re.search(r'href="([^"]+\.ics)"', body)
    assert ics and ics.group(1) == f"/api/v1/appointments/{code}.ics"
    calendar = client.get(ics.group(1))
    assert calendar.status_code == 200 and b"BEGIN:VEVENT" in calendar.data
    link = manage_link(page)
    assert link == f"/rdv/gerer/{code}/{booking_service.signature(ctx, code)}"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "  "}, {"nom": "Indiquez le nom et le prénom."}),
        ({"email": ""}, {"email": "Indiquez une adresse e-mail."}),
        ({"email": "martin.example.org"}, {"email": "Adresse e-mail invalide"}),
        ({"phone": "appelez-moi"}, {"telephone": "Numéro de téléphone invalide"}),
        ({"consent": ""}, {"accord": "Votre accord est nécessaire pour enregistrer le rendez-vous."}),
        ({"name": "", "consent": ""}, {"nom": "Indiquez le nom", "accord": "Votre accord est nécessaire"}),
    ],
)
def test_contact_form_errors_are_french_and_tied_to_their_fields(
    client, ctx, booking, fields, errors
) -> None:
    r = book_through_pages(client, booking, **fields)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "<title>Erreur : " in body and "data-focus-error" in body
    for field_id, message in errors.items():
        match = re.search(rf'<p class="rdv-field-error" id="{field_id}-erreur">(.*?)</p>', body, re.S)
        assert match and message in html.unescape(match.group(1)), f"{field_id}: {match}"
        tag = re.search(rf'<input id="{field_id}"[^>]*>', body, re.S)
        assert tag and f"{field_id}-erreur" in tag.group(0) and 'aria-invalid="true"' in tag.group(0)
        assert f'href="#{field_id}"' in body  # the summary links to the field
    assert 'value="Alex Martin"' in body or "name" in fields  # what was typed is kept
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 0


@pytest.mark.parametrize(
    ("ants", "message"),
    [
        ("", "Ce motif demande le numéro de pré-demande ANTS."),
        ("12345", "Le numéro de pré-demande ANTS compte 10 lettres majuscules et chiffres."),
    ],
)
def test_the_ants_number_is_asked_with_its_format_and_checked(client, booking, ants, message) -> None:
    start = "2027-03-23T09:00:00+01:00"
    held = hold(client, f"{start}|{booking.place}", motif="PASSEPORT", persons="2")
    assert held.status_code == 303, text(held)
    form = client.get(held.headers["Location"])
    assert "10 caractères, lettres majuscules et chiffres, par exemple 1234ABCD56" in text(form)
    data = contact(booking.place, start, motif="PASSEPORT", persons="2", ants=ants)
    r = client.post("/rdv/test/coordonnees", data={"csrf": csrf_of(form), **data})
    assert r.status_code == 400
    assert re.search(
        rf'id="ants-erreur">.*?{re.escape(html.escape(message, quote=True))}', r.get_data(as_text=True), re.S
    )


def test_an_ants_number_typed_in_lower_case_with_spaces_is_accepted(client, ctx, booking) -> None:
    start = "2027-03-23T09:00:00+01:00"
    held = hold(client, f"{start}|{booking.place}", motif="PASSEPORT", persons="2")
    form = client.get(held.headers["Location"])
    data = contact(booking.place, start, motif="PASSEPORT", persons="2", ants="12ab 34cd56")
    r = client.post("/rdv/test/coordonnees", data={"csrf": csrf_of(form), **data})
    assert r.status_code == 303, text(r)
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment))
        assert appt.ants_number == "12AB34CD56" and appt.persons == 2 and appt.duration_min == 25


def test_a_slot_taken_before_the_form_was_sent_shows_the_next_free_slots(client, ctx, booking) -> None:
    start = CAF_SLOT.replace("+", "%2B")
    form = client.get(f"/rdv/test/coordonnees?motif=CAF_RDV&start={start}&place={booking.place}")
    assert form.status_code == 200
    assert "Ce créneau vous est réservé" not in text(form)  # not held: someone else may take it
    booking_service.book(
        ctx,
        booking_service.BookingRequest(
            site="test", motif="CAF_RDV", start=CAF_SLOT, name="B", email="b@example.org"
        ),
    )
    r = client.post("/rdv/test/coordonnees", data={"csrf": csrf_of(form), **contact(booking.place)})
    assert r.status_code == 409
    page = text(r)
    assert "Ce créneau vient d'être pris. Choisissez-en un autre." in page
    assert "Choisir le mardi 23 mars à 10:30" in page


def test_too_many_appointments_for_one_address_is_said_at_the_e_mail_field(client, booking) -> None:
    for start in ("2027-03-23T09:00:00+01:00", "2027-03-23T09:30:00+01:00"):
        assert book_through_pages(client, booking, start=start).status_code == 303
    r = book_through_pages(client, booking)
    assert r.status_code == 409
    assert re.search(
        r'id="email-erreur">.*?Vous avez déjà 2 rendez-vous à venir',
        html.unescape(r.get_data(as_text=True)),
        re.S,
    )


def test_a_form_without_the_session_s_csrf_token_is_refused_in_french(client, booking) -> None:
    client.get("/rdv/test")
    r = client.post("/rdv/test/coordonnees", data={"csrf": "forged", **contact(booking.place)})
    assert r.status_code == 403 and "Le formulaire a expiré : réessayez." in text(r)
    r = client.post("/rdv/test/creneau", data={"motif": "CAF_RDV", "slot": f"{CAF_SLOT}|{booking.place}"})
    assert r.status_code == 403


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/rdv/nulle-part", 404, "Site inconnu."),
        ("/rdv/nulle-part/coordonnees?motif=CAF_RDV", 404, "Site inconnu."),
        ("/rdv/test?motif=INCONNU", 404, "Motif de rendez-vous inconnu."),
        ("/rdv/test?motif=CPAM_AGENT", 404, "Motif de rendez-vous inconnu."),  # agents only
        ("/rdv/test?motif=PASSEPORT&persons=abc", 400, "Ce motif accueille de 1 à 4 personnes."),
        ("/rdv/test?motif=PASSEPORT&persons=9", 400, "Ce motif accueille de 1 à 4 personnes."),
        ("/rdv/test?motif=CAF_RDV&place=999", 400, "Choisissez un lieu dans la liste."),
        ("/rdv/test?motif=CAF_RDV&day=mardi", 400, "Date invalide : utilisez le format AAAA-MM-JJ."),
        ("/rdv/test?motif=CAF_RDV&from=2027-13-45", 400, "Date invalide"),
        ("/rdv/test?case=abc", 400, "Numéro de dossier invalide."),
        ("/rdv/test?case=1", 403, "Seul un agent connecté peut rattacher"),
        ("/rdv/test?motif=CAF_RDV&case=1", 403, "Seul un agent connecté peut rattacher"),
        ("/rdv/test/coordonnees?motif=CAF_RDV&start=demain", 400, "Heure de début invalide."),
        ("/rdv/test/coordonnees?motif=CAF_RDV&start=2027-03-23T10:00:00", 400, "Heure de début invalide."),
        ("/rdv/confirmation/ABCDEFGH/0000", 404, "Ce code de rendez-vous est inconnu."),
        ("/rdv/gerer/ABCDEFGH/0000", 404, "Ce code de rendez-vous est inconnu."),
        ("/rdv/gerer/ABCDEFGH/0000/deplacer?day=x", 404, "Ce code de rendez-vous est inconnu."),
    ],
)
def test_bad_input_gets_a_french_page_never_a_server_error(client, booking, url, status, message) -> None:
    r = client.get(url)
    assert r.status_code == status, text(r)
    assert message in text(r)
    assert '<html lang="fr"' in r.get_data(as_text=True)


def test_a_day_outside_the_booking_window_has_no_time_to_offer(client, booking) -> None:
    r = client.get("/rdv/test?motif=CAF_RDV&day=2020-01-07")
    assert r.status_code == 200 and "Plus aucun créneau libre ce jour-là." in text(r)
    assert radios(r, "slot") == []


# --- agents --------------------------------------------------------------------------------------


def sign_in(client, world, role: str = "agent") -> str:  # type: ignore[no-untyped-def]
    with client.session_transaction() as s:
        s["user_id"] = world.user_ids[role]
        s["csrf"] = "agent-session-token"
    return "agent-session-token"


def test_signed_in_agents_see_agents_only_motifs_and_book_for_a_citizen(client, ctx, world, booking) -> None:
    sign_in(client, world)
    r = client.get("/rdv/test")
    assert "CPAM_AGENT" in radios(r, "motif")
    assert "Vous êtes connecté comme agent" in text(r) and "réservé aux agents" in text(r)
    held = hold(client, f"{CAF_SLOT}|{booking.place}", motif="CPAM_AGENT")
    assert held.status_code == 303, text(held)
    form = client.get(held.headers["Location"])
    assert h1(form) == "Coordonnées de l'usager"
    assert "La personne accepte que ces coordonnées soient enregistrées" in text(form)
    data = contact(booking.place, motif="CPAM_AGENT")
    r = client.post("/rdv/test/coordonnees", data={"csrf": csrf_of(form), **data})
    assert r.status_code == 303, text(r)
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment))
        assert appt.channel == "agent" and appt.booked_by_id == world.user_ids["agent"]


def test_an_agent_books_from_a_level_two_case(client, ctx, world, booking) -> None:
    def open_case(s, _e):  # type: ignore[no-untyped-def]
        case = Case(
            site_id=world.site_id,
            description="Changement de situation",
            opened_by_id=world.user_ids["agent"],
            opened_at=NOW,
            due_at=NOW + timedelta(hours=72),
        )
        s.add(case)
        s.flush()
        return case.id

    case_id = ctx.transact(open_case)
    sign_in(client, world)
    first = client.get(f"/rdv/test?case={case_id}")
    assert f"Ce rendez-vous sera rattaché au dossier n° {case_id}." in text(first)
    assert f'name="case" value="{case_id}"' in first.get_data(as_text=True)
    days = client.get(f"/rdv/test?motif=CAF_RDV&case={case_id}")
    assert f"case={case_id}" in days.get_data(as_text=True)  # every link carries the case
    held = hold(client, f"{CAF_SLOT}|{booking.place}", case=str(case_id))
    assert held.status_code == 303 and f"case={case_id}" in held.headers["Location"]
    form = client.get(held.headers["Location"])
    data = contact(booking.place, case=case_id)
    r = client.post("/rdv/test/coordonnees", data={"csrf": csrf_of(form), **data})
    assert r.status_code == 303, text(r)
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment))
        assert appt.case_id == case_id and appt.channel == "escalation"


# --- the manage page -----------------------------------------------------------------------------


@pytest.fixture
def booked(client, booking):  # type: ignore[no-untyped-def]
    """A booking made through the pages; its manage link."""
    r = book_through_pages(client, booking)
    assert r.status_code == 303
    return manage_link(client.get(r.headers["Location"]))


def test_manage_page_shows_the_appointment_and_what_can_be_done(client, booked) -> None:
    r = client.get(booked)
    assert r.status_code == 200 and h1(r) == "Votre rendez-vous"
    page = text(r)
    assert "mardi 23 mars 2027" in page and "Dossier CAF" in page
    assert "Possible en ligne jusqu'au lundi 22 mars à 10:00." in page
    for action in (
        "Déplacer le rendez-vous",
        "Annuler le rendez-vous",
        "Être prévenu si un créneau plus tôt se libère",
    ):
        assert action in page


def test_a_wrong_signature_is_refused_in_french(client, booked) -> None:
    forged = booked[:-4] + ("0000" if not booked.endswith("0000") else "1111")
    r = client.get(forged)
    assert r.status_code == 403
    assert "Ce lien n'est pas valide. Utilisez le lien reçu par e-mail." in text(r)
    r = client.post(forged + "/annuler", data={"csrf": "x"})
    assert r.status_code == 403


def test_cancel_asks_for_confirmation_then_cancels(client, ctx, booked) -> None:
    ask = client.get(booked + "/annuler")
    assert ask.status_code == 200 and h1(ask) == "Annuler ce rendez-vous ?"
    assert "Non, garder mon rendez-vous" in text(ask)
    with ctx.db.session() as s:
        assert s.scalar(select(Appointment.status)) == "booked"  # asking changed nothing
    done = client.post(booked + "/annuler", data={"csrf": csrf_of(ask)})
    assert done.status_code == 303 and done.headers["Location"] == booked
    after = client.get(booked)
    page = text(after)
    assert "Votre rendez-vous est annulé. Un e-mail vous le confirme." in page
    assert "Ce rendez-vous est annulé." in page and "Annuler le rendez-vous" not in page
    assert "Prendre un nouveau rendez-vous" in page
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment))
        assert appt.status == "cancelled" and appt.cancelled_by == "citizen"


def test_too_late_to_change_online_is_said_plainly_and_nothing_is_offered(client, ctx, booked) -> None:
    ctx.clock = lambda: datetime(2027, 3, 22, 10, 0, tzinfo=UTC)  # 23 h before
    r = client.get(booked)
    page = text(r)
    assert "Il est trop tard pour changer ce rendez-vous en ligne." in page
    assert "jusqu'à 24 heures avant le rendez-vous" in page and "Site test" in page
    assert "Annuler le rendez-vous" not in page and "Déplacer le rendez-vous" not in page
    assert client.get(booked + "/annuler").status_code == 303  # back to the manage page
    with client.session_transaction() as session:
        token = session["csrf"]
    refused = client.post(booked + "/annuler", data={"csrf": token})
    assert refused.status_code == 409
    assert "Il est trop tard pour modifier ce rendez-vous en ligne (24 h avant)." in text(refused)
    with ctx.db.session() as s:
        assert s.scalar(select(Appointment.status)) == "booked"


def test_move_to_another_day_keeps_the_code(client, ctx, booked) -> None:
    days = client.get(booked + "/deplacer")
    assert days.status_code == 200 and h1(days) == "Déplacer le rendez-vous"
    assert "Rendez-vous actuel : mardi 23 mars 2027 à 10:00." in text(days)
    thursday = re.search(r'href="([^"]*day=2027-03-25[^"]*)"', days.get_data(as_text=True))
    assert thursday
    slots = client.get(html.unescape(thursday.group(1)))
    values = radios(slots, "slot")
    assert values and values[0].startswith("2027-03-25T09:00:00+01:00")
    with ctx.db.session() as s:
        code = s.scalar(select(Appointment.code))
    r = client.post(
        booked + "/deplacer", data={"csrf": csrf_of(slots), "day": "2027-03-25", "slot": values[0]}
    )
    assert r.status_code == 303 and r.headers["Location"] == booked
    page = text(client.get(booked))
    assert "Votre rendez-vous est déplacé au jeudi 25 mars 2027 à 09:00." in page
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment))
        assert appt.code == code and appt.starts_at.replace(tzinfo=UTC) == datetime(
            2027, 3, 25, 8, 0, tzinfo=UTC
        )


def test_moving_to_a_time_just_taken_shows_the_next_free_slots(client, ctx, booked) -> None:
    slots = client.get(booked + "/deplacer?day=2027-03-25")
    taken = "2027-03-25T09:00:00+01:00"
    booking_service.book(
        ctx,
        booking_service.BookingRequest(
            site="test", motif="CAF_RDV", start=taken, name="B", email="b@example.org"
        ),
    )
    r = client.post(
        booked + "/deplacer", data={"csrf": csrf_of(slots), "day": "2027-03-25", "slot": f"{taken}|1"}
    )
    assert r.status_code == 409
    page = text(r)
    assert "Ce créneau vient d'être pris. Choisissez-en un autre." in page
    assert "Choisir le jeudi 25 mars à 09:30" in page
    with ctx.db.session() as s:
        mine = s.scalar(select(Appointment).where(Appointment.contact_email == "a.martin@example.org"))
        assert mine.starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 23, 9, 0, tzinfo=UTC)  # unchanged


def test_moving_without_choosing_a_time_asks_for_one(client, booked) -> None:
    slots = client.get(booked + "/deplacer?day=2027-03-25")
    r = client.post(booked + "/deplacer", data={"csrf": csrf_of(slots), "day": "2027-03-25"})
    assert r.status_code == 400 and "Choisissez un horaire dans la liste." in text(r)


def test_waitlist_is_joined_from_the_manage_page(client, ctx, booked) -> None:
    page = client.get(booked)
    r = client.post(booked + "/attente", data={"csrf": csrf_of(page)})
    assert r.status_code == 303
    assert "si un créneau plus tôt se libère, nous vous l'écrirons par e-mail" in text(client.get(booked))
    with ctx.db.session() as s:
        assert s.scalar(select(WaitlistRequest.status)) == "active"
    # Joined: the page says so instead of offering the button again.
    assert "Être prévenu si un créneau plus tôt se libère" not in text(client.get(booked))
