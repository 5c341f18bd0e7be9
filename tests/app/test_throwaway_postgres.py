"""tests/app/throwaway_postgres.py: the server the app tests run against, checked from the outside
(the kernel's sockets, /proc, the file system), not only from what the server says of itself."""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path

import psycopg
import pytest

from tests.app import throwaway_postgres
from tests.app.throwaway_postgres import ThrowawayPostgres, ThrowawayPostgresError

LISTEN = "0A"  # TCP state code in /proc/net/tcp{,6}


def _address(hex_address: str) -> str:
    # /proc/net/tcp prints the address as 32-bit words in host byte order.
    words = [int(hex_address[i : i + 8], 16) for i in range(0, len(hex_address), 8)]
    raw = b"".join(struct.pack("=I", word) for word in words)
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


def listening_tcp_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket process ``pid`` listens on, as the kernel reports it."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and inode in inodes:
                address, port = local.split(":")
                found.add((_address(address), int(port, 16)))
    return found


def proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {name: value.strip() for name, _, value in (line.partition(":") for line in lines)}


def is_running(pid: int, wait_s: float = 10) -> bool:
    """Whether ``pid`` still runs after up to ``wait_s``: pg_ctl stop returns once postmaster.pid
    is gone, a moment before the process exits, and init may take a while to reap it."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            running = not proc_status(pid)["State"].startswith("Z")
        except FileNotFoundError:
            running = False
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)


def test_session_server_listens_only_on_loopback_on_its_own_port(postgres_server: ThrowawayPostgres) -> None:
    port = postgres_server.port
    assert port != 5432, "never the system cluster's port"
    assert listening_tcp_sockets(postgres_server.postmaster_pid()) == {("127.0.0.1", port)}
    assert (postgres_server.directory / f".s.PGSQL.{port}").is_socket()
    with postgres_server.superuser_connection() as connection:
        assert connection.execute("SHOW port").fetchone() == (str(port),)
        assert connection.execute("SHOW data_directory").fetchone() == (str(postgres_server.data_dir),)


def test_session_server_does_not_run_as_root(postgres_server: ThrowawayPostgres) -> None:
    pid = postgres_server.postmaster_pid()
    status = proc_status(pid)
    uids = {int(uid) for uid in status["Uid"].split()}  # real, effective, saved, file system
    gids = {int(gid) for gid in status["Gid"].split()} | {int(gid) for gid in status["Groups"].split()}
    assert os.stat(f"/proc/{pid}").st_uid == postgres_server.account.uid
    assert 0 not in uids, status["Uid"]
    assert 0 not in gids, f"root's groups kept: Gid {status['Gid']}, Groups {status['Groups']}"
    if os.geteuid() == 0:
        assert postgres_server.account.name == throwaway_postgres.UNPRIVILEGED_USER
    else:
        assert uids == {os.geteuid()}
    assert postgres_server.data_dir.stat().st_uid == postgres_server.account.uid


def test_app_role_may_create_databases_and_is_no_superuser(postgres: str) -> None:
    with psycopg.connect(postgres, connect_timeout=3) as connection:
        role = connection.execute("SELECT rolcreatedb, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    assert role == (True, False), "CREATEDB for Django's test database, and no superuser"
    assert owner == (throwaway_postgres.ROLE,)


def test_a_wrong_password_is_refused(postgres_server: ThrowawayPostgres) -> None:
    wrong = postgres_server.database_url.replace(postgres_server.password, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=3)


def test_stop_ends_the_server_and_removes_its_directory() -> None:
    server = throwaway_postgres.start()
    pid, directory, port = server.postmaster_pid(), server.directory, server.port
    assert Path(f"/proc/{pid}").exists() and directory.is_dir()
    server.stop()
    assert not directory.exists()
    assert not is_running(pid)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


def test_missing_binaries_name_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(ThrowawayPostgresError) as raised:
        throwaway_postgres.find_bin_dir(debian_bin_dirs=str(tmp_path / "*" / "bin"), path=str(tmp_path))
    assert "initdb" in str(raised.value)
    assert "apt-get install -y postgresql" in str(raised.value)


def test_the_newest_major_with_both_binaries_is_chosen(tmp_path: Path) -> None:
    def install(version: str, *names: str) -> Path:
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for name in names:
            (bin_dir / name).touch(mode=0o755)
        return bin_dir

    install("9.6", "initdb", "pg_ctl")
    newest_complete = install("15", "initdb", "pg_ctl")  # 15 > 9.6 as versions, not as strings
    install("16", "initdb")  # incomplete: no pg_ctl
    assert throwaway_postgres.find_bin_dir(str(tmp_path / "*" / "bin"), path="") == newest_complete
