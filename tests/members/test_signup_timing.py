"""
Sign-up answers alike whether or not the address has an account (allauth's enumeration
prevention), and takes as long: the password is hashed on both paths. Timing itself is
measured by hand (the note on issue 17); here the work is counted.
"""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail

from members.models import User
from tests.factories import UserFactory
from tests.members.test_joining import signup


class CountingHasher(MD5PasswordHasher):
    encoded = 0

    def encode(self, password, salt):
        CountingHasher.encoded += 1
        return super().encode(password, salt)


@pytest.fixture
def counted(settings):
    settings.PASSWORD_HASHERS = ["tests.members.test_signup_timing.CountingHasher"]
    CountingHasher.encoded = 0
    return CountingHasher


def test_a_taken_address_costs_the_same_password_work_as_a_new_one(client, db, counted):
    UserFactory(email="taken@example.org")
    counted.encoded = 0
    existing = signup(client, "taken@example.org", password="a long enough passphrase 42")
    work_for_existing = counted.encoded

    counted.encoded = 0
    new = signup(client.__class__(), "fresh@example.org", password="a long enough passphrase 42")
    work_for_new = counted.encoded

    assert existing.status_code == new.status_code == 302
    assert existing["Location"] == new["Location"]
    assert work_for_existing == work_for_new == 1
    assert User.objects.filter(email="fresh@example.org").exists()
    assert len(mail.outbox) == 2  # "you already have an account" and the new one's code
