"""A throwaway PostgreSQL server for the app tests: its own cluster in a temporary directory.

``start()`` runs initdb into a fresh temporary directory, starts the server on a free loopback
port (127.0.0.1 only, plus a unix socket in that directory) and creates the app's role and
database; ``ThrowawayPostgres.stop()`` stops it (``pg_ctl stop -m fast``) and removes the directory.
No system cluster, no fixed port, nothing outside the temporary directory is touched.

PostgreSQL refuses to run as root. When the tests run as root (as CI does), initdb and pg_ctl run
as the unprivileged user ``nobody`` and the temporary directory is handed to it; otherwise they
run as the current user.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

#: Where Debian's postgresql-<major> packages put the server binaries.
DEBIAN_BIN_DIRS = "/usr/lib/postgresql/*/bin"
#: The account the server runs as when the tests run as root.
UNPRIVILEGED_USER = "nobody"
HOST = "127.0.0.1"
#: The app's role (LOGIN CREATEDB, no superuser: Django's runner creates test_<DATABASE>) and database.
ROLE = "eks_platform"
DATABASE = "eks_platform_test"
SUPERUSER = "postgres"
INSTALL_HINT = (
    "install Debian's PostgreSQL server package: `make setup` does it when run as root, "
    "otherwise run `sudo apt-get install -y postgresql`"
)
_START_ATTEMPTS = 3
_PORT_TAKEN = re.compile(r"could not bind|Address already in use|could not create any TCP/IP sockets")


class ThrowawayPostgresError(RuntimeError):
    """The throwaway server could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class Account:
    """The operating-system account that owns the data directory and runs the server."""

    name: str
    uid: int
    gid: int

    def subprocess_options(self) -> dict[str, Any]:
        """Options for subprocess.run that switch to this account (none if it is us already).

        extra_groups=[] drops root's supplementary groups, which setuid alone would keep.
        """
        if self.uid == os.geteuid():
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def server_account() -> Account:
    """``nobody`` when we are root (PostgreSQL refuses to run as root), else the current user."""
    uid = os.geteuid()
    if uid != 0:
        return Account(pwd.getpwuid(uid).pw_name, uid, os.getegid())
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise ThrowawayPostgresError(
            f"the tests run as root, and PostgreSQL must not: user {UNPRIVILEGED_USER!r} to run it as does not exist"
        ) from None
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _major(bin_dir: Path) -> tuple[int, ...]:
    """(15,) for /usr/lib/postgresql/15/bin, (9, 6) for .../9.6/bin; () if not a version."""
    name = bin_dir.parent.name
    return tuple(int(part) for part in name.split(".")) if re.fullmatch(r"\d+(\.\d+)*", name) else ()


def find_bin_dir(debian_bin_dirs: str = DEBIAN_BIN_DIRS, path: str | None = None) -> Path:
    """Directory holding initdb and pg_ctl: the newest major under ``debian_bin_dirs``, else on PATH.

    Raises ThrowawayPostgresError, naming the package to install, when neither has them.
    """
    debian = sorted((Path(found).parent for found in glob.glob(f"{debian_bin_dirs}/initdb")), key=_major)
    on_path = shutil.which("initdb", path=path)
    candidates = [*reversed(debian), *([Path(on_path).resolve().parent] if on_path else [])]
    for bin_dir in candidates:
        if os.access(bin_dir / "initdb", os.X_OK) and os.access(bin_dir / "pg_ctl", os.X_OK):
            return bin_dir
    raise ThrowawayPostgresError(
        f"PostgreSQL's server binaries (initdb, pg_ctl) are not in {debian_bin_dirs} or on PATH: {INSTALL_HINT}"
    )


def free_loopback_port() -> int:
    """A TCP port nothing listens on right now, chosen by the kernel."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _quote(value: str) -> str:
    """A postgresql.conf string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass
class ThrowawayPostgres:
    """One running throwaway server. Create it with ``start()``; call ``stop()`` when done."""

    bin_dir: Path
    directory: Path  #: temporary directory: data/, the unix socket, server.log
    account: Account
    port: int
    password: str  #: of ROLE, random per server
    superuser_password: str  #: of SUPERUSER, random per server

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    @property
    def database_url(self) -> str:
        """DATABASE_URL for the app: ROLE's password login over TCP on 127.0.0.1."""
        return f"postgres://{ROLE}:{self.password}@{HOST}:{self.port}/{DATABASE}"

    def superuser_connection(self) -> psycopg.Connection[Any]:
        """An autocommit connection as SUPERUSER through the unix socket in ``directory``."""
        return psycopg.connect(
            host=str(self.directory),
            port=self.port,
            user=SUPERUSER,
            password=self.superuser_password,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def postmaster_pid(self) -> int:
        """PID of the running server, from the first line of postmaster.pid."""
        return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])

    def stop(self) -> None:
        """``pg_ctl stop -m fast`` (immediate if that fails), then remove the temporary directory."""
        problem = None
        if (self.data_dir / "postmaster.pid").exists():
            failures = []
            for mode in ("fast", "immediate"):
                stopped = self._pg_ctl("-m", mode, "stop")
                if stopped.returncode == 0:
                    break
                failures.append(f"pg_ctl stop -m {mode} failed: {stopped.stdout}{stopped.stderr}")
            else:
                # Removing the directory below also makes a surviving server shut itself down:
                # it checks that its postmaster.pid is still there.
                problem = "\n".join([*failures, self._log_tail()])
        shutil.rmtree(self.directory)
        if problem is not None:
            raise ThrowawayPostgresError(problem)

    # ---- start-up steps ----------------------------------------------------------------------

    def _run(self, *command: str | Path) -> subprocess.CompletedProcess[str]:
        # A clean environment: PGDATA, PGPORT etc. from the developer's shell must not steer it.
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        return subprocess.run(
            [str(part) for part in command],
            cwd=self.directory,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **self.account.subprocess_options(),
        )

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run(self.bin_dir / "pg_ctl", "-D", self.data_dir, "-w", "-t", "60", *args)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "server log:\n" + "\n".join(self.log_file.read_text().splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _initdb(self) -> None:
        password_file = self.directory / "superuser-password"
        password_file.write_text(self.superuser_password + "\n")
        password_file.chmod(0o600)
        os.chown(password_file, self.account.uid, self.account.gid)
        created = self._run(
            self.bin_dir / "initdb",
            *("-D", self.data_dir, "-U", SUPERUSER, "--pwfile", password_file),
            # Password authentication everywhere, the unix socket included: no trust entries.
            *("--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C"),
            "--no-sync",  # a throwaway cluster need not survive a power cut
        )
        password_file.unlink()
        if created.returncode != 0:
            raise ThrowawayPostgresError(f"initdb as {self.account.name} failed:\n{created.stdout}{created.stderr}")
        settings = {
            "listen_addresses": _quote(HOST),
            "unix_socket_directories": _quote(str(self.directory)),
            # Durability is not wanted for a server deleted at the end of the run; speed is.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# eks-platform tests: throwaway server\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _start_on_a_free_port(self) -> None:
        # The port is free when chosen but could be taken before the server binds it: retry.
        for _ in range(_START_ATTEMPTS):
            started = self._pg_ctl("-l", self.log_file, "-o", f"-p {self.port}", "start")
            if started.returncode == 0:
                return
            log = self._log_tail()
            if not _PORT_TAKEN.search(log):
                break
            self.port = free_loopback_port()
        raise ThrowawayPostgresError(
            f"pg_ctl start as {self.account.name} failed:\n{started.stdout}{started.stderr}\n{log}"
        )

    def _create_role_and_database(self) -> None:
        with self.superuser_connection() as connection:
            connection.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(self.password)
                )
            )
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE))
            )
        # Exactly what the app does: a password login over TCP.
        with psycopg.connect(self.database_url, connect_timeout=10) as connection:
            connection.execute("SELECT 1")


def start(bin_dir: Path | None = None) -> ThrowawayPostgres:
    """Start a throwaway server and return it, ready for ``database_url``; raises ThrowawayPostgresError.

    The temporary directory comes from tempfile (TMPDIR, else /tmp), not from pytest's basetemp:
    as root that is /tmp/pytest-of-root, mode 0700, which the unprivileged server could not enter.
    """
    bin_dir = bin_dir or find_bin_dir()
    account = server_account()
    directory = Path(tempfile.mkdtemp(prefix="eks-platform-pg-"))
    os.chown(directory, account.uid, account.gid)
    server = ThrowawayPostgres(
        bin_dir=bin_dir,
        directory=directory,
        account=account,
        port=free_loopback_port(),
        password=secrets.token_hex(16),
        superuser_password=secrets.token_hex(16),
    )
    try:
        server._initdb()
        server._start_on_a_free_port()
        server._create_role_and_database()
    except BaseException as error:
        log = server._log_tail()  # before stop() removes it
        try:
            server.stop()
        except (OSError, ThrowawayPostgresError) as cleanup:
            error.add_note(f"cleaning up also failed: {cleanup}")
        if isinstance(error, psycopg.Error):
            raise ThrowawayPostgresError(
                f"setting up role {ROLE} and database {DATABASE} failed: {error}\n{log}"
            ) from error
        raise
    return server
