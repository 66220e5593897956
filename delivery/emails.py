"""
PLACEHOLDER (helper "newsroom"): the lead drops this file when merging "sending", whose
delivery/emails.py is the real one. Only `email_preview`, with the agreed signature: a
briefing (in any status) as the e-mail a reader in `reader`'s state would get.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from briefings.models import Briefing
from briefings.reading import briefing_for_reader, reader_briefing_queryset
from delivery.rendering import absolute
from members.access import ReaderStatus


def email_preview(briefing, reader: ReaderStatus) -> EmailMultiAlternatives:
    fetched = reader_briefing_queryset(reader.audience, queryset=Briefing.objects.all()).get(
        pk=briefing.pk
    )
    path = fetched.get_absolute_url()
    reading = briefing_for_reader(
        fetched,
        audience=reader.audience,
        is_authenticated=reader.is_authenticated,
        lapsed=reader.lapsed,
        next_path=path,
    )
    context = {
        "briefing": fetched,
        "reading": reading,
        "url": absolute(path),
        "lock_cards": [{"card": card, "url": absolute(card.url)} for card in reading.lock_cards],
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=fetched.title,
        body=render_to_string("delivery/channel/briefing.txt", context),
        to=["preview@example.invalid"],
    )
    html = render_to_string("delivery/channel/briefing.html", context)
    message.attach_alternative(f"<!doctype html><html><body>{html}</body></html>", "text/html")
    return message
