"""
Background work for members, on Django's tasks framework (`settings.TASKS`).

E-mail leaves the request: the message is rendered while serving it (templates need the
request's objects) and sent by a worker (`manage.py db_worker`). A reader waits for
neither the SMTP server nor its failures, and every sign-up answers in the same time
whether or not the address has an account. A mail server that refuses for now (4xx, down,
a timeout) gets the e-mail again later, after each of `settings.EMAIL_RETRY_DELAYS`.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task()
def email_send_rendered(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str,
    html: str = "",
    headers=None,
    attempt: int = 1,
) -> None:
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, headers=headers or {}
    )
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        fields = {
            "subject": subject,
            "body": body,
            "to": to,
            "from_email": from_email,
            "html": html,
            "headers": headers,
        }
        if not email_retry_later(error, attempt=attempt, fields=fields):
            raise


def is_temporary(error: Exception) -> bool:
    """Whether the mail server may take this e-mail later (4xx, unreachable, dropped)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return True  # the connection was refused, timed out or dropped


def email_retry_later(error: Exception, *, attempt: int, fields: dict) -> bool:
    """Queue the e-mail again after the next delay; False when it should fail now."""
    delays = list(getattr(settings, "EMAIL_RETRY_DELAYS", []))
    backend = email_send_rendered.get_backend()
    if not is_temporary(error) or attempt > len(delays) or not backend.supports_defer:
        return False
    run_after = timezone.now() + timedelta(seconds=delays[attempt - 1])
    logger.warning("e-mail refused for now (%s); trying again at %s", error, run_after)
    email_send_rendered.using(run_after=run_after).enqueue(**fields, attempt=attempt + 1)
    return True


def email_queue(message) -> None:
    """Hand a rendered `EmailMessage` (with an optional HTML alternative) to the worker."""
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    email_send_rendered.enqueue(
        subject=message.subject,
        body=message.body,
        to=list(message.to),
        from_email=message.from_email,
        html=html,
        headers=dict(message.extra_headers),
    )
