"""The Pod Security Standards' `restricted` profile, checked on pod specs offline.

The rules of https://kubernetes.io/docs/concepts/security/pod-security-standards/ (baseline and
restricted, as the PodSecurity admission plugin of Kubernetes 1.34 enforces them), applied to a
pod spec: what the API server of a namespace labelled `pod-security.kubernetes.io/enforce:
restricted` would refuse. `make e2e` checks the same against the real admission plugin for the
pods it creates; this covers every pod template the charts and WorkflowTemplates can create.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# restricted: "Volume Types" (every other type is refused, hostPath among them)
ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
# baseline: "Sysctls"
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SECCOMP_ALLOWED = {"RuntimeDefault", "Localhost"}


def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or []


def violations(spec: dict[str, Any]) -> list[str]:
    """Every rule of the restricted profile `spec` (a PodSpec) breaks; [] when it is admitted."""
    found: list[str] = []
    pod = spec.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            found.append(f"{field} is true")
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            found.append(f"volume {volume.get('name')} of type {sorted(kinds - ALLOWED_VOLUMES)}")
    for sysctl in pod.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            found.append(f"sysctl {sysctl.get('name')}")
    if (pod.get("seccompProfile") or {}).get("type") == "Unconfined":
        found.append("pod seccompProfile Unconfined")
    if pod.get("runAsUser") == 0:
        found.append("pod runAsUser 0")
    for container in containers(spec):
        name = container.get("name", "?")
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("procMount") not in (None, "Default"):
            found.append(f"{name}: procMount {context['procMount']}")
        if any(port.get("hostPort") for port in container.get("ports") or []):
            found.append(f"{name}: hostPort")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name}: capabilities do not drop ALL")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: adds capabilities {sorted(set(capabilities['add']) - {'NET_BIND_SERVICE'})}")
        non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if non_root is not True:
            found.append(f"{name}: runAsNonRoot is not true (pod or container)")
        if context.get("runAsUser") == 0:
            found.append(f"{name}: runAsUser 0")
        seccomp = (context.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in SECCOMP_ALLOWED:
            found.append(f"{name}: seccompProfile {seccomp or 'unset'} (RuntimeDefault or Localhost, pod or container)")
    return found


def pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind/name, PodSpec) of every pod the objects create: pods, workload templates, Jobs in AnalysisTemplates."""
    for obj in objects:
        kind, name, spec = obj.get("kind"), (obj.get("metadata") or {}).get("name"), obj.get("spec") or {}
        if kind == "Pod":
            yield f"Pod/{name}", spec
        elif kind == "CronJob":
            yield f"CronJob/{name}", spec["jobTemplate"]["spec"]["template"]["spec"]
        elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Rollout"):
            yield f"{kind}/{name}", spec["template"]["spec"]
        elif kind == "AnalysisTemplate":
            for metric in spec.get("metrics") or []:
                job = ((metric.get("provider") or {}).get("job") or {}).get("spec")
                if job:
                    yield f"AnalysisTemplate/{name}/{metric['name']}", job["template"]["spec"]
