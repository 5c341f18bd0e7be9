"""`ClusterContext`: what every Kubernetes-side component needs besides its own settings section.

A component takes its section of the settings (`settings.django`, `settings.addons.metrics_server`)
and this context: the providers, the cluster's identity, where the system and PROTO-INFERENCE-NG
pods go, the chart mirror and the retention policy. Two rules of the deploy graph live here, so
each is declared once:

- **Kubernetes objects are deleted with the cluster** (`kubernetes`, `workload`): when the cluster
  goes, destroy does not wait on an API server that no longer answers. Set on each Kubernetes
  object rather than on the component, because the engine copies a component's deletedWith to
  every child, and a component that also owns AWS resources (ECR, IAM roles) would then leak them.
- **A workload waits for the node group its pods run on** (`workload`): an awaited Helm release
  succeeds only once a node of its group has joined. Only the workload waits: its namespace and
  Secrets are created as soon as the API server answers (a component-level dependsOn would delay
  every child, since children wait on their parent's dependsOn).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components.cluster_access import ClusterAccess
from components.helm_release import UPSTREAM, ChartMirror
from components.irsa import ServiceAccountRole, ServiceAccountRoleArgs
from components.node_group import has_gpus
from components.settings import INFERENCE_NODE_GROUP, SYSTEM_NODE_GROUP, Settings


@dataclass(frozen=True)
class Placement:
    """Where a workload's pods go: a node group's label selector and the tolerations of its taints."""

    group: str
    node_selector: dict[str, str] = field(default_factory=dict)
    """`node-group: <group>`; empty on a cluster without that group (kind): anywhere."""
    tolerations: list[dict[str, str]] = field(default_factory=list)
    """Tolerations of the group's taints (from its settings)."""
    node_group: pulumi.Resource | None = None
    """The managed node group this stack created, which a workload waits for (None on an existing cluster)."""


@dataclass(frozen=True)
class ClusterContext:
    """The cluster a stack deploys to, as its Kubernetes-side components see it."""

    stack: str
    environment: str
    """dev, prod or local."""
    region: str
    kubernetes_version: str
    cluster_name: str
    k8s_provider: kubernetes.Provider
    aws_provider: aws.Provider | None = None
    """Set when the stack owns AWS resources; None on a cluster someone else made."""
    cluster: pulumi.Resource | None = None
    """What every Kubernetes object is deleted with (None on an existing cluster)."""
    vpc_id: pulumi.Input[str] | None = None
    vpc_cidr: str = ""
    """CIDR of the VPC this stack created ('' otherwise): load balancers reach pods from it."""
    oidc_provider_arn: pulumi.Input[str] | None = None
    oidc_provider_url: pulumi.Input[str] | None = None
    private_subnet_ids: pulumi.Input[list[str]] | None = None
    cluster_security_group_id: pulumi.Input[str] | None = None
    """The security group of the managed nodes (pods share their nodes' group under the VPC CNI)."""
    system: Placement = Placement(SYSTEM_NODE_GROUP)
    """Controllers, add-ons and the app."""
    inference: Placement = Placement(INFERENCE_NODE_GROUP)
    """Argo and everything it runs."""
    gpu_groups: tuple[Placement, ...] = ()
    """The node groups of GPU instances (the NVIDIA AMI), by their placement."""
    chart_mirror: ChartMirror = UPSTREAM
    retain_data: bool = False
    """Keep data stores (ECR images, artifact buckets) and their contents on destroy."""
    protect: bool = False
    """prod: protect what cannot be recreated without loss."""
    ingress_admission: tuple[pulumi.Resource, ...] = ()
    """What an Ingress waits for: the ingress controller, whose validating webhook must serve first."""
    ingress_class: str = ""
    """The IngressClass this stack provides ('' = none)."""
    monitoring_crds: tuple[pulumi.Resource, ...] = ()
    """What a release rendering a ServiceMonitor waits for: the monitoring CRDs (none without monitoring)."""
    prometheus_url: str = ""
    """In-cluster Prometheus that scrapes this stack ('' = no monitoring): analyses query it."""
    monitoring_namespace: str = ""
    """Where Prometheus runs: the only namespace a metrics port admits ('' = no monitoring)."""

    @classmethod
    def of(cls, access: ClusterAccess, settings: Settings) -> ClusterContext:
        def placement(group: str) -> Placement:
            selector, tolerations = settings.scheduling_for(group)
            return Placement(group, selector, tolerations, access.node_groups.get(group))

        return cls(
            stack=settings.stack,
            environment=settings.environment,
            region=settings.region,
            kubernetes_version=settings.kubernetes_version,
            cluster_name=access.cluster_name,
            k8s_provider=access.k8s_provider,
            aws_provider=access.aws_provider,
            cluster=access.cluster,
            vpc_id=access.vpc_id,
            vpc_cidr=settings.vpc_cidr if access.owns_aws and not settings.existing_vpc else "",
            oidc_provider_arn=access.oidc_provider_arn,
            oidc_provider_url=access.oidc_provider_url,
            private_subnet_ids=access.private_subnet_ids,
            cluster_security_group_id=access.cluster_security_group_id,
            system=placement(SYSTEM_NODE_GROUP),
            inference=placement(INFERENCE_NODE_GROUP),
            gpu_groups=tuple(placement(g) for g, spec in settings.node_groups.items() if has_gpus(spec.instance_types)),
            chart_mirror=ChartMirror(url=settings.chart_mirror.url, versions=settings.chart_mirror.versions),
            retain_data=settings.retain_data,
            protect=settings.is_prod,
        )

    def with_ingress_controller(self, controller: pulumi.Resource | None, ingress_class: str) -> ClusterContext:
        """This context once `controller` provides `ingress_class` (no change when it is None)."""
        if controller is None:
            return self
        return dataclasses.replace(self, ingress_admission=(controller,), ingress_class=ingress_class)

    def with_monitoring(self, crds: pulumi.Resource | None, prometheus_url: str, namespace: str) -> ClusterContext:
        """This context once the monitoring CRDs exist and Prometheus scrapes (no change when `crds` is None)."""
        if crds is None:
            return self
        return dataclasses.replace(
            self, monitoring_crds=(crds,), prometheus_url=prometheus_url, monitoring_namespace=namespace
        )

    @property
    def monitored(self) -> bool:
        """Prometheus scrapes this stack: charts turn on their metrics and ServiceMonitors."""
        return bool(self.monitoring_crds)

    @property
    def owns_aws(self) -> bool:
        """True when the stack may create AWS resources (buckets, roles, repositories)."""
        return self.aws_provider is not None

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def replicas(self) -> int:
        """Replicas of a controller that must survive a node drain: 2 in prod (with a PodDisruptionBudget), else 1."""
        return 2 if self.is_prod else 1

    def component(
        self, opts: pulumi.ResourceOptions | None = None, *, owns_aws: bool = False
    ) -> pulumi.ResourceOptions:
        """Options of a component: the stack's providers (Kubernetes, and AWS where the stack owns it).

        A component with only Kubernetes objects is itself deleted with the cluster, as its
        children are; one that also owns AWS resources (`owns_aws`) must not be, or the engine
        would copy that to its AWS children and destroy would skip, hence leak, them.
        """
        providers: list[pulumi.ProviderResource] = [self.k8s_provider]
        if self.aws_provider is not None:
            providers.append(self.aws_provider)
        own = pulumi.ResourceOptions(providers=providers, deleted_with=None if owns_aws else self.cluster)
        return pulumi.ResourceOptions.merge(own, opts)

    def service_account_role(
        self,
        resource_name: str,
        parent: pulumi.Resource,
        *,
        namespace: str,
        service_account: str,
        description: str,
        policy: pulumi.Input[str] | None = None,
        managed_policy_arns: Sequence[str] = (),
        also_in_namespaces: Sequence[str] = (),
    ) -> ServiceAccountRole:
        """An IAM role (IRSA) only `namespace/service_account` of this cluster may assume, child of `parent`."""
        return ServiceAccountRole(
            resource_name,
            ServiceAccountRoleArgs(
                oidc_provider_arn=self.oidc_provider_arn,
                oidc_provider_url=self.oidc_provider_url,
                namespace=namespace,
                service_account=service_account,
                also_in_namespaces=tuple(also_in_namespaces),
                policy=policy,
                managed_policy_arns=list(managed_policy_arns),
                description=description,
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )

    def kubernetes(
        self, parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource | None] = ()
    ) -> pulumi.ResourceOptions:
        """Options of a Kubernetes object that runs no pods (namespace, Secret, RBAC, CustomResource)."""
        return pulumi.ResourceOptions(
            parent=parent, deleted_with=self.cluster, depends_on=[d for d in depends_on if d is not None]
        )

    def workload(
        self,
        parent: pulumi.Resource,
        on: Placement,
        *,
        after: Sequence[pulumi.Resource | None] = (),
        ingress: bool = False,
        scraped: bool = False,
    ) -> pulumi.ResourceOptions:
        """Options of what runs pods on `on` (an awaited Helm release, a StatefulSet).

        It waits for that node group, for `after`, and, when it creates an Ingress (`ingress`),
        for the ingress controller, whose validating webhook (failurePolicy Fail) must serve
        before any Ingress is admitted. Services need no such wait: the load balancer controller
        runs without its Service mutating webhook (components/load_balancer_controller.py).
        A release that renders a ServiceMonitor or PrometheusRule (`scraped`) waits for the
        monitoring CRDs, which exist seconds after the API server answers.
        """
        waits = [
            on.node_group,
            *(self.ingress_admission if ingress else ()),
            *(self.monitoring_crds if scraped else ()),
            *after,
        ]
        return self.kubernetes(parent, waits)
