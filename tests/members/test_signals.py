"""`members.signals.reader_changed`: sent once a change to what an account may read commits."""

import pytest

from members.signals import reader_changed
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def listener(sender, user_ids, **kwargs):
        calls.append(set(user_ids))

    reader_changed.connect(listener)
    yield calls
    reader_changed.disconnect(listener)


def test_adding_changing_and_removing_a_membership_is_heard_after_commit(
    heard, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership = MembershipFactory(user=user)
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert heard == [{user.pk}]

    with django_capture_on_commit_callbacks(execute=True):
        membership.ends_at = membership.starts_at
        membership.save()
    with django_capture_on_commit_callbacks(execute=True):
        membership.delete()
    assert heard == [{user.pk}, {user.pk}, {user.pk}]


def test_a_rolled_back_change_is_not_heard(heard, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        MembershipFactory(user=user)
    # The callbacks were captured, not run: as if the transaction never committed.
    assert callbacks and heard == []
