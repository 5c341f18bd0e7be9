"""Configuration files and command lines of the local control plane. Everything binds
127.0.0.1; the API server's egress towards the "cluster" (webhooks, aggregated APIs, kubelets,
pod/service proxies) and the "controlplane" (URL webhooks, authn/authz/audit webhooks) goes to
a unix socket nobody listens on, so no such call can leave this machine."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from e2e.paths import E2E_DIR, binary
from e2e.pki import SERVICE_CIDR, Pki

CONTEXT_NAME = "e2e"
# Fake pod IPs handed out by kwok; never dialled (see the module docstring).
POD_CIDR = "10.244.0.0/16"
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
KWOK_NODE_ANNOTATION_VALUE = "fake"
KWOK_STAGE_FILES = (E2E_DIR / "kwok" / "node-stages.yaml", E2E_DIR / "kwok" / "pod-stages.yaml")


@dataclass(frozen=True)
class Ports:
    """Loopback ports chosen at start."""

    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int


@dataclass(frozen=True)
class Layout:
    """Where one run of the control plane keeps its files."""

    state: Path
    pki: Pki
    ports: Ports

    @property
    def run_dir(self) -> Path:
        """Pid files and logs."""
        return self.state / "run"

    @property
    def config_dir(self) -> Path:
        return self.state / "config"

    @property
    def etcd_data(self) -> Path:
        return self.state / "etcd"

    @property
    def egress_socket(self) -> Path:
        """The unix socket the API server's cluster egress is sent to; nothing ever listens on it."""
        return self.state / "egress-blackhole.sock"

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.ports.apiserver}"

    def kubeconfig(self, user: str) -> Path:
        return self.config_dir / f"{user}.kubeconfig"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.kubeconfig("admin")

    def save(self) -> None:
        (self.state / "ports.json").write_text(json.dumps(asdict(self.ports), indent=2) + "\n")

    @classmethod
    def load(cls, state: Path) -> Layout:
        ports = Ports(**json.loads((state / "ports.json").read_text()))
        return cls(state=state, pki=Pki(state / "pki"), ports=ports)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write_kubeconfig(layout: Layout, user: str) -> Path:
    """A self-contained kubeconfig (certificates inlined) for one client identity."""
    path = layout.kubeconfig(user)
    pki = layout.pki
    path.write_text(
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {CONTEXT_NAME}\n"
        "  cluster:\n"
        f"    server: {layout.server}\n"
        f"    certificate-authority-data: {_b64(pki.ca_cert)}\n"
        "users:\n"
        f"- name: {user}\n"
        "  user:\n"
        f"    client-certificate-data: {_b64(pki.cert(user))}\n"
        f"    client-key-data: {_b64(pki.key(user))}\n"
        "contexts:\n"
        f"- name: {CONTEXT_NAME}\n"
        "  context:\n"
        f"    cluster: {CONTEXT_NAME}\n"
        f"    user: {user}\n"
        f"current-context: {CONTEXT_NAME}\n"
    )
    path.chmod(0o600)
    return path


def write_egress_selector(layout: Layout) -> Path:
    """EgressSelectorConfiguration: cluster and controlplane through the dead unix socket, etcd direct."""
    path = layout.config_dir / "egress-selector.yaml"
    blackhole = (
        "  connection:\n"
        "    proxyProtocol: HTTPConnect\n"
        "    transport:\n"
        "      uds:\n"
        f"        udsName: {layout.egress_socket}\n"
    )
    path.write_text(
        "apiVersion: apiserver.k8s.io/v1beta1\n"
        "kind: EgressSelectorConfiguration\n"
        "egressSelections:\n"
        "- name: cluster\n" + blackhole + "- name: controlplane\n" + blackhole + "- name: etcd\n"
        "  connection:\n"
        "    proxyProtocol: Direct\n"
    )
    return path


def write_configs(layout: Layout) -> None:
    """Every file the components read: kubeconfigs and the egress selector."""
    layout.config_dir.mkdir(parents=True, exist_ok=True)
    for user in ("admin", "kube-controller-manager", "kube-scheduler", "kwok"):
        write_kubeconfig(layout, user)
    write_egress_selector(layout)


def etcd_argv(layout: Layout) -> list[str]:
    client = f"http://127.0.0.1:{layout.ports.etcd_client}"
    peer = f"http://127.0.0.1:{layout.ports.etcd_peer}"
    return [
        str(binary("etcd")),
        "--name=e2e",
        f"--data-dir={layout.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=e2e={peer}",
        "--initial-cluster-state=new",
        # Throwaway data: skip fsync, which dominates etcd latency on a shared disk.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def apiserver_argv(layout: Layout) -> list[str]:
    pki = layout.pki
    return [
        str(binary("kube-apiserver")),
        f"--etcd-servers=http://127.0.0.1:{layout.ports.etcd_client}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={layout.ports.apiserver}",
        f"--cert-dir={layout.state / 'apiserver-certs'}",
        f"--tls-cert-file={pki.cert('kube-apiserver')}",
        f"--tls-private-key-file={pki.key('kube-apiserver')}",
        f"--client-ca-file={pki.ca_cert}",
        f"--service-account-key-file={pki.sa_pub}",
        f"--service-account-signing-key-file={pki.sa_key}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        # Aggregation layer as kubeadm sets it up; the controllers' delegated authentication reads it.
        f"--requestheader-client-ca-file={pki.ca_cert}",
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        f"--proxy-client-cert-file={pki.cert('front-proxy-client')}",
        f"--proxy-client-key-file={pki.key('front-proxy-client')}",
        "--allow-privileged=true",
        # The `kubernetes` Service cannot list 127.0.0.1 as an endpoint (loopback is invalid there)
        # and nothing in this cluster dials it, so leave its endpoints alone instead of failing.
        "--endpoint-reconciler-type=none",
        f"--egress-selector-config-file={write_egress_selector(layout)}",
        "--profiling=false",
        "--v=1",
    ]


def controller_manager_argv(layout: Layout) -> list[str]:
    pki = layout.pki
    kubeconfig = layout.kubeconfig("kube-controller-manager")
    return [
        str(binary("kube-controller-manager")),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={layout.ports.controller_manager}",
        f"--cert-dir={layout.state / 'controller-manager-certs'}",
        "--leader-elect=false",
        "--controllers=*",
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={pki.sa_key}",
        f"--root-ca-file={pki.ca_cert}",
        f"--cluster-signing-cert-file={pki.ca_cert}",
        f"--cluster-signing-key-file={pki.ca_key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--v=1",
    ]


def scheduler_argv(layout: Layout) -> list[str]:
    kubeconfig = layout.kubeconfig("kube-scheduler")
    return [
        str(binary("kube-scheduler")),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={layout.ports.scheduler}",
        f"--cert-dir={layout.state / 'scheduler-certs'}",
        "--leader-elect=false",
        "--v=1",
    ]


def kwok_argv(layout: Layout) -> list[str]:
    stage_flags = [f"--config={path}" for path in KWOK_STAGE_FILES]
    return [
        str(binary("kwok")),
        *stage_flags,
        f"--kubeconfig={layout.kubeconfig('kwok')}",
        "--manage-all-nodes=false",
        f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}={KWOK_NODE_ANNOTATION_VALUE}",
        f"--server-address=127.0.0.1:{layout.ports.kwok}",
        "--node-ip=127.0.0.1",
        f"--cidr={POD_CIDR}",
    ]
