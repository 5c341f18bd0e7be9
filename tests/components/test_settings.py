"""The settings model refuses bad stack config with one error naming key, value and what is allowed."""

from __future__ import annotations

import copy
import re
from typing import Any

import pulumi
import pytest

from components.settings import SECRETS, ConfigError, load_settings
from offline.runner import ProgramError, run_program, stack_config

ALL_SECRETS = frozenset(SECRETS)


def refuse(raw: dict[str, Any], *, secrets: frozenset[str] = ALL_SECRETS, stack: str = "dev") -> str:
    """The ConfigError message for `raw`; fails the test if the config is accepted."""
    with pytest.raises(ConfigError) as caught:
        load_settings(raw, stack=stack, secrets_present=secrets)
    return str(caught.value)


def inference(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["nodeGroups"]["PROTO-INFERENCE-NG"]


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_committed_stack_files_are_valid(stack: str) -> None:
    settings = load_settings(stack_config(stack), stack=stack, secrets_present=ALL_SECRETS)
    assert settings.environment == stack


def test_unknown_environment_names_the_allowed_ones(dev_config: dict[str, Any]) -> None:
    dev_config["environment"] = "staging"
    message = refuse(dev_config)
    assert "eks-platform:environment = 'staging'" in message
    assert "'dev', 'prod' or 'local'" in message


def test_min_size_above_max_size(dev_config: dict[str, Any]) -> None:
    inference(dev_config).update(minSize=5, desiredSize=5, maxSize=4)
    message = refuse(dev_config)
    assert "eks-platform:nodeGroups.PROTO-INFERENCE-NG.minSize = 5" in message
    assert "must be <= maxSize (4)" in message


@pytest.mark.parametrize("desired", [0, 9])
def test_desired_size_outside_min_max(dev_config: dict[str, Any], desired: int) -> None:
    dev_config["nodeGroups"]["system"].update(minSize=1, desiredSize=desired, maxSize=3)
    message = refuse(dev_config)
    assert f"eks-platform:nodeGroups.system.desiredSize = {desired}" in message
    assert "[minSize, maxSize] = [1, 3]" in message


def test_taint_effect_must_be_a_kubernetes_effect(dev_config: dict[str, Any]) -> None:
    inference(dev_config)["taints"][0]["effect"] = "NoScheduleEver"
    message = refuse(dev_config)
    assert "eks-platform:nodeGroups.PROTO-INFERENCE-NG.taints[0].effect = 'NoScheduleEver'" in message
    assert "'NoSchedule', 'PreferNoSchedule' or 'NoExecute'" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [("vpcCidr", "10.0.0.1/16"), ("vpcCidr", "10.0.0.0/33"), ("vpcCidr", "not-a-cidr")],
)
def test_invalid_vpc_cidr(dev_config: dict[str, Any], key: str, value: str) -> None:
    dev_config[key] = value
    message = refuse(dev_config)
    assert f"eks-platform:vpcCidr = {value!r}" in message
    assert "IPv4 CIDR block" in message


def test_invalid_public_access_cidr(dev_config: dict[str, Any]) -> None:
    dev_config["publicAccessCidrs"] = ["10.0.0.0/8", "300.1.1.0/24"]
    message = refuse(dev_config)
    assert "eks-platform:publicAccessCidrs[1] = '300.1.1.0/24'" in message


def test_vpc_too_small_for_the_subnet_plan(dev_config: dict[str, Any]) -> None:
    dev_config["vpcCidr"] = "10.0.0.0/24"
    assert "prefix length from /16 to /20" in refuse(dev_config)


def test_unsupported_kubernetes_version(dev_config: dict[str, Any]) -> None:
    dev_config["kubernetesVersion"] = "1.29"
    message = refuse(dev_config)
    assert "eks-platform:kubernetesVersion = '1.29'" in message
    assert "'1.33', '1.34' or '1.35'" in message


def test_aws_stack_needs_the_inference_node_group(dev_config: dict[str, Any]) -> None:
    del dev_config["nodeGroups"]["PROTO-INFERENCE-NG"]
    message = refuse(dev_config)
    assert "eks-platform:nodeGroups = ['system']" in message
    assert "needs the PROTO-INFERENCE-NG node group" in message


def test_inference_group_must_be_tainted(dev_config: dict[str, Any]) -> None:
    inference(dev_config)["taints"] = []
    message = refuse(dev_config)
    assert "eks-platform:nodeGroups.PROTO-INFERENCE-NG.taints = []" in message
    assert "NoSchedule or NoExecute taint" in message


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_required_secret_missing(dev_config: dict[str, Any], missing: str) -> None:
    if missing.startswith("argoSso"):  # only needed when the Argo server uses SSO
        dev_config["argo"].update(authMode="sso", ssoIssuer="https://sso.example.com")
    if missing == "djangoDatabaseUrl":  # only needed for a database the stack does not create
        dev_config["database"] = {"enabled": False}
    if missing == "alertmanagerSlackWebhookUrl":  # only needed with a Slack receiver
        dev_config["monitoring"] = {"alertmanager": {"slackChannel": "#platform-alerts"}}
    message = refuse(dev_config, secrets=ALL_SECRETS - {missing})
    assert f"eks-platform:{missing} = None" in message
    assert f"pulumi config set --secret {missing}" in message


def test_prod_refuses_an_api_endpoint_open_to_the_internet() -> None:
    raw = copy.deepcopy(stack_config("prod"))
    raw["publicAccessCidrs"] = ["0.0.0.0/0"]
    message = refuse(raw, stack="prod")
    assert "eks-platform:publicAccessCidrs[0] = '0.0.0.0/0'" in message
    assert "prod must not open the API endpoint" in message


def test_dev_may_open_the_api_endpoint(dev_config: dict[str, Any]) -> None:
    assert dev_config["publicAccessCidrs"] == ["0.0.0.0/0"]
    load_settings(dev_config, stack="dev", secrets_present=ALL_SECRETS)


def test_prod_needs_three_zones() -> None:
    raw = copy.deepcopy(stack_config("prod"))
    raw["availabilityZones"] = ["ap-northeast-2a", "ap-northeast-2b"]
    assert "at least 3 zones in prod" in refuse(raw, stack="prod")


def test_zone_outside_the_region(dev_config: dict[str, Any]) -> None:
    dev_config["availabilityZones"] = ["ap-northeast-2a", "us-east-1a"]
    assert "eks-platform:availabilityZones[1] = 'us-east-1a'" in refuse(dev_config)


def test_local_environment_cannot_create_a_cluster() -> None:
    raw = {**stack_config("local"), "createCluster": True}
    message = refuse(raw, stack="local")
    assert "eks-platform:createCluster = True" in message


def test_existing_cluster_needs_exactly_one_target() -> None:
    raw = {**stack_config("local"), "existingCluster": {"kubeconfigContext": "kind-x", "eksClusterName": "x"}}
    assert "set exactly one of kubeconfigContext or eksClusterName" in refuse(raw, stack="local")


def test_unknown_keys_are_refused_with_their_name(dev_config: dict[str, Any]) -> None:
    inference(dev_config)["minsize"] = 1
    message = refuse(dev_config)
    assert "eks-platform:nodeGroups.PROTO-INFERENCE-NG.minsize = 1: unknown key" in message
    assert "unknown key" in refuse({**dev_config, "clusterNmae": "x"})


def test_bad_admin_role_arn(dev_config: dict[str, Any]) -> None:
    dev_config["adminRoleArns"] = ["arn:aws:iam::123:user/alice"]
    assert "eks-platform:adminRoleArns[0] = 'arn:aws:iam::123:user/alice'" in refuse(dev_config)


def test_every_problem_is_reported_at_once(dev_config: dict[str, Any]) -> None:
    dev_config.update(kubernetesVersion="1.20", vpcCidr="nope")
    message = refuse(dev_config)
    assert re.search(r"\(2 problem\(s\)\)", message)


def test_bad_config_creates_nothing(dev_config: dict[str, Any]) -> None:
    inference(dev_config)["taints"][0]["effect"] = "Sometimes"
    with pytest.raises(ProgramError, match=r"taints\[0\]\.effect = 'Sometimes'") as caught:
        run_program("dev", dev_config)
    assert isinstance(caught.value.error, pulumi.RunError)  # printed without a traceback
    assert caught.value.records == []  # not even a provider was registered


def test_every_missing_secret_is_reported_at_once(dev_config: dict[str, Any]) -> None:
    """The SSO secrets default to "" (the CLI needs a default): the program reports both, once."""
    dev_config["argo"].update(authMode="sso", ssoIssuer="https://sso.example.com")
    with pytest.raises(ProgramError) as caught:
        run_program("dev", dev_config, secrets={"argoSsoClientId": "", "argoSsoClientSecret": ""})
    message = str(caught.value)
    assert "(2 problem(s))" in message
    assert "pulumi config set --secret argoSsoClientId" in message
    assert "pulumi config set --secret argoSsoClientSecret" in message
    assert caught.value.records == []


def test_secrets_of_disabled_features_are_not_required(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["enabled"] = False
    dev_config["database"] = {"enabled": False}
    dev_config["monitoring"] = {"enabled": False}
    settings = load_settings(dev_config, stack="dev", secrets_present=frozenset())
    assert settings.required_secrets == ()


# ---- Monitoring -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("monitoring", "expected"),
    [
        ({"retention": "2 weeks"}, "eks-platform:monitoring.retention = '2 weeks'"),
        ({"storageSize": "50G"}, "eks-platform:monitoring.storageSize = '50G': a volume size in Gi"),
        ({"retentionSize": "40"}, "eks-platform:monitoring.retentionSize = '40': a Prometheus size such as 40GB"),
        ({"prometheusReplicas": 5}, "eks-platform:monitoring.prometheusReplicas = 5"),
        ({"alertmanager": {"slackChannel": "alerts"}}, "eks-platform:monitoring.alertmanager.slackChannel = 'alerts'"),
    ],
)
def test_bad_monitoring_values_are_refused_by_key(dev_config: dict[str, Any], monitoring: dict, expected: str) -> None:
    dev_config["monitoring"] = monitoring
    assert expected in refuse(dev_config)


def test_retention_size_must_fit_its_volume(dev_config: dict[str, Any]) -> None:
    dev_config["monitoring"] = {"storageSize": "50Gi", "retentionSize": "50GB"}
    message = refuse(dev_config)
    assert "eks-platform:monitoring.retentionSize = '50GB': less than the volume (50Gi)" in message
    dev_config["monitoring"]["retentionSize"] = "45GB"
    load_settings(dev_config, stack="dev", secrets_present=ALL_SECRETS)


def test_grafana_ingress_needs_an_aws_stack_with_the_load_balancer_controller() -> None:
    raw = copy.deepcopy(stack_config("local"))
    raw["monitoring"] = {"grafanaIngressHost": "grafana.internal.example.com"}
    message = refuse(raw, stack="local")
    assert "eks-platform:monitoring.grafanaIngressHost = 'grafana.internal.example.com'" in message


def test_a_slack_channel_needs_alertmanager(dev_config: dict[str, Any]) -> None:
    dev_config["monitoring"] = {"alertmanager": {"enabled": False, "slackChannel": "#ops"}}
    assert "eks-platform:monitoring.alertmanager.slackChannel = '#ops': '' while Alertmanager is off" in refuse(
        dev_config
    )


def test_malformed_monitoring_secrets_are_named_never_shown() -> None:
    from components.settings.monitoring import MonitoringSettings, secret_problems

    settings = MonitoringSettings.model_validate({"alertmanager": {"slackChannel": "#ops"}})
    given = {"grafanaAdminPassword": "short-pw", "alertmanagerSlackWebhookUrl": "http://example.com/hook"}
    problems = secret_problems(given.get, settings)
    assert problems == [
        ("grafanaAdminPassword", "at least 12 characters"),
        ("alertmanagerSlackWebhookUrl", "a Slack incoming-webhook URL, https://hooks.slack.com/services/..."),
    ]
    assert "short-pw" not in str(problems)
    fine = {"grafanaAdminPassword": "x" * 12, "alertmanagerSlackWebhookUrl": "https://hooks.slack.com/services/T/B/x"}
    assert secret_problems(fine.get, settings) == []


# ---- Argo Workflows ------------------------------------------------------------------------


def test_argo_on_an_aws_stack_needs_the_inference_group(dev_config: dict[str, Any]) -> None:
    del dev_config["nodeGroups"]["PROTO-INFERENCE-NG"]
    assert dev_config["argo"].get("enabled", True)
    assert "Argo Workflows and inference pods run only there" in refuse(dev_config)


def test_argo_pinned_to_an_inference_group_that_may_scale_to_zero(dev_config: dict[str, Any]) -> None:
    inference(dev_config).update(minSize=0, desiredSize=0)
    message = refuse(dev_config)
    assert "eks-platform:nodeGroups.PROTO-INFERENCE-NG.minSize = 0" in message
    assert "Argo's controller and server are pinned" in message
    dev_config["argo"]["enabled"] = False  # without Argo, scale-to-zero is fine
    load_settings(dev_config, stack="dev", secrets_present=ALL_SECRETS)


def test_argo_auth_mode_must_be_client_or_sso(dev_config: dict[str, Any]) -> None:
    dev_config["argo"]["authMode"] = "server"
    message = refuse(dev_config)
    assert "eks-platform:argo.authMode = 'server'" in message
    assert "'client' or 'sso'" in message


@pytest.mark.parametrize("value", [0, -3])
def test_argo_parallelism_must_be_positive(dev_config: dict[str, Any], value: int) -> None:
    dev_config["argo"]["controller"]["parallelism"] = value
    message = refuse(dev_config)
    assert f"eks-platform:argo.controller.parallelism = {value}" in message
    assert "greater than 0" in message


def test_sso_needs_an_issuer(dev_config: dict[str, Any]) -> None:
    dev_config["argo"]["authMode"] = "sso"
    assert "eks-platform:argo.ssoIssuer = ''" in refuse(dev_config)


# ---- Django ------------------------------------------------------------------------------


def test_django_image_tag_latest_is_refused(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["imageTag"] = "latest"
    assert "eks-platform:django.imageTag = 'latest'" in refuse(dev_config)


def test_django_without_aws_needs_an_image_repository() -> None:
    raw = copy.deepcopy(stack_config("local"))
    raw["django"]["imageRepository"] = ""
    assert "eks-platform:django.imageRepository = ''" in refuse(raw, stack="local")


# ---- first real deploy (issue 9) ---------------------------------------------------------


def test_a_public_django_ingress_needs_a_certificate() -> None:
    """prod redirected every request to an HTTPS listener that did not exist."""
    raw = copy.deepcopy(stack_config("prod"))
    del raw["django"]["certificateArn"]
    message = refuse(raw, stack="prod")
    assert "eks-platform:django.certificateArn = ''" in message
    assert "internet-facing ALB, which must terminate HTTPS" in message


def test_a_certificate_must_be_an_acm_arn(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["certificateArn"] = "arn:aws:iam::123456789012:server-certificate/x"
    message = refuse(dev_config)
    assert "eks-platform:django.certificateArn = 'arn:aws:iam::123456789012:server-certificate/x'" in message
    assert "an ACM certificate ARN" in message


def test_no_certificate_needed_without_a_public_ingress(dev_config: dict[str, Any]) -> None:
    del dev_config["django"]["certificateArn"]
    dev_config["django"]["hosts"] = []
    assert load_settings(dev_config, stack="dev", secrets_present=ALL_SECRETS).django.certificate_arn == ""


def test_a_sentry_dsn_must_look_like_one(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["sentryDsn"] = "sentry.example.com"
    message = refuse(dev_config)
    assert "eks-platform:django.sentryDsn = 'sentry.example.com'" in message
    assert "a Sentry DSN" in message


def test_the_in_cluster_database_is_local_only(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["inClusterDatabase"] = True
    message = refuse(dev_config)
    assert "eks-platform:django.inClusterDatabase = True" in message
    assert "managed database" in message


def test_viewer_roles_must_be_role_arns(dev_config: dict[str, Any]) -> None:
    dev_config["viewerRoleArns"] = ["arn:aws:iam::123456789012:user/ci"]
    message = refuse(dev_config)
    assert "eks-platform:viewerRoleArns[0] = 'arn:aws:iam::123456789012:user/ci'" in message


def test_empty_object_defaults_mean_not_set(dev_config: dict[str, Any]) -> None:
    """Pulumi.yaml's `default: {}` reaches the program for existingCluster and existingVpc."""
    settings = load_settings(
        {**dev_config, "existingCluster": {}, "existingVpc": {}}, stack="dev", secrets_present=ALL_SECRETS
    )
    assert settings.existing_cluster is None and settings.existing_vpc is None


def test_the_error_header_is_the_one_the_readme_shows(dev_config: dict[str, Any]) -> None:
    dev_config["environment"] = "staging"
    assert refuse(dev_config).startswith("Invalid configuration for stack 'dev' (1 problem(s)); nothing was created:")


def test_a_rollout_strategy_needs_argo_rollouts(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["strategy"] = {"type": "Canary"}
    dev_config["addons"] = {**dev_config.get("addons", {}), "argoRollouts": {"enabled": False}}
    message = refuse(dev_config)
    assert "eks-platform:django.strategy.type = 'Canary'" in message
    assert "while addons.argoRollouts is off" in message


def test_options_of_one_strategy_are_refused_under_another(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["strategy"] = {"type": "BlueGreen", "canarySteps": [{"setWeight": 10}]}
    message = refuse(dev_config)
    assert "eks-platform:django.strategy.canarySteps" in message
    assert "only with type Canary (type is 'BlueGreen')" in message


def test_prod_defaults_to_canary_and_dev_to_rolling_update(dev_config: dict[str, Any]) -> None:
    prod = copy.deepcopy(stack_config("prod"))
    del prod["django"]["strategy"]
    assert load_settings(prod, stack="prod", secrets_present=ALL_SECRETS).django_strategy == "Canary"
    assert load_settings(dev_config, stack="dev", secrets_present=ALL_SECRETS).django_strategy == "RollingUpdate"


def test_a_negative_cost_budget_is_refused(dev_config: dict[str, Any]) -> None:
    dev_config["costBudgetUsd"] = -1
    message = refuse(dev_config)
    assert "eks-platform:costBudgetUsd = -1" in message and "greater than or equal to 0" in message


def test_a_blue_green_preview_behind_an_https_alb_needs_its_own_certificate(dev_config: dict[str, Any]) -> None:
    dev_config["django"]["strategy"] = {"type": "BlueGreen"}
    message = refuse(dev_config)
    assert "eks-platform:django.strategy.previewCertificateArn = ''" in message
    assert "preview host preview.django.dev.example.com" in message and "internal ALB of its own" in message


@pytest.mark.parametrize(
    ("strategy", "fragment"),
    [
        (
            {"type": "Canary", "previewHost": "next.example.com"},
            "django.strategy.previewHost = 'next.example.com': only with type BlueGreen",
        ),
        (
            {"type": "BlueGreen", "previewCertificateArn": "arn:aws:acm:x"},
            "django.strategy.previewCertificateArn = 'arn:aws:acm:x'",
        ),
    ],
)
def test_preview_options_are_checked(dev_config: dict[str, Any], strategy: dict[str, Any], fragment: str) -> None:
    dev_config["django"]["strategy"] = strategy
    assert fragment in refuse(dev_config)


def test_the_database_url_is_not_asked_for_when_the_stack_makes_the_database(dev_config: dict[str, Any]) -> None:
    assert dev_config["database"]["enabled"] is True
    assert load_settings(dev_config, stack="dev", secrets_present=ALL_SECRETS - {"djangoDatabaseUrl"})


@pytest.mark.parametrize(
    ("database", "fragment"),
    [
        (
            {"enabled": True, "securityGroupId": "sg-0123456789abcdef0"},
            "eks-platform:database.securityGroupId = 'sg-0123456789abcdef0'",
        ),
        (
            {"enabled": True, "allocatedStorage": 50, "maxAllocatedStorage": 40},
            "eks-platform:database.maxAllocatedStorage = 40",
        ),
        ({"enabled": True, "instanceClass": "t4g.micro"}, "eks-platform:database.instanceClass = 't4g.micro'"),
        ({"enabled": True, "backupRetentionDays": 36}, "eks-platform:database.backupRetentionDays = 36"),
    ],
)
def test_bad_database_settings_are_refused(dev_config: dict[str, Any], database: dict[str, Any], fragment: str) -> None:
    dev_config["database"] = database
    assert fragment in refuse(dev_config)


def test_the_local_stack_cannot_make_an_rds_instance() -> None:
    raw = copy.deepcopy(stack_config("local"))
    raw["database"] = {"enabled": True}
    assert "eks-platform:database.enabled = True: only on a stack that creates its cluster" in refuse(
        raw, stack="local"
    )


@pytest.mark.parametrize(
    ("strategy", "fragment"),
    [
        (
            {"type": "RollingUpdate", "smokeTest": {"count": 1}},
            "django.strategy.smokeTest = {'count': 1}: only with type Canary or BlueGreen",
        ),
        (
            {"type": "Recreate", "metricsAnalysis": False},
            "django.strategy.metricsAnalysis = False: only with type Canary or BlueGreen",
        ),
        (
            {"type": "Canary", "smokeTest": {"count": 2, "failureLimit": 2}},
            "smokeTest.failureLimit = 2: less than smokeTest.count (2)",
        ),
        ({"type": "Canary", "smokeTest": {"interval": "30"}}, "django.strategy.smokeTest.interval = '30'"),
        ({"type": "Canary", "smokeTest": {"count": 0}}, "django.strategy.smokeTest.count = 0"),
    ],
)
def test_smoke_test_and_metrics_analysis_are_checked(
    dev_config: dict[str, Any], strategy: dict[str, Any], fragment: str
) -> None:
    dev_config["django"]["strategy"] = strategy
    assert fragment in refuse(dev_config)
