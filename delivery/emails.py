"""
The e-mail one `Delivery` sends: a briefing, or a digest of several, as the member may
read it at send time, in HTML (CSS inlined) and plain text, with the headers mail
systems need (List-Unsubscribe with one-click, a Message-ID that is the same on a resend).

Speed: the parts come from `ChannelRenderer` (one rendering per reader state per batch),
and the e-mail around them (the *shell*) is rendered and CSS-inlined once per content and
reader state by `EmailRenderer`. What differs per recipient (why they got it, their signed
links) is written into the inlined shell afterwards, by replacing `__DELIVERY_*__`
placeholders with HTML-escaped values: inlining is the slow step and runs a handful of
times per batch, not once per recipient.
"""

import email.policy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.utils import format_datetime
from functools import cache
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from briefings.models import Briefing
from briefings.pending import data as pending_data
from briefings.reading import reader_briefing_queryset
from delivery.models import Delivery, Follow
from delivery.rendering import ChannelBriefing, ChannelRenderer, absolute
from delivery.tokens import SCOPE_ALL, SCOPE_PREFERENCES, link_token
from members import access
from members.access import ReaderStatus
from members.selectors import reader_status

PLACEHOLDERS = {
    "reason": "__DELIVERY_REASON__",
    "preferences_url": "__DELIVERY_PREFERENCES_URL__",
    "unsubscribe_url": "__DELIVERY_UNSUBSCRIBE_URL__",
    "follow_url": "__DELIVERY_UNSUBSCRIBE_FOLLOW_URL__",
    "follow_name": "__DELIVERY_FOLLOW_NAME__",
}
PREVIEW_LINK = "#preview-link"


@cache
def _inliner() -> css_inline.CSSInliner:
    # @media rules (dark mode, phone width) cannot be inlined: they stay in <style>.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


class LinkHeader(UnstructuredHeader):
    """
    A header holding a link, written on one line: folding a long token would turn it into
    RFC 2047 encoded words, which List-Unsubscribe readers do not decode (the line stays
    well under SMTP's 998 characters).
    """

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


HEADER_TYPES = HeaderRegistry()
HEADER_TYPES.map_to_type("list-unsubscribe", LinkHeader)


class DeliveryEmail(EmailMultiAlternatives):
    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(header_factory=HEADER_TYPES))


@dataclass(frozen=True)
class Shell:
    """An e-mail's subject and bodies, the same for every recipient in one reader state."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Recipient:
    """What one recipient's copy says that another's does not."""

    reason: str
    preferences_url: str
    unsubscribe_url: str
    follow_url: str = ""
    follow_name: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One recipient's e-mail, ready to be written as a message (or straight as bytes)."""

    shell: Shell
    recipient: Recipient
    to: str
    message_id: str
    date: datetime


class EmailRenderer(ChannelRenderer):
    """A `ChannelRenderer` that also keeps each e-mail shell it built: one per batch."""

    def __init__(self):
        super().__init__()
        self._shells: dict[tuple, Shell] = {}

    def shell(self, key: tuple, build) -> Shell:
        if key not in self._shells:
            self._shells[key] = build()
        return self._shells[key]

    def briefing_any_status(
        self, briefing_id: int, reader: ReaderStatus, *, changes: dict | None = None
    ) -> ChannelBriefing:
        """
        A briefing whatever its status, for an editor's preview of a draft; with `changes`
        (a live briefing's pending change data), as it would be once they are published.
        """
        queryset = reader_briefing_queryset(reader.audience, queryset=Briefing.objects.all())
        briefing = queryset.get(pk=briefing_id)
        if changes is not None:
            briefing = pending_data.reader_copy(briefing, changes, audience=reader.audience)
        return self._render(briefing, reader)


# --- Building ---------------------------------------------------------------------------


def email_prepare(
    delivery: Delivery, *, renderer: ChannelRenderer, reader=None, follow=None, now=None
) -> "Outgoing | None":
    """
    What `delivery` sends, for its user's reader status at send time (`reader`, or asked
    now): None when nothing in it is live any more. `follow` is the Follow that made it
    go out, for the footer's "stop e-mails about ..." link.
    """
    user = delivery.user
    reader = reader or reader_status(user)
    entries = delivery_entries(delivery, renderer=renderer, reader=reader)
    if not entries:
        return None
    shell = shell_for(
        renderer,
        subject=delivery_subject(delivery, entries),
        intro=digest_intro(delivery, entries),
        entries=entries,
        reader=reader,
        follow_link=follow is not None,
    )
    return Outgoing(
        shell=shell,
        recipient=recipient_for(delivery, reader=reader, follow=follow),
        to=user.email,
        message_id=message_id_for(delivery),
        date=now or timezone.now(),
    )


def email_for(
    delivery: Delivery, *, renderer: ChannelRenderer, reader=None, follow=None, now=None
) -> EmailMultiAlternatives | None:
    """The e-mail `delivery` sends (see `email_prepare`), or None when nothing is live."""
    outgoing = email_prepare(delivery, renderer=renderer, reader=reader, follow=follow, now=now)
    return None if outgoing is None else message_build(outgoing)


def email_preview(
    briefing: Briefing, reader: ReaderStatus, *, changes: dict | None = None
) -> EmailMultiAlternatives:
    """
    The e-mail of `briefing` as `reader` would get it, with placeholder links (admin);
    with `changes` (its pending change's data), as it would be once they are published.
    """
    renderer = EmailRenderer()
    entries = [renderer.briefing_any_status(briefing.pk, reader, changes=changes)]
    subject = entries[0].briefing.title
    shell = shell_for(renderer, subject=subject, intro="", entries=entries, reader=reader)
    recipient = Recipient(
        reason=reason_for_tier(reader),
        preferences_url=PREVIEW_LINK,
        unsubscribe_url=PREVIEW_LINK,
    )
    return message_build(
        Outgoing(
            shell=shell,
            recipient=recipient,
            to="preview@example.invalid",
            message_id=f"<preview-{briefing.pk}@{site_host()}>",
            date=timezone.now(),
        )
    )


def delivery_entries(delivery, *, renderer, reader) -> list[ChannelBriefing]:
    """The live briefings of `delivery`, each as `reader` may read it."""
    ids = [delivery.briefing_id] if delivery.kind == Delivery.Kind.BRIEFING else delivery.items
    entries = (renderer.briefing(int(pk), reader) for pk in ids if pk is not None)
    return [entry for entry in entries if entry is not None]


def delivery_subject(delivery, entries) -> str:
    if delivery.kind == Delivery.Kind.BRIEFING:
        return entries[0].briefing.title
    count = len(entries)
    noun = "briefing" if count == 1 else "briefings"
    return f"Your {delivery.reason} digest: {count} new {noun}"


def digest_intro(delivery, entries) -> str:
    if delivery.kind == Delivery.Kind.BRIEFING:
        return ""
    return f"Your {delivery.reason} digest from {settings.SITE_NAME}."


def shell_for(renderer, *, subject, intro, entries, reader, follow_link=False) -> Shell:
    key = (
        subject,
        intro,
        tuple(entry.briefing.pk for entry in entries),
        reader.cache_key(),
        follow_link,
    )

    def build() -> Shell:
        context = {
            "subject": subject,
            "intro": intro,
            "entries": entries,
            "follow_link": follow_link,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
        }
        html = render_to_string("delivery/email/message.html", context)
        return Shell(
            subject=subject,
            html=_inliner().inline(html),
            text=render_to_string("delivery/email/message.txt", context),
        )

    if isinstance(renderer, EmailRenderer):
        return renderer.shell(key, build)
    return build()


# --- Per recipient ------------------------------------------------------------------------


def unsubscribe_url(user, scope: str) -> str:
    return absolute(reverse("delivery:unsubscribe", args=[link_token(user, scope)]))


def preferences_url(user) -> str:
    return absolute(
        reverse("delivery:token-preferences", args=[link_token(user, SCOPE_PREFERENCES)])
    )


def reason_for_tier(reader: ReaderStatus) -> str:
    if access.is_member_audience(reader.audience):
        return f"You are a {reader.audience.label} member of {settings.SITE_NAME}."
    return f"You have an account on {settings.SITE_NAME}."


def recipient_for(delivery, *, reader, follow=None) -> Recipient:
    user = delivery.user
    if delivery.kind == Delivery.Kind.DIGEST:
        reason = f"Your {delivery.reason} digest, as you asked in your preferences."
    elif follow is not None:
        reason = f"You follow {follow.target}."
    elif delivery.reason == "tier":
        reason = reason_for_tier(reader)
    else:
        reason = "You follow topics this briefing covers."
    return Recipient(
        reason=reason,
        preferences_url=preferences_url(user),
        unsubscribe_url=unsubscribe_url(user, SCOPE_ALL),
        follow_url=unsubscribe_url(user, f"follow:{follow.pk}") if follow else "",
        follow_name=str(follow.target) if follow else "",
    )


def fill(template: str, recipient: Recipient, *, html: bool) -> str:
    for field, placeholder in PLACEHOLDERS.items():
        value = getattr(recipient, field)
        template = template.replace(placeholder, escape(value) if html else value)
    return template


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id_for(delivery) -> str:
    """The same for every attempt at one delivery, so mail systems drop a duplicate."""
    tag = hashlib.blake2b(f"{delivery.user_id}:{delivery.key}".encode(), digest_size=6)
    return f"<delivery-{delivery.pk}.{tag.hexdigest()}@{site_host()}>"


def reply_to() -> list[str]:
    return list(getattr(settings, "EMAIL_REPLY_TO", []) or [])


def list_headers(outgoing: "Outgoing") -> dict[str, str]:
    """The headers that differ per recipient (besides To)."""
    return {
        "Date": format_datetime(outgoing.date),
        "Message-ID": outgoing.message_id,
        "List-Unsubscribe": f"<{outgoing.recipient.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def message_build(outgoing: "Outgoing") -> EmailMultiAlternatives:
    shell, recipient = outgoing.shell, outgoing.recipient
    message = DeliveryEmail(
        subject=shell.subject,
        body=fill(shell.text, recipient, html=False),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outgoing.to],
        reply_to=reply_to(),
        headers=list_headers(outgoing),
    )
    message.attach_alternative(fill(shell.html, recipient, html=True), "text/html")
    return message


def follows_matching(deliveries) -> dict[tuple[int, int], Follow]:
    """
    For deliveries sent to followers: the user's follow that matched each briefing, keyed
    by (user id, briefing id). One query for the whole batch.
    """
    wanted = [d for d in deliveries if d.kind == Delivery.Kind.BRIEFING and d.reason == "followers"]
    if not wanted:
        return {}
    briefings = {d.briefing_id: d.briefing for d in wanted}
    targets = {
        name: {getattr(b, f"{name}_id") for b in briefings.values()} - {None}
        for name in Follow.TARGETS
    }
    matches = Q()
    for name, ids in targets.items():
        if ids:
            matches |= Q(**{f"{name}_id__in": ids})
    if not matches:
        return {}
    follows = (
        Follow.objects.filter(matches, user_id__in={d.user_id for d in wanted})
        .select_related(*Follow.TARGETS)
        .order_by("created_at", "pk")
    )
    found = {}
    for follow in follows:
        target_id = getattr(follow, f"{follow.kind}_id")
        if target_id not in targets[follow.kind]:
            continue
        for briefing in briefings.values():
            if getattr(briefing, f"{follow.kind}_id") == target_id:
                found.setdefault((follow.user_id, briefing.pk), follow)
    return found
