"""Every path that writes briefings, sections or citations rebuilds their search documents."""

import pytest
from django.urls import reverse

from briefings import services
from briefings.models import Briefing, SearchDocument
from members.access import Audience
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db


def documents(briefing):
    return dict(SearchDocument.objects.filter(briefing=briefing).values_list("audience", "body"))


def save_form(client, briefing, **changes):
    briefing.refresh_from_db()
    response = client.post(change_url(briefing), form_data(briefing, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    briefing.refresh_from_db()


@pytest.fixture
def editor(client):
    user = StaffFactory(group="editors")
    client.force_login(user)
    return user


def test_saving_the_change_form_rebuilds_the_documents_per_audience(client, editor):
    briefing = ready_briefing()
    [fact] = briefing.sections.all()
    save_form(
        client,
        briefing,
        sections=[
            {
                "id": fact.pk,
                "position": 1,
                "heading": "The fact",
                "audience": 0,
                "body": "Saffron.",
            },
            {"position": 2, "heading": "Trend", "audience": 1, "body": "Marzipan members."},
            {"position": 3, "heading": "Failure", "audience": 2, "body": "Obsidian alliance."},
        ],
    )
    docs = documents(briefing)
    assert "Saffron." in docs[Audience.PUBLIC]
    assert "Marzipan" not in docs[Audience.PUBLIC] and "Obsidian" not in docs[Audience.PUBLIC]
    assert "Marzipan" in docs[Audience.STRATEGIC_CIRCLE]
    assert "Obsidian" not in docs[Audience.STRATEGIC_CIRCLE]
    assert "Obsidian" in docs[Audience.LEADERSHIP_ALLIANCE]

    services.briefing_publish(briefing=briefing, by=editor)
    client.logout()
    found = client.get(reverse("briefings:search"), {"q": "saffron"}).context["briefings"]
    assert [b.pk for b in found] == [briefing.pk]


def test_restoring_a_version_rebuilds_the_documents(client, editor):
    briefing = ready_briefing(title="First headline")
    original = briefing.history.first()
    [fact] = briefing.sections.all()
    save_form(
        client,
        briefing,
        title="Second headline",
        sections=[{"id": fact.pk, "position": 1, "heading": "F", "audience": 0, "body": "Quince."}],
    )
    assert "Quince." in documents(briefing)[Audience.PUBLIC]
    services.briefing_restore(briefing=briefing, record=original, by=editor)
    public = SearchDocument.objects.get(briefing=briefing, audience=Audience.PUBLIC)
    assert public.title == "First headline"
    assert "Quince." not in public.body
    assert "Public text." in public.body


def test_renaming_a_category_or_a_source_rebuilds_the_documents_of_its_briefings(client, editor):
    briefing = ready_briefing()
    category, source = briefing.category, briefing.citations.get().source
    save_form(client, briefing)
    client.post(
        reverse("admin:briefings_category_change", args=[category.pk]),
        {"name": "Quayside logistics", "slug": category.slug, "description": ""},
    )
    client.post(
        reverse("admin:briefings_source_change", args=[source.pk]),
        {"title": "Harbourmaster ledger", "publisher": "Port Office", "url": source.url},
    )
    body = documents(briefing)[Audience.PUBLIC]
    assert "Quayside logistics" in body
    assert "Harbourmaster ledger" in body and "Port Office" in body
    assert Briefing.objects.count() == 1
