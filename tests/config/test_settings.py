"""The settings module refuses unsafe production start-ups and passes Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "k3$Jq9!vZ2@pL7#mN4^xR8&tY1*wB6(eC5)hU0_gF3+dS9=aQ2"


def run_manage(*args, env_overrides, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - fixed arguments from this file, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_SECRET,
    "ALLOWED_HOSTS": "briefings.example.com",
    "DATABASE_URL": "postgresql://briefings@db.internal:5432/briefings",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_COOKIES": "true",
    "STATIC_MANIFEST": "true",
}


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_overrides={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", env_overrides={**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_a_malformed_boolean_is_a_clear_error():
    result = run_manage("check", env_overrides={**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_debug_runs_without_a_secret_for_local_development():
    result = run_manage(
        "check", env_overrides={"DEBUG": "true"}, drop=("SECRET_KEY", "ALLOWED_HOSTS")
    )
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_database_url_selects_postgresql_with_a_connection_pool():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], sorted(d['OPTIONS']['pool']), d['CONN_MAX_AGE'])"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "['max_size',",
        "'min_size',",
        "'reconnect_timeout',",
        "'timeout']",
        "0",
    ]


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/0", "config.cache.RedisCache"),
    ],
)
def test_cache_is_local_memory_unless_redis_is_configured(redis_url, backend):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = run_manage(
        "shell", "--no-imports", "-c", code, env_overrides={**PRODUCTION, "REDIS_URL": redis_url}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


def test_migrations_are_in_step_with_the_models():
    result = run_manage(
        "makemigrations", "--check", "--dry-run", env_overrides={}, drop=("DATABASE_URL",)
    )
    assert result.returncode == 0, result.stdout + result.stderr
