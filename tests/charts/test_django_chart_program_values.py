"""The chart rendered with exactly what the program gives the release: per-stack values file + stack overrides.

What the ALB, the app and the ConfigMap end up with on a real `up` follows from these renders.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from offline.runner import ProgramRun, placeholder

RELEASE = "kubernetes:helm.sh/v3:Release"
REPO_ROOT = Path(__file__).resolve().parents[2]
RENDERS = REPO_ROOT / "build" / "test-renders"


def program_render(chart, run: ProgramRun):
    """The chart as the stack's release renders it: the values file, then the program's values over it.

    Both as `-f` files, so helm merges maps deeply as the Release does (a --set-json of `config`
    would replace the file's whole `config` map).
    """
    [release] = [r for r in run.of_type(RELEASE) if r.plain["chart"] == "charts/django"]
    values: dict[str, Any] = release.plain["values"]
    [values_file] = release.plain["valueYamlFiles"]
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
    overrides = RENDERS / f"{run.stack}-{digest}.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(values))
    return chart.template(REPO_ROOT / values_file.path, overrides)


def test_prod_alb_terminates_https_with_the_stack_certificate(chart, prod: ProgramRun) -> None:
    """prod redirected every request to an HTTPS listener that did not exist (no certificate)."""
    manifests = program_render(chart, prod)
    annotations = manifests.one("Ingress")["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"].startswith("arn:aws:acm:ap-northeast-2:")
    assert json.loads(annotations["alb.ingress.kubernetes.io/listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    # the app redirects to HTTPS (DEBUG off) and trusts the ALB's X-Forwarded-Proto: the two agree
    config = manifests.config_data
    assert config["DEBUG"] == "false"
    assert config["TRUST_X_FORWARDED_PROTO"] == "true"
    assert "SECURE_SSL_REDIRECT" not in config  # on: the default with DEBUG off


def test_without_an_ingress_the_app_does_not_trust_forwarded_proto(chart, local: ProgramRun) -> None:
    manifests = program_render(chart, local)
    assert manifests.of_kind("Ingress") == []
    assert manifests.config_data["TRUST_X_FORWARDED_PROTO"] == "false"


def test_prod_carries_sentry_dsn_and_dev_does_not(chart, prod: ProgramRun, dev: ProgramRun) -> None:
    prod_config = program_render(chart, prod).config_data
    assert prod_config["SENTRY__DSN"] == "https://0123456789abcdef0123456789abcdef@o0.ingest.sentry.io/0"
    assert "SENTRY__DSN" not in program_render(chart, dev).config_data


def test_dev_sentry_dsn_stays_out_even_when_set(chart, dev_config) -> None:
    """The chart's prod-only `if`: a DSN set on dev is not rendered."""
    from offline.runner import run_program

    dev_config["django"]["sentryDsn"] = "https://0123456789abcdef0123456789abcdef@o0.ingest.sentry.io/0"
    assert "SENTRY__DSN" not in program_render(chart, run_program("dev", dev_config)).config_data


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_pods_roll_when_a_secret_changes_and_the_annotation_reveals_nothing(chart, stack: str) -> None:
    from offline.runner import run_program

    def digest(secret_key: str) -> str:
        run = run_program(stack, secrets={"djangoSecretKey": secret_key})
        manifests = program_render(chart, run)
        [workload] = manifests.of_kind("Deployment") + manifests.of_kind("Rollout")
        return workload["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]

    before, after = digest(placeholder("djangoSecretKey")), digest("rotated-" + "x" * 50)
    assert len(before) == 64 and before != after
    assert placeholder("djangoSecretKey") not in before and "rotated" not in after


def test_prod_ships_by_alb_weighted_canary_and_dev_by_rolling_update(chart, prod: ProgramRun, dev: ProgramRun) -> None:
    prod_render = program_render(chart, prod)
    assert prod_render.of_kind("Deployment") == []
    rollout = prod_render.one("Rollout")
    canary = rollout["spec"]["strategy"]["canary"]
    assert canary["stableService"] == "django" and canary["canaryService"] == "django-canary"
    assert canary["trafficRouting"]["alb"]["ingress"] == "django"
    assert prod_render.one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["kind"] == "Rollout"
    dev_render = program_render(chart, dev)
    assert dev_render.of_kind("Rollout") == []
    assert dev_render.one("Deployment")["spec"]["strategy"]["type"] == "RollingUpdate"


@pytest.mark.parametrize("strategy", ["RollingUpdate", "Recreate", "BlueGreen", "Canary"])
def test_local_works_with_every_strategy(chart, strategy: str) -> None:
    from offline.runner import run_program, stack_config

    config = stack_config("local")
    config["django"] = {**config["django"], "strategy": {"type": strategy}}
    manifests = program_render(chart, run_program("local", config))
    workload = "Rollout" if strategy in ("BlueGreen", "Canary") else "Deployment"
    assert len(manifests.of_kind(workload)) == 1
    if workload == "Rollout":
        # no ALB on local: the canary's weight is by replicas, no traffic routing
        assert "trafficRouting" not in manifests.one("Rollout")["spec"]["strategy"].get("canary", {})


def test_stack_canary_steps_and_bluegreen_promotion_reach_the_chart(chart, dev_config) -> None:
    from offline.runner import run_program

    dev_config["django"]["strategy"] = {"type": "Canary", "canarySteps": [{"setWeight": 25}, {"pause": {}}]}
    rollout = program_render(chart, run_program("dev", dev_config)).one("Rollout")
    assert rollout["spec"]["strategy"]["canary"]["steps"] == [{"setWeight": 25}, {"pause": {}}]
    certificate = "arn:aws:acm:ap-northeast-2:123456789012:certificate/22222222-2222-2222-2222-222222222222"
    dev_config["django"]["strategy"] = {
        "type": "BlueGreen",
        "autoPromotion": False,
        "previewHost": "next.dev.example.com",
        "previewCertificateArn": certificate,
    }
    manifests = program_render(chart, run_program("dev", dev_config))
    rollout = manifests.one("Rollout")
    assert rollout["spec"]["strategy"]["blueGreen"]["autoPromotionEnabled"] is False
    [preview] = [i for i in manifests.of_kind("Ingress") if i["metadata"]["name"] == "django-preview"]
    assert preview["spec"]["rules"][0]["host"] == "next.dev.example.com"
    annotations = preview["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == certificate
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
