"""What the rendered charts/django release does: the seed's patterns and the issue's guarantees."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.charts.conftest import runs_pods

INFERENCE_GROUP = "PROTO-INFERENCE-NG"
INFERENCE_TAINT_KEY = "dedicated"
# The kinds that run pods with the app's environment: the app (a Deployment, or a Rollout under the
# Argo strategies), the migration Job, the helm test Pod.
POD_KINDS = ("Deployment", "Rollout", "Job", "Pod")
# Every pod the chart can start, including the Argo smoke test (an AnalysisTemplate's job metric,
# which needs no app environment): hardening and placement hold for all of them.
ALL_POD_KINDS = (*POD_KINDS, "AnalysisTemplate")


def _values(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def _pods(manifests, kinds: tuple[str, ...] = POD_KINDS) -> list[dict[str, Any]]:
    """The objects of these kinds that start pods (not the Prometheus AnalysisTemplate: no job metric)."""
    return [doc for kind in kinds for doc in manifests.of_kind(kind) if runs_pods(doc)]


def _app(manifests) -> dict[str, Any]:
    """The app's workload: the Deployment, or the Rollout under BlueGreen/Canary."""
    [app] = manifests.of_kind("Deployment") + manifests.of_kind("Rollout")
    return app


def _pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    return obj["metadata"]["labels"] if obj["kind"] == "Pod" else obj["spec"]["template"]["metadata"]["labels"]


def _container(chart, obj: dict[str, Any]) -> dict[str, Any]:
    (container,) = chart.pod_spec(obj)["containers"]
    return container


# ---- ConfigMap: the seed's `if` and `range` ---------------------------------------------------


SENTRY_DSN = "https://public@o0.ingest.sentry.io/0"


def test_sentry_dsn_exists_only_in_prod(chart) -> None:
    """The seed's `if eq .Values.env "prod"`: the same DSN reaches prod and never dev."""
    dev = chart.template(chart.values_file("env-dev"), overrides={"config.sentryDsn": SENTRY_DSN}).config_data
    prod = chart.template(chart.values_file("env-prod"), overrides={"config.sentryDsn": SENTRY_DSN}).config_data
    assert "SENTRY__DSN" not in dev
    assert prod["SENTRY__DSN"] == SENTRY_DSN


def test_an_unset_sentry_dsn_is_left_out(chart) -> None:
    """ "" means reporting is off; an empty variable would only make the helm test report it missing."""
    assert _values(chart.values_file("env-prod"))["config"]["sentryDsn"] == ""
    assert "SENTRY__DSN" not in chart.template(chart.values_file("env-prod")).config_data


@pytest.mark.parametrize("name", ["env-dev", "env-prod"])
def test_one_variable_per_cross_origin(chart, name: str) -> None:
    origins = _values(chart.values_file(name))["web"]["crossOrigins"]
    data = chart.template(chart.values_file(name)).config_data
    rendered = {k: v for k, v in data.items() if k.startswith("WEB__CROSS_ORIGIN__")}
    assert rendered == {f"WEB__CROSS_ORIGIN__{i}": origin for i, origin in enumerate(origins)}


def test_cross_origins_follow_the_list(chart) -> None:
    origins = ["https://a.example.com", "https://b.example.com", "http://localhost:3000"]
    data = chart.template(chart.values_file("env-dev"), overrides={"web.crossOrigins": origins}).config_data
    assert [data[f"WEB__CROSS_ORIGIN__{i}"] for i in range(3)] == origins
    assert "WEB__CROSS_ORIGIN__3" not in data


def test_config_holds_what_the_app_reads(chart) -> None:
    data = chart.template(chart.values_file("env-prod")).config_data
    assert data["DJANGO_SETTINGS_MODULE"] == "config.settings"
    assert data["DEBUG"] == "false"
    # The ingress host is added, so the ALB's requests for it are not refused by Django.
    assert data["ALLOWED_HOSTS"] == "django.example.com"
    assert data["WEB_CONCURRENCY"] == "2"
    assert chart.template(chart.values_file("env-dev")).config_data["DEBUG"] == "true"


def test_extra_env_lands_in_the_configmap(chart) -> None:
    data = chart.template(chart.values_file("env-dev"), overrides={"config.extraEnv": {"FEATURE_X": "on"}}).config_data
    assert data["FEATURE_X"] == "on"


def test_secret_names_never_reach_the_configmap(chart, scenario) -> None:
    data = chart.template(scenario.values).config_data
    assert not {"SECRET_KEY", "DATABASE_URL"} & data.keys()


# ---- Secret -----------------------------------------------------------------------------------


def test_chart_created_secret_is_base64_of_the_values(chart) -> None:
    path = chart.values_file("ci-chart-created-secret")
    manifests = chart.template(path)
    secret = manifests.one("Secret")
    decoded = {k: base64.b64decode(v, validate=True).decode() for k, v in secret["data"].items()}
    assert decoded == _values(path)["secret"]["values"]
    assert secret["type"] == "Opaque"
    assert "stringData" not in secret
    env_from = _container(chart, manifests.one("Deployment"))["envFrom"]
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in env_from


def test_existing_secret_is_referenced_not_rendered(chart) -> None:
    manifests = chart.template(chart.values_file("env-prod"))
    assert manifests.of_kind("Secret") == []
    for obj in _pods(manifests):
        assert {"secretRef": {"name": "django-app"}} in _container(chart, obj)["envFrom"]


# ---- envFrom and the rollout checksum -----------------------------------------------------------


def test_app_job_and_test_pod_load_the_configmap_and_the_secret(chart, scenario) -> None:
    manifests = chart.template(scenario.values)
    configmap = manifests.one("ConfigMap")["metadata"]["name"]
    for obj in _pods(manifests):
        env_from = _container(chart, obj)["envFrom"]
        assert {"configMapRef": {"name": configmap}} in env_from, obj["kind"]
        assert any("secretRef" in source for source in env_from), obj["kind"]


def _checksums(chart, overrides: dict[str, Any], base: str = "env-dev") -> dict[str, str]:
    pod = chart.template(chart.values_file(base), overrides=overrides).one("Deployment")["spec"]["template"]
    return {k: v for k, v in pod["metadata"]["annotations"].items() if k.startswith("checksum/")}


def test_config_checksum_changes_with_a_configmap_value(chart) -> None:
    before = _checksums(chart, {})
    for change in ({"config.extraEnv": {"FEATURE_X": "on"}}, {"web.crossOrigins": ["https://x.example.com"]}):
        assert _checksums(chart, change)["checksum/config"] != before["checksum/config"], change


def test_config_checksum_ignores_values_outside_the_configmap(chart) -> None:
    assert _checksums(chart, {"replicaCount": 3}) == _checksums(chart, {})


def test_secret_checksum_only_when_the_chart_owns_the_secret(chart) -> None:
    assert "checksum/secret" not in _checksums(chart, {})
    base = "ci-chart-created-secret"
    before = _checksums(chart, {}, base)["checksum/secret"]
    after = _checksums(chart, {"secret.values.SECRET_KEY": "another-fake-key"}, base)["checksum/secret"]
    assert before != after


# ---- migration hook -----------------------------------------------------------------------------


def test_migration_job_is_a_helm_hook(chart) -> None:
    job = chart.template(chart.values_file("env-prod")).one("Job")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,pre-upgrade"
    assert annotations["helm.sh/hook-weight"] == "0"
    # not hook-succeeded: the logs of a successful migration stay readable until the TTL
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    assert _container(chart, job)["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert job["spec"]["backoffLimit"] == 2
    assert job["spec"]["activeDeadlineSeconds"] == 600
    assert job["spec"]["ttlSecondsAfterFinished"] == 3600
    assert chart.pod_spec(job)["restartPolicy"] == "Never"


def test_migration_can_be_turned_off(chart) -> None:
    assert chart.template(chart.values_file("env-dev"), overrides={"migration.enabled": False}).of_kind("Job") == []


# ---- helm test pod ------------------------------------------------------------------------------


def test_helm_test_pod_checks_every_config_and_secret_key(chart, scenario) -> None:
    manifests = chart.template(scenario.values)
    pod = manifests.one("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    container = _container(chart, pod)
    assert container["command"] == ["python", "manage.py", "checkenv"]
    secret_keys = _values(chart.dir / "values.yaml")["secret"]["keys"]
    assert container["args"] == sorted(manifests.config_data) + secret_keys


def test_configmap_values_are_never_blank(chart, scenario) -> None:
    """checkenv counts a blank variable as missing: the chart must not render one."""
    assert all(value.strip() for value in chart.template(scenario.values).config_data.values())


def _run_checkenv(chart, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the test pod's command against the reference app here, as the image does from /app."""
    container = _container(chart, chart.template(chart.values_file("env-prod")).one("Pod"))
    command = [sys.executable if word == "python" else word for word in container["command"]]
    return subprocess.run(
        command + container["args"],
        env=env | {"PYTHONDONTWRITEBYTECODE": "1"},
        cwd=chart.repo_root / "app",
        capture_output=True,
        text=True,
        check=False,
    )


PROD_CONFIG = {
    "ALLOWED_HOSTS": "django.example.com",
    "DEBUG": "false",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "TRUST_X_FORWARDED_PROTO": "true",
    "WEB_CONCURRENCY": "2",
    "METRICS_PORT": "9000",
    "WEB__CROSS_ORIGIN__0": "https://www.example.com",
    "WEB__CROSS_ORIGIN__1": "https://admin.example.com",
}
FAKE_SECRETS = {"SECRET_KEY": "fake-secret-key-1234", "DATABASE_URL": "postgres://u:fake-pw-5678@db/x"}


def test_checkenv_passes_on_the_prod_environment_and_hides_values(chart) -> None:
    result = _run_checkenv(chart, PROD_CONFIG | FAKE_SECRETS)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in PROD_CONFIG | FAKE_SECRETS:
        assert f"{name}: OK" in result.stdout
    for value in FAKE_SECRETS.values():
        assert value not in result.stdout + result.stderr


@pytest.mark.parametrize("broken", ["DATABASE_URL", "WEB__CROSS_ORIGIN__0", "SECRET_KEY"])
@pytest.mark.parametrize("how", ["missing", "blank"])
def test_checkenv_fails_on_a_missing_or_blank_variable(chart, broken: str, how: str) -> None:
    env = {k: v for k, v in (PROD_CONFIG | FAKE_SECRETS).items() if k != broken}
    if how == "blank":
        env[broken] = ""
    result = _run_checkenv(chart, env)
    assert result.returncode == 1
    assert f"{broken}: MISSING" in result.stdout


# ---- pod hardening and placement --------------------------------------------------------------


def test_every_pod_is_hardened(chart, scenario) -> None:
    for obj in _pods(chart.template(scenario.values), ALL_POD_KINDS):
        spec = chart.pod_spec(obj)
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        context = _container(chart, obj)["securityContext"]
        assert context["runAsUser"] == 10001
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert {"name": "tmp", "mountPath": "/tmp"} in _container(chart, obj)["volumeMounts"]
        assert any(v["name"] == "tmp" and "emptyDir" in v for v in spec["volumes"])
        resources = _container(chart, obj)["resources"]
        assert {"cpu", "memory"} <= resources["requests"].keys() & resources["limits"].keys()


def test_no_pod_can_land_on_the_inference_node_group(chart, scenario) -> None:
    for obj in _pods(chart.template(scenario.values), ALL_POD_KINDS):
        spec = chart.pod_spec(obj)
        assert spec.get("nodeSelector", {}).get("node-group") != INFERENCE_GROUP
        assert "affinity" not in spec
        for toleration in spec.get("tolerations", []):
            assert toleration.get("key") not in (INFERENCE_TAINT_KEY, None, "")


@pytest.mark.parametrize("name", ["env-dev", "env-prod"])
def test_eks_pods_run_on_the_system_group(chart, name: str) -> None:
    for obj in _pods(chart.template(chart.values_file(name))):
        assert chart.pod_spec(obj)["nodeSelector"] == {"node-group": "system"}


def test_kind_pods_have_no_node_selector(chart) -> None:
    for obj in _pods(chart.template(chart.values_file("ci-kind"))):
        assert "nodeSelector" not in chart.pod_spec(obj)


def test_only_null_clears_the_default_node_selector(chart) -> None:
    """Helm merges maps: {} keeps node-group: system (pods Pending on kind); null removes it.

    This is the contract for callers such as components/django_app.py on the local stack.
    """
    dev = chart.values_file("env-dev")
    merged = chart.template(dev, overrides={"nodeSelector": {}}).one("Deployment")
    cleared = chart.template(dev, overrides={"nodeSelector": None}).one("Deployment")
    assert chart.pod_spec(merged)["nodeSelector"] == {"node-group": "system"}
    assert "nodeSelector" not in chart.pod_spec(cleared)


def test_app_pods_spread_across_zones(chart) -> None:
    deployment = chart.template(chart.values_file("env-prod")).one("Deployment")
    (constraint,) = chart.pod_spec(deployment)["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "topology.kubernetes.io/zone"
    assert constraint["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_probes_use_the_app_health_endpoints(chart) -> None:
    container = _container(chart, chart.template(chart.values_file("env-prod")).one("Deployment"))
    assert container["ports"] == [
        {"name": "http", "containerPort": 8000, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9000, "protocol": "TCP"},
    ]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}


def test_image_is_pinned(chart, scenario) -> None:
    values = _values(scenario.values)["image"]
    for obj in _pods(chart.template(scenario.values), ALL_POD_KINDS):
        image = _container(chart, obj)["image"]
        assert image.startswith(f"{values['repository']}:{values.get('tag', '0.1.0')}")
        assert not image.endswith(":latest")
    digest = _values(chart.values_file("ci-ingress-alb"))["image"]["digest"]
    deployment = chart.template(chart.values_file("ci-ingress-alb")).one("Deployment")
    assert _container(chart, deployment)["image"].endswith(f":0.1.0@{digest}")


# ---- rollout strategy, scaling, disruption ------------------------------------------------------


def test_rolling_update_keeps_full_capacity_by_default(chart) -> None:
    strategy = chart.template(chart.values_file("env-dev")).one("Deployment")["spec"]["strategy"]
    assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def test_recreate_strategy_has_no_rolling_settings(chart) -> None:
    strategy = chart.template(chart.values_file("ci-recreate-strategy")).one("Deployment")["spec"]["strategy"]
    assert strategy == {"type": "Recreate"}


def test_prod_scales_with_an_hpa_that_owns_replicas(chart) -> None:
    manifests = chart.template(chart.values_file("env-prod"))
    deployment, hpa = manifests.one("Deployment"), manifests.one("HorizontalPodAutoscaler")
    assert "replicas" not in deployment["spec"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "django"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    assert chart.template(chart.values_file("env-dev")).one("Deployment")["spec"]["replicas"] == 1


def test_service_and_pdb_select_only_the_app_pods(chart) -> None:
    manifests = chart.template(chart.values_file("env-prod"))
    selector = manifests.one("Deployment")["spec"]["selector"]["matchLabels"]
    assert manifests.one("Service")["spec"]["selector"] == selector
    assert manifests.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"] == selector
    assert selector.items() <= _pod_labels(manifests.one("Deployment")).items()
    for kind in ("Job", "Pod"):
        receives_traffic = selector.items() <= _pod_labels(manifests.one(kind)).items()
        assert not receives_traffic, f"the {kind} would be a Service endpoint"


# ---- exposure -------------------------------------------------------------------------------------


def test_node_port_scenario(chart) -> None:
    service = chart.template(chart.values_file("ci-nodeport")).one("Service")
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["ports"][0]["nodePort"] == 30080


def test_load_balancer_scenario_is_restricted(chart) -> None:
    service = chart.template(chart.values_file("ci-loadbalancer")).one("Service")
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24"]
    # the AWS Load Balancer Controller's class, named because it runs without its defaulting webhook
    assert service["spec"]["loadBalancerClass"] == "service.k8s.aws/nlb"
    assert service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] == "ip"


@pytest.mark.parametrize("env", ["env-dev", "env-prod"])
def test_the_aws_environments_name_the_nlb_class_for_a_load_balancer_service(chart, env: str) -> None:
    values = chart.values_file(env)
    assert yaml.safe_load(values.read_text())["service"]["loadBalancerClass"] == "service.k8s.aws/nlb"
    cluster_ip = chart.template(values).one("Service")
    assert cluster_ip["spec"]["type"] == "ClusterIP" and "loadBalancerClass" not in cluster_ip["spec"]


@pytest.mark.parametrize("name", ["env-prod", "ci-ingress-alb"])
def test_alb_ingress(chart, name: str) -> None:
    values = _values(chart.values_file(name))["ingress"]
    ingress = chart.template(chart.values_file(name)).one("Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/scheme"] == values["alb"]["scheme"]
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == values["tls"]["certificateArn"]
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP": 80}, {"HTTPS": 443}]'
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/healthz"
    assert "tls" not in ingress["spec"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [h["host"] for h in values["hosts"]]


def test_alb_without_certificate_listens_on_http_only(chart) -> None:
    overrides = {"ingress.tls.certificateArn": ""}
    ingress = chart.template(chart.values_file("env-prod"), overrides=overrides).one("Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP": 80}]'
    assert "alb.ingress.kubernetes.io/ssl-redirect" not in annotations


def test_user_annotations_extend_the_alb_ones(chart) -> None:
    ingress = chart.template(chart.values_file("ci-ingress-alb")).one("Ingress")
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "eks-platform"


def test_nginx_ingress_with_tls_secret(chart) -> None:
    manifests = chart.template(chart.values_file("ci-ingress-nginx-tls"))
    ingress = manifests.one("Ingress")
    hosts = ["django.example.com", "www.django.example.com"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"secretName": "django-example-com-tls", "hosts": hosts}]
    assert not any(k.startswith("alb.") for k in ingress["metadata"].get("annotations", {}))
    assert manifests.config_data["ALLOWED_HOSTS"] == ",".join(hosts)


def test_network_policy_admits_only_the_listed_sources(chart) -> None:
    prod = chart.template(chart.values_file("env-prod")).one("NetworkPolicy")["spec"]
    assert prod["policyTypes"] == ["Ingress"]
    rule, metrics = prod["ingress"]
    assert rule["from"] == [{"podSelector": {}}, {"ipBlock": {"cidr": "10.0.0.0/16"}}]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    # The metrics port: Prometheus's namespace alone, not the ALB's CIDR nor the namespace's pods.
    assert metrics == {
        "ports": [{"port": "metrics", "protocol": "TCP"}],
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
    }
    nginx = chart.template(chart.values_file("ci-ingress-nginx-tls")).one("NetworkPolicy")["spec"]
    controller = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    assert controller in nginx["ingress"][0]["from"]


def test_service_account_carries_the_irsa_role_and_no_token(chart) -> None:
    account = chart.template(chart.values_file("ci-ingress-alb")).one("ServiceAccount")
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/django-app"
    }
    assert account["automountServiceAccountToken"] is False
    assert "annotations" not in chart.template(chart.values_file("env-prod")).one("ServiceAccount")["metadata"]


def test_every_object_lands_in_the_release_namespace(chart, scenario) -> None:
    for doc in chart.template(scenario.values):
        assert doc["metadata"]["namespace"] == chart.namespace, doc["kind"]


def test_long_names_keep_their_suffix_within_63_characters(chart) -> None:
    manifests = chart.template(chart.values_file("env-dev"), overrides={"fullnameOverride": "x" * 63})
    for kind, suffix in (("Job", "-migrate"), ("Pod", "-test-env")):
        name = manifests.one(kind)["metadata"]["name"]
        assert len(name) <= 63 and name.endswith(suffix)


# ---- NOTES.txt ------------------------------------------------------------------------------------


def test_notes_tell_the_operator_what_to_do_next(chart, render_notes, scenario) -> None:
    notes = render_notes(scenario.values)
    if chart.strategy_type(scenario.values) in ("BlueGreen", "Canary"):
        assert "kubectl argo rollouts -n django get rollout django --watch" in notes
        for verb in ("promote", "abort", "undo"):
            assert f"kubectl argo rollouts -n django {verb} django" in notes
        assert "deployment/django" not in notes
    else:
        assert "kubectl -n django rollout status deployment/django" in notes
    assert "kubectl -n django port-forward svc/django 8080:80" in notes
    assert "helm test django -n django --logs" in notes
    assert "kubectl -n django logs -l app.kubernetes.io/instance=django,app.kubernetes.io/component=web" in notes


@pytest.mark.parametrize(
    "name, expected",
    [
        ("env-prod", "https://django.example.com/"),
        ("ci-nodeport", "NODE_PORT=$(kubectl -n django get svc django"),
        ("ci-loadbalancer", "open from 203.0.113.0/24 only"),
        ("ci-ingress-nginx-tls", "https://www.django.example.com/"),
    ],
)
def test_notes_show_how_to_reach_the_app(chart, render_notes, name: str, expected: str) -> None:
    assert expected in render_notes(chart.values_file(name))
