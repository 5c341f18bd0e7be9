"""LocalPostgres: credentials parsed from djangoDatabaseUrl (secret, never shown), a hardened StatefulSet.

The password below is a throwaway test value; the tests still treat it as a secret: it must never
appear in an error message or a repr.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import versions
from components.context import Placement
from components.local_postgres import (
    CONFIG_KEY,
    MOUNT_PATH,
    DatabaseUrlError,
    LocalPostgres,
    database_from_url,
)
from offline.mocks import is_secret
from offline.runner import record_components
from tests.components.contexts import unit_context

PASSWORD = "test-only-pw-3Xq9"
URL = f"postgres://django:{PASSWORD}@postgres.postgres.svc.cluster.local:5432/django"
SECRET = "kubernetes:core/v1:Secret"
SERVICE = "kubernetes:core/v1:Service"
STATEFULSET = "kubernetes:apps/v1:StatefulSet"
NAMESPACE = "kubernetes:core/v1:Namespace"


def build(node_selector: dict[str, str] | None = None, **overrides: Any) -> tuple[list, list[str]]:
    hosts: list[str] = []

    def program() -> None:
        ctx = unit_context(environment="local", system=Placement("system", node_selector or {}))
        postgres = LocalPostgres("pg", ctx, **{"database_url": URL, **overrides})
        postgres.service_host.apply(hosts.append)

    return record_components(program, stack="local"), hosts


def one(records: list, type_: str):
    [record] = [r for r in records if r.type == type_]
    return record


def container_of(records: list) -> dict[str, Any]:
    [container] = one(records, STATEFULSET).plain["spec"]["template"]["spec"]["containers"]
    return container


# ---- the URL: parsed and checked without Pulumi --------------------------------------------------


def test_credentials_come_from_the_url() -> None:
    credentials = database_from_url(URL, "postgres")
    assert (credentials.user, credentials.password, credentials.database) == ("django", PASSWORD, "django")
    assert (credentials.host, credentials.port) == ("postgres.postgres.svc.cluster.local", 5432)
    assert PASSWORD not in repr(credentials)


def test_percent_encoded_parts_are_decoded() -> None:
    credentials = database_from_url("postgresql://dj%40ngo:p%2Fw%40rd@postgres.db.svc/app%2Ddb", "db")
    assert (credentials.user, credentials.password, credentials.database) == ("dj@ngo", "p/w@rd", "app-db")


@pytest.mark.parametrize("host", ["postgres.postgres.svc.cluster.local", "postgres.postgres.svc", "postgres.postgres"])
def test_every_cross_namespace_name_of_the_service_is_accepted(host: str) -> None:
    assert database_from_url(f"postgres://django:{PASSWORD}@{host}/django", "postgres").host == host


@pytest.mark.parametrize(
    "host",
    [
        "db.example.internal",
        "postgres",  # resolves only inside the postgres namespace, not from the app's
        "postgres.default",  # the old README's example
        "postgres.other.svc.cluster.local",
        "pg.postgres.svc.cluster.local",
    ],
)
def test_a_host_other_than_the_service_is_refused_by_name(host: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        database_from_url(f"postgres://django:{PASSWORD}@{host}:5432/django", "postgres")
    message = str(caught.value)
    assert CONFIG_KEY == "eks-platform:djangoDatabaseUrl" and message.startswith(CONFIG_KEY)
    assert f"host {host!r}" in message
    assert "postgres.postgres.svc.cluster.local, postgres.postgres.svc, postgres.postgres" in message
    assert PASSWORD not in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"mysql://django:{PASSWORD}@postgres.postgres:5432/django", "postgres:// or postgresql://"),
        (f"django:{PASSWORD}@postgres.postgres:5432/django", "postgres:// or postgresql://"),
        (f"postgres://django:{PASSWORD}@postgres.postgres:6543/django", "port 6543"),
        (f"postgres://django:{PASSWORD}@postgres.postgres:5432/", "one database name"),
        (f"postgres://django:{PASSWORD}@postgres.postgres:5432/a/b", "one database name"),
        ("postgres://django@postgres.postgres:5432/django", "a user and a password"),
        (f"postgres://:{PASSWORD}@postgres.postgres:5432/django", "a user and a password"),
        # unencoded '/' and '@' in the password: its pieces land in the port or host fields
        (f"postgres://django:{PASSWORD}/x@postgres.postgres:5432/django", "percent-encode '/'"),
        (f"postgres://django:{PASSWORD}?x@postgres.postgres:5432/django", "percent-encode '/'"),
        (f"postgres://django:{PASSWORD}@x/y@postgres.postgres:5432/django", "more than one '@'"),
        ("postgres://django:pw@postgres.postgres:54x2/django", "not a port number"),
        (f"postgres://django:a@{PASSWORD}@postgres.postgres:5432/django", "more than one '@'"),
    ],
)
def test_malformed_urls_are_refused_without_the_password(url: str, problem: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        database_from_url(url, "postgres")
    message = str(caught.value)
    assert message.startswith(CONFIG_KEY) and problem in message
    assert PASSWORD not in message and "3Xq9" not in message
    # a traceback would also show a chained exception's message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


# ---- the component, under mocks -----------------------------------------------------------------


def test_secret_holds_the_parsed_credentials_marked_secret() -> None:
    records, _ = build()
    secret = one(records, SECRET)
    assert secret.plain["metadata"] == {
        "name": "postgres",
        "namespace": "postgres",
        "labels": secret.plain["metadata"]["labels"],
    }
    assert is_secret(secret.inputs["stringData"])  # the whole map goes to the engine as a secret
    assert secret.plain["stringData"] == {
        "POSTGRES_USER": "django",
        "POSTGRES_PASSWORD": PASSWORD,
        "POSTGRES_DB": "django",
    }


def test_no_secret_value_outside_the_secret() -> None:
    records, _ = build()
    for record in records:
        if record.type != SECRET:
            assert PASSWORD not in json.dumps(record.plain, default=str), record.type


def test_statefulset_runs_non_root_with_the_secret_as_environment() -> None:
    records, _ = build()
    statefulset = one(records, STATEFULSET).plain
    assert statefulset["metadata"]["name"] == "postgres" and statefulset["metadata"]["namespace"] == "postgres"
    spec = statefulset["spec"]
    assert spec["replicas"] == 1 and spec["serviceName"] == "postgres"
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 999 and pod["securityContext"]["fsGroup"] == 999
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    container = container_of(records)
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {"drop": ["ALL"]}
    assert container["envFrom"] == [{"secretRef": {"name": "postgres"}}]
    assert "env" not in container or all("POSTGRES" not in e["name"] for e in container["env"])


def test_data_lives_in_a_subdirectory_of_a_claimed_volume() -> None:
    records, _ = build(storage="2Gi")
    spec = one(records, STATEFULSET).plain["spec"]
    [claim] = spec["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "2Gi"
    container = container_of(records)
    [data_mount] = [m for m in container["volumeMounts"] if m["name"] == claim["metadata"]["name"]]
    [pgdata] = [e["value"] for e in container["env"] if e["name"] == "PGDATA"]
    assert data_mount["mountPath"] == MOUNT_PATH and pgdata.startswith(MOUNT_PATH + "/")


def test_probes_and_resources() -> None:
    container = container_of(build()[0])
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        command = container[probe]["exec"]["command"]
        assert command[:2] == ["sh", "-c"] and "pg_isready" in command[2] and '"$POSTGRES_USER"' in command[2]
    assert set(container["resources"]) == {"requests", "limits"}
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}


def test_service_selects_the_statefulset_pods_on_the_postgres_port() -> None:
    records, hosts = build()
    service = one(records, SERVICE).plain
    statefulset = one(records, STATEFULSET).plain["spec"]
    assert service["metadata"]["name"] == statefulset["serviceName"] == "postgres"
    selector = service["spec"]["selector"]
    assert selector == statefulset["selector"]["matchLabels"]
    assert selector.items() <= statefulset["template"]["metadata"]["labels"].items()
    [port] = service["spec"]["ports"]
    [container_port] = container_of(records)["ports"]
    assert port["port"] == container_port["containerPort"] == 5432
    assert port["targetPort"] == container_port["name"]
    assert hosts == ["postgres.postgres.svc.cluster.local"]


def test_namespace_and_node_selector() -> None:
    records, hosts = build(
        namespace="db", node_selector={"node-group": "system"}, database_url=URL.replace(".postgres.", ".db.")
    )
    namespace = one(records, NAMESPACE).plain["metadata"]
    assert namespace["name"] == "db" and namespace["labels"]["app.kubernetes.io/part-of"] == "eks-platform"
    for type_ in (SECRET, SERVICE, STATEFULSET):
        assert one(records, type_).plain["metadata"]["namespace"] == "db"
        assert one(records, type_).dependencies and one(records, NAMESPACE).urn in one(records, type_).dependencies
    assert one(records, STATEFULSET).plain["spec"]["template"]["spec"]["nodeSelector"] == {"node-group": "system"}
    assert build()[0] and one(build()[0], STATEFULSET).plain["spec"]["template"]["spec"]["nodeSelector"] == {}
    assert hosts == ["postgres.db.svc.cluster.local"]


def test_creates_no_aws_resource() -> None:
    records, _ = build()
    assert not [r for r in records if r.type.startswith("aws:")]
    assert {r.type for r in records} - {"pulumi:providers:kubernetes"} == {
        "platform:index:LocalPostgres",
        NAMESPACE,
        SECRET,
        SERVICE,
        STATEFULSET,
    }


def test_image_is_the_pinned_official_postgres() -> None:
    image = container_of(build()[0])["image"]
    assert image == f"{versions.LOCAL_POSTGRES_IMAGE}:{versions.LOCAL_POSTGRES_TAG}"
    repository, tag = image.rsplit(":", 1)
    assert repository == "postgres"
    assert tag != "latest" and tag[0].isdigit() and "." in tag.split("-")[0]


def test_a_wrong_host_stops_the_component_without_showing_the_password() -> None:
    wrong = URL.replace("postgres.postgres.svc.cluster.local", "db.example.internal")
    with pytest.raises(DatabaseUrlError) as caught:
        build(database_url=wrong)
    message = str(caught.value)
    assert CONFIG_KEY in message and "'db.example.internal'" in message
    assert PASSWORD not in message
