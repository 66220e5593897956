"""
A gunicorn worker loads, before its first request, what that request would otherwise
build: the views, the reader pages' templates and the table `reverse()` reads.
"""

import runpy

import pytest
from django.urls import clear_url_caches, get_resolver
from django.utils.translation import get_language

from tests.prodlike import ROOT


@pytest.fixture
def fresh_resolver():
    clear_url_caches()
    yield get_resolver()
    clear_url_caches()


def test_the_warm_up_builds_what_reversing_reads(fresh_resolver):
    assert get_language() not in fresh_resolver._reverse_dict
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))["_warm_up"]()
    assert get_language() in fresh_resolver._reverse_dict
