"""
What the whole suite shares: how it is run, and the one fixture every test wants (the others
live beside the tests that use them; tests/environment.py sets the environment before Django
starts).

- `database_dependent`: the tests whose behaviour differs by database backend. The suite runs
  in full on PostgreSQL, as production does; scripts/test.sh runs only these on SQLite, the
  fallback a fresh clone starts on, unless TEST_SQLITE=all. A test is picked here, centrally,
  by what it exercises, so the tests themselves carry no bookkeeping.
- `xdist_group`: pytest-xdist (`-n N --dist loadgroup`) keeps each group on one worker. A
  module whose module-scoped fixture starts servers or a cluster belongs in one worker, so
  the servers start once and its tests run in their written order against them.
"""

import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Modules about code that branches on the backend, or whose every test talks to the
# database in a way the backends answer differently.
DATABASE_DEPENDENT_MODULES = {
    "tests/briefings/test_search.py": "PostgreSQL full-text search, SQLite's plain match",
    "tests/briefings/test_search_reindex.py": "search vectors are computed by PostgreSQL",
    "tests/briefings/test_importing.py": "COPY and a reindex thread on PostgreSQL only",
    "tests/briefings/test_commands.py": "the import, export and reindex commands, same paths",
    "tests/briefings/test_importing_workflow.py": "the import's writes, COPY on PostgreSQL",
    "tests/briefings/test_import_bad_values.py": "a failed file among good ones: COPY, batches",
    "tests/briefings/test_search_sql.py": "the PostgreSQL search module's SQL",
    "tests/test_leak_audit.py": "every audience's search documents, on each backend's search",
    "tests/test_fuzz.py": "arbitrary text stored: each backend refuses different characters",
    "tests/config/test_health.py": "readiness asks the database",
    "tests/config/test_failures.py": "database errors become a 503",
    "tests/delivery/test_workers.py": "real db_worker processes need PostgreSQL",
}
# Fixtures whose answer depends on the backend: query counts (savepoints, locks, sequences
# are spelled differently) and real transactions (locking, commit hooks).
DATABASE_DEPENDENT_FIXTURES = {
    "django_assert_num_queries",
    "django_assert_max_num_queries",
    "transactional_db",
}
# Words in a test's own source that show it counts queries or asks which backend it is on.
DATABASE_DEPENDENT_WORDS = ("CaptureQueriesContext", "assertNumQueries", "connection.vendor")

# Modules whose module-scoped fixtures start processes: one xdist worker each.
XDIST_GROUPS = {
    "tests/config/test_prodlike.py": "a private PostgreSQL cluster and gunicorn, stopped in turn",
    "tests/test_two_servers.py": "two gunicorns on a database of their own",
    "tests/config/test_security_headers.py": "production settings read once through manage.py",
    "tests/delivery/test_workers.py": "two db_worker processes and an SMTP server, 2,000 e-mails",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing a password the production way takes a good part of a second, and the factories
    hash one for every user they make: the tests hash with MD5 (production is unaffected, and
    the suite's gunicorn processes keep the production hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded images go to a directory of the test's own, never into the repository."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


def module_path(item) -> str:
    return Path(item.fspath).resolve().relative_to(ROOT).as_posix()


def is_database_dependent(item) -> bool:
    if module_path(item) in DATABASE_DEPENDENT_MODULES:
        return True
    if DATABASE_DEPENDENT_FIXTURES.intersection(item.fixturenames):
        return True
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function else ""
    except (OSError, TypeError):
        source = ""
    return any(word in source for word in DATABASE_DEPENDENT_WORDS)


def pytest_collection_modifyitems(items):
    for item in items:
        if is_database_dependent(item):
            item.add_marker(pytest.mark.database_dependent)
        group = module_path(item)
        if group in XDIST_GROUPS:
            item.add_marker(pytest.mark.xdist_group(name=group))


@pytest.fixture
def queued(monkeypatch):
    """Tasks go to the database queue, as with TASKS_BACKEND=database (a worker runs them)."""
    # Imported here: the backend imports its models, which need Django set up first.
    from django.tasks.base import Task
    from django_tasks_db import DatabaseBackend

    backend = DatabaseBackend("default", {})
    monkeypatch.setattr(Task, "get_backend", lambda task: backend)
    return backend
