"""Every chart, image and add-on version the platform deploys, pinned in one place.

Bumping a version is a one-line change here, reviewed in the PR preview.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """An upstream Helm chart at its pinned version: what `helm pull` and a helm.v3.Release need."""

    name: str
    repository: str
    """https:// chart repository or oci:// registry path."""
    version: str


# Amazon Linux 2023 is the EKS-optimised AMI family for 1.33+ (AL2 stops at 1.32).
DEFAULT_AMI_TYPE = "AL2023_x86_64_STANDARD"
GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA"

# ---- Argo Workflows -------------------------------------------------------------------------
ARGO_HELM_REPO = "https://argoproj.github.io/argo-helm"
# Chart 2.0.4 (Aug 2026); its appVersion pins the controller, server and executor images.
# Decision (issue 16, "pin what the tests render"): the pin stays 2.0.4 for real deployments, and
# the tests render it wherever its repository is reachable (GitHub's test.yml fetches it through
# offline/charts.py). Offline, no source holds it: the tests render and `make e2e` installs the
# OFFLINE_SUBSTITUTES version below (1.0.18, app v4.0.6), and every report says so. The offline
# mirror's README asks that the production pin not be lowered to match it.
ARGO_WORKFLOWS = Chart("argo-workflows", ARGO_HELM_REPO, "2.0.4")
# Default image of the run-code and fan-out WorkflowTemplates.
RUN_CODE_IMAGE = "python:3.11.14-slim-bookworm"

# ---- Argo Rollouts (same argo-helm repository) -------------------------------------------------
# Chart 2.41.0 = controller v1.9.0, the newest chart we could verify
# (the offline mirror ../shared/charts holds it). The chart installs the CRDs itself
# (`installCRDs`), so a bump upgrades them with the release.
ARGO_ROLLOUTS = Chart("argo-rollouts", ARGO_HELM_REPO, "2.41.0")

# ---- cluster add-ons (issue 5): AWS Load Balancer Controller, cluster-autoscaler, metrics-server ----
EKS_CHARTS_REPO = "https://aws.github.io/eks-charts"
# Chart 1.17.1 = controller v2.17.1 (Jan 2026), the last v2 release; its IAM policy is reproduced
# in components/load_balancer_controller.py. The 3.x charts (3.5.0, Aug 2026) need that policy
# re-checked against upstream before a bump. Helm never upgrades CRDs: apply the chart's crds/
# (TargetGroupBinding, IngressClassParams) by hand when bumping.
LOAD_BALANCER_CONTROLLER = Chart("aws-load-balancer-controller", EKS_CHARTS_REPO, "1.17.1")
LOAD_BALANCER_CONTROLLER_IMAGE = "public.ecr.aws/eks/aws-load-balancer-controller"
LOAD_BALANCER_CONTROLLER_TAG = "v2.17.1"

AUTOSCALER_HELM_REPO = "https://kubernetes.github.io/autoscaler"
CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler"
# cluster-autoscaler's minor must match the cluster's: Kubernetes minor -> (chart, image tag).
# Each chart is the newest found whose appVersion is that minor; the tag is the minor's newest patch
# on registry.k8s.io (v1.33.5, v1.34.4, v1.35.1 promoted July 2026).
CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION = {
    "1.33": (Chart("cluster-autoscaler", AUTOSCALER_HELM_REPO, "9.51.0"), "v1.33.5"),
    "1.34": (Chart("cluster-autoscaler", AUTOSCALER_HELM_REPO, "9.53.0"), "v1.34.4"),
    "1.35": (Chart("cluster-autoscaler", AUTOSCALER_HELM_REPO, "9.59.0"), "v1.35.1"),
}

METRICS_SERVER_HELM_REPO = "https://kubernetes-sigs.github.io/metrics-server/"
# Chart 3.13.1 = metrics-server v0.8.1 (June 2026): supports every Kubernetes version the stacks
# allow (1.33-1.35) and kind. Chart 3.14.0 (v0.9.0, Aug 2026) targets Kubernetes 1.34+ only.
METRICS_SERVER = Chart("metrics-server", METRICS_SERVER_HELM_REPO, "3.13.1")
METRICS_SERVER_IMAGE = "registry.k8s.io/metrics-server/metrics-server"
METRICS_SERVER_TAG = "v0.8.1"
# NVIDIA device plugin: advertises `nvidia.com/gpu` on GPU nodes (components/nvidia_device_plugin.py).
# Chart 0.20.0 = plugin v0.20.0 (NVIDIA/k8s-device-plugin, tag v0.20.0; the offline mirror holds it).
NVIDIA_HELM_REPO = "https://nvidia.github.io/k8s-device-plugin"
NVIDIA_DEVICE_PLUGIN = Chart("nvidia-device-plugin", NVIDIA_HELM_REPO, "0.20.0")
NVIDIA_DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin"
NVIDIA_DEVICE_PLUGIN_TAG = "v0.20.0"

# ---- monitoring (components/monitoring.py) ------------------------------------------------------
# kube-prometheus-stack 88.5.3 = prometheus-operator v0.93.1, with kube-state-metrics 8.4.0,
# prometheus-node-exporter 4.56.1 and grafana 12.11.1 packed inside (the offline mirror's README
# gives the commits). Its images are the chart's own pins (a test refuses an untagged or `latest` one).
# The operator's CRDs are not installed by Helm (`crds.enabled: false`): monitoring/crds/ holds the
# chart's own files, applied server-side by the program, so a chart bump upgrades them (make
# monitoring-crds copies them from the new chart; a test holds the copy to the pinned chart).
PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts"
KUBE_PROMETHEUS_STACK = Chart("kube-prometheus-stack", PROMETHEUS_COMMUNITY_REPO, "88.5.3")
# ---- end of cluster add-ons ------------------------------------------------------------------

# ---- EKS add-ons, pinned per Kubernetes minor ---------------------------------------------------
# Unpinned, pulumi-eks looks up the newest vpc-cni and kube-proxy on every run, so an AWS release
# shows as drift and upgrades prod's CNI without review. Each string is one EKS accepts for that
# minor, from: kube-proxy, the "kube-proxy versions" table of the EKS User Guide
# (managing-kube-proxy; 1.35 from its zh_cn/ja_jp copies); vpc-cni 1.33, the User Guide's VPC CNI
# table; vpc-cni 1.34/1.35 and aws-ebs-csi-driver, versions pinned for those minors in public EKS
# configurations (AWS publishes no per-minor table for them). Confirm before a bump with
# `aws eks describe-addon-versions --addon-name <name> --kubernetes-version <minor>`: no AWS
# account is reachable from the tests, so nothing here has been installed by them. CoreDNS is not
# pinned: pulumi-eks manages it only with its default node group or Fargate (components/cluster.py
# uses neither), so EKS's self-managed CoreDNS stays as EKS installed it and never drifts.
# vpc-cni 1.14+ enforces NetworkPolicy (enableNetworkPolicy; EKS User Guide, cni-network-policy).
EKS_ADDONS: dict[str, dict[str, str]] = {
    "1.33": {
        "vpc-cni": "v1.20.1-eksbuild.3",
        "kube-proxy": "v1.33.5-eksbuild.2",
        "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
    },
    "1.34": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.34.1-eksbuild.2",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
    "1.35": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.35.3-eksbuild.2",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
}


def eks_addon(name: str, kubernetes_version: str) -> str:
    """The pinned version of EKS add-on `name` for a cluster of `kubernetes_version`."""
    try:
        return EKS_ADDONS[kubernetes_version][name]
    except KeyError:
        raise ValueError(
            f"no {name} add-on pinned for Kubernetes {kubernetes_version} in components/versions.py "
            f"(pinned minors: {', '.join(sorted(EKS_ADDONS))})"
        ) from None


# ---- the app's database on AWS (components/database.py) --------------------------------------
# Amazon RDS for PostgreSQL: the engine version is pinned and minor upgrades are not automatic, so
# an upgrade is a reviewed change here. 17.6 is the major/minor the local stack's image runs too.
RDS_POSTGRES_ENGINE_VERSION = "17.6"

# ---- local stack only: the in-cluster PostgreSQL (components/local_postgres.py) -------------
# The official image (Debian bookworm variant; its postgres user is uid/gid 999). A major bump
# needs a fresh data volume or pg_upgrade: PostgreSQL does not open another major's data files.
LOCAL_POSTGRES_IMAGE = "postgres"
LOCAL_POSTGRES_TAG = "17.6-bookworm"

# ---- the charts as a whole: what `make setup` fetches, and where offline sources differ --------


def pinned_charts(kubernetes_versions: tuple[str, ...] = ("1.34",)) -> tuple[Chart, ...]:
    """Every upstream chart a stack on these Kubernetes minors installs (default: the committed stacks').

    `make setup` fetches these into build/charts (offline/charts.py) for the tests, `make diff` and
    `make e2e`; the cluster-autoscaler charts of the other minors are fetched only where a stack
    pins that minor.
    """
    autoscalers = tuple(dict.fromkeys(CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION[v][0] for v in kubernetes_versions))
    return (
        ARGO_WORKFLOWS,
        ARGO_ROLLOUTS,
        LOAD_BALANCER_CONTROLLER,
        *autoscalers,
        METRICS_SERVER,
        NVIDIA_DEVICE_PLUGIN,
        KUBE_PROMETHEUS_STACK,
    )


# Where no chart source reachable offline holds the pin, the version taken instead, by chart name.
# The only one today: the offline mirror (../shared/charts, see its README) holds argo-workflows
# 1.0.18 (app v4.0.6), older than the 2.0.4 pinned for real deployments. Where the upstream
# repository is reachable (GitHub's runners), the pin itself is fetched and rendered. Everything
# that renders or installs a chart says when it used a substitute: `make setup`, the test summary,
# `make diff`'s header, and the e2e stack (which overrides chartMirror.versions with it).
OFFLINE_SUBSTITUTES: dict[str, str] = {"argo-workflows": "1.0.18"}
