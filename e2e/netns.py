"""Run a program in a network namespace of its own that reaches one thing: the API server.

    python -m e2e.netns --forward PORT --hostname NAME -- PROGRAM [ARG...]

The Argo controllers listen on every interface with no flag to change it (argo-rollouts v1.9.0:
`listenAddr = "0.0.0.0:%d"` in controller/controller.go, metrics :8090 and healthz :8080;
workflow-controller v4.0.5: `http.ListenAndServe(":6060", nil)` in cmd/workflow-controller/main.go,
and metrics on `:9090`). The harness binds nothing off loopback, so they run here instead: in a new
network namespace whose only device is its own loopback, where those listeners are reachable from
no other process and no other host, and from which no address can be dialled (a DNS lookup of a
`.svc` name fails with "network is unreachable" before any packet is sent).

The one way out is PORT on 127.0.0.1, the API server's: this launcher listens on 127.0.0.1:PORT
inside the namespace and relays each connection to 127.0.0.1:PORT of the host. The host side is a
thread started before the namespace is created: network namespaces belong to a thread, not to a
process, so that thread keeps dialling from the host's namespace while the main thread, and the
program it starts, live in the new one. The kubeconfig is unchanged (same address, so the API
server's certificate still matches), and TLS runs end to end through the relay.

Needs CAP_SYS_ADMIN (root) for unshare(CLONE_NEWNET). SIGTERM and SIGINT are passed to the
program; the launcher exits with the program's status.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import os
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading

CLONE_NEWNET = 0x40000000  # <sched.h>
CLONE_NEWUTS = 0x04000000
SIOCGIFFLAGS = 0x8913  # <linux/sockios.h>
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1  # <net/if.h>
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
IFREQ = "16sH14s"  # struct ifreq: name, then ifr_flags (short) in the union
LOOPBACK = "127.0.0.1"


def unshare_network(hostname: str) -> None:
    """Move the calling thread into a new network namespace (only a loopback device, down) and a
    new UTS namespace named `hostname` (the controllers' leader identities start with it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)} (a network namespace needs root)")
    name = hostname.encode()
    if libc.sethostname(name, len(name)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"sethostname({hostname!r}): {os.strerror(errno)}")


def loopback_up() -> None:
    """Bring `lo` up in the current namespace (a new namespace's loopback starts down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack(IFREQ, b"lo", 0, b"")
        flags = struct.unpack(IFREQ, fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP, b""))


class HostDialer(threading.Thread):
    """Dials 127.0.0.1:port of the host's namespace on request; must start before unshare_network."""

    def __init__(self, port: int):
        super().__init__(name="host-dialer", daemon=True)
        self.port = port
        self.requests: queue.Queue[queue.Queue[socket.socket | OSError]] = queue.Queue()

    def run(self) -> None:
        while True:
            reply = self.requests.get()
            try:
                upstream = socket.create_connection((LOOPBACK, self.port), timeout=10)
                upstream.settimeout(None)
                reply.put(upstream)
            except OSError as err:
                reply.put(err)

    def dial(self) -> socket.socket:
        reply: queue.Queue[socket.socket | OSError] = queue.Queue(maxsize=1)
        self.requests.put(reply)
        result = reply.get()
        if isinstance(result, OSError):
            raise result
        return result


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket, dialer: HostDialer) -> None:
    try:
        upstream = dialer.dial()
    except OSError:
        client.close()
        return
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def serve_forward(listener: socket.socket, dialer: HostDialer) -> None:
    """Accept on the namespace's 127.0.0.1:port and relay each connection to the host's."""
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(client, dialer), daemon=True).start()


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.netns", description=__doc__.splitlines()[0])
    parser.add_argument("--forward", type=int, required=True, help="the API server's port on 127.0.0.1")
    parser.add_argument("--hostname", required=True, help="the program's host name")
    parser.add_argument("program", nargs=argparse.REMAINDER, help="-- PROGRAM [ARG...]")
    args = parser.parse_args(argv)
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    if not program:
        parser.error("no program given")

    dialer = HostDialer(args.forward)
    dialer.start()  # before the namespace: this thread stays in the host's
    unshare_network(args.hostname)
    loopback_up()
    listener = socket.create_server((LOOPBACK, args.forward))
    threading.Thread(target=serve_forward, args=(listener, dialer), name="forward", daemon=True).start()

    # Forked from this thread: the child inherits the new namespace. It dies with the launcher,
    # even a SIGKILLed one, so a controller never outlives its pid file.
    child = subprocess.Popen(program, preexec_fn=_die_with_parent)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda sig, _frame: child.send_signal(sig))
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
