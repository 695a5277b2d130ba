"""The agent workstation page (/counter). It holds no business rule: counter.js drives the REST API
of docs/contracts/counter.md with the session cookie and the CSRF token rendered here."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from guichet.core.roles import MANAGERS, STAFF
from guichet.web.auth import actor, requires, sign_in_first
from guichet.web.csrf import csrf_token
from guichet.web.labels import priority_labels

from .blueprint import bp


def client_texts() -> dict[str, str]:
    """Everything counter.js writes on the page, in the agent's language ({name} is filled in JS)."""
    return {
        "title_counter": _("Poste d'accueil — %(counter)s", counter="{counter}"),
        "counter_open": _("Ouvert"),
        "counter_paused": _("En pause"),
        "counter_closed": _("Fermé"),
        "counter_free": _("Libre"),
        "counter_occupied_by": _("Occupé par %(name)s", name="{name}"),
        "counter_yours": _("Vous"),
        "occupy": _("S'installer à %(counter)s", counter="{counter}"),
        "occupy_short": _("S'installer"),
        "take_over_short": _("Prendre la place"),
        "take_over": _("Prendre la place à %(counter)s", counter="{counter}"),
        "no_counters": _("Aucun guichet n'est configuré sur ce site."),
        "no_site": _("Ce compte n'est rattaché à aucun site : ajoutez ?site=<code du site> à l'adresse."),
        "services_of_counter": _("Services : %(list)s", list="{list}"),
        "all_services": _("tous les services"),
        "services_more": _("%(list)s et %(n)s autres", list="{list}", n="{n}"),
        "arrived_ago": _("%(time)s, il y a %(ago)s", time="{time}", ago="{ago}"),
        "status_waiting": _("En attente"),
        "status_called": _("Appelé"),
        "status_serving": _("En cours de service"),
        "status_parked": _("Mis de côté"),
        "call_hint_paused": _("Le guichet est en pause : reprenez le service pour appeler."),
        "call_hint_busy": _("Terminez d'abord le ticket en cours."),
        "call_hint_ready": _("Appelle la personne suivante selon les priorités de la file."),
        "noshow_hint": _(
            "« Absent » se débloque après les rappels : %(done)s sur %(min)s faits.",
            done="{done}",
            min="{min}",
        ),
        "priority": _("Prioritaire"),
        **{f"priority_{code}": label for code, label in priority_labels().items()},
        "appointment": _(
            "Rendez-vous à %(time)s (%(minutes)s min), code %(code)s",
            time="{time}",
            minutes="{minutes}",
            code="{code}",
        ),
        "appointment_expert": _("avec %(name)s", name="{name}"),
        "walk_in_source": _("Accueilli sans ticket"),
        "transferred": _("Ticket transféré"),
        "placed_first": _("placé en premier"),
        "elapsed_called": _("Appelé depuis"),
        "elapsed_serving": _("En service depuis"),
        "duration_s": _("%(s)s s", s="{s}"),
        "duration_ms": _("%(m)s min %(s)s s", m="{m}", s="{s}"),
        "duration_m": _("%(m)s min", m="{m}"),
        "duration_hm": _("%(h)s h %(m)s min", h="{h}", m="{m}"),
        "none": _("aucun"),
        "announce_called": _("%(number)s appelé à %(counter)s.", number="{number}", counter="{counter}"),
        "announce_nobody": _("Personne n'attend pour les services de ce guichet."),
        "announce_recalled": _("%(number)s rappelé.", number="{number}"),
        "announce_started": _("%(number)s : service commencé.", number="{number}"),
        "announce_noshow": _("%(number)s noté absent.", number="{number}"),
        "announce_requeued": _("%(number)s remis dans la file.", number="{number}"),
        "announce_parked": _("%(number)s mis de côté.", number="{number}"),
        "announce_resumed": _("%(number)s repris à ce guichet.", number="{number}"),
        "announce_unparked": _("%(number)s remis dans la file.", number="{number}"),
        "announce_transferred": _("%(number)s transféré.", number="{number}"),
        "announce_finished": _("%(number)s terminé.", number="{number}"),
        "announce_walk_in": _("%(number)s : visiteur sans ticket accueilli.", number="{number}"),
        "announce_paused": _("Guichet en pause."),
        "announce_reopened": _("Guichet ouvert."),
        "announce_closed": _("Guichet fermé."),
        "announce_occupied": _("Vous êtes installé à %(counter)s.", counter="{counter}"),
        "announce_unavailable": _("Cette action n'est pas possible maintenant."),
        "case_opened": _(
            "Dossier de niveau 2 %(reference)s ouvert : réponse attendue avant le %(due)s.",
            reference="{reference}",
            due="{due}",
        ),
        "resume": _("Reprendre %(number)s", number="{number}"),
        "unpark": _("Remettre %(number)s dans la file", number="{number}"),
        "board_summary": _(
            "%(waiting)s en attente · %(over)s au-delà de l'objectif · %(parked)s mis de côté",
            waiting="{waiting}",
            over="{over}",
            parked="{parked}",
        ),
        "over_target": _("%(n)s au-delà de %(target)s", n="{n}", target="{target}"),
        "board_updated": _("Mis à jour à %(time)s", time="{time}"),
        "counter_ticket": _("ticket %(number)s", number="{number}"),
        "no_expert": _("Aucun en particulier"),
        "choose_one": _("Choisissez…"),
        "online": _("En ligne"),
        "offline": _("Hors ligne : reconnexion en cours, les informations peuvent être en retard."),
        "error_network": _("Le serveur ne répond pas. Vérifiez la connexion et réessayez."),
        "error_generic": _("L'action a échoué. Réessayez."),
        "error_outcome": _("Choisissez le résultat de la visite."),
        "error_services": _("Cochez au moins un service concerné."),
        "error_description": _("Décrivez la demande."),
        "error_consent": _("Les coordonnées ne peuvent être enregistrées qu'avec l'accord de la personne."),
        "error_contact_name": _("Indiquez le nom de la personne."),
        "error_target": _("Choisissez où transférer le ticket."),
        "error_service": _("Choisissez un service."),
    }


@bp.get("/counter")
@sign_in_first
@requires(*STAFF)
def counter_page() -> Any:
    a = actor()
    # An account of every site (admin) says which site it works at; others work at their own.
    site = (request.args.get("site") or "")[:64] if a.site_id is None else ""
    data = {
        "csrf": csrf_token(),
        "user_id": a.id,
        "role": a.role,
        "site": site or None,
        "login_url": url_for("pages.login_form", next=request.path),
        "manager": a.role in MANAGERS,
    }
    return render_template(
        "counters/counter.html", data=data, texts=client_texts(), csrf=data["csrf"], staff_role=a.role
    )
