"""The control plane is the pinned one and is wired as the program expects."""

from __future__ import annotations

import pytest

from e2e.kubeapi import KubeApi, wait_for

pytestmark = pytest.mark.harness  # the harness itself: deselected on a real cluster (e2e/target.py)


def test_server_reports_the_pinned_kubernetes_version(api: KubeApi) -> None:
    version = api.get("/version")
    assert (version["gitVersion"], version["major"], version["minor"]) == ("v1.34.4", "1", "34")


def test_service_account_tokens_are_issued(api: KubeApi) -> None:
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
    token = api.create("/api/v1/namespaces/default/serviceaccounts/default/token", request)
    assert token["status"]["token"].count(".") == 2  # a signed JWT
    # The controller-manager publishes it shortly after start: wait for it.
    wait_for("kube-root-ca.crt", lambda: api.exists("/api/v1/namespaces/default/configmaps/kube-root-ca.crt"), 30)
    root_ca = api.get("/api/v1/namespaces/default/configmaps/kube-root-ca.crt")
    assert "BEGIN CERTIFICATE" in root_ca["data"]["ca.crt"]
