"""The app's own Django test suite (app/core/tests), run against the real PostgreSQL server."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping

Manage = Callable[..., subprocess.CompletedProcess[str]]


def test_django_test_suite_passes_on_postgresql(manage: Manage, production_env: Mapping[str, str]) -> None:
    # Django's runner creates and drops test_eks_platform_test itself (the role has CREATEDB);
    # --noinput lets it replace a database left behind by an interrupted run.
    result = manage(production_env, "test", "--noinput")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    ran = re.search(r"^Ran (\d+) tests? in ", output, re.MULTILINE)
    assert ran is not None and int(ran.group(1)) >= 40, output
    assert re.search(r"^OK$", output, re.MULTILINE), output
    assert "Creating test database for alias 'default'" in output
