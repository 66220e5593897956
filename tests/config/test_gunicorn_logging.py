"""
gunicorn's access log, when an operator turns it on, says no more than the site's own
request line: no query strings, no private feed tokens, no e-mail addresses in paths.
"""

import io
import logging
import runpy
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from config.gunicorn_logging import RedactingLogger
from tests.prodlike import ROOT, Gunicorn, manage, production_environment

TOKEN = "q1Xv-7Yt_Zk9-Hn3Lm0Pq8Rs2Tu4Vw6Xy-AbCdEfGhIj"
EVERY_ATOM = (
    "%(h)s | %(r)s | %(U)s | %(q)s | %(f)s | %({raw_uri}e)s | %({path_info}e)s | "
    "%({query_string}e)s | %({referer}i)s | %(s)s"
)


def access_line(*, path, query="", referer="-", access_log_format=EVERY_ATOM) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", access_log_format)
    logger = RedactingLogger(cfg)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.access_log.handlers = [handler]
    raw_uri = f"{path}?{query}" if query else path
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "REQUEST_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }
    request = SimpleNamespace(headers=[("REFERER", referer)])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=3))
    return written.getvalue()


def test_no_atom_repeats_a_token_or_a_query_string():
    line = access_line(
        path=f"/feeds/private/{TOKEN}/rss/",
        query="code=ZX81SECRET",
        referer=f"https://briefings.example.com/feeds/private/{TOKEN}/atom/?code=ZX81SECRET",
    )
    for piece in TOKEN.split("-") + TOKEN.split("_") + ["ZX81SECRET"]:
        assert piece not in line
    assert "GET /feeds/private/[token]/rss/ HTTP/1.1" in line
    assert "https://briefings.example.com/feeds/private/[token]/atom/" in line
    assert line.rstrip().endswith("| 200")


def test_ordinary_paths_are_logged_as_they_are():
    line = access_line(path="/briefings/grid-queue-reform/", access_log_format="%(r)s %(U)s")
    assert (
        line.strip() == "GET /briefings/grid-queue-reform/ HTTP/1.1 /briefings/grid-queue-reform/"
    )


def test_a_failed_request_is_named_without_its_secrets(caplog):
    logger = RedactingLogger(Config())
    # gunicorn's error log does not propagate to the root logger caplog listens on.
    logger.error_log.addHandler(caplog.handler)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("Error handling request %s", f"/feeds/private/{TOKEN}/rss/?code=1")
    finally:
        logger.error_log.removeHandler(caplog.handler)
    # Once or twice (when it also propagates to the root logger), always redacted.
    messages = {r.getMessage() for r in caplog.records if r.name == "gunicorn.error"}
    assert messages == {"Error handling request /feeds/private/[token]/rss/"}


def test_the_gunicorn_configuration_uses_it():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["logger_class"] == "config.gunicorn_logging.RedactingLogger"
    # No control socket: its default path is shared by every gunicorn the user starts.
    assert settings["control_socket_disable"] is True


def test_a_real_gunicorn_access_log_has_no_feed_token(tmp_path):
    env = production_environment(
        "", SQLITE_PATH=str(tmp_path / "db.sqlite3"), GUNICORN_ACCESS_LOG="-"
    )
    manage(env, "migrate", "--noinput")
    made = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from members.models import User; from delivery.private_feeds import "
        "private_feed_create; user = User.objects.create_user(email='r@example.org'); "
        "print(private_feed_create(user=user).token)",
    )
    token = made.stdout.strip().splitlines()[-1]
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        assert server.get(f"/feeds/private/{token}/rss/?utm_source=x").status == 200
        # Percent-escaped, the same address still opens the feed, and is still redacted.
        escaped = "".join(f"%{ord(c):02X}" for c in token[:5]) + token[5:]
        assert server.get(f"/feeds/private/{escaped}/atom/").status == 200
        assert server.get(f"/feeds/private/{token}x/rss/").status == 404
    finally:
        server.stop()
    text = (tmp_path / "gunicorn.log").read_text()
    for piece in token.replace("_", "-").split("-"):
        if len(piece) >= 5:
            assert piece not in text
    access = [line for line in text.splitlines() if '"gunicorn.access"' in line]
    feeds = [line for line in access if "/feeds/private/" in line]
    assert len(feeds) == 3
    assert all("/feeds/private/[token]/" in line and "utm_source" not in line for line in feeds)
