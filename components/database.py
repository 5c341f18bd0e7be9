"""The app's database on AWS: an Amazon RDS for PostgreSQL instance per stack, or access to one
someone else runs.

- **The stack's own** (`database.enabled`): in the stack's private subnets, not publicly
  accessible, its storage encrypted with a KMS key of its own, behind a security group that admits
  only the cluster's security group (the managed nodes', which the pods share under the VPC CNI)
  on 5432. The engine version is pinned (components/versions.py) and minor upgrades wait for a
  reviewed bump. Automated backups are on; prod runs Multi-AZ with deletion protection. On destroy
  a final snapshot is kept when `dataOnDestroy` retains data (prod's default), none otherwise. The
  master password is the stack secret `databasePassword`; `url` is the app's DATABASE_URL, secret.
- **An external one** (`database.securityGroupId`): its security group gets the same ingress rule,
  and the app keeps the `djangoDatabaseUrl` it is given.
"""

from __future__ import annotations

from urllib.parse import quote

import pulumi
import pulumi_aws as aws

from components import versions
from components.context import ClusterContext
from components.settings import DatabaseSettings, aws_names

PORT = 5432


def database_url(username: str, password: str, address: str, database_name: str) -> str:
    """postgres://user:password@host:5432/db, the password percent-encoded, TLS required."""
    return f"postgres://{quote(username, safe='')}:{quote(password, safe='')}@{address}:{PORT}/{database_name}?sslmode=require"


class Database(pulumi.ComponentResource):
    """RDS for PostgreSQL (or an external database's security group) open to the cluster only."""

    url: pulumi.Output[str] | None
    """DATABASE_URL of the stack's instance (secret); None for an external database."""
    address: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        settings: DatabaseSettings,
        ctx: ClusterContext,
        *,
        password: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`password`: the stack secret databasePassword (with `settings.enabled`)."""
        super().__init__("platform:index:Database", name, None, ctx.component(opts, owns_aws=True))
        child = pulumi.ResourceOptions(parent=self)
        self.url = self.address = None
        if not settings.enabled:
            self._admit_cluster(name, settings.security_group_id, ctx, child)
            self.register_outputs({})
            return
        environment = ctx.environment
        identifier = aws_names.database_identifier(ctx.cluster_name)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Storage encryption of the RDS instance {identifier}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            # the snapshots kept on destroy are readable only with this key: it stays with them
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, retain_on_delete=ctx.retain_data),
        )
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"Private subnets of {ctx.cluster_name}",
            subnet_ids=ctx.private_subnet_ids,
            opts=child,
        )
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"PostgreSQL of {ctx.cluster_name}: from the cluster's nodes only",
            vpc_id=ctx.vpc_id,
            opts=child,
        )
        self._admit_cluster(name, group.id, ctx, child)
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine="postgres",
            engine_version=versions.RDS_POSTGRES_ENGINE_VERSION,
            auto_minor_version_upgrade=False,  # the pinned version moves only in a reviewed change
            instance_class=settings.resolved_class(environment),
            allocated_storage=settings.allocated_storage,
            max_allocated_storage=settings.max_allocated_storage or None,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_name=settings.database_name,
            username=settings.username,
            password=pulumi.Output.secret(password),
            port=PORT,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[group.id],
            publicly_accessible=False,
            multi_az=settings.resolved_multi_az(environment),
            backup_retention_period=settings.resolved_retention(environment),
            copy_tags_to_snapshot=True,
            deletion_protection=ctx.is_prod,
            skip_final_snapshot=not ctx.retain_data,
            final_snapshot_identifier=f"{identifier}-final" if ctx.retain_data else None,
            apply_immediately=False,  # changes wait for the maintenance window, not a deploy
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        self.address = instance.address
        self.url = pulumi.Output.secret(
            pulumi.Output.all(instance.address, password).apply(
                lambda args: database_url(settings.username, args[1], args[0], settings.database_name)
            )
        )
        self.register_outputs({"address": self.address})

    @staticmethod
    def _admit_cluster(
        name: str, group_id: pulumi.Input[str], ctx: ClusterContext, opts: pulumi.ResourceOptions
    ) -> aws.vpc.SecurityGroupIngressRule:
        """PostgreSQL from the cluster's security group (nodes and pods), nothing else."""
        return aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-cluster",
            security_group_id=group_id,
            referenced_security_group_id=ctx.cluster_security_group_id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            description="PostgreSQL from the EKS cluster's nodes and pods",
            opts=opts,
        )
