"""
Sources and taxonomy terms are shared by briefings: a writer, who cannot save a live
briefing, cannot change a live page sideways through them either, and every change is kept.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from briefings.models import Briefing, Category, Source
from tests.factories import ready_briefing

pytestmark = pytest.mark.django_db

SOURCE_FORM = {"title": "Phishing", "publisher": "Evil", "url": "https://evil.example.net/"}


def source_change(source):
    return reverse("admin:briefings_source_change", args=[source.pk])


def live_briefing(status=Briefing.Status.PUBLISHED):
    briefing = ready_briefing(title="Live page")
    when = timezone.now() + timedelta(hours=-1 if status == Briefing.Status.PUBLISHED else 1)
    Briefing.objects.filter(pk=briefing.pk).update(status=status, published_at=when)
    return Briefing.objects.get(pk=briefing.pk)


@pytest.mark.parametrize("status", [Briefing.Status.PUBLISHED, Briefing.Status.SCHEDULED])
def test_a_writer_cannot_change_a_source_a_published_briefing_cites(client, writer, status):
    briefing = live_briefing(status)
    source = briefing.citations.get().source
    before = (source.title, source.url)
    client.force_login(writer)

    page = client.get(source_change(source))
    assert page.status_code == 200
    body = page.content.decode()
    assert "only an editor who may publish can change it" in body
    assert 'name="_save"' not in body

    assert client.post(source_change(source), SOURCE_FORM).status_code == 403
    source.refresh_from_db()
    assert (source.title, source.url) == before
    delete = reverse("admin:briefings_source_delete", args=[source.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()
    if status == Briefing.Status.PUBLISHED:  # the live page still shows it as it was
        assert before[0] in client.get(briefing.get_absolute_url()).content.decode()


def test_a_writer_changes_a_source_only_drafts_cite(client, writer):
    source = ready_briefing().citations.get().source
    client.force_login(writer)
    response = client.post(source_change(source), SOURCE_FORM)
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "Phishing"


def test_a_writer_cannot_rename_a_term_a_published_briefing_carries(client, writer):
    category = live_briefing().category
    client.force_login(writer)
    url = reverse("admin:briefings_category_change", args=[category.pk])
    response = client.post(url, {"name": "Renamed", "slug": "renamed", "description": ""})
    assert response.status_code == 403
    assert Category.objects.get(pk=category.pk).name != "Renamed"


def test_an_editors_change_is_kept_in_history_and_can_be_reverted(client, editor):
    source = live_briefing().citations.get().source
    original = source.title
    client.force_login(editor)
    assert client.post(source_change(source), SOURCE_FORM).status_code == 302
    source.refresh_from_db()
    assert source.title == "Phishing"

    history = client.get(reverse("admin:briefings_source_history", args=[source.pk]))
    assert history.status_code == 200
    # Each version says what it changed: the old title and the new one.
    changes = history.content.decode()
    assert "<strong>title:</strong>" in changes.lower()
    assert original in changes and "Phishing" in changes
    assert (
        source.history.count() == 2
    )  # as it was (recorded by the migration or on creation), as changed
    first = source.history.order_by("history_date", "history_id").first()
    assert first.title == original
    assert source.history.order_by("-history_date", "-history_id").first().history_user == editor

    revert = reverse("admin:briefings_source_simple_history", args=[source.pk, first.history_id])
    form = client.get(revert)
    assert form.status_code == 200
    response = client.post(
        revert,
        {"title": first.title, "publisher": first.publisher, "url": first.url, "published_on": ""},
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == original


def test_a_writer_cannot_revert_a_published_source_through_its_history(client, writer):
    source = live_briefing().citations.get().source
    before = source.title
    record = source.history.first()
    client.force_login(writer)
    url = reverse("admin:briefings_source_simple_history", args=[source.pk, record.history_id])
    assert 'value="Revert"' not in client.get(url).content.decode()
    response = client.post(url, {**SOURCE_FORM, "published_on": ""})
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.title == before
