"""The local stack's PostgreSQL: one small StatefulSet in the cluster, for `environment: local` only.

dev and prod use a managed database outside the cluster, given to the app by the stack secret
`djangoDatabaseUrl`; nothing here runs there. On a plain kind cluster nothing else provides that
database, so the local stack creates one.

The server's credentials are parsed from that same `djangoDatabaseUrl` rather than read from
separate config keys: there is one secret, so the user, password and database the server is
initialised with cannot disagree with the ones the app connects with. The URL's host must be
this server's Service, or the app would look for a database elsewhere; a mismatch stops the
update with an error that names the key and the host, never the password.

The official image applies POSTGRES_USER/PASSWORD/DB only when it initialises an empty data
volume: changing the password in `djangoDatabaseUrl` later needs `ALTER ROLE` in the server or
a fresh volume (`pulumi destroy --stack local` removes the namespace and its claim).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import pulumi
import pulumi_kubernetes as kubernetes

from components import versions
from components.context import ClusterContext
from components.namespace import platform_namespace

CONFIG_KEY = "eks-platform:djangoDatabaseUrl"
NAME = "postgres"  # the Secret, Service and StatefulSet, hence the host name the URL must use
PORT = 5432
SCHEMES = ("postgres", "postgresql")
UID = 999  # the official Debian image's postgres user and group
MOUNT_PATH = "/var/lib/postgresql/data"
# A subdirectory: initdb refuses a non-empty directory, and a volume's root may hold lost+found.
PGDATA = f"{MOUNT_PATH}/pgdata"
SELECTOR = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": NAME}
LABELS = {**SELECTOR, "app.kubernetes.io/component": "database", "app.kubernetes.io/part-of": "eks-platform"}
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "512Mi"},
}
# -h 127.0.0.1: during first initialisation the image runs a temporary server on the Unix socket
# only, so the probe passes once the real server accepts TCP connections, as the app makes them.
PG_ISREADY = 'pg_isready -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'


class DatabaseUrlError(pulumi.RunError):
    """djangoDatabaseUrl cannot be served by the local PostgreSQL. The message never holds the password."""


@dataclass(frozen=True)
class DatabaseCredentials:
    """What the server is initialised with, parsed from the app's DATABASE_URL."""

    user: str
    password: str = field(repr=False)  # never in a repr, a log line or an assertion message
    database: str
    host: str
    port: int


def allowed_hosts(namespace: str) -> tuple[str, ...]:
    """Host names of the Service `postgres` in `namespace` that resolve from any namespace."""
    return (f"{NAME}.{namespace}.svc.cluster.local", f"{NAME}.{namespace}.svc", f"{NAME}.{namespace}")


def _invalid(problem: str, namespace: str) -> DatabaseUrlError:
    example = f"postgres://<user>:<password>@{allowed_hosts(namespace)[0]}:{PORT}/<database>"
    return DatabaseUrlError(f"{CONFIG_KEY}: {problem}; on the local stack it must look like {example}")


def database_from_url(url: str, namespace: str) -> DatabaseCredentials:
    """Parse and check the app's database URL against the local server in `namespace`.

    Error messages may name the host, port position and database, never the password or the
    raw URL (an unencoded `/`, `?` or `#` in the password shifts it into other fields).
    """
    if "://" not in url or url.split("://", 1)[0].lower() not in SCHEMES:
        raise _invalid("the scheme must be postgres:// or postgresql://", namespace)
    rest = url.split("://", 1)[1]
    if rest.count("@") > 1:
        raise _invalid("more than one '@': percent-encode the password", namespace)
    parts = urlsplit(url)
    if "@" in rest and "@" not in parts.netloc:
        raise _invalid("the '@' is not before the host: percent-encode '/', '?' and '#' in the password", namespace)
    try:
        port = parts.port or PORT
    except ValueError:
        # The "port" may be the tail of a password holding an unencoded character, and the
        # library's message quotes it: `from None` keeps that message out of any traceback.
        raise _invalid(
            "the text after the host's ':' is not a port number (percent-encode the password)", namespace
        ) from None
    host = (parts.hostname or "").lower()
    if host not in allowed_hosts(namespace):
        allowed = ", ".join(allowed_hosts(namespace))
        raise _invalid(f"host {host!r} is not the local PostgreSQL Service (allowed: {allowed})", namespace)
    if port != PORT:
        raise _invalid(f"port {port} is not the Service's port (allowed: {PORT})", namespace)
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not user or not password:
        raise _invalid("a user and a password are required", namespace)
    database = unquote(parts.path.removeprefix("/"))
    if not database or "/" in database:
        raise _invalid("the path must be one database name", namespace)
    return DatabaseCredentials(user=user, password=password, database=database, host=host, port=port)


IMAGE = f"{versions.LOCAL_POSTGRES_IMAGE}:{versions.LOCAL_POSTGRES_TAG}"
"""The official postgres image, pinned in components/versions.py."""
NAMESPACE = "postgres"
"""Namespace of the server by default; the URL's host must be `postgres.<namespace>.svc.cluster.local`."""


def _pod_security() -> dict:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "fsGroup": UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _container_security() -> dict:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _probe(period: int, failures: int) -> dict:
    # sh -c: the user and database come from envFrom, which the kubelet does not expand in probes.
    return {
        "exec": {"command": ["sh", "-c", PG_ISREADY]},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def statefulset_spec(node_selector: dict[str, str], storage: str) -> dict:
    """The StatefulSet's spec (no secret value in it: the credentials come from the Secret)."""
    container = {
        "name": NAME,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": NAME, "containerPort": PORT, "protocol": "TCP"}],
        "envFrom": [{"secretRef": {"name": NAME}}],
        "env": [{"name": "PGDATA", "value": PGDATA}],
        "resources": RESOURCES,
        "securityContext": _container_security(),
        # First initialisation (initdb) may take a while on a slow disk; liveness waits for it.
        "startupProbe": _probe(period=5, failures=60),
        "readinessProbe": _probe(period=10, failures=3),
        "livenessProbe": _probe(period=20, failures=6),
        "volumeMounts": [
            {"name": "data", "mountPath": MOUNT_PATH},
            # The root filesystem is read-only; the server writes its socket and temp files here.
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "serviceName": NAME,
        "replicas": 1,
        "selector": {"matchLabels": SELECTOR},
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {
                "automountServiceAccountToken": False,
                # No POSTGRES_* variables injected for Services in the namespace (the image reads that prefix).
                "enableServiceLinks": False,
                "nodeSelector": dict(node_selector),
                "securityContext": _pod_security(),
                "terminationGracePeriodSeconds": 60,
                "containers": [container],
                "volumes": [{"name": "run", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}],
            },
        },
        "volumeClaimTemplates": [
            {
                "metadata": {"name": "data", "labels": LABELS},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}},
            }
        ],
    }


class LocalPostgres(pulumi.ComponentResource):
    """PostgreSQL for the local stack: namespace, credentials Secret, Service, one-replica StatefulSet."""

    service_host: pulumi.Output[str]
    namespace: pulumi.Output[str]
    namespace_resource: kubernetes.core.v1.Namespace

    def __init__(
        self,
        name: str,
        ctx: ClusterContext,
        *,
        database_url: pulumi.Input[str],
        namespace: str = NAMESPACE,
        storage: str = "1Gi",
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`database_url`: the stack secret djangoDatabaseUrl; the server's user, password and database
        come from it. `storage`: size of the data volume (the cluster's default StorageClass)."""
        super().__init__("platform:index:LocalPostgres", name, None, ctx.component(opts))
        self.namespace_name = namespace
        credentials = pulumi.Output.from_input(database_url).apply(lambda url: database_from_url(url, namespace))

        namespace_resource = platform_namespace(
            f"{name}-ns", namespace, ctx.kubernetes(self), kubernetes_version=ctx.kubernetes_version
        )
        in_namespace = ctx.kubernetes(self, [namespace_resource])
        metadata = {"name": NAME, "namespace": namespace, "labels": LABELS}
        secret = kubernetes.core.v1.Secret(
            f"{name}-secret",
            metadata=metadata,
            type="Opaque",
            string_data={
                "POSTGRES_USER": pulumi.Output.secret(credentials.apply(lambda c: c.user)),
                "POSTGRES_PASSWORD": pulumi.Output.secret(credentials.apply(lambda c: c.password)),
                "POSTGRES_DB": pulumi.Output.secret(credentials.apply(lambda c: c.database)),
            },
            opts=in_namespace,
        )
        service = kubernetes.core.v1.Service(
            f"{name}-service",
            metadata=metadata,
            spec={
                # Headless: the StatefulSet's governing Service; its name resolves to the ready pod.
                # Pulumi does not await pods behind a headless Service; it would for a ClusterIP
                # one, whose pods the StatefulSet (created after it) has not made yet.
                "clusterIP": "None",
                "selector": SELECTOR,
                "ports": [{"name": NAME, "port": PORT, "targetPort": NAME, "protocol": "TCP"}],
            },
            opts=in_namespace,
        )
        kubernetes.apps.v1.StatefulSet(
            f"{name}-statefulset",
            metadata=metadata,
            spec=statefulset_spec(ctx.system.node_selector, storage),
            opts=ctx.workload(self, ctx.system, after=[namespace_resource, secret, service]),
        )

        self.namespace_resource = namespace_resource
        self.service_host = pulumi.Output.from_input(allowed_hosts(namespace)[0])
        self.namespace = pulumi.Output.from_input(namespace)
        self.register_outputs({"service_host": self.service_host, "namespace": self.namespace})
