"""The e2e harness's pure helpers, offline: the stack-file edits the scenarios make, the
controllers' configuration taken from a chart Deployment, the context switch's kubeconfig
reading, and the fault injection's kill (the e2e tier itself runs with `make e2e`)."""

from __future__ import annotations

import base64
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from e2e import faults
from e2e.controllers import IDENTITY, WORKFLOWS, container_config
from e2e.stack import merged
from e2e.target import api_for_context, kubeconfig_path, requested_context


def test_merged_edits_maps_key_by_key_and_none_removes_a_key() -> None:
    base = {"django": {"imageTag": "0.1.0", "strategy": {"type": "Canary", "canarySteps": [{"setWeight": 50}]}}}
    edit = {"django": {"strategy": {"type": "BlueGreen", "canarySteps": None}}}
    assert merged(base, edit) == {"django": {"imageTag": "0.1.0", "strategy": {"type": "BlueGreen"}}}
    assert base["django"]["strategy"]["canarySteps"]  # the input is left alone


def _deployment(env: list[dict]) -> dict:
    container = {"name": "controller", "command": ["workflow-controller"], "args": ["--configmap", "cm"], "env": env}
    return {"spec": {"template": {"spec": {"containers": [container]}}}}


def test_the_controller_takes_the_charts_arguments_and_environment_downward_values_resolved() -> None:
    env = [
        {"name": "ARGO_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "LEADER_ELECTION_IDENTITY", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "LEADER_ELECTION_DISABLE", "value": "true"},
        {"name": "LOG_LEVEL", "value": "info"},
    ]
    args, resolved = container_config(_deployment(env), WORKFLOWS)
    assert args == ["--configmap", "cm"]
    assert resolved == {"ARGO_NAMESPACE": "argo", "LEADER_ELECTION_IDENTITY": IDENTITY, "LOG_LEVEL": "info"}


def test_an_environment_value_only_a_pod_has_is_refused() -> None:
    env = [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
    with pytest.raises(ValueError, match=r"spec\.nodeName"):
        container_config(_deployment(env), WORKFLOWS)


def _kubeconfig(tmp_path: Path, user: dict) -> Path:
    path = tmp_path / "config"
    data = base64.b64encode(b"pem").decode()
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [
                    {
                        "name": "kind",
                        "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority-data": data},
                    }
                ],
                "users": [{"name": "kind", "user": user}],
                "contexts": [{"name": "kind-eks-platform", "context": {"cluster": "kind", "user": "kind"}}],
            }
        )
    )
    return path


def test_a_kind_context_gives_a_client_certificate_client(tmp_path: Path) -> None:
    data = base64.b64encode(b"pem").decode()
    path = _kubeconfig(tmp_path, {"client-certificate-data": data, "client-key-data": data})
    api = api_for_context(path, "kind-eks-platform", tmp_path / "keys")
    assert api.server == "https://127.0.0.1:6443" and api.client_key.read_bytes() == b"pem"
    assert api.client_key.stat().st_mode & 0o077 == 0


def test_a_missing_context_or_a_token_user_is_refused_by_name(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path, {"token": "t"})
    with pytest.raises(ValueError, match=r"EKS_PLATFORM_E2E_CONTEXT='kind-other': no such context .*kind-eks-platform"):
        api_for_context(path, "kind-other", tmp_path / "keys")
    with pytest.raises(ValueError, match="client-certificate-data"):
        api_for_context(path, "kind-eks-platform", tmp_path / "keys")


def test_the_switch_reads_the_context_and_kubectls_kubeconfig_order() -> None:
    assert requested_context({}) is None and requested_context({"EKS_PLATFORM_E2E_CONTEXT": ""}) is None
    assert requested_context({"EKS_PLATFORM_E2E_CONTEXT": "kind-eks-platform"}) == "kind-eks-platform"
    assert kubeconfig_path({"KUBECONFIG": "/a:/b"}) == Path("/a")
    assert kubeconfig_path({}) == Path.home() / ".kube" / "config"


# ---- fault injection (e2e/faults.py): a stand-in engine, a process whose name starts with "pulumi" ----


@pytest.fixture
def stand_in_engine(tmp_path: Path) -> list[str]:
    """`pulumi-stand-in 30`: sleep under a name like the engine processes' (their comm starts with pulumi)."""
    binary = tmp_path / "pulumi-stand-in"
    binary.symlink_to(shutil.which("sleep"))
    return [str(binary), "30"]


def test_kill_when_kills_the_engine_at_its_fault_point(stand_in_engine: list[str]) -> None:
    began = time.monotonic()
    finished: list[int] = []
    cut = faults.kill_when(
        lambda: finished.append(subprocess.run(stand_in_engine, check=False).returncode),
        lambda: time.monotonic() - began > 0.5,
    )
    assert finished == [-signal.SIGKILL]
    assert [name for _, name in cut.killed] == ["pulumi-stand-in"]
    assert 0.5 <= cut.seconds < 5 and cut.error is None


def test_kill_when_fails_when_the_run_ends_before_its_fault_point() -> None:
    with pytest.raises(AssertionError, match="ended before its fault point"):
        faults.kill_when(lambda: None, lambda: False)


def test_a_failing_probe_still_kills_the_engine(stand_in_engine: list[str]) -> None:
    finished: list[int] = []

    def probe() -> bool:
        if faults.engine_processes():
            raise RuntimeError("probe failed")
        return False

    with pytest.raises(RuntimeError, match="probe failed"):
        faults.kill_when(lambda: finished.append(subprocess.run(stand_in_engine, check=False).returncode), probe)
    deadline = time.monotonic() + 5
    while not finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert finished == [-signal.SIGKILL]


def test_failed_steps_are_read_from_the_killed_runs_output() -> None:
    output = (
        " +  kubernetes:core/v1:Namespace ns created\n +  kubernetes:core/v1:Secret s **creating failed** error: boom\n"
    )
    cut = faults.Interrupted(1.0, (), RuntimeError(output))
    assert cut.failed_steps() == [" +  kubernetes:core/v1:Secret s **creating failed** error: boom"]
    assert faults.Interrupted(1.0, (), RuntimeError(" +  ns created")).failed_steps() == []
