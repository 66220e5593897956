"""
A production-like instance for tests: a private, throw-away PostgreSQL cluster on a port
of its own, and gunicorn serving the site against it with DEBUG off.

The cluster is private so that a test may stop and start it: the shared server on
127.0.0.1:5432 (used by everyone else's tests) is never touched.
"""

import contextlib
import glob
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k3$Jq9!vZ2@pL7#mN4^xR8&tY1*wB6(eC5)hU0_gF3+dS9=aQ2-prodlike"
HOST = "briefings.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> Path | None:
    """
    The newest system PostgreSQL's bin directory, or None when the server is not installed
    (or, as root, there is no `postgres` user to run it as: initdb refuses root).
    """
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0)
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory, owned by this test run alone."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.datadir = Path(tempfile.mkdtemp(prefix="briefings-private-pg-"))
        # initdb refuses to run as root: run the cluster as the postgres user then.
        self.run_as = []
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.datadir, postgres.pw_uid, postgres.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args):
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [*self.run_as, *args], check=True, capture_output=True, text=True, timeout=120
        )

    def init(self):
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE briefings")

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} -c fsync=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.datadir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self):
        # "fast": disconnect clients and stop now, as a crash or a failover would.
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)

    def url(self, name="briefings") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


class PrivateRedis:
    """
    A redis-server of this test run's own, on a port of its own, keeping nothing on disk:
    a test may stop it, freeze it (as a hung server) and start it again; the shared Redis
    on 6379 is never touched.
    """

    def __init__(self):
        self.port = free_port()
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def freeze(self):
        """The server keeps its port but answers nothing, as a hung one does."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def production_environment(database_url: str, **overrides) -> dict:
    """The variables an operator sets in production, plus what makes a test run quick."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "SECURE_", "GUNICORN_", "REDIS_", "LOG_"))
    }
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
            "DATABASE_URL": database_url,
            "DATABASE_POOL": "true",
            # Short waits so the test sees a 503 quickly; production waits longer.
            "DATABASE_POOL_TIMEOUT": "2",
            "DATABASE_CONNECT_TIMEOUT": "2",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_COOKIES": "true",
            "BEHIND_HTTPS_PROXY": "true",
            "STATIC_MANIFEST": "false",
            "REDIS_URL": "",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            # No collectstatic here: whitenoise would warn (in plain text) that the
            # static root is missing.
            "PYTHONWARNINGS": "ignore:No directory at",
        }
    )
    env.update(overrides)
    return env


def manage(env, *args):
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class Response:
    status: int
    headers: dict
    body: str
    seconds: float
    set_cookies: list = field(default_factory=list)


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, one worker, logging to a file."""

    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                if self.get("/healthz", https=False).status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()}")
            time.sleep(0.2)

    def get(self, path, *, https=True, headers=None, method="GET", body=None) -> Response:
        """A request as the TLS-terminating proxy would pass it on."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": HOST}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        sent.update(headers or {})
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return Response(
                status=response.status,
                headers={k.lower(): v for k, v in response.getheaders()},
                body=text,
                seconds=time.monotonic() - started,
                set_cookies=response.headers.get_all("Set-Cookie") or [],
            )
        finally:
            connection.close()

    def worker_pids(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}

    def log_lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
