"""Nothing leaves the machine: the API server's calls to webhooks and aggregated APIs (at
Service IPs in 10.96.0.0/16, or at a URL off the box) go through the egress selector to a dead
unix socket and fail at once, locally; no component holds a TCP connection off loopback."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from e2e.cluster import running_pids
from e2e.control_plane import Layout
from e2e.kubeapi import ApiError, KubeApi, wait_for
from e2e.procs import non_loopback_peers, tcp_peers

pytestmark = pytest.mark.harness  # the harness itself: deselected on a real cluster (e2e/target.py)

NAMESPACE = "e2e-netsafety"
WEBHOOK_SERVICE = "admission-hook"
OFF_BOX_URL = "https://10.255.255.1/validate"
APISERVICE_GROUP = "netsafety.e2e.eks-platform.test"
AGGREGATED_SERVICE = "aggregated-api"
AGGREGATED_POD_IP = "10.244.255.254"  # in kwok's fake pod CIDR; never routed anywhere
FAIL_FAST_SECONDS = 3.0


def _webhook_config(name: str, client_config: dict[str, Any], label_value: str) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": f"{label_value}.{APISERVICE_GROUP}",
                "clientConfig": client_config,
                "rules": [
                    {
                        "operations": ["CREATE"],
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "resources": ["configmaps"],
                    }
                ],
                # Only namespaces labelled for this webhook: the rest of the suite is unaffected.
                "namespaceSelector": {"matchLabels": {"e2e-netsafety": label_value}},
                "failurePolicy": "Fail",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                "timeoutSeconds": 10,
            }
        ],
    }


def _namespace(name: str, label_value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"e2e-netsafety": label_value}},
    }


def _configmap(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}


@pytest.fixture(scope="module")
def webhooks(api: KubeApi) -> Iterator[dict[str, str]]:
    """Two fail-closed webhooks, one at a Service, one at an off-box URL; namespace per webhook."""
    api.create("/api/v1/namespaces", _namespace(NAMESPACE, "none"))
    api.create(
        f"/api/v1/namespaces/{NAMESPACE}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": WEBHOOK_SERVICE},
            "spec": {"ports": [{"port": 443, "targetPort": 8443}]},
        },
    )
    configs = {
        "service": {"service": {"namespace": NAMESPACE, "name": WEBHOOK_SERVICE, "path": "/validate", "port": 443}},
        "url": {"url": OFF_BOX_URL},
    }
    namespaces = {}
    for label_value, client_config in configs.items():
        namespaces[label_value] = f"{NAMESPACE}-{label_value}"
        api.create("/api/v1/namespaces", _namespace(namespaces[label_value], label_value))
        api.create(
            "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
            _webhook_config(f"e2e-netsafety-{label_value}", client_config, label_value),
        )
    yield namespaces
    for label_value in configs:
        api.delete(f"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/e2e-netsafety-{label_value}")
        api.delete(f"/api/v1/namespaces/{namespaces[label_value]}")
    api.delete(f"/api/v1/namespaces/{NAMESPACE}")


def _rejection(api: KubeApi, namespace: str) -> tuple[ApiError, float]:
    """Create ConfigMaps until the webhook (once the server has loaded it) rejects one."""
    for attempt in range(50):
        began = time.monotonic()
        try:
            api.create(f"/api/v1/namespaces/{namespace}/configmaps", _configmap(f"probe-{attempt}"))
        except ApiError as err:
            return err, time.monotonic() - began
        time.sleep(0.2)  # the webhook configuration is not in the server's informer yet
    raise AssertionError(f"no webhook ever rejected a ConfigMap in {namespace}")


def _assert_failed_on_egress_socket(err: ApiError, elapsed: float, cluster: Layout) -> None:
    message = str(err)
    assert "failed calling webhook" in message, message
    assert f"dial unix {cluster.egress_socket}" in message, message
    # Failed on the local socket, not after waiting on the network (the URL itself says ?timeout=).
    assert "i/o timeout" not in message and "deadline exceeded" not in message, message
    assert "connect: no such file or directory" in message, message
    assert elapsed < FAIL_FAST_SECONDS, f"took {elapsed:.1f}s: {message}"


def test_service_webhook_fails_fast_through_the_egress_socket(
    api: KubeApi, cluster: Layout, webhooks: dict[str, str]
) -> None:
    err, elapsed = _rejection(api, webhooks["service"])
    _assert_failed_on_egress_socket(err, elapsed, cluster)


def test_url_webhook_off_the_box_fails_fast_through_the_egress_socket(
    api: KubeApi, cluster: Layout, webhooks: dict[str, str]
) -> None:
    err, elapsed = _rejection(api, webhooks["url"])
    _assert_failed_on_egress_socket(err, elapsed, cluster)
    assert "10.255.255.1" in str(err)


def _aggregated_api_backend(api: KubeApi) -> None:
    """A selectorless Service whose EndpointSlice names a (fake) pod IP, as a running backend would."""
    api.create(
        f"/api/v1/namespaces/{NAMESPACE}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": AGGREGATED_SERVICE},
            "spec": {"ports": [{"port": 443, "targetPort": 8443}]},
        },
    )
    api.create(
        f"/apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": AGGREGATED_SERVICE, "labels": {"kubernetes.io/service-name": AGGREGATED_SERVICE}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [AGGREGATED_POD_IP], "conditions": {"ready": True}}],
            "ports": [{"port": 8443, "protocol": "TCP", "name": ""}],
        },
    )


def test_aggregated_api_is_unavailable_through_the_egress_socket(
    api: KubeApi, cluster: Layout, webhooks: dict[str, str]
) -> None:
    _aggregated_api_backend(api)
    name = f"v1alpha1.{APISERVICE_GROUP}"
    api.create(
        "/apis/apiregistration.k8s.io/v1/apiservices",
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": name},
            "spec": {
                "group": APISERVICE_GROUP,
                "version": "v1alpha1",
                "service": {"namespace": NAMESPACE, "name": AGGREGATED_SERVICE, "port": 443},
                "insecureSkipTLSVerify": True,
                "groupPriorityMinimum": 1000,
                "versionPriority": 15,
            },
        },
    )
    messages: list[str] = []

    def unavailable_on_egress_socket() -> bool:
        status = api.get(f"/apis/apiregistration.k8s.io/v1/apiservices/{name}").get("status", {})
        unavailable = [c for c in status.get("conditions", []) if c["type"] == "Available" and c["status"] == "False"]
        messages[:] = [str(c.get("message", "")) for c in unavailable]
        return any(f"dial unix {cluster.egress_socket}" in m for m in messages)

    try:
        wait_for("APIService unavailable through the egress socket", unavailable_on_egress_socket, 30)
    except TimeoutError as err:
        raise AssertionError(f"{err}; Available=False messages: {messages}") from None
    finally:
        api.delete(f"/apis/apiregistration.k8s.io/v1/apiservices/{name}")


def test_no_component_holds_a_tcp_connection_off_loopback(
    api: KubeApi, cluster: Layout, webhooks: dict[str, str]
) -> None:
    _rejection(api, webhooks["url"])  # the server has just tried to reach off the box
    pids = running_pids(cluster.state)
    assert set(pids) >= {"kube-apiserver", "etcd", "kwok"}
    offenders = {name: non_loopback_peers(pid) for name, pid in pids.items()}
    assert offenders == {name: [] for name in pids}, offenders


def test_every_component_binds_loopback_only(cluster: Layout) -> None:
    pids = running_pids(cluster.state)
    local = {name: {addr for addr, _remote in tcp_peers(pid)} for name, pid in pids.items()}
    off_loopback = {name: addrs - {"127.0.0.1", "::1", "::ffff:127.0.0.1"} for name, addrs in local.items()}
    assert off_loopback == {name: set() for name in pids}, local


def test_ss_shows_the_api_server_talking_to_loopback_only(cluster: Layout) -> None:
    pid = running_pids(cluster.state)["kube-apiserver"]
    lines = subprocess.run(["ss", "-tnpH"], check=True, capture_output=True, text=True).stdout.splitlines()
    mine = [line for line in lines if f"pid={pid}," in line]
    assert mine, "the API server has no TCP connection at all (it should at least talk to etcd)"
    peers = {line.split()[4].rsplit(":", 1)[0].strip("[]") for line in mine}
    assert all(p.startswith("127.") or p in ("::1", "::ffff:127.0.0.1") for p in peers), peers
