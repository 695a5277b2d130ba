"""Every error a person may read, by code, in French first (gettext words them in the caller's language).

Core and services raise errors carrying a code and parameters; the web layer words them here, once,
for the API's JSON `message`, the kiosk's screen and the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext


def messages() -> dict[str, str]:
    # Built per request so gettext picks the caller's language.
    return {
        "invalid_transition": _("Action « %(action)s » impossible sur un ticket à l'état « %(state)s »."),
        "recall_required": _("Rappelez le ticket au moins %(min_recalls)s fois avant de le déclarer absent."),
        "outcome_required": _("Indiquez l'issue de la visite."),
        "unknown_outcome": _("Issue « %(outcome)s » inconnue pour ce site."),
        "unknown_channel": _(
            "Canal « %(channel)s » inconnu : téléphone, courriel, courrier, réseau social, accueil ou web."
        ),
        "escalated_is_not_an_outcome": _(
            "Une demande transmise au niveau 2 n'a pas d'issue immédiate : ouvrez un dossier sans issue."
        ),
        "quota_reached": _("Le quota du jour pour ce service est atteint (%(quota)s tickets)."),
        "service_closed": _("Ce service est fermé."),
        "service_by_appointment": _(
            "Ce service reçoit sur rendez-vous : prenez rendez-vous en ligne ou à l'accueil."
        ),
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
        "period_too_long": _("Choisissez une période de %(days)s jours au plus."),
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
        "score_out_of_range": _("La note va de 0 à 10."),
        "already_answered": _("Vous avez déjà donné votre avis sur cette visite : merci."),
        "satisfaction_not_asked": _("L'avis se donne une fois la visite terminée, pendant une semaine."),
        "appointment_closed": _("Ce rendez-vous est déjà clos."),
        "appointment_not_begun": _("Ce rendez-vous n'a pas encore commencé : son issue se note ensuite."),
        "unknown_appointment_outcome": _("Issue de rendez-vous inconnue : « %(outcome)s »."),
        "not_your_appointment": _("Ce rendez-vous est celui d'un autre conseiller."),
        "unknown_priority_reason": _("Motif de priorité inconnu."),
        "print_job_not_found": _("Impression inconnue."),
        "enrolment_invalid": _("Lien d'enregistrement invalide"),
        "not_found": _("Introuvable"),
        "invalid_json": _("Le corps de la requête doit être un objet JSON."),
        "validation": _("Données invalides."),
        # setting a site up
        "config_format": _("Ce fichier n'est pas une configuration de site Guichet (format %(expected)s)."),
        "config_section": _(
            "La partie « %(section)s » du fichier est mal formée (chaque élément a un « %(key)s »)."
        ),
        "config_item": _("%(item)s : champ « %(field)s » refusé (%(reason)s)."),
        # site settings, hours and closures
        "site_has_tickets_today": _(
            "Des tickets ont été délivrés aujourd'hui : changer de fuseau horaire changerait leur journée. "
            "Faites-le un jour sans tickets, avant l'ouverture."
        ),
        "site_has_appointments": _(
            "Des rendez-vous sont prévus : changer de fuseau horaire changerait leur heure locale. "
            "Annulez-les ou déplacez-les d'abord."
        ),
        "unknown_time_zone": _("Fuseau horaire inconnu (par exemple Europe/Paris, America/Cayenne)."),
        "unknown_holiday_subdivision": _(
            "Zone de jours fériés inconnue (par exemple 57 pour la Moselle, 971 pour la Guadeloupe)."
        ),
        "unknown_holiday": _(
            "Ce n'est pas un jour férié de la zone du site (une date AAAA-MM-JJ ou un nom)."
        ),
        "outcome_label_unknown": _("Libellé d'une issue qui ne figure pas dans la liste des issues."),
        "hours_order": _("L'heure de fermeture doit suivre l'heure d'ouverture."),
        "hours_overlap": _("Deux plages horaires de ce jour se chevauchent."),
        "closure_hours_incomplete": _(
            "Indiquez l'heure d'ouverture et l'heure de fermeture, ou aucune pour fermer toute la journée."
        ),
        "closure_day_taken": _("Une exception existe déjà le %(day)s : supprimez-la d'abord."),
        # partners, categories, devices
        "partner_code_taken": _("Le code « %(partner)s » est déjà celui d'un autre partenaire."),
        "category_code_taken": _("Le code « %(category)s » est déjà celui d'une autre catégorie du site."),
        "category_not_found": _("Catégorie « %(category)s » inconnue sur ce site."),
        "not_a_kiosk": _("Seule une borne a une imprimante de tickets."),
        "not_a_display": _("Seul un écran d'appel a ce réglage."),
        # booking places and motifs
        "place_not_found": _("Lieu de rendez-vous inconnu."),
        "place_in_use": _(
            "Le lieu « %(place)s » a déjà servi (rendez-vous ou plages d'ouverture) : désactivez-le plutôt."
        ),
        "closure_not_found": _("Fermeture inconnue."),
        "closure_in_past": _("Ce jour est passé : une fermeture commence aujourd'hui ou plus tard."),
        "closure_order": _("Le dernier jour précède le premier."),
        "closure_too_long": _("Une fermeture dure un an au plus."),
        "motif_code_taken": _("Le code « %(motif)s » est déjà celui d'un autre motif du site."),
        "motif_in_use": _("Le motif « %(motif)s » a déjà des rendez-vous : désactivez-le plutôt."),
        "motif_delays": _("Le délai maximal doit dépasser le délai minimal."),
        # experts' agendas
        "not_an_expert": _("Ce compte n'est pas un expert actif de ce site."),
        "unknown_place": _("Lieu inconnu sur ce site."),
        "unknown_motif": _("Motif inconnu sur ce site : %(motif)s."),
        "duplicate_motif": _("Un même motif est choisi deux fois."),
        "local_time_expected": _("Indiquez une heure locale du site, sans fuseau."),
        "range_times_inverted": _("L'heure de fin doit suivre l'heure de début."),
        "range_dates_inverted": _("La date de fin doit suivre ou égaler la date de début."),
        "range_overlaps": _(
            "Cette plage chevauche une autre plage du même expert (même jour, mêmes heures, "
            "périodes communes)."
        ),
        "range_not_found": _("Plage d'ouverture inconnue."),
        "absence_times_inverted": _("La fin de l'absence doit suivre son début."),
        "absence_in_the_past": _("Cette absence est déjà terminée."),
        "absence_not_found": _("Absence inconnue."),
        "service_code_taken": _("Le code « %(service)s » est déjà celui d'un autre service du site."),
        "prefix_taken": _("La lettre « %(prefix)s » est déjà celle du service %(service)s."),
        "prefix_used_today": _(
            "La lettre « %(prefix)s » a déjà servi aujourd'hui : des tickets portent ce numéro. "
            "Choisissez-en une autre ou attendez demain."
        ),
        "partner_not_found": _("Partenaire « %(partner)s » inconnu."),
        "service_has_waiting_tickets": _(
            "%(waiting)s personnes attendent ce service : désactivez-le plutôt, "
            "leurs tickets restent valables."
        ),
        "service_in_use": _("Ce service a déjà servi (tickets ou motifs) : désactivez-le plutôt."),
        "counter_number_taken": _("Le guichet n° %(number)s existe déjà."),
        "counter_open": _("Le guichet n° %(counter)s est ouvert : fermez-le d'abord."),
        "counter_in_use": _("Le guichet n° %(counter)s a déjà appelé des tickets : renommez-le plutôt."),
        "username_taken": _("L'identifiant « %(username)s » est déjà pris."),
        "password_too_short": _("Le mot de passe doit compter au moins %(minimum)s caractères."),
        "cannot_deactivate_self": _("Vous ne pouvez pas désactiver votre propre compte."),
        "password_link_invalid": _(
            "Ce lien n'est plus valable : demandez-en un nouveau à votre responsable."
        ),
        "invalid_date": _("Date invalide (ISO 8601 avec fuseau attendu)."),
        "invalid_actor": _("Identifiant de compte invalide."),
        "setup_code_wrong": _("Code incorrect : recopiez celui qu'affiche le serveur (guichet setup)."),
        "setup_done": _("Guichet est déjà installé : connectez-vous."),
        "site_slug_taken": _("Cette adresse de site est déjà prise."),
        "device_name_taken": _("Un appareil de ce type porte déjà ce nom sur le site."),
        "device_revoked": _("Cet appareil a été retiré : créez-en un nouveau."),
        "device_not_found": _("Appareil inconnu."),
        "invalid_limit": _("Nombre d'entrées invalide (au plus %(maximum)s)."),
    }


def _counted(code: str, params: Mapping[str, Any]) -> str | None:
    """The refusals that give a count, worded with the plural forms of the caller's language."""
    n = params.get("count", params.get("services"))
    if isinstance(n, bool) or not isinstance(n, int):
        return None
    if code == "partner_in_use":
        return str(
            ngettext(
                "Le partenaire « %(partner)s » est celui de %(services)s service : "
                "choisissez-lui un autre partenaire avant de le supprimer.",
                "Le partenaire « %(partner)s » est celui de %(services)s services : "
                "choisissez-leur un autre partenaire avant de le supprimer.",
                n,
                **params,
            )
        )
    if code == "category_in_use":
        return str(
            ngettext(
                "La catégorie « %(category)s » regroupe %(services)s service : "
                "rangez-le dans une autre catégorie avant de la supprimer.",
                "La catégorie « %(category)s » regroupe %(services)s services : "
                "rangez-les dans une autre catégorie avant de la supprimer.",
                n,
                **params,
            )
        )
    if code == "closure_has_appointments":
        return str(
            ngettext(
                "%(count)s rendez-vous est encore pris à « %(place)s » ces jours-là : "
                "déplacez-le ou annulez-le d'abord, puis fermez le lieu.",
                "%(count)s rendez-vous sont encore pris à « %(place)s » ces jours-là : "
                "déplacez-les ou annulez-les d'abord, puis fermez le lieu.",
                n,
                **params,
            )
        )
    if code == "range_has_appointments":
        return str(
            ngettext(
                "%(count)s rendez-vous à venir dépend de cette plage : déplacez-le ou annulez-le d'abord.",
                "%(count)s rendez-vous à venir dépendent de cette plage : "
                "déplacez-les ou annulez-les d'abord.",
                n,
                **params,
            )
        )
    if code == "absence_has_appointments":
        return str(
            ngettext(
                "%(count)s rendez-vous à venir tombe pendant cette absence : "
                "déplacez-le ou annulez-le d'abord.",
                "%(count)s rendez-vous à venir tombent pendant cette absence : "
                "déplacez-les ou annulez-les d'abord.",
                n,
                **params,
            )
        )
    return None


def word(code: str, params: Mapping[str, Any] | None = None) -> str | None:
    """The sentence for an error code with its parameters filled in (None: no sentence for it)."""
    params = params or {}
    counted = _counted(code, params)
    if counted is not None:
        return counted
    template = messages().get(code)
    if template is None:
        return None
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template
