"""DjangoApp: ECR repository, the Pulumi-managed Secret, and a chart release whose values hold no secret."""

from __future__ import annotations

import json

from components.django_app import APP_SECRET
from offline.mocks import is_secret
from offline.runner import ProgramRun, placeholder

RELEASE = "kubernetes:helm.sh/v3:Release"


def django_release(run: ProgramRun):
    [release] = [r for r in run.of_type(RELEASE) if r.inputs["chart"] == "charts/django"]
    return release


def test_release_values_contain_no_secret(any_stack: ProgramRun) -> None:
    release = django_release(any_stack)
    text = json.dumps(release.plain, default=str)
    for key in ("djangoSecretKey", "djangoDatabaseUrl"):
        assert placeholder(key) not in text
    assert release.plain["values"]["secret"] == {"create": False, "existingSecret": APP_SECRET}


def test_app_secret_data_is_marked_secret(any_stack: ProgramRun) -> None:
    [secret] = [s for s in any_stack.of_type("kubernetes:core/v1:Secret") if s.plain["metadata"]["name"] == APP_SECRET]
    assert is_secret(secret.inputs["stringData"])
    assert set(secret.plain["stringData"]) == {"SECRET_KEY", "DATABASE_URL"}
    assert secret.plain["stringData"]["SECRET_KEY"] == placeholder("djangoSecretKey")


def test_environment_values_file_and_stack_overrides(dev: ProgramRun, prod: ProgramRun, local: ProgramRun) -> None:
    for run, env in ((dev, "dev"), (prod, "prod"), (local, "local")):
        release = django_release(run).plain
        assert release["valueYamlFiles"][0].path == f"charts/django/environments/values.{env}.yaml"
    values = django_release(prod).plain["values"]
    assert values["image"]["tag"] == "0.1.0"
    assert values["image"]["repository"].endswith(".amazonaws.com/eks-platform-prod/django")
    assert values["config"]["allowedHosts"] == ["django.example.com"]
    assert values["ingress"]["className"] == "alb"
    assert values["nodeSelector"] == {"node-group": "system"}
    assert "nodeSelector" not in django_release(local).plain["values"]  # values.local.yaml nulls it


def test_ecr_repository(prod: ProgramRun, dev: ProgramRun, local: ProgramRun) -> None:
    repository = prod.one("aws:ecr/repository:Repository")
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.protect and repository.retain_on_delete and not repository.inputs["forceDelete"]
    assert dev.one("aws:ecr/repository:Repository").inputs["forceDelete"] is True
    policy = json.loads(prod.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])
    assert policy["rules"][0]["selection"]["countNumber"] == 30
    assert local.of_type("aws:ecr/repository:Repository") == []


def test_release_waits_for_namespace_and_secret(dev: ProgramRun) -> None:
    release = django_release(dev)
    [secret] = [s for s in dev.of_type("kubernetes:core/v1:Secret") if s.plain["metadata"]["name"] == APP_SECRET]
    assert secret.urn in release.dependencies


def test_outputs(dev: ProgramRun) -> None:
    assert dev.outputs["djangoServiceHost"] == "django.django.svc.cluster.local"
    assert dev.outputs["djangoIngressHosts"] == ["django.dev.example.com"]
    assert dev.outputs["djangoImageRepository"].endswith("/eks-platform-dev/django")


def test_kubernetes_objects_die_with_the_cluster_the_ecr_repository_does_not(dev: ProgramRun) -> None:
    """The component owns ECR: it must not be deleted-with (children inherit it); its Kubernetes objects are."""
    cluster = dev.one("platform:index:Cluster")  # the component holding the EKS cluster and its key
    app = dev.one("platform:index:DjangoApp")
    assert app.deleted_with == ""
    assert dev.one("platform:index:ArgoWorkflows").deleted_with == cluster.urn  # Kubernetes only
    children = [r for r in dev.records if r.parent == app.urn]
    assert {r.type: r.effective_deleted_with for r in children} == {
        "aws:ecr/repository:Repository": "",
        "kubernetes:core/v1:Namespace": cluster.urn,
        "kubernetes:core/v1:Secret": cluster.urn,
        RELEASE: cluster.urn,
    }
