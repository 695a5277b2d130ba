"""Every API failure is JSON: a stable `error` code for programs and a French `message` for people."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..core.errors import DomainError
from ..ratelimit import RateLimited
from ..services.errors import Forbidden, Invalid, NotFound
from .auth import CsrfFailed, Unauthenticated, WrongRole

log = logging.getLogger(__name__)


class InvalidJson(Exception):
    """The body is not a JSON object (answered 400)."""


def messages() -> dict[str, str]:
    # Built per request so gettext picks the caller's language.
    return {
        "invalid_transition": _("Action « %(action)s » impossible sur un ticket à l'état « %(state)s »."),
        "recall_required": _("Rappelez le ticket au moins %(min_recalls)s fois avant de le déclarer absent."),
        "outcome_required": _("Indiquez l'issue de la visite."),
        "unknown_outcome": _("Issue « %(outcome)s » inconnue pour ce site."),
        "quota_reached": _("Le quota du jour pour ce service est atteint (%(quota)s tickets)."),
        "service_closed": _("Ce service est fermé."),
        "counter_busy": _("Ce guichet a déjà un ticket en cours (%(number)s) : terminez-le d'abord."),
        "site_not_found": _("Site inconnu."),
        "service_not_found": _("Service inconnu."),
        "counter_not_found": _("Guichet inconnu."),
        "ticket_not_found": _("Ticket inconnu."),
        "unknown_action": _("Action inconnue."),
        "use_call_next": _("Utilisez « appeler le suivant » pour appeler un ticket."),
        "transfer_target_required": _("Indiquez le service ou le guichet de destination."),
        "transfer_to_self": _("Le ticket est déjà à ce guichet pour ce service."),
        "forbidden": _("Vous n'avez pas le droit de faire cela."),
        "role": _("Votre rôle ne permet pas cette action."),
        "other_site": _("Vous n'avez pas accès à ce site."),
        "held_by_other_agent": _("Le ticket %(number)s est pris en charge par un autre agent."),
        "counter_occupied": _("Ce guichet est déjà occupé par %(agent)s."),
        "counter_of_other_agent": _("Le guichet %(counter)s est occupé par un autre agent."),
        "unknown_counter_status": _("État de guichet inconnu."),
        "transfer_one_target": _("Transférez vers un guichet ou vers un agent, pas les deux."),
        "unknown_placement": _("Placement inconnu : « par heure d'arrivée » ou « en premier »."),
        "user_not_found": _("Agent inconnu."),
        "duplicate_service": _("Un même service est indiqué deux fois."),
        "user_without_site": _("Ce compte n'est rattaché à aucun site."),
        "case_required": _("Une transmission au niveau 2 demande d'ouvrir un dossier."),
        "case_needs_escalated_outcome": _(
            "Un dossier de niveau 2 s'ouvre avec l'issue « Transmis au niveau 2 »."
        ),
        "case_services_required": _("Indiquez au moins un service concerné."),
        "case_description_required": _("Décrivez la demande en quelques mots."),
        "consent_required": _("Les coordonnées ne sont conservées qu'avec l'accord de la personne."),
        "contact_name_required": _("Indiquez le nom de la personne à recontacter."),
        "too_long": _("Texte trop long (%(limit)s caractères au plus)."),
        "case_not_found": _("Dossier inconnu."),
        "case_of_other_expert": _("Ce dossier est suivi par un autre expert."),
        "experts_only": _("Seuls les experts de niveau 2 répondent aux dossiers."),
        "unknown_case_status": _("État de dossier inconnu."),
        "case_closed": _("Le dossier %(reference)s a déjà reçu sa réponse."),
        "service_not_in_case": _("Ce service n'est pas concerné par ce dossier."),
        "contribution_required": _("Écrivez la contribution du service."),
        "answer_required": _("Écrivez la réponse groupée."),
        "contributions_missing": _("La réponse groupée attend encore la contribution de : %(missing)s."),
        "motif_not_found": _("Motif de rendez-vous inconnu."),
        "motif_required": _("Choisissez un motif de rendez-vous."),
        "persons_out_of_range": _("Ce motif accueille de 1 à %(max)s personnes."),
        "date_malformed": _("Date invalide : utilisez le format AAAA-MM-JJ."),
        "date_range_inverted": _("La date de fin précède la date de début."),
        "date_range_too_long": _("Cherchez des créneaux sur %(days)s jours au plus."),
        "start_malformed": _("Heure de début invalide."),
        "start_needs_offset": _("L'heure de début doit indiquer son fuseau horaire (ex. +01:00)."),
        "slot_taken": _("Ce créneau vient d'être pris. Choisissez-en un autre."),
        "ants_required": _("Ce motif demande le numéro de pré-demande ANTS."),
        "ants_malformed": _("Le numéro de pré-demande ANTS compte 10 lettres majuscules et chiffres."),
        "ants_not_expected": _("Ce motif ne demande pas de numéro de pré-demande ANTS."),
        "ants_already_used": _("Ce numéro de pré-demande ANTS a déjà un rendez-vous."),
        "too_many_appointments": _("Vous avez déjà %(max)s rendez-vous à venir pour ce motif."),
        "booking_consent_required": _("Votre accord est nécessaire pour enregistrer le rendez-vous."),
        "bad_signature": _("Ce lien n'est pas valide. Utilisez le lien reçu par e-mail."),
        "change_too_late": _(
            "Il est trop tard pour modifier ce rendez-vous en ligne (%(hours)s h avant). Appelez l'accueil."
        ),
        "appointment_not_active": _("Ce rendez-vous est annulé ou déjà passé."),
        "appointment_not_movable": _("Ce rendez-vous ne peut pas être déplacé en ligne. Appelez l'accueil."),
        "waitlist_closed": _("Vous avez déjà reçu toutes les propositions de créneau prévues."),
        "feed_not_found": _("Agenda introuvable."),
        "too_many_requests": _("Trop de demandes : réessayez dans quelques instants."),
        "unauthenticated": _("Authentification requise."),
        "csrf": _("Jeton CSRF manquant ou invalide : rechargez la page."),
        "booking_not_found": _(
            "Ce code de rendez-vous est inconnu. Vérifiez-le ou adressez-vous à l'accueil."
        ),
        "booking_code_malformed": _(
            "Un code de rendez-vous compte 8 lettres et chiffres. Vérifiez-le ou adressez-vous à l'accueil."
        ),
        "booking_too_early": _(
            "Il est trop tôt pour enregistrer ce rendez-vous. "
            "Revenez un peu plus tard ou adressez-vous à l'accueil."
        ),
        "booking_other_day": _("Ce rendez-vous n'est pas prévu aujourd'hui. Adressez-vous à l'accueil."),
        "booking_not_active": _(
            "Ce rendez-vous a été annulé ou n'est plus valable. Adressez-vous à l'accueil."
        ),
        "unknown_priority_reason": _("Motif de priorité inconnu."),
        "print_job_not_found": _("Impression inconnue."),
        "enrolment_invalid": _("Lien d'enregistrement invalide"),
        "not_found": _("Introuvable"),
        "invalid_json": _("Le corps de la requête doit être un objet JSON."),
        "validation": _("Données invalides."),
    }


def wants_json() -> bool:
    """API paths and fetch() calls get JSON; a browser navigating to a page gets a French page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def payload(code: str, status: int, params: dict[str, Any] | None = None, **extra: Any):
    template = messages().get(code)
    try:
        message = template % (params or {}) if template else code
    except (KeyError, TypeError, ValueError):
        message = template or code
    if not wants_json():
        page = render_template("error.html", status=status, code=code, message=message)
        return page, status
    body = {"error": code, "message": message, **extra}
    if params:
        body["details"] = {k: v for k, v in params.items() if isinstance(v, (str, int, float, list))}
    return jsonify(body), status


def domain_error(exc: DomainError):
    if isinstance(exc, NotFound):
        return payload(exc.code, 404, exc.params)
    if isinstance(exc, Forbidden):
        return payload(exc.code, 403, exc.params)
    if isinstance(exc, Invalid):
        return payload(exc.code, 400, exc.params)
    return payload(exc.code, 409, exc.params)


def validation_error(exc: ValidationError):
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    return payload("validation", 422, None, errors=errors)


def invalid_json(_exc: Exception):
    return payload("invalid_json", 400)


def unauthenticated(_exc: Exception):
    resp, status = payload("unauthenticated", 401)
    if wants_json():
        resp.headers["WWW-Authenticate"] = 'Bearer realm="guichet"'
    return resp, status


def rate_limited(exc: Exception):
    resp, status = payload("too_many_requests", 429)
    resp.headers["Retry-After"] = str(getattr(exc, "retry_after", 60))
    return resp, status


def wrong_role(_exc: Exception):
    return payload("role", 403)


def csrf_failed(_exc: Exception):
    return payload("csrf", 403)


def http_error(exc: HTTPException):
    """JSON for API and fetch callers, the French error page for browsers."""
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "bad_request"}.get(
        exc.code or 500, "http_error"
    )
    if not wants_json():
        words = {
            404: _("Page introuvable."),
            405: _("Méthode non autorisée."),
            413: _("Requête trop volumineuse."),
            400: _("Requête invalide."),
        }
        return render_template(
            "error.html", status=exc.code, code=code, message=words.get(exc.code or 500, exc.name)
        ), exc.code or 500
    return jsonify({"error": code, "message": exc.description or exc.name}), exc.code or 500


def unexpected_error(exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    if wants_json():
        return jsonify({"error": "internal", "message": _("Erreur interne, réessayez.")}), 500
    return render_template(
        "error.html", status=500, code="internal", message=_("Erreur interne, réessayez.")
    ), 500


def register_error_handlers(app: Flask) -> None:
    """One error policy for the whole application (API, kiosk, pages)."""
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(ValidationError, validation_error)
    app.register_error_handler(InvalidJson, invalid_json)
    app.register_error_handler(Unauthenticated, unauthenticated)
    app.register_error_handler(WrongRole, wrong_role)
    app.register_error_handler(CsrfFailed, csrf_failed)
    app.register_error_handler(RateLimited, rate_limited)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
