"""ArgoWorkflows: everything Argo runs is pinned to PROTO-INFERENCE-NG; templates follow the release."""

from __future__ import annotations

import json

from components.argo_workflows import WORKFLOW_SERVICE_ACCOUNT
from offline.mocks import reveal
from offline.runner import ProgramRun

RELEASE = "kubernetes:helm.sh/v3:Release"
SELECTOR = {"node-group": "PROTO-INFERENCE-NG"}
CERTIFICATE = "arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"
TOLERATION = {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}


def argo_release(run: ProgramRun):
    [release] = [r for r in run.of_type(RELEASE) if r.inputs["chart"] == "argo-workflows"]
    return release


def test_controller_server_workflow_pods_and_crd_job_are_pinned(aws_stack: ProgramRun) -> None:
    values = argo_release(aws_stack).plain["values"]
    pod_specs = {
        "controller": values["controller"],
        "server": values["server"],
        "workflow pods": values["controller"]["workflowDefaults"]["spec"],
    }
    for where, spec in pod_specs.items():
        assert spec["nodeSelector"] == SELECTOR, where
        assert spec["tolerations"] == [TOLERATION], where


def test_pinning_is_derived_from_the_node_group_config(dev_config) -> None:
    from offline.runner import run_program

    dev_config["nodeGroups"]["PROTO-INFERENCE-NG"]["taints"] = [{"key": "gpu", "value": "true", "effect": "NoExecute"}]
    values = argo_release(run_program("dev", dev_config)).plain["values"]
    assert values["server"]["tolerations"] == [
        {"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoExecute"}
    ]


def test_local_stack_pins_nothing_and_has_no_artifact_repository(local: ProgramRun) -> None:
    values = argo_release(local).plain["values"]
    assert values["controller"]["nodeSelector"] == {} and values["controller"]["tolerations"] == []
    assert "artifactRepository" not in values


def test_chart_is_pinned(dev: ProgramRun) -> None:
    from components import versions

    release = argo_release(dev).plain
    assert release["version"] == versions.ARGO_WORKFLOWS.version
    assert release["repositoryOpts"]["repo"] == versions.ARGO_WORKFLOWS.repository


def test_crds_come_with_the_release_and_nothing_downloads_them(aws_stack: ProgramRun) -> None:
    """Rendered by the real chart: Helm applies the CRDs itself, kept on uninstall; no download Job."""
    from tests.upstream_charts import render

    objects = render("argo-workflows", argo_release(aws_stack).plain["values"], namespace="argo")
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    assert {c["spec"]["names"]["kind"] for c in crds} >= {"Workflow", "WorkflowTemplate", "CronWorkflow"}
    assert all(c["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep" for c in crds)
    assert [o["metadata"]["name"] for o in objects if o["kind"] in ("Job", "Pod")] == []
    # every Argo pod the chart renders sits on PROTO-INFERENCE-NG with its toleration
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    assert len(deployments) == 2
    for deployment in deployments:
        spec = deployment["spec"]["template"]["spec"]
        assert spec["nodeSelector"].items() >= SELECTOR.items() and spec["tolerations"] == [TOLERATION]


def test_security_and_cleanup_defaults(dev: ProgramRun) -> None:
    values = argo_release(dev).plain["values"]
    spec = values["controller"]["workflowDefaults"]["spec"]
    assert spec["serviceAccountName"] == WORKFLOW_SERVICE_ACCOUNT != "default"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["podGC"]["strategy"] == "OnPodCompletion"
    assert spec["ttlStrategy"]["secondsAfterSuccess"] > 0
    assert values["server"]["authModes"] == ["client"]
    assert values["server"]["serviceType"] == "ClusterIP"
    assert "ingress" not in values["server"]
    assert values["useStaticCredentials"] is False
    assert values["workflow"]["rbac"]["create"] is True


def test_scale_settings_come_from_config(dev: ProgramRun, prod: ProgramRun) -> None:
    dev_values, prod_values = argo_release(dev).plain["values"], argo_release(prod).plain["values"]
    assert dev_values["controller"]["parallelism"] == 10 and prod_values["controller"]["parallelism"] == 50
    assert prod_values["controller"]["extraArgs"] == ["--qps", "30.0", "--burst", "50"]
    assert prod_values["server"]["replicas"] == 2 and prod_values["server"]["pdb"]["enabled"] is True
    assert dev_values["server"]["replicas"] == 1 and dev_values["server"]["pdb"]["enabled"] is False
    assert prod_values["controller"]["resources"]["requests"]["cpu"]


def test_artifact_repository_uses_irsa_and_the_stack_bucket(dev: ProgramRun) -> None:
    values = argo_release(dev).plain["values"]
    s3 = values["artifactRepository"]["s3"]
    assert s3["useSDKCreds"] is True and "accessKeySecret" not in s3
    [bucket] = dev.of_type("aws:s3/bucket:Bucket")
    assert s3["bucket"] == f"{bucket.name}-bucket"  # the mock names buckets after the resource
    role_arn = values["workflow"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role_arn.startswith("arn:aws:iam::")


def test_templates_are_registered_after_the_release(aws_stack: ProgramRun) -> None:
    release = argo_release(aws_stack)
    templates = aws_stack.of_type("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate")
    assert sorted(t.inputs["metadata"]["name"] for t in templates) == ["django-manage", "fan-out", "run-code"]
    for template in templates:
        assert release.urn in template.dependencies
        spec = template.plain["spec"]
        assert spec["nodeSelector"].items() >= SELECTOR.items() and spec["tolerations"] == [TOLERATION]


def test_django_manage_runs_the_stack_image_next_to_the_app(dev: ProgramRun) -> None:
    [template] = [
        t
        for t in dev.of_type("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate")
        if t.inputs["metadata"]["name"] == "django-manage"
    ]
    text = json.dumps(reveal(template.inputs))
    assert ".dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-dev/django:0.1.0" in text
    assert "ecr-repository-of-this-stack" not in text  # the placeholder was replaced
    assert template.inputs["metadata"]["namespace"] == "django"
    values = argo_release(dev).plain["values"]
    assert values["controller"]["workflowNamespaces"] == ["argo", "django"]


def test_sso_mode_reads_client_credentials_from_a_pulumi_secret(dev_config) -> None:
    from offline.mocks import is_secret
    from offline.runner import run_program

    dev_config["argo"].update(
        authMode="sso", ssoIssuer="https://sso.example.com", ingressHost="argo.example.com", certificateArn=CERTIFICATE
    )
    run = run_program("dev", dev_config)
    values = argo_release(run).plain["values"]
    assert values["server"]["authModes"] == ["sso"]
    assert values["server"]["sso"]["clientSecret"] == {"name": "argo-server-sso", "key": "client-secret"}
    assert values["server"]["ingress"]["hosts"] == ["argo.example.com"]
    [sso] = [s for s in run.of_type("kubernetes:core/v1:Secret") if s.plain["metadata"]["name"] == "argo-server-sso"]
    assert is_secret(sso.inputs["stringData"])
    assert "offline-placeholder" not in json.dumps(argo_release(run).inputs)


def test_outputs(dev: ProgramRun) -> None:
    assert dev.outputs["argoNamespace"] == "argo"
    assert dev.outputs["argoPortForwardCommand"] == "kubectl -n argo port-forward svc/argo-workflows-server 2746:2746"
    assert dev.outputs["argoWorkflowServiceAccount"] == WORKFLOW_SERVICE_ACCOUNT
    assert dev.outputs["argoArtifactBucket"]


def test_argo_ingress_on_aws_gets_a_working_alb(dev_config) -> None:
    """Rendered by the real upstream chart: HTTPS with the stack's certificate, pod targets, health check."""
    from offline.runner import run_program
    from tests.upstream_charts import render

    dev_config["argo"].update(ingressHost="argo.example.com", certificateArn=CERTIFICATE)
    values = argo_release(run_program("dev", dev_config)).plain["values"]
    [ingress] = [o for o in render("argo-workflows", values, namespace="argo") if o["kind"] == "Ingress"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"  # the default: VPN/VPC only
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == CERTIFICATE
    assert json.loads(annotations["alb.ingress.kubernetes.io/listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    # the server speaks plain HTTP (server.secure false): the ALB's backend protocol and health check agree
    assert values.get("server", {}).get("secure", False) is False
    assert annotations["alb.ingress.kubernetes.io/backend-protocol"] == "HTTP"
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/"
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert ingress["spec"]["rules"][0]["host"] == "argo.example.com"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "argo-workflows-server"


def test_argo_ingress_on_aws_without_a_certificate_is_refused(dev_config) -> None:
    import pytest

    from offline.runner import ProgramError, run_program

    dev_config["argo"].update(ingressHost="argo.example.com")
    with pytest.raises(ProgramError, match=r"eks-platform:argo\.certificateArn = '': an ACM certificate ARN"):
        run_program("dev", dev_config)


def test_the_artifact_role_trusts_every_service_account_the_chart_annotates_with_it(aws_stack: ProgramRun) -> None:
    """The chart makes the workflow service account, with the role's annotation, in each workflow namespace."""
    from tests.upstream_charts import render

    values = argo_release(aws_stack).plain["values"]
    role_arn = values["workflow"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    annotated = {
        o["metadata"]["namespace"]
        for o in render("argo-workflows", values, namespace="argo")
        if o["kind"] == "ServiceAccount"
        and (o["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn") == role_arn
    }
    assert annotated == {"argo", "django"}
    [role] = [r for r in aws_stack.of_type("aws:iam/role:Role") if r.name.endswith("-argo-artifacts-access-role")]
    [statement] = json.loads(role.plain["assumeRolePolicy"])["Statement"]
    [subjects] = [v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert sorted(subjects) == sorted(f"system:serviceaccount:{ns}:{WORKFLOW_SERVICE_ACCOUNT}" for ns in annotated)
