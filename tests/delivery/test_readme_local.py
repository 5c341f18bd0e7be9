"""README's "local stack on kind" commands name things that exist: the kind context the stack
targets, the make target, a database URL the local PostgreSQL accepts, the app's Service and port."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from components.django_app import RELEASE_NAME
from components.local_postgres import NAMESPACE, database_from_url

ROOT = Path(__file__).resolve().parents[2]


def local_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### The local stack on kind", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def command(prefix: str) -> str:
    [found] = [line for line in local_commands() if line.startswith(prefix)]
    return found


def test_cluster_name_is_the_context_the_stack_targets() -> None:
    name = command("kind create cluster").split("--name ", 1)[1]
    stack = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())["config"]
    assert stack["eks-platform:existingCluster"]["kubeconfigContext"] == f"kind-{name}"


def test_image_step_comes_before_the_update_and_exists() -> None:
    commands = local_commands()
    assert commands.index("make local-image") < commands.index("pulumi up --stack local --yes")
    assert re.search(r"^local-image:.*## ", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_database_url_is_one_the_local_postgres_accepts() -> None:
    line = command("pulumi config set --secret djangoDatabaseUrl")
    url = re.sub(r"\$\(python3 -c '[^']*'\)", "generated", line.split('"')[1])
    credentials = database_from_url(url, NAMESPACE)
    assert (credentials.user, credentials.password, credentials.database) == ("django", "generated", "django")


def test_port_forward_names_the_app_service_and_its_port() -> None:
    chart_values = yaml.safe_load((ROOT / "charts" / "django" / "values.yaml").read_text())
    forward = command("kubectl -n django port-forward")
    assert forward == f"kubectl -n django port-forward svc/{RELEASE_NAME} 8000:{chart_values['service']['port']}"
    assert command("curl") == "curl http://localhost:8000/healthz"
