"""Background processes of the local control plane: started with a pid file, stopped by that
pid only (never by name), and measured (resident memory, TCP peers) through /proc."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def free_loopback_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ManagedProcess:
    """One named background process: its pid file and its log under the state dir."""

    name: str
    run_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The recorded pid if that process is still ours and alive, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _is_alive(pid) and self._owns(pid) else None

    def _owns(self, pid: int) -> bool:
        # Guards against a recycled pid: the pid file also records the executable. A binary
        # replaced on disk while running (e2e/build.sh renames new builds into place, possibly
        # from another checkout sharing the cache) reads as "<path> (deleted)": still ours.
        exe_file = self.pid_file.with_suffix(".exe")
        try:
            running = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
            return running == exe_file.read_text().strip()
        except OSError:
            return False

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> int:
        """Start argv detached (own session), output to the log, and write the pid file."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                cwd=self.run_dir,
            )
        self.pid_file.with_suffix(".exe").write_text(os.path.realpath(argv[0]))
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the recorded pid, SIGKILL it after timeout, wait for exit; no-op when not running."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            if not _wait_exit(pid, timeout):
                os.kill(pid, signal.SIGKILL)
                _wait_exit(pid, 5.0)
        self.pid_file.unlink(missing_ok=True)
        self.pid_file.with_suffix(".exe").unlink(missing_ok=True)


def _is_alive(pid: int) -> bool:
    _reap(pid)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def _reap(pid: int) -> None:
    # When the caller started the process itself (e.g. a pytest session), collect the zombie.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            return True
        time.sleep(0.1)
    return not _is_alive(pid)


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def _decode_address(hex_addr: str) -> str:
    ip_hex = hex_addr.split(":")[0]
    raw = bytes.fromhex(ip_hex)
    # /proc/net/tcp* store each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def _tcp_rows(pid: int) -> list[list[str]]:
    """The rows of /proc/<pid>/net/tcp and tcp6: every TCP socket of the process's network namespace."""
    rows = []
    for table in ("tcp", "tcp6"):
        rows += [line.split() for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]]
    return rows


def tcp_peers(pid: int) -> list[tuple[str, str]]:
    """(local address, remote address) of every TCP socket the process holds, from /proc."""
    inodes = _socket_inodes(pid)
    return [(_decode_address(f[1]), _decode_address(f[2])) for f in _tcp_rows(pid) if f[9] in inodes]


def listening_ports(pid: int) -> set[int]:
    """TCP ports in LISTEN state (0A) in the process's network namespace."""
    return {int(f[1].rsplit(":", 1)[1], 16) for f in _tcp_rows(pid) if f[3] == "0A"}


def non_loopback_peers(pid: int) -> list[str]:
    """Remote addresses of the process's TCP sockets that are neither loopback nor unset (listeners)."""
    bad = []
    for _local, remote in tcp_peers(pid):
        addr = ipaddress.ip_address(remote)
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        if not (addr.is_loopback or addr.is_unspecified):
            bad.append(remote)
    return bad
