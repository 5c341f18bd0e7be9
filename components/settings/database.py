"""The app's database: `database` (an Amazon RDS for PostgreSQL instance per stack, or access to one
someone else runs)."""

from __future__ import annotations

from pydantic import Field

from components.settings.base import SettingsModel


class DatabaseSettings(SettingsModel):
    """Amazon RDS for PostgreSQL, in the stack's private subnets, reachable only from its nodes."""

    enabled: bool = Field(default=False, description="Create an RDS for PostgreSQL instance (AWS stacks).")
    instance_class: str = Field(
        default="",
        pattern=r"^(db\.[a-z0-9]+\.[a-z0-9]+)?$",
        description="Instance class; '' = db.t4g.medium in prod, db.t4g.micro elsewhere.",
    )
    allocated_storage: int = Field(default=20, ge=20, le=65536, description="gp3 storage at creation, GiB.")
    max_allocated_storage: int = Field(
        default=100, ge=0, le=65536, description="Storage autoscaling ceiling, GiB; 0 = no autoscaling."
    )
    multi_az: bool | None = Field(default=None, description="A standby in another zone; unset = prod only.")
    backup_retention_days: int = Field(
        default=0, ge=0, le=35, description="Automated backups kept this many days; 0 = 14 in prod, 7 elsewhere."
    )
    database_name: str = Field(default="django", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Database name.")
    username: str = Field(
        default="django", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Master user (the app connects as it)."
    )
    security_group_id: str = Field(
        default="",
        pattern=r"^(sg-[0-9a-f]{8,17})?$",
        description="An external database's security group: it gets an ingress rule from the cluster on 5432.",
    )

    def resolved_class(self, environment: str) -> str:
        return self.instance_class or ("db.t4g.medium" if environment == "prod" else "db.t4g.micro")

    def resolved_multi_az(self, environment: str) -> bool:
        return self.multi_az if self.multi_az is not None else environment == "prod"

    def resolved_retention(self, environment: str) -> int:
        return self.backup_retention_days or (14 if environment == "prod" else 7)


def password_problem(password: str) -> str | None:
    """What RDS would refuse in a master password (CreateDBInstance MasterUserPassword: 8-128 printable
    ASCII characters other than '/', '@', '"' and space), without ever quoting the password."""
    if not 8 <= len(password) <= 128:
        return f"8 to 128 characters (it has {len(password)})"
    bad = sorted({c for c in password if not (33 <= ord(c) <= 126) or c in '/@"'})
    if bad:
        return f"printable ASCII without '/', '@', '\"' or space ({len(bad)} kind(s) of character not allowed)"
    return None
