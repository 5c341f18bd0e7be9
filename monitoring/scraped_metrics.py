"""What the program scrapes, and the metric names each scrape target exports.

Kept next to the scrape configuration (components/monitoring.py and each add-on's chart values):
every metric a dashboard (monitoring/dashboards/) or an alert (monitoring/alerts/) queries must be
listed here under a target the program really scrapes, so a renamed metric or a dropped scrape
fails a test instead of leaving an empty panel or an alert that can never fire.

Names are the exact series names as exposed (a histogram's `_bucket`, `_sum` and `_count`, a
counter's `_total`), taken from the exporter's source or output at the pinned version, which
`source` cites.

Each list holds what the dashboards and alerts use plus a representative core set, not every series
an exporter has. Where the source was read: the Go module of the pinned release, from the Go module
proxy (`go mod download -json <module>@<version>`), except where a `source` says the proxy does not
serve that release and names what was read instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScrapeTarget:
    """One thing Prometheus scrapes, and the series it exports."""

    name: str
    scraped_by: str
    """What makes Prometheus scrape it (a ServiceMonitor of a chart, a value of the stack's release)."""
    source: str
    """Where the names below come from: the exporter, its pinned version, and the file or output read."""
    metrics: frozenset[str]


def _histogram(*names: str) -> set[str]:
    """The three series of each classic Prometheus histogram `name`."""
    return {f"{name}{suffix}" for name in names for suffix in ("_bucket", "_sum", "_count")}


def _summary(*names: str) -> set[str]:
    """The series of each summary `name`: its quantiles (the bare name), `_sum` and `_count`."""
    return {f"{name}{suffix}" for name in names for suffix in ("", "_sum", "_count")}


# client_golang's process and Go collectors (prometheus/collectors, prometheus/process_collector.go
# and go_collector.go), which every Go exporter below registers; memstats-like series are on by
# default, also with WithGoCollectorRuntimeMetrics(MetricsAll).
_PROCESS = {
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_start_time_seconds",
    "process_open_fds",
    "process_max_fds",
}
_GO = {
    "go_goroutines",
    "go_threads",
    "go_info",
    "go_memstats_alloc_bytes",
    "go_memstats_heap_alloc_bytes",
    "go_memstats_heap_inuse_bytes",
    "go_memstats_sys_bytes",
    *_summary("go_gc_duration_seconds"),
}
_GO_PROCESS_SOURCE = "go_*/process_*: client_golang v1.22.0 prometheus/go_collector.go, process_collector.go"

# client-go's workqueue metrics as k8s.io/component-base registers them
# (metrics/prometheus/workqueue/metrics.go: subsystem `workqueue`); controller-runtime's own
# provider (pkg/metrics/workqueue.go) uses the same names.
_WORKQUEUE = {
    "workqueue_depth",
    "workqueue_adds_total",
    "workqueue_retries_total",
    "workqueue_unfinished_work_seconds",
    "workqueue_longest_running_processor_seconds",
    *_histogram("workqueue_queue_duration_seconds", "workqueue_work_duration_seconds"),
}


SCRAPED: dict[str, ScrapeTarget] = {
    "argo-workflows-controller": ScrapeTarget(
        name="argo-workflows-controller",
        scraped_by=(
            "the argo-workflows chart's ServiceMonitor (controller.serviceMonitor.enabled, "
            "controller.metricsConfig.enabled: components/argo_workflows.py), port 9090 /metrics"
        ),
        source=(
            "Argo Workflows v4.0.5 (github.com/argoproj/argo-workflows/v4@v4.0.5; the chart runs v4.0.6, "
            "which the Go module proxy does not serve). Instruments: util/telemetry/metrics_list.go "
            "(generated). Exposed through the OpenTelemetry Prometheus exporter v0.58.0 configured in "
            'util/telemetry/exporter_prometheus.go with WithNamespace("argo_workflows"), '
            "WithoutCounterSuffixes() and WithoutUnits(): so the name is `argo_workflows_` + the "
            "instrument name, a counter gets NO `_total` (log_messages -> argo_workflows_log_messages; "
            "k8s_request_total keeps the `_total` of its own name), no unit suffix is added (unit `s` "
            "of queue_latency does not make it _seconds), and each histogram gets _bucket/_sum/_count "
            "(go.opentelemetry.io/otel/exporters/prometheus@v0.58.0 exporter.go getName). "
            f"{_GO_PROCESS_SOURCE} (promhttp serves the client_golang default registry). Left out: the "
            "OpenTelemetry Go runtime metrics (contrib runtime v0.61.0), whose names keep their dots "
            "under UTF-8 name validation."
        ),
        metrics=frozenset(
            {
                "argo_workflows_gauge",  # phase: workflows in each phase (was argo_workflows_count)
                "argo_workflows_total_count",  # counter, phase and namespace
                "argo_workflows_error_count",
                "argo_workflows_is_leader",
                "argo_workflows_k8s_request_total",
                "argo_workflows_log_messages",
                "argo_workflows_pod_missing",
                "argo_workflows_pod_pending_count",
                "argo_workflows_pod_restarts_total",
                "argo_workflows_pods_gauge",
                "argo_workflows_pods_total_count",
                "argo_workflows_queue_adds_count",
                "argo_workflows_queue_depth_gauge",
                "argo_workflows_queue_longest_running",
                "argo_workflows_queue_retries",
                "argo_workflows_queue_unfinished_work",
                "argo_workflows_workers_busy_count",
                "argo_workflows_workflow_condition",
                "argo_workflows_cronworkflows_triggered_total",
                "argo_workflows_workflowtemplate_triggered_total",
                "argo_workflows_version",
                *_histogram(
                    "argo_workflows_operation_duration_seconds",
                    "argo_workflows_k8s_request_duration",
                    "argo_workflows_queue_duration",
                    "argo_workflows_queue_latency",
                    "argo_workflows_workflowtemplate_runtime",
                ),
                *_PROCESS,
                *_GO,
            }
        ),
    ),
    "argo-rollouts-controller": ScrapeTarget(
        name="argo-rollouts-controller",
        scraped_by=(
            "the argo-rollouts chart's ServiceMonitor (controller.metrics.serviceMonitor.enabled: "
            'components/argo_rollouts.py) on Service argo-rollouts-metrics, so job="argo-rollouts-metrics"'
        ),
        source=(
            "Argo Rollouts v1.9.0 (github.com/argoproj/argo-rollouts@v1.9.0): controller/metrics/"
            "prommetrics.go and client.go (namespace controller_clientset); client_golang adds no "
            "`_total`, so rollout_reconcile_error stays as named. The handler also serves "
            "k8s.io/component-base v0.34.1's legacyregistry (controller/metrics/metrics.go), which "
            "holds the workqueue metrics and the process and Go collectors "
            f"(legacyregistry/registry.go). {_GO_PROCESS_SOURCE}."
        ),
        metrics=frozenset(
            {
                "rollout_info",
                "rollout_info_replicas_available",
                "rollout_info_replicas_unavailable",
                "rollout_info_replicas_desired",
                "rollout_info_replicas_updated",
                "rollout_phase",  # deprecated in favour of rollout_info, still served
                "rollout_reconcile_error",
                "rollout_events_total",
                "analysis_run_info",
                "analysis_run_metric_phase",
                "analysis_run_metric_type",
                "analysis_run_reconcile_error",
                "experiment_info",
                "experiment_reconcile_error",
                "notification_send_success",
                "notification_send_error",
                "controller_clientset_k8s_request_total",
                "argo_rollouts_controller_info",
                *_histogram("rollout_reconcile", "analysis_run_reconcile", "experiment_reconcile", "notification_send"),
                *_WORKQUEUE,
                *_PROCESS,
                *_GO,
            }
        ),
    ),
    "aws-load-balancer-controller": ScrapeTarget(
        name="aws-load-balancer-controller",
        scraped_by=(
            "the aws-load-balancer-controller chart's ServiceMonitor (serviceMonitor.enabled: "
            "components/load_balancer_controller.py), the controller's :8080/metrics"
        ),
        source=(
            "AWS Load Balancer Controller v2.17.1: the Go module proxy does not serve it (its v2 tags "
            "lack the /v2 module suffix: only v1.1.9 is listed), so its own awslbc_*/aws_* series are "
            "left out, unverified at this version. Listed: controller-runtime's built-in metrics, "
            "present with the same names in sigs.k8s.io/controller-runtime v0.19.0, v0.22.4 and v0.24.1 "
            "(pkg/internal/controller/metrics/metrics.go, pkg/metrics/workqueue.go, "
            "pkg/metrics/leaderelection.go, pkg/metrics/client_go_adapter.go, "
            "pkg/webhook/internal/metrics/metrics.go; the registry adds the process and Go collectors); "
            "the controller's v2.17 line uses one of them. "
            f"{_GO_PROCESS_SOURCE}."
        ),
        metrics=frozenset(
            {
                "controller_runtime_reconcile_total",
                "controller_runtime_reconcile_errors_total",
                "controller_runtime_terminal_reconcile_errors_total",
                "controller_runtime_reconcile_panics_total",
                "controller_runtime_max_concurrent_reconciles",
                "controller_runtime_active_workers",
                *_histogram("controller_runtime_reconcile_time_seconds", "controller_runtime_webhook_latency_seconds"),
                "controller_runtime_webhook_requests_total",
                "controller_runtime_webhook_requests_in_flight",
                "leader_election_master_status",
                "rest_client_requests_total",
                *_WORKQUEUE,
                *_PROCESS,
                *_GO,
            }
        ),
    ),
    "cluster-autoscaler": ScrapeTarget(
        name="cluster-autoscaler",
        scraped_by=(
            "the cluster-autoscaler chart's ServiceMonitor (serviceMonitor.enabled: "
            "components/cluster_autoscaler.py), :8085/metrics; node_group_* need "
            "--emit-per-nodegroup-metrics, which components/cluster_autoscaler.py sets"
        ),
        source=(
            "cluster-autoscaler 1.34 (chart 9.53.0 appVersion 1.34.2, image v1.34.4): the Go module "
            "proxy serves no release of k8s.io/autoscaler/cluster-autoscaler (its tags, "
            "cluster-autoscaler-1.34.x, are not Go module versions). Read instead: "
            "cluster-autoscaler/metrics/metrics.go of kubernetes/autoscaler in two stored revisions, an "
            "earlier one (package-level vars, RegisterAll(emitPerNodeGroupMetrics)) and a later one "
            "(caMetrics struct); every name below is defined in both, namespace cluster_autoscaler, "
            "through k8s.io/component-base metrics (no suffix added)."
        ),
        metrics=frozenset(
            {
                "cluster_autoscaler_cluster_safe_to_autoscale",
                "cluster_autoscaler_nodes_count",
                "cluster_autoscaler_node_groups_count",
                "cluster_autoscaler_unschedulable_pods_count",
                "cluster_autoscaler_max_nodes_count",
                "cluster_autoscaler_cluster_cpu_current_cores",
                "cluster_autoscaler_cluster_memory_current_bytes",
                "cluster_autoscaler_node_group_min_count",
                "cluster_autoscaler_node_group_max_count",
                "cluster_autoscaler_node_group_target_count",
                "cluster_autoscaler_node_group_healthiness",
                "cluster_autoscaler_node_group_backoff_status",
                "cluster_autoscaler_last_activity",
                *_histogram("cluster_autoscaler_function_duration_seconds"),
                "cluster_autoscaler_errors_total",
                "cluster_autoscaler_scaled_up_nodes_total",
                "cluster_autoscaler_failed_scale_ups_total",
                "cluster_autoscaler_scaled_down_nodes_total",
                "cluster_autoscaler_evicted_pods_total",
                "cluster_autoscaler_unneeded_nodes_count",
                "cluster_autoscaler_unremovable_nodes_count",
                "cluster_autoscaler_scale_down_in_cooldown",
                "cluster_autoscaler_skipped_scale_events_count",
            }
        ),
    ),
    "kube-state-metrics": ScrapeTarget(
        name="kube-state-metrics",
        scraped_by=(
            "kube-prometheus-stack 88.5.3's kube-state-metrics subchart ServiceMonitor "
            "(honorLabels: true, so `namespace` is the object's); metricLabelsAllowlist nodes=[node-group] "
            "(components/monitoring.py) gives kube_node_labels its label_node_group"
        ),
        source=(
            "kube-state-metrics v2.20.0 (k8s.io/kube-state-metrics/v2@v2.20.0, the appVersion of chart "
            "8.4.0): internal/store/{pod,node,deployment,replicaset,daemonset,statefulset,job,cronjob,"
            "horizontalpodautoscaler,namespace,poddisruptionbudget,persistentvolumeclaim}.go, first "
            "argument of each NewFamilyGeneratorWithStability; none is opt-in (NewOptInFamilyGenerator: "
            "kube_pod_nodeselectors is, and is not listed), and all those resources are in the chart's "
            "default `collectors`."
        ),
        metrics=frozenset(
            {
                # pods
                "kube_pod_info",
                "kube_pod_owner",
                "kube_pod_labels",
                "kube_pod_created",
                "kube_pod_start_time",
                "kube_pod_status_phase",
                "kube_pod_status_ready",
                "kube_pod_status_reason",
                "kube_pod_status_scheduled",
                "kube_pod_status_unschedulable",
                "kube_pod_tolerations",
                "kube_pod_container_info",
                "kube_pod_container_resource_requests",
                "kube_pod_container_resource_limits",
                "kube_pod_container_status_ready",
                "kube_pod_container_status_running",
                "kube_pod_container_status_waiting",
                "kube_pod_container_status_waiting_reason",
                "kube_pod_container_status_terminated_reason",
                "kube_pod_container_status_last_terminated_reason",
                "kube_pod_container_status_restarts_total",
                # nodes
                "kube_node_info",
                "kube_node_labels",
                "kube_node_role",
                "kube_node_created",
                "kube_node_spec_taint",
                "kube_node_spec_unschedulable",
                "kube_node_status_allocatable",
                "kube_node_status_capacity",
                "kube_node_status_condition",
                # workloads
                "kube_deployment_created",
                "kube_deployment_metadata_generation",
                "kube_deployment_spec_replicas",
                "kube_deployment_status_condition",
                "kube_deployment_status_observed_generation",
                "kube_deployment_status_replicas",
                "kube_deployment_status_replicas_available",
                "kube_deployment_status_replicas_ready",
                "kube_deployment_status_replicas_unavailable",
                "kube_deployment_status_replicas_updated",
                "kube_replicaset_owner",
                "kube_replicaset_spec_replicas",
                "kube_replicaset_status_replicas",
                "kube_replicaset_status_ready_replicas",
                "kube_daemonset_status_current_number_scheduled",
                "kube_daemonset_status_desired_number_scheduled",
                "kube_daemonset_status_number_available",
                "kube_daemonset_status_number_misscheduled",
                "kube_daemonset_status_number_ready",
                "kube_daemonset_status_number_unavailable",
                "kube_daemonset_status_updated_number_scheduled",
                "kube_statefulset_replicas",
                "kube_statefulset_status_replicas",
                "kube_statefulset_status_replicas_available",
                "kube_statefulset_status_replicas_ready",
                "kube_statefulset_status_replicas_updated",
                "kube_job_info",
                "kube_job_owner",
                "kube_job_complete",
                "kube_job_failed",
                "kube_job_spec_completions",
                "kube_job_status_active",
                "kube_job_status_failed",
                "kube_job_status_succeeded",
                "kube_job_status_start_time",
                "kube_job_status_completion_time",
                "kube_cronjob_info",
                "kube_cronjob_spec_suspend",
                "kube_cronjob_status_active",
                "kube_cronjob_status_last_schedule_time",
                "kube_cronjob_next_schedule_time",
                "kube_horizontalpodautoscaler_info",
                "kube_horizontalpodautoscaler_spec_min_replicas",
                "kube_horizontalpodautoscaler_spec_max_replicas",
                "kube_horizontalpodautoscaler_status_current_replicas",
                "kube_horizontalpodautoscaler_status_desired_replicas",
                "kube_horizontalpodautoscaler_status_condition",
                "kube_poddisruptionbudget_status_current_healthy",
                "kube_poddisruptionbudget_status_desired_healthy",
                "kube_poddisruptionbudget_status_expected_pods",
                "kube_poddisruptionbudget_status_pod_disruptions_allowed",
                # namespaces and volumes
                "kube_namespace_labels",
                "kube_namespace_status_phase",
                "kube_persistentvolumeclaim_info",
                "kube_persistentvolumeclaim_status_phase",
                "kube_persistentvolumeclaim_resource_requests_storage_bytes",
            }
        ),
    ),
    "node-exporter": ScrapeTarget(
        name="node-exporter",
        scraped_by=(
            "kube-prometheus-stack 88.5.3's prometheus-node-exporter subchart ServiceMonitor "
            "(prometheus.monitor.enabled), a DaemonSet on every node in kube-system "
            "(components/monitoring.py); `instance` is the node's IP:9100, `pod` the exporter's pod"
        ),
        source=(
            "node_exporter v1.12.1 (github.com/prometheus/node_exporter@v1.12.1, the appVersion of "
            "chart 4.56.1), default-enabled collectors only: names from collector/fixtures/"
            "e2e-output.txt (the exporter's expected output on its Linux fixtures), and, for what the "
            "fixtures do not produce, from the collectors' source: node_memory_MemAvailable_bytes "
            "(meminfo_linux.go), node_filesystem_* (filesystem_common.go, subsystem filesystem), "
            "node_uname_info (uname.go)."
        ),
        metrics=frozenset(
            {
                "node_cpu_seconds_total",
                "node_load1",
                "node_load5",
                "node_load15",
                "node_memory_MemTotal_bytes",
                "node_memory_MemAvailable_bytes",
                "node_memory_MemFree_bytes",
                "node_memory_Buffers_bytes",
                "node_memory_Cached_bytes",
                "node_filesystem_size_bytes",
                "node_filesystem_free_bytes",
                "node_filesystem_avail_bytes",
                "node_filesystem_files",
                "node_filesystem_files_free",
                "node_filesystem_readonly",
                "node_network_receive_bytes_total",
                "node_network_transmit_bytes_total",
                "node_network_receive_errs_total",
                "node_network_transmit_errs_total",
                "node_network_receive_drop_total",
                "node_network_transmit_drop_total",
                "node_disk_read_bytes_total",
                "node_disk_written_bytes_total",
                "node_disk_io_time_seconds_total",
                "node_context_switches_total",
                "node_vmstat_pgmajfault",
                "node_filefd_allocated",
                "node_filefd_maximum",
                "node_nf_conntrack_entries",
                "node_nf_conntrack_entries_limit",
                "node_pressure_cpu_waiting_seconds_total",
                "node_pressure_memory_waiting_seconds_total",
                "node_pressure_io_waiting_seconds_total",
                "node_boot_time_seconds",
                "node_time_seconds",
                "node_uname_info",
                "node_os_info",
                "node_exporter_build_info",
                "node_scrape_collector_success",
                "node_scrape_collector_duration_seconds",
                "node_textfile_scrape_error",
            }
        ),
    ),
    "kubelet": ScrapeTarget(
        name="kubelet",
        scraped_by=(
            "kube-prometheus-stack 88.5.3's kubelet ServiceMonitor (kubelet.serviceMonitor: https, "
            "/metrics and, probes: true, /metrics/probes), through the operator's kubelet Service in "
            "kube-system"
        ),
        source=(
            "Kubernetes v1.34.1, the stacks' minor (k8s.io/kubernetes@v1.34.1): pkg/kubelet/metrics/"
            "metrics.go (subsystem kubelet; component-base adds no suffix, so the counter kubelet_evictions "
            "has none), pkg/kubelet/metrics/collectors/volume_stats.go, pkg/kubelet/prober/"
            "prober_manager.go (prober_probe_total, /metrics/probes)."
        ),
        metrics=frozenset(
            {
                "kubelet_node_name",
                "kubelet_running_pods",
                "kubelet_running_containers",
                "kubelet_evictions",
                "kubelet_runtime_operations_errors_total",
                *_histogram(
                    "kubelet_pod_start_duration_seconds",
                    "kubelet_pod_worker_duration_seconds",
                    "kubelet_pleg_relist_duration_seconds",
                    "kubelet_runtime_operations_duration_seconds",
                ),
                "kubelet_volume_stats_capacity_bytes",
                "kubelet_volume_stats_available_bytes",
                "kubelet_volume_stats_used_bytes",
                "kubelet_volume_stats_inodes",
                "kubelet_volume_stats_inodes_free",
                "kubelet_volume_stats_inodes_used",
                "prober_probe_total",
            }
        ),
    ),
    "cadvisor": ScrapeTarget(
        name="cadvisor",
        scraped_by=(
            "kube-prometheus-stack 88.5.3's kubelet ServiceMonitor, endpoint /metrics/cadvisor "
            "(kubelet.serviceMonitor.cAdvisor: true)"
        ),
        source=(
            "cAdvisor v0.52.1, the version Kubernetes v1.34.1's go.mod requires "
            "(github.com/google/cadvisor@v0.52.1 metrics/prometheus.go), limited to the metric sets the "
            "kubelet enables (pkg/kubelet/server/server.go includedMetrics: cpu, memory, cpuLoad, diskIO, "
            "disk, network, app, process, oom), minus what the chart's cAdvisorMetricRelabelings drop "
            "(container_cpu_{cfs_throttled_seconds,system_seconds,user_seconds}_total, "
            "container_cpu_load_average_10s, container_fs_io_*, container_fs_*_merged_total, "
            "container_fs_sector_*, container_memory_{mapped_file,swap}, container_file_descriptors, "
            "container_tasks_state, container_threads_max, container_spec_*)."
        ),
        metrics=frozenset(
            {
                "container_last_seen",
                "container_cpu_usage_seconds_total",
                "container_cpu_cfs_periods_total",
                "container_cpu_cfs_throttled_periods_total",
                "container_memory_working_set_bytes",
                "container_memory_rss",
                "container_memory_cache",
                "container_memory_usage_bytes",
                "container_memory_max_usage_bytes",
                "container_memory_failcnt",
                "container_memory_failures_total",
                "container_fs_usage_bytes",
                "container_fs_limit_bytes",
                "container_fs_reads_bytes_total",
                "container_fs_writes_bytes_total",
                "container_fs_reads_total",
                "container_fs_writes_total",
                "container_network_receive_bytes_total",
                "container_network_transmit_bytes_total",
                "container_network_receive_packets_total",
                "container_network_transmit_packets_total",
                "container_network_receive_packets_dropped_total",
                "container_network_transmit_packets_dropped_total",
                "container_network_receive_errors_total",
                "container_network_transmit_errors_total",
                "container_processes",
                "container_threads",
                "container_sockets",
                "container_oom_events_total",
            }
        ),
    ),
    "kube-apiserver": ScrapeTarget(
        name="kube-apiserver",
        scraped_by=(
            "kube-prometheus-stack 88.5.3's apiserver ServiceMonitor (kubeApiServer.enabled), the "
            "`kubernetes` Service in default: EKS serves the API server's /metrics there"
        ),
        source=(
            "k8s.io/apiserver v0.34.1 (Kubernetes v1.34.1): pkg/endpoints/metrics/metrics.go "
            "(subsystem apiserver), pkg/admission/metrics/metrics.go (apiserver_admission_*), "
            "pkg/storage/etcd3/metrics/metrics.go (apiserver_storage_objects, deprecated but shown), "
            "pkg/authentication/request/x509/x509.go. The chart's metricRelabelings drop some `le` "
            "buckets of apiserver_request_duration_seconds_bucket, not the series name."
        ),
        metrics=frozenset(
            {
                "apiserver_request_total",
                *_histogram("apiserver_request_duration_seconds", "apiserver_request_sli_duration_seconds"),
                "apiserver_current_inflight_requests",
                "apiserver_longrunning_requests",
                "apiserver_request_terminations_total",
                "apiserver_storage_objects",
                *_histogram(
                    "apiserver_admission_webhook_admission_duration_seconds",
                    "apiserver_client_certificate_expiration_seconds",
                ),
                "apiserver_admission_webhook_rejection_count",
                "apiserver_admission_webhook_request_total",
            }
        ),
    ),
    "coredns": ScrapeTarget(
        name="coredns",
        scraped_by=(
            "kube-prometheus-stack 88.5.3's CoreDNS Service and ServiceMonitor (coreDns.enabled), "
            "EKS's CoreDNS pods (k8s-app: kube-dns) on :9153"
        ),
        source=(
            "CoreDNS v1.12.1, the version kubeadm pins for Kubernetes 1.34 (k8s.io/kubernetes@v1.34.1 "
            "cmd/kubeadm/app/constants/constants.go CoreDNSVersion; EKS runs its own build of a 1.12 "
            "release and the program does not pin it): github.com/coredns/coredns@v1.12.1 "
            "plugin/metrics/vars/vars.go (subsystem dns), plugin/metrics/metrics.go, plugin/cache/"
            "metrics.go, plugin/forward/metrics.go, plugin/pkg/proxy/metrics.go; namespace coredns."
        ),
        metrics=frozenset(
            {
                "coredns_build_info",
                "coredns_panics_total",
                "coredns_plugin_enabled",
                "coredns_dns_requests_total",
                "coredns_dns_responses_total",
                *_histogram(
                    "coredns_dns_request_duration_seconds",
                    "coredns_dns_request_size_bytes",
                    "coredns_dns_response_size_bytes",
                    "coredns_proxy_request_duration_seconds",
                ),
                "coredns_cache_entries",
                "coredns_cache_requests_total",
                "coredns_cache_hits_total",
                "coredns_cache_misses_total",
                "coredns_forward_healthcheck_broken_total",
                "coredns_forward_max_concurrent_rejects_total",
                "coredns_proxy_healthcheck_failures_total",
            }
        ),
    ),
    "every-target": ScrapeTarget(
        name="every-target",
        scraped_by=(
            "Prometheus itself: at each scrape of every target above it writes these series, labelled "
            "with the target's job, instance, namespace, ... (no exporter serves them)"
        ),
        source=(
            "Prometheus v3.14.0, the image kube-prometheus-stack 88.5.3 runs "
            "(github.com/prometheus/prometheus@v0.314.0 scrape/scrape.go, the report series)."
        ),
        metrics=frozenset(
            {
                "up",
                "scrape_duration_seconds",
                "scrape_samples_scraped",
                "scrape_samples_post_metric_relabeling",
                "scrape_series_added",
            }
        ),
    ),
    "django": ScrapeTarget(
        name="django",
        scraped_by=(
            "charts/django's ServiceMonitor (metrics.serviceMonitor.enabled) on the headless Service "
            "<fullname>-metrics, port `metrics` (9000) /metrics, served by the gunicorn master apart "
            "from the app port; podTargetLabels add rollouts_pod_template_hash and pod_template_hash"
        ),
        source=(
            "django-prometheus 2.5.0 (django_prometheus/middleware.py, Metrics.register) through "
            "prometheus_client 0.26.0 in multiprocess mode (app/config/metrics.py: MultiProcessCollector "
            "sums every gunicorn worker's files, so no process_*/python_* series and no _created); "
            "prometheus_client adds `_total` to each counter, whose own name may already contain "
            "`total`. A labelled series appears once a request has set its labels (the exceptions after "
            "a first unhandled exception). tests/app/test_app_metrics.py reads every name below from "
            "the real app's /metrics."
        ),
        metrics=frozenset(
            {
                "django_http_requests_before_middlewares_total",
                "django_http_responses_before_middlewares_total",
                "django_http_requests_total_by_method_total",
                "django_http_requests_total_by_transport_total",
                "django_http_requests_total_by_view_transport_method_total",
                "django_http_responses_total_by_status_total",
                "django_http_responses_total_by_status_view_method_total",
                "django_http_responses_total_by_charset_total",
                "django_http_exceptions_total_by_type_total",
                "django_http_exceptions_total_by_view_total",
                "django_http_requests_unknown_latency_total",
                *_histogram(
                    "django_http_requests_latency_seconds_by_view_method",
                    "django_http_requests_latency_including_middlewares_seconds",
                    "django_http_requests_body_total_bytes",
                    "django_http_responses_body_total_bytes",
                ),
            }
        ),
    ),
    # Prometheus, Alertmanager, Grafana and the operator also scrape their own metrics; they are
    # listed only once a dashboard or an alert uses them (none does yet).
}


def exported_metric_names() -> frozenset[str]:
    """Every series name some scraped target exports."""
    return frozenset().union(*(target.metrics for target in SCRAPED.values()))
