"""The e-mails of level-2 cases. The SLA clock's warnings, to the experts of a case and the site's
managers when it nears its deadline and when it passes it (staff addresses only; the citizen's data
stays out). To the citizen who gave an address with consent: the web form's acknowledgement and the
grouped answer, each with the signed link where they follow the case and can reply."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

from ...models import Case, Notification, Site
from ..case_links import follow_url
from ..context import Context
from .messages import french_when

CASE_NEAR, CASE_OVERDUE = "case_near", "case_overdue"
REQUEST_ACK = "request_ack"  # to the citizen who sent the web form
CASE_ANSWER = "case_answer"  # the grouped answer, to the citizen (data: the message's id)
CASE_KINDS = (CASE_NEAR, CASE_OVERDUE, REQUEST_ACK, CASE_ANSWER)
SUBJECTS = {
    REQUEST_ACK: "Votre demande {reference} a bien été reçue",
    CASE_ANSWER: "Réponse à votre demande {reference}",
    CASE_NEAR: "Dossier {reference} : réponse attendue avant le {when}",
    CASE_OVERDUE: "Dossier {reference} : délai de réponse dépassé depuis le {when}",
}


def build_case_message(
    ctx: Context, n: Notification, case: Case, site: Site, reference: str
) -> EmailMessage | None:
    """The warning, or None when the case was answered meanwhile (nothing left to warn about); the
    citizen's acknowledgement; the grouped answer (None once retention has erased its text)."""
    when = french_when(case.due_at.astimezone(ZoneInfo(site.timezone)))
    if n.kind == REQUEST_ACK:
        return _acknowledgement(ctx, n, case, site, reference, when)
    if n.kind == CASE_ANSWER:
        return _answer(ctx, n, case, site, reference)
    if case.status != "open":
        return None
    services = ", ".join(cs.service.label_fr for cs in case.services)
    missing = ", ".join(cs.service.label_fr for cs in case.services if cs.contribution is None) or "aucune"
    msg = _message(ctx, n, SUBJECTS[n.kind].format(reference=reference, when=when))
    lead = (
        f"Le dossier de niveau 2 {reference} ({site.name}) attend une réponse avant le {when}."
        if n.kind == CASE_NEAR
        else f"Le dossier de niveau 2 {reference} ({site.name}) devait recevoir une réponse avant le {when}."
    )
    msg.set_content(
        "\n".join(
            [
                "Bonjour,",
                "",
                lead,
                f"Services concernés : {services}.",
                f"Contributions manquantes : {missing}.",
                "",
                f"Le dossier : {ctx.settings.public_url}/expert",
                "",
                "Message automatique de Guichet.",
            ]
        )
    )
    return msg


def _message(ctx: Context, n: Notification, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = ctx.settings.mail_from
    msg["To"] = n.recipient
    msg["Date"] = format_datetime(ctx.clock())
    msg["Message-ID"] = make_msgid(domain="guichet")
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _acknowledgement(
    ctx: Context, n: Notification, case: Case, site: Site, reference: str, when: str
) -> EmailMessage:
    msg = _message(ctx, n, SUBJECTS[REQUEST_ACK].format(reference=reference))
    services = ", ".join(cs.service.label_fr for cs in case.services)
    msg.set_content(
        "\n".join(
            [
                "Bonjour,",
                "",
                f"{site.name} a bien reçu votre demande, enregistrée sous le numéro {reference}.",
                f"Services concernés : {services}.",
                f"Vous recevrez une réponse au plus tard le {when}.",
                "",
                "Suivre votre demande et lire la réponse :",
                follow_url(ctx, case.id),
                "",
                "Ce lien est personnel : ne le transmettez pas.",
                "Message automatique, merci de ne pas y répondre.",
            ]
        )
    )
    return msg


def _answer(ctx: Context, n: Notification, case: Case, site: Site, reference: str) -> EmailMessage | None:
    sent = next((m for m in case.messages if m.id == (n.data or {}).get("message")), None)
    if sent is None or not sent.text:
        return None
    msg = _message(ctx, n, SUBJECTS[CASE_ANSWER].format(reference=reference))
    services = ", ".join(cs.service.label_fr for cs in case.services)
    msg.set_content(
        "\n".join(
            [
                "Bonjour,",
                "",
                f"Voici la réponse de {site.name} à votre demande {reference} ({services}).",
                "",
                sent.text,
                "",
                "Pour répondre ou compléter votre demande, utilisez cette page"
                " (votre réponse rouvre la demande) :",
                follow_url(ctx, case.id),
                "",
                "Ce lien est personnel : ne le transmettez pas.",
                "Message automatique, merci de ne pas y répondre.",
            ]
        )
    )
    return msg
