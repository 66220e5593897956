"""New briefings written in bulk with their ids (an import's batch), as bulk_create writes them."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.forms.models import model_to_dict

from briefings.importing.rows import insert_new_numbered
from briefings.models import Briefing, Category

pytestmark = pytest.mark.django_db


def new_briefings():
    category = Category.objects.create(name="Energy")
    published = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    return [
        Briefing(
            slug="grid",
            title="Grid “upgrade”",
            summary="Tab\there, line\nnext \\ ok",
            category=category,
            status=Briefing.Status.PUBLISHED,
            published_at=published,
            confidence=80,
        ),
        Briefing(slug="cables", title="Cables", summary="Ünïcode"),
    ]


def test_briefings_are_saved_with_their_ids_and_read_back_as_written():
    briefings = new_briefings()
    insert_new_numbered(Briefing, briefings)
    assert all(b.pk is not None and not b._state.adding for b in briefings)
    assert len({b.pk for b in briefings}) == 2
    for briefing in briefings:
        stored = Briefing.objects.get(pk=briefing.pk)
        assert model_to_dict(stored) == model_to_dict(briefing)
        assert (stored.created_at, stored.updated_at) == (briefing.created_at, briefing.updated_at)
    # The ids came from the table's sequence: the next briefing saved gets a new one.
    later = Briefing.objects.create(slug="later", title="Later")
    assert later.pk not in {b.pk for b in briefings}


def test_a_briefing_that_breaks_a_constraint_fails_as_a_database_error():
    Briefing.objects.create(slug="grid", title="Taken")
    with pytest.raises(IntegrityError):
        insert_new_numbered(Briefing, new_briefings())
