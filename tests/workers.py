"""
What the tests that run a real task worker (`manage.py db_worker`) share; the `queued`
fixture (tasks held in the database queue) is in tests/conftest.py.
"""

from django.db import connection


def worker_env(smtp_port: int, **extra: str) -> dict[str, str]:
    """A worker's environment: this test database, the database queue, the test SMTP server."""
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",
        "SECRET_KEY": "test-worker-" + "x" * 40,
        "DATABASE_URL": url,
        "TASKS_BACKEND": "database",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
