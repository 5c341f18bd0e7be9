"""Database: RDS for PostgreSQL per AWS stack, private, encrypted, open to the cluster only; or an external one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import versions
from components.database import database_url
from offline.mocks import is_secret
from offline.runner import ProgramError, ProgramRun, placeholder, run_program

INSTANCE = "aws:rds/instance:Instance"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def instance(run: ProgramRun):
    [found] = run.of_type(INSTANCE)
    return found


def test_dev_is_private_encrypted_pinned_and_backed_up(dev: ProgramRun) -> None:
    props = instance(dev).plain
    assert props["engine"] == "postgres" and props["engineVersion"] == versions.RDS_POSTGRES_ENGINE_VERSION
    assert props["autoMinorVersionUpgrade"] is False
    assert props["publiclyAccessible"] is False
    assert props["storageEncrypted"] is True
    [key] = [k for k in dev.of_type("aws:kms/key:Key") if k.name == "dev-database-key"]
    assert props["kmsKeyId"] == f"{key.plain['arn'] if 'arn' in key.plain else props['kmsKeyId']}"
    assert key.plain["enableKeyRotation"] is True
    assert props["instanceClass"] == "db.t4g.micro" and props["multiAz"] is False
    assert props["backupRetentionPeriod"] == 7 and props["storageType"] == "gp3"
    assert props["deletionProtection"] is False and props["skipFinalSnapshot"] is True
    assert is_secret(instance(dev).inputs["password"])


def test_the_subnet_group_is_the_private_subnets(dev: ProgramRun) -> None:
    [group] = dev.of_type("aws:rds/subnetGroup:SubnetGroup")
    private = {s.id for s in dev.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert set(group.plain["subnetIds"]) == private and len(private) == 2


def test_prod_is_multi_az_deletion_protected_and_keeps_a_final_snapshot(prod: ProgramRun) -> None:
    record = instance(prod)
    props = record.plain
    assert props["multiAz"] is True and props["deletionProtection"] is True and record.protect
    assert props["skipFinalSnapshot"] is False and props["finalSnapshotIdentifier"] == "eks-platform-prod-django-final"
    assert props["instanceClass"] == "db.t4g.medium" and props["backupRetentionPeriod"] == 14
    [key] = [k for k in prod.of_type("aws:kms/key:Key") if k.name == "prod-database-key"]
    assert key.protect and key.retain_on_delete  # the final snapshot stays readable


def test_dev_with_retained_data_keeps_a_final_snapshot_too(dev_config: dict[str, Any]) -> None:
    dev_config["dataOnDestroy"] = "retain"
    props = instance(run_program("dev", dev_config)).plain
    assert props["skipFinalSnapshot"] is False and props["finalSnapshotIdentifier"].endswith("-final")


def test_only_the_cluster_security_group_reaches_it_on_5432(aws_stack: ProgramRun) -> None:
    [group] = aws_stack.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert not group.plain.get("ingress")  # no inline rule: the one rule below is all
    [rule] = aws_stack.of_type(RULE)
    cluster = aws_stack.one("eks:index:Cluster")
    assert rule.plain["referencedSecurityGroupId"].startswith("sg-")
    assert cluster.urn in rule.dependencies or any(cluster.urn in d for d in rule.property_dependencies.values())
    assert (rule.plain["ipProtocol"], rule.plain["fromPort"], rule.plain["toPort"]) == ("tcp", 5432, 5432)
    assert "cidrIpv4" not in rule.plain
    assert instance(aws_stack).plain["vpcSecurityGroupIds"] == [group.id]


def test_the_app_gets_a_composed_secret_url_and_the_password_never_leaks(dev: ProgramRun) -> None:
    [secret] = [s for s in dev.of_type("kubernetes:core/v1:Secret") if s.plain["metadata"]["name"] == "django-app"]
    assert is_secret(secret.inputs["stringData"])  # the whole map travels marked secret
    password = placeholder("databasePassword")
    address = instance(dev).plain["identifier"]
    assert secret.plain["stringData"]["DATABASE_URL"].startswith(f"postgres://django:{password}@{address}.")
    assert secret.plain["stringData"]["DATABASE_URL"].endswith(":5432/django?sslmode=require")
    for record in dev.records:  # nowhere in plaintext: only inside values the SDK marks secret
        assert password not in json.dumps(_unmarked(record.inputs), default=str), record.name


def _unmarked(value: Any) -> Any:
    """`value` with every secret-marked part dropped."""
    if is_secret(value):
        return None
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value


def test_the_url_encodes_the_password() -> None:
    assert (
        database_url("app", "p:w#d%?", "db.example", "app")
        == "postgres://app:p%3Aw%23d%25%3F@db.example:5432/app?sslmode=require"
    )


def test_an_external_database_gets_only_the_ingress_rule(dev_config: dict[str, Any]) -> None:
    dev_config["database"] = {"enabled": False, "securityGroupId": "sg-0123456789abcdef0"}
    run = run_program("dev", dev_config)
    assert run.of_type(INSTANCE) == []
    [rule] = run.of_type(RULE)
    assert rule.plain["securityGroupId"] == "sg-0123456789abcdef0"
    [secret] = [s for s in run.of_type("kubernetes:core/v1:Secret") if s.plain["metadata"]["name"] == "django-app"]
    assert secret.plain["stringData"]["DATABASE_URL"] == placeholder("djangoDatabaseUrl")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "8 to 128 characters (it has 5)"),
        ("has a space", "printable ASCII without"),
        ("with/slash!", "printable ASCII"),
    ],
)
def test_a_password_rds_would_refuse_is_refused_first_and_never_shown(
    dev_config: dict[str, Any], password: str, problem: str
) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program("dev", dev_config, secrets={"databasePassword": password})
    message = str(caught.value)
    assert "eks-platform:databasePassword = (secret, not shown):" in message and problem in message
    assert password not in message
    assert caught.value.records == []


def test_a_cluster_name_too_long_for_the_rds_identifier_is_refused(dev_config: dict[str, Any]) -> None:
    dev_config["clusterName"] = "c" * 57
    dev_config["argo"]["artifacts"] = {"enabled": False}
    with pytest.raises(ProgramError, match=r"RDS instance identifier '.*-django' must be 1-63"):
        run_program("dev", dev_config)


def test_the_database_is_not_on_prods_critical_path(prod: ProgramRun) -> None:
    from offline import deploy_time

    steps = {s.record.name: s for s in deploy_time.timeline(prod)[0].values()}
    assert steps["prod-database-instance"].finish - steps["prod-database-instance"].start == 15 * 60
    assert steps["prod-database-instance"].finish < steps["prod-lbc-release"].finish
    secret = steps["prod-django-secret"]
    assert secret.start >= steps["prod-database-instance"].finish  # the URL needs the address
