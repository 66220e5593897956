import os

import pytest

# The suite runs with production defaults (DEBUG off); give it the two values production
# requires, and plain-HTTP cookies and no HTTPS redirect so the test client and the
# browser tests can talk to the test server.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 32)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
# Hashed static names need `collectstatic` first; the suite serves files from the finders.
os.environ.setdefault("STATIC_MANIFEST", "false")
# Tasks (e-mail) run at once, in the process that queues them; tests/config/test_worker.py
# runs the real worker.
os.environ.setdefault("TASKS_BACKEND", "immediate")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: pages, parts and rate limits kept by one test
    (the suite's cache is one process's memory) must not answer in the next. Nor does an
    outage one test simulated (config.cache.outage) outlive it."""
    from django.core.cache import cache

    from config.cache import outage
    from config.sessions import SESSIONS_OUTAGE

    cache.clear()
    outage.down_since = SESSIONS_OUTAGE.down_since = None
    yield
    cache.clear()
    outage.down_since = SESSIONS_OUTAGE.down_since = None
