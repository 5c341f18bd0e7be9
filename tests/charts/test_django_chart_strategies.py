"""The four deployment strategies of charts/django (issue 11): RollingUpdate and Recreate run a
Deployment; BlueGreen and Canary run an Argo Rollouts Rollout with the same pods, a second Service
(preview or canary) and a smoke-test AnalysisTemplate.

Argo objects are validated against the CRDs of the argo-rollouts chart the platform installs
(conftest.validate_object), built-in kinds with kubernetes-validate, both strictly.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
import yaml

STRATEGIES = ("RollingUpdate", "Recreate", "BlueGreen", "Canary")
ARGO_STRATEGIES = ("BlueGreen", "Canary")
ENVIRONMENTS = ("env-dev", "env-prod", "env-local")
ROLLOUT_REF = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "django"}
DEPLOYMENT_REF = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "django"}
# What a dev render needs to route through an Ingress (dev has none of its own).
DEV_INGRESS = {
    "ingress.enabled": True,
    "ingress.className": "alb",
    "ingress.hosts": [{"host": "dev.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]}],
}


def _render(chart, name: str, strategy: str | None = None, **overrides: Any):
    """The scenario's render; `strategy` sets strategy.type over the file's other strategy keys."""
    if strategy:
        overrides["strategy.type"] = strategy
    return chart.template(chart.values_file(name), overrides=overrides)


def _service(manifests, name: str) -> dict[str, Any]:
    [service] = [s for s in manifests.of_kind("Service") if s["metadata"]["name"] == name]
    return service


def _smoke_container(manifests) -> dict[str, Any]:
    template = manifests.one("AnalysisTemplate")
    [metric] = template["spec"]["metrics"]
    [container] = metric["provider"]["job"]["spec"]["template"]["spec"]["containers"]
    return container


# ---- every strategy x every environment file renders valid objects ------------------------------


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_strategy_renders_valid_objects_for_every_environment(chart, env: str, strategy: str) -> None:
    manifests = chart.template(chart.values_file(env), overrides={"strategy.type": strategy})
    for doc in manifests:
        chart.validate(doc)
    kinds = {doc["kind"] for doc in manifests}
    if strategy in ARGO_STRATEGIES:
        assert {"Rollout", "AnalysisTemplate"} <= kinds and "Deployment" not in kinds
    else:
        assert "Deployment" in kinds and not {"Rollout", "AnalysisTemplate"} & kinds
        assert manifests.one("Deployment")["spec"]["strategy"]["type"] == strategy


@pytest.mark.parametrize("strategy", ARGO_STRATEGIES)
def test_argo_strategies_with_an_ingress_render_valid_objects(chart, strategy: str) -> None:
    """dev has no Ingress of its own: the preview host and the ALB routing need one."""
    for doc in _render(chart, "env-dev", strategy, **DEV_INGRESS):
        chart.validate(doc)


# ---- which workload, and what points at it ---------------------------------------------------------


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_deployment_exists_only_without_an_argo_strategy(chart, strategy: str) -> None:
    manifests = _render(chart, "env-prod", strategy)
    argo = strategy in ARGO_STRATEGIES
    assert len(manifests.of_kind("Deployment")) == (0 if argo else 1)
    assert len(manifests.of_kind("Rollout")) == (1 if argo else 0)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_hpa_scales_the_workload_of_the_strategy(chart, strategy: str) -> None:
    manifests = _render(chart, "env-prod", strategy)
    hpa = manifests.one("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == (ROLLOUT_REF if strategy in ARGO_STRATEGIES else DEPLOYMENT_REF)
    target = manifests.one(hpa["spec"]["scaleTargetRef"]["kind"])
    assert "replicas" not in target["spec"], "the HPA owns replicas"


@pytest.mark.parametrize("strategy", ARGO_STRATEGIES)
def test_the_rollout_runs_the_deployments_pods(chart, strategy: str) -> None:
    """Same pod template (envFrom, probes, hardening, placement, checksums) and selector; only the
    zone spread counts Argo's rollouts-pod-template-hash instead of the Deployment's pod-template-hash."""
    deployment = _render(chart, "env-prod", "RollingUpdate").one("Deployment")
    rollout = _render(chart, "env-prod", strategy).one("Rollout")
    assert rollout["spec"]["selector"] == deployment["spec"]["selector"]
    assert rollout["metadata"]["labels"] == deployment["metadata"]["labels"]
    expected = copy.deepcopy(deployment["spec"]["template"])
    [spread] = expected["spec"]["topologySpreadConstraints"]
    assert spread["matchLabelKeys"] == ["pod-template-hash"]
    spread["matchLabelKeys"] = ["rollouts-pod-template-hash"]
    actual = copy.deepcopy(rollout["spec"]["template"])
    # BlueGreen adds the preview host to ALLOWED_HOSTS, so the ConfigMap (and its checksum) differ.
    for template in (expected, actual):
        assert len(template["metadata"]["annotations"].pop("checksum/config")) == 64
    assert actual == expected
    assert rollout["spec"]["revisionHistoryLimit"] == deployment["spec"]["revisionHistoryLimit"]


@pytest.mark.parametrize("strategy", ARGO_STRATEGIES)
def test_replicas_without_an_hpa(chart, strategy: str) -> None:
    assert _render(chart, "env-dev", strategy).one("Rollout")["spec"]["replicas"] == 1


@pytest.mark.parametrize("strategy", ARGO_STRATEGIES)
def test_pdb_and_network_policy_cover_every_pod_the_services_select(chart, strategy: str) -> None:
    manifests = _render(chart, "env-prod", strategy)
    pod_labels = manifests.one("Rollout")["spec"]["template"]["metadata"]["labels"]
    pdb = manifests.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    policy = manifests.one("NetworkPolicy")["spec"]["podSelector"]["matchLabels"]
    assert pdb.items() <= pod_labels.items()
    assert policy.items() <= pod_labels.items()
    services = manifests.of_kind("Service")
    assert {s["metadata"]["name"] for s in services} == {
        "django",
        "django-preview" if strategy == "BlueGreen" else "django-canary",
    }
    for service in services:
        # Argo adds rollouts-pod-template-hash itself; the chart's selector is the web selector.
        assert service["spec"]["selector"] == manifests.one("Rollout")["spec"]["selector"]["matchLabels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        assert policy.items() <= service["spec"]["selector"].items()


def test_the_second_service_is_cluster_internal_whatever_the_main_one_is(chart) -> None:
    manifests = _render(chart, "ci-loadbalancer", "BlueGreen")
    assert _service(manifests, "django")["spec"]["type"] == "LoadBalancer"
    preview = _service(manifests, "django-preview")["spec"]
    assert preview["type"] == "ClusterIP" and "loadBalancerSourceRanges" not in preview
    assert preview["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


@pytest.mark.parametrize("strategy", ARGO_STRATEGIES)
def test_the_migration_hook_and_the_helm_test_are_unchanged(chart, strategy: str) -> None:
    before = _render(chart, "env-prod", "RollingUpdate")
    after = _render(chart, "env-prod", strategy)
    assert after.one("Job") == before.one("Job")
    assert after.one("Job")["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    assert after.one("Pod") == before.one("Pod")


# ---- BlueGreen ---------------------------------------------------------------------------------------


def test_blue_green_switches_the_chart_service_and_previews_on_its_own(chart) -> None:
    blue_green = _render(chart, "ci-bluegreen").one("Rollout")["spec"]["strategy"]["blueGreen"]
    assert blue_green == {
        "activeService": "django",
        "previewService": "django-preview",
        "autoPromotionEnabled": False,
        "scaleDownDelaySeconds": 60,
        "prePromotionAnalysis": {
            "templates": [{"templateName": "django-smoke"}],
            "args": [{"name": "service-name", "value": "django-preview"}],
        },
    }


def test_prod_promotes_by_hand_and_dev_by_itself(chart) -> None:
    """The environment files' presets, kept when the stack only chooses the type."""
    prod = _render(chart, "env-prod", "BlueGreen").one("Rollout")["spec"]["strategy"]["blueGreen"]
    assert prod["autoPromotionEnabled"] is False and "autoPromotionSeconds" not in prod
    for env in ("env-dev", "env-local"):
        dev = _render(chart, env, "BlueGreen").one("Rollout")["spec"]["strategy"]["blueGreen"]
        assert (dev["autoPromotionEnabled"], dev["autoPromotionSeconds"]) == (True, 30)
        assert dev["scaleDownDelaySeconds"] == 30


@pytest.mark.parametrize(
    "name, overrides, preview_host",
    [
        ("ci-bluegreen", {}, "preview.django.example.com"),
        # no previewHost: preview.<first ingress host>
        ("env-prod", {"strategy.type": "BlueGreen"}, "preview.django.example.com"),
        ("env-prod", {"strategy.type": "BlueGreen", "strategy.blueGreen.previewHost": "next.example.com"}, "next.example.com"),
    ],
)  # fmt: skip
def test_the_preview_host_routes_to_the_preview_service(chart, name: str, overrides, preview_host: str) -> None:
    """On an Ingress (and, with class alb, an ALB) of its own: internal, with a certificate of its own."""
    manifests = chart.template(chart.values_file(name), overrides=overrides)
    ingresses = {i["metadata"]["name"]: i for i in manifests.of_kind("Ingress")}
    assert set(ingresses) == {"django", "django-preview"}
    live = {rule["host"] for rule in ingresses["django"]["spec"]["rules"]}
    assert live == {"django.example.com"}  # the live ALB serves no preview host
    [rule] = ingresses["django-preview"]["spec"]["rules"]
    assert rule["host"] == preview_host
    assert [p["backend"] for p in rule["http"]["paths"]] == [
        {"service": {"name": "django-preview", "port": {"name": "http"}}}
    ]
    assert _service(manifests, "django-preview")["spec"]["ports"][0]["name"] == "http"
    live_annotations = ingresses["django"]["metadata"]["annotations"]
    annotations = ingresses["django-preview"]["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert annotations["alb.ingress.kubernetes.io/ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    certificate = annotations["alb.ingress.kubernetes.io/certificate-arn"]
    assert certificate.endswith("/11111111-1111-1111-1111-111111111111")
    assert certificate != live_annotations["alb.ingress.kubernetes.io/certificate-arn"]
    assert preview_host in manifests.config_data["ALLOWED_HOSTS"].split(",")


def test_an_https_alb_preview_without_a_certificate_of_its_own_is_refused(chart) -> None:
    error = chart.template_error(
        chart.values_file("env-prod"),
        overrides={"strategy.type": "BlueGreen", "strategy.blueGreen.previewIngress.certificateArn": ""},
    )
    assert (
        'strategy.blueGreen.previewIngress.certificateArn: required: the preview host "preview.django.example.com"'
        in error
    )


def test_the_nginx_preview_uses_the_tls_secret_for_its_own_host(chart) -> None:
    manifests = _render(chart, "ci-ingress-nginx-tls", "BlueGreen")
    ingresses = {i["metadata"]["name"]: i for i in manifests.of_kind("Ingress")}
    assert ingresses["django"]["spec"]["tls"][0]["hosts"] == ["django.example.com", "www.django.example.com"]
    assert ingresses["django-preview"]["spec"]["tls"] == [
        {"secretName": ingresses["django"]["spec"]["tls"][0]["secretName"], "hosts": ["preview.django.example.com"]}
    ]
    assert "annotations" not in ingresses["django-preview"]["metadata"]  # nothing ALB-specific


def test_no_preview_host_without_an_ingress(chart) -> None:
    manifests = _render(chart, "env-dev", "BlueGreen")
    assert manifests.of_kind("Ingress") == []
    assert "preview" not in manifests.config_data["ALLOWED_HOSTS"]


# ---- Canary ------------------------------------------------------------------------------------------


def test_canary_default_steps_and_services(chart) -> None:
    canary = _render(chart, "ci-canary-alb").one("Rollout")["spec"]["strategy"]["canary"]
    assert (canary["canaryService"], canary["stableService"]) == ("django-canary", "django")
    assert canary["steps"] == [
        {"setWeight": 10},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {"duration": "5m"}},
        {"setWeight": 100},
    ]


def test_canary_steps_come_from_the_values(chart) -> None:
    path = chart.values_file("ci-canary")
    steps = chart.template(path).one("Rollout")["spec"]["strategy"]["canary"]["steps"]
    assert steps == yaml.safe_load(path.read_text())["strategy"]["canary"]["steps"]


def test_alb_traffic_routing_sends_the_ingress_through_the_root_service(chart) -> None:
    """Argo's ALB docs: the Ingress backend is rootService with port use-annotation; Argo writes the
    alb.ingress.kubernetes.io/actions.<rootService> annotation that splits traffic by weight."""
    manifests = _render(chart, "ci-canary-alb")
    canary = manifests.one("Rollout")["spec"]["strategy"]["canary"]
    assert canary["trafficRouting"] == {"alb": {"ingress": "django", "servicePort": 80, "rootService": "django"}}
    ingress = manifests.one("Ingress")
    assert ingress["metadata"]["name"] == canary["trafficRouting"]["alb"]["ingress"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"] == {"name": canary["stableService"], "port": {"name": "use-annotation"}}
    assert _service(manifests, "django")["spec"]["ports"][0]["port"] == canary["trafficRouting"]["alb"]["servicePort"]


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("ci-canary", {}),  # no Ingress
        ("env-local", {"strategy.type": "Canary"}),
        ("ci-ingress-nginx-tls", {"strategy.type": "Canary"}),  # an Ingress, but not an ALB
    ],
)
def test_without_an_alb_the_canary_weight_is_a_share_of_pods(chart, name: str, overrides) -> None:
    manifests = chart.template(chart.values_file(name), overrides=overrides)
    assert "trafficRouting" not in manifests.one("Rollout")["spec"]["strategy"]["canary"]
    for ingress in manifests.of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            assert {p["backend"]["service"]["port"]["name"] for p in rule["http"]["paths"]} == {"http"}


@pytest.mark.parametrize(
    "steps, start",
    [
        ([{"setWeight": 20}, {"pause": {}}, {"setWeight": 100}], 1),
        ([{"pause": {"duration": 60}}, {"setWeight": 0}, {"setWeight": 25}, {"pause": {}}], 3),
        ([{"pause": {}}, {"setWeight": 100}], 1),  # never past the last step
    ],
)
def test_the_canary_analysis_starts_once_canary_pods_exist(chart, steps, start: int) -> None:
    canary = _render(chart, "ci-canary", **{"strategy.canary.steps": steps}).one("Rollout")["spec"]["strategy"]
    assert canary["canary"]["analysis"]["startingStep"] == start


# ---- the smoke test ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, analysis_path, service",
    [
        ("ci-bluegreen", ("blueGreen", "prePromotionAnalysis"), "django-preview"),
        ("ci-canary-alb", ("canary", "analysis"), "django-canary"),
        ("ci-canary", ("canary", "analysis"), "django-canary"),
    ],
)
def test_the_analysis_calls_healthz_of_the_new_version_in_the_app_image(chart, name, analysis_path, service) -> None:
    manifests = chart.template(chart.values_file(name))
    strategy = manifests.one("Rollout")["spec"]["strategy"]
    analysis = strategy[analysis_path[0]][analysis_path[1]]
    template = manifests.one("AnalysisTemplate")
    assert analysis["templates"] == [{"templateName": template["metadata"]["name"]}]
    assert analysis["args"] == [{"name": "service-name", "value": service}]
    assert [arg["name"] for arg in template["spec"]["args"]] == ["service-name"]
    assert _service(manifests, service)["spec"]["ports"][0]["port"] == 80
    container = _smoke_container(manifests)
    app = manifests.one("Rollout")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == app["image"]
    assert container["command"][:2] == ["python", "-c"]
    assert container["command"][-1] == "http://{{args.service-name}}.django.svc:80/healthz"
    assert "urlopen" in container["command"][2]
    # one metric; failures past failureLimit fail the analysis, which aborts the rollout
    [metric] = template["spec"]["metrics"]
    assert (metric["count"], metric["interval"], metric["failureLimit"]) == (3, "30s", 1)
    assert metric["provider"]["job"]["spec"]["backoffLimit"] == 0


def test_the_smoke_test_pod_is_hardened_and_placed_like_the_app(chart) -> None:
    manifests = _render(chart, "env-prod", "Canary")
    template = manifests.one("AnalysisTemplate")
    job_pod = chart.pod_spec(template)
    app_pod = chart.pod_spec(manifests.one("Rollout"))
    for key in (
        "serviceAccountName",
        "automountServiceAccountToken",
        "enableServiceLinks",
        "securityContext",
        "nodeSelector",
    ):
        assert job_pod[key] == app_pod[key], key
    assert job_pod["restartPolicy"] == "Never"
    container = _smoke_container(manifests)
    assert container["securityContext"] == app_pod["containers"][0]["securityContext"]
    assert container["resources"] == {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"cpu": "100m", "memory": "128Mi"},
    }
    assert "envFrom" not in container
    # not a Service endpoint: the analysis pods do not carry the web component label
    labels = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "analysis"


# ---- refusals ------------------------------------------------------------------------------------------

# (overrides on top of environments/values.dev.yaml, text the error must contain)
TEMPLATE_REFUSALS = {
    "canary-steps-under-blue-green": (
        {"strategy.type": "BlueGreen", "strategy.canary.steps": [{"setWeight": 10}]},
        "strategy.canary.steps: only used when strategy.type is Canary, but strategy.type is BlueGreen; "
        "remove it or set strategy.type=Canary",
    ),
    "canary-steps-under-rolling-update": (
        {"strategy.canary.steps": [{"setWeight": 10}]},
        "strategy.canary.steps: only used when strategy.type is Canary, but strategy.type is RollingUpdate",
    ),
    "preview-host-under-canary": (
        {"strategy.type": "Canary", "strategy.blueGreen.previewHost": "preview.example.com"},
        "strategy.blueGreen.previewHost: only used when strategy.type is BlueGreen, but strategy.type is Canary",
    ),
    "preview-host-without-ingress": (
        {"strategy.type": "BlueGreen", "strategy.blueGreen.previewHost": "preview.example.com"},
        'strategy.blueGreen.previewHost: "preview.example.com" needs ingress.enabled=true',
    ),
    "preview-host-is-a-live-host": (
        {**DEV_INGRESS, "strategy.type": "BlueGreen", "strategy.blueGreen.previewHost": "dev.example.com"},
        'strategy.blueGreen.previewHost: "dev.example.com" is also in ingress.hosts',
    ),
    "auto-promotion-seconds-without-auto-promotion": (
        {"strategy.type": "BlueGreen", "strategy.blueGreen.autoPromotionEnabled": False},
        "strategy.blueGreen.autoPromotionSeconds: 30 is only used when strategy.blueGreen.autoPromotionEnabled is true",
    ),
    "canary-that-never-gets-traffic": (
        {"strategy.type": "Canary", "strategy.canary.steps": [{"setWeight": 0}, {"pause": {}}]},
        "strategy.canary.steps: list at least one setWeight step above 0",
    ),
}


@pytest.mark.parametrize("overrides, message", TEMPLATE_REFUSALS.values(), ids=TEMPLATE_REFUSALS.keys())
def test_chart_refuses(chart, overrides: dict[str, Any], message: str) -> None:
    assert message in chart.template_error(chart.values_file("env-dev"), overrides=overrides)


SCHEMA_REFUSALS = {
    "unknown-type": (
        {"strategy.type": "Shadow"},
        'strategy.type: strategy.type must be one of the following: "RollingUpdate", "Recreate", "BlueGreen", "Canary"',
    ),
    "weight-above-100": (
        {"strategy.type": "Canary", "strategy.canary.steps": [{"setWeight": 150}]},
        "strategy.canary.steps.0: Must validate one and only one schema (oneOf)",
    ),
    "step-of-two-kinds": (
        {"strategy.type": "Canary", "strategy.canary.steps": [{"setWeight": 10, "pause": {}}]},
        "strategy.canary.steps.0: Must validate one and only one schema (oneOf)",
    ),
    "malformed-pause": (
        {"strategy.type": "Canary", "strategy.canary.steps": [{"pause": {"duration": "five minutes"}}]},
        "strategy.canary.steps.0: Must validate one and only one schema (oneOf)",
    ),
    "argo-field-the-chart-sets": (
        {"strategy.type": "BlueGreen", "strategy.blueGreen.activeService": "other"},
        "strategy.blueGreen: Additional property activeService is not allowed",
    ),
    "negative-scale-down-delay": (
        {"strategy.blueGreen.scaleDownDelaySeconds": -1},
        "strategy.blueGreen.scaleDownDelaySeconds: Must be greater than or equal to 0",
    ),
    "malformed-analysis-interval": (
        {"strategy.analysis.interval": "often"},
        "strategy.analysis.interval: Does not match pattern",
    ),
}


@pytest.mark.parametrize("overrides, message", SCHEMA_REFUSALS.values(), ids=SCHEMA_REFUSALS.keys())
def test_schema_refuses(chart, overrides: dict[str, Any], message: str) -> None:
    error = chart.template_error(chart.values_file("env-dev"), overrides=overrides)
    assert "values don't meet the specifications of the schema" in error
    assert message in error


def test_presets_of_another_strategy_are_not_refused(chart) -> None:
    """dev presets strategy.blueGreen's promotion for every type: choosing Canary must still render."""
    rollout = _render(chart, "env-dev", "Canary").one("Rollout")
    assert "blueGreen" not in rollout["spec"]["strategy"]


# ---- the validator the scenario tests rely on -----------------------------------------------------------


def test_crd_validation_rejects_an_unknown_field(chart) -> None:
    """Guards the guard: were the CRD validation lax, the Argo renders would prove nothing."""
    rollout = copy.deepcopy(_render(chart, "ci-canary-alb").one("Rollout"))
    rollout["spec"]["strategy"]["canary"]["trafficRouting"]["alb"]["rootSevrice"] = "django"
    with pytest.raises(jsonschema.ValidationError, match="rootSevrice"):
        chart.validate(rollout)


def test_crd_validation_checks_types_and_int_or_string(chart) -> None:
    rollout = copy.deepcopy(_render(chart, "ci-canary").one("Rollout"))
    rollout["spec"]["strategy"]["canary"]["steps"] = [{"pause": {"duration": 300}}, {"pause": {"duration": "5m"}}]
    chart.validate(rollout)
    rollout["spec"]["strategy"]["canary"]["steps"] = [{"setWeight": "ten"}]
    with pytest.raises(jsonschema.ValidationError, match="'ten' is not of type 'integer'"):
        chart.validate(rollout)


def test_the_embedded_pod_template_is_validated_as_kubernetes(chart) -> None:
    template = copy.deepcopy(_render(chart, "ci-bluegreen").one("AnalysisTemplate"))
    chart.pod_spec(template)["containers"][0]["envFromm"] = []
    with pytest.raises(Exception, match="envFromm"):
        chart.validate(template)


def test_an_argo_kind_without_a_crd_is_never_skipped(chart) -> None:
    with pytest.raises(LookupError, match="no CRD"):
        chart.validate({"apiVersion": "argoproj.io/v1alpha1", "kind": "Canary", "metadata": {}, "spec": {}})
