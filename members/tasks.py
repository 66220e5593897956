"""
Background work for members, on Django's tasks framework (`settings.TASKS`).

E-mail leaves the request: the message is rendered while serving it (templates need the
request's objects) and sent by a worker (`manage.py db_worker`). A reader waits for
neither the SMTP server nor its failures, and every sign-up answers in the same time
whether or not the address has an account.
"""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task()
def email_send_rendered(
    *, subject: str, body: str, to: list[str], from_email: str, html: str = "", headers=None
) -> None:
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, headers=headers or {}
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


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
