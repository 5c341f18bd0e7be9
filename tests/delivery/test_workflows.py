"""The GitHub Actions workflows: schema-valid, pinned, and doing what the delivery rules say.

Schema: check-jsonschema's bundled GitHub workflow schema (no network). Semantics: parsed YAML —
preview on pull requests with the policy pack and a PR comment, prod deploy only through the
protected environment, destroy refusing prod, OIDC everywhere, one image tag end to end.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.paths import bin_dir

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("test", "preview", "deploy", "destroy", "image", "drift", "e2e-kind")
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
ACTIONLINT = bin_dir() / "actionlint"
IMAGE_TAG_COMMAND = "git log -1 --format=%H -- app/"
# Inputs these actions declare (their action.yml at the pinned major), for the inputs we pass.
KNOWN_INPUTS = {
    "actions/checkout": {"fetch-depth", "ref"},
    "actions/setup-python": {"python-version"},
    "actions/setup-go": {"go-version-file", "cache"},
    "actions/cache": {"path", "key"},
    "aws-actions/configure-aws-credentials": {"role-to-assume", "role-session-name", "aws-region"},
    "actions/github-script": {"script"},
    "aws-actions/amazon-ecr-login": set(),
    "docker/setup-buildx-action": set(),
    "docker/build-push-action": {"context", "push", "tags", "labels"},
    "pulumi/actions": {
        "command",
        "stack-name",
        "cloud-url",
        "secrets-provider",
        "pulumi-version",
        "policyPacks",
        "diff",
        "comment-on-pr",
        "edit-pr-comment",
        "github-token",
        "refresh",
        "expect-no-changes",
    },
}


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())
    # YAML 1.1 reads the key `on` as True
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def all_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in steps(job)]


def uses(step: dict[str, Any]) -> str:
    return step.get("uses", "").split("@")[0]


def run_text(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def pulumi_steps(job: dict[str, Any], command: str | None = None) -> list[dict[str, Any]]:
    found = [s for s in steps(job) if uses(s) == "pulumi/actions" and "command" in s.get("with", {})]
    return [s for s in found if command is None or s["with"]["command"] == command]


# ---- schema and pinning ---------------------------------------------------------------------------


def test_every_expected_workflow_exists_and_nothing_else() -> None:
    assert sorted(p.stem for p in WORKFLOWS.glob("*.y*ml")) == sorted(NAMES)


def test_workflows_pass_the_github_workflow_schema() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_does_reject_a_broken_workflow(tmp_path: Path) -> None:
    """Control: the same check fails on a workflow with a misspelled job key."""
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS / "test.yml").read_text().replace("runs-on:", "runs_on:"))
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    """The pinned actionlint (`make actionlint`), running Debian's shellcheck on every run: script."""
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is missing: make setup installs Debian's package"
    return subprocess.run(
        [str(ACTIONLINT), "-shellcheck", shellcheck, "-no-color", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_pass_actionlint_and_shellcheck() -> None:
    result = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_reject_broken_expressions_and_scripts(tmp_path: Path) -> None:
    """Control: an unknown context in an expression, and a script shellcheck flags (SC2086)."""
    source = (WORKFLOWS / "e2e-kind.yml").read_text()
    bad_expression = tmp_path / "expression.yml"
    bad_expression.write_text(source.replace("${{ github.ref }}", "${{ githubb.ref }}"))
    bad_script = tmp_path / "script.yml"
    bad_script.write_text(source.replace('--name "$KIND_CLUSTER" --wait', "--name $KIND_CLUSTER --wait"))
    assert 'undefined variable "githubb"' in actionlint(bad_expression).stdout
    assert "SC2086" in actionlint(bad_script).stdout


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_by_version(name: str) -> None:
    for step in all_steps(load(name)):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+){0,2}", step["uses"]), step["uses"]
    for job in load(name)["jobs"].values():
        if "uses" in job:  # reusable workflows: from this repository, at this commit
            assert job["uses"].startswith("./.github/workflows/"), job["uses"]


@pytest.mark.parametrize("name", NAMES)
def test_action_inputs_exist(name: str) -> None:
    for step in all_steps(load(name)):
        if "uses" in step:
            unknown = set(step.get("with", {})) - KNOWN_INPUTS[uses(step)]
            assert not unknown, f"{step['uses']}: {unknown}"


@pytest.mark.parametrize("name", NAMES)
def test_no_long_lived_aws_keys(name: str) -> None:
    text = (WORKFLOWS / f"{name}.yml").read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for step in all_steps(load(name)):
        if uses(step) == "aws-actions/configure-aws-credentials":
            assert "vars.AWS_" in step["with"]["role-to-assume"]


def test_aws_jobs_may_request_an_oidc_token() -> None:
    for name in ("preview", "deploy", "destroy", "drift"):
        assert load(name)["permissions"]["id-token"] == "write", name
    push = load("image")["jobs"]["push"]
    assert push["permissions"]["id-token"] == "write"
    assert load("image")["permissions"] == {"contents": "read"}  # the pull-request build gets no token


def test_the_test_job_has_the_go_that_builds_promtool() -> None:
    """`make setup` builds promtool from e2e/go/promtool: the job sets up Go from that module's go.mod."""
    steps = yaml.safe_load((WORKFLOWS / "test.yml").read_text())["jobs"]["test"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    go = next(step for step in steps if step.get("uses", "").startswith("actions/setup-go@"))
    assert go["with"]["go-version-file"] == "e2e/go/promtool/go.mod"
    assert (ROOT / go["with"]["go-version-file"]).exists()
    assert uses.index(go["uses"]) < next(i for i, step in enumerate(steps) if step.get("run") == "make test")
    # The cached store is keyed by every wrapper module make setup builds (promtool and actionlint).
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert "e2e/go/promtool/" in cache["with"]["key"] and "e2e/go/actionlint/" in cache["with"]["key"]


def test_pulumi_cli_is_the_one_version_of_tools_lock() -> None:
    pinned = re.search(r"^pulumi_cli_version=(\S+)$", (ROOT / "tools.lock").read_text(), re.MULTILINE).group(1)
    for name in ("preview", "deploy", "destroy", "drift", "image"):
        assert load(name)["env"]["PULUMI_VERSION"] == pinned, name
    assert f"Pulumi CLI {pinned}" in (ROOT / "docs" / "operations.md").read_text()
    assert f"Pulumi CLI](https://www.pulumi.com/docs/install/) {pinned}" in (ROOT / "README.md").read_text()


# ---- test.yml -------------------------------------------------------------------------------------------


def test_tests_run_on_every_push_and_pull_request() -> None:
    workflow = load("test")
    assert workflow["on"] == {"push": None, "pull_request": None}
    [job] = workflow["jobs"].values()
    commands = [s["run"] for s in steps(job) if "run" in s]
    assert commands == ["make test"]
    assert job["container"]["image"].startswith("python:3.11.")


# ---- preview.yml ----------------------------------------------------------------------------------


def test_preview_runs_on_pull_requests_for_dev_and_prod_with_the_policy_pack() -> None:
    workflow = load("preview")
    assert set(workflow["on"]) == {"pull_request"}
    assert workflow["permissions"]["pull-requests"] == "write"
    [job] = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    [preview] = pulumi_steps(job, "preview")
    options = preview["with"]
    assert options["stack-name"] == "${{ matrix.stack }}"
    assert options["policyPacks"] == "policy"
    assert options["comment-on-pr"] is True and options["edit-pr-comment"] is True
    assert options["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert workflow["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"


def test_preview_comments_the_rendered_diff_of_each_stack_beside_the_preview() -> None:
    """`make diff` against the PR's base branch, its output in one collapsible section per stack."""
    [job] = load("preview")["jobs"].values()
    names = [s.get("name", uses(s)) for s in steps(job)]
    [diff] = [s for s in steps(job) if "make diff" in s.get("run", "")]
    assert "make diff STACK=${{ matrix.stack }} BASE=origin/${{ github.base_ref }}" in diff["run"]
    assert "| tee make-diff.txt" in diff["run"] and "set -o pipefail" in diff["run"]
    assert diff["continue-on-error"] is True  # advisory: the preview still runs
    [checkout] = [s for s in steps(job) if uses(s) == "actions/checkout"]
    assert checkout["with"]["fetch-depth"] == 0  # origin/<base> must exist
    # before the step that writes the image tag into the stack file, so only the PR's changes show
    [tag_step] = [s for s in steps(job) if IMAGE_TAG_COMMAND in s.get("run", "")]
    assert names.index(diff["name"]) < names.index(tag_step["name"])
    [preview] = pulumi_steps(job, "preview")
    assert names.index(diff["name"]) < names.index(preview.get("name", "pulumi/actions"))

    [comment] = [s for s in steps(job) if uses(s) == "actions/github-script"]
    assert names.index(diff["name"]) < names.index(comment["name"])
    assert comment["if"] == "${{ !cancelled() }}"
    assert comment["env"] == {
        "STACK": "${{ matrix.stack }}",
        "BASE": "origin/${{ github.base_ref }}",
        "OUTCOME": f"${{{{ steps.{diff['id']}.outcome }}}}",
        "SYNTH": "${{ steps.synth.outcome }}",
    }
    script = comment["with"]["script"]
    assert "readFileSync('make-diff.txt'" in script  # the diff's output is what lands in the comment
    assert "<!-- make-diff:${STACK} -->" in script  # one comment per stack, found again and edited
    assert "<details>" in script and "</details>" in script
    assert "updateComment" in script and "createComment" in script
    assert load("preview")["permissions"]["pull-requests"] == "write"


def test_preview_comments_deploy_time_and_cost_and_fails_over_the_budget() -> None:
    """make synth's summary.md (modeled time, monthly cost) heads the comment; over budget the job fails."""
    [job] = load("preview")["jobs"].values()
    names = [s.get("name", uses(s)) for s in steps(job)]
    [synth] = [s for s in steps(job) if s.get("run", "").startswith("make synth")]
    assert synth["run"] == "make synth STACK=${{ matrix.stack }}" and synth["id"] == "synth"
    assert synth["continue-on-error"] is True  # the comment and the preview still run
    [comment] = [s for s in steps(job) if uses(s) == "actions/github-script"]
    assert names.index(synth["name"]) < names.index(comment["name"])
    script = comment["with"]["script"]
    assert "`build/${STACK}/summary.md`" in script and script.index("summary,") < script.index("<details>")
    [fail] = [s for s in steps(job) if s.get("if") == "${{ steps.synth.outcome == 'failure' }}"]
    assert "exit 1" in fail["run"] and names.index(fail["name"]) == len(names) - 1


def test_prod_preview_and_drift_use_the_read_only_role() -> None:
    for name in ("preview", "drift"):
        [job] = load(name)["jobs"].values()
        [credentials] = [s for s in steps(job) if uses(s) == "aws-actions/configure-aws-credentials"]
        assert "AWS_READONLY_ROLE_ARN_PROD" in credentials["with"]["role-to-assume"]


# ---- deploy.yml -----------------------------------------------------------------------------------------


def test_deploy_runs_on_merge_to_main_dev_first() -> None:
    workflow = load("deploy")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    dev = workflow["jobs"]["dev"]
    assert dev["env"]["STACK"] == "dev"
    assert 'pulumi up --yes --stack "$STACK" --policy-pack policy' in run_text(dev)


def test_prod_deploys_only_through_the_protected_environment() -> None:
    jobs = load("deploy")["jobs"]
    prod = jobs["prod"]
    assert prod["environment"] == "prod"
    assert "dev" in prod["needs"]
    assert prod["env"]["STACK"] == "prod"
    assert 'pulumi up --yes --stack "$STACK" --policy-pack policy' in run_text(prod)
    # the prod deploy role appears in that job and in no other job of any workflow
    for name in NAMES:
        for job_name, job in load(name)["jobs"].items():
            mentions = "AWS_ROLE_ARN_PROD" in yaml.safe_dump(job)
            assert mentions == (name == "deploy" and job_name == "prod"), (name, job_name)


def test_deploy_passes_the_image_tag_the_image_workflow_pushed() -> None:
    jobs = load("deploy")["jobs"]
    assert jobs["image-dev"]["uses"] == "./.github/workflows/image.yml"
    assert jobs["image-dev"]["with"] == {"stack": "dev"}
    assert jobs["image-prod"]["with"] == {"stack": "prod"}
    assert jobs["dev"]["needs"] == "image-dev" and "image-prod" in jobs["prod"]["needs"]
    for name in ("dev", "prod"):
        text = run_text(jobs[name])
        assert f"pulumi config set --path 'django.imageTag' \"$({IMAGE_TAG_COMMAND})\"" in text
        assert text.index("django.imageTag") < text.index("pulumi up")


def test_bootstrap_runs_the_readmes_sequence_up_image_up() -> None:
    """`make bootstrap`: the first up leaves the release out (no image yet), the image is pushed, up again."""
    jobs = load("deploy")["jobs"]
    for name in ("dev", "prod"):
        text = run_text(jobs[name])
        first, push, last = (
            text.index('pulumi up --yes --stack "$STACK" --policy-pack policy'),
            text.index('bash scripts/push_image.sh "$STACK"'),
            text.rindex('pulumi up --yes --stack "$STACK" --policy-pack policy'),
        )
        assert first < push < last
        assert "--exclude" not in text  # the program decides, not a URN list
    makefile = (ROOT / "Makefile").read_text()
    assert "bootstrap: ##" in makefile and "bash scripts/push_image.sh $(STACK)" in makefile


# ---- image.yml ------------------------------------------------------------------------------------------


def test_image_builds_on_app_changes_and_pushes_an_immutable_sha_tag() -> None:
    workflow = load("image")
    assert workflow["on"]["pull_request"] == {"paths": ["app/**"]}
    assert workflow["on"]["workflow_call"]["inputs"]["stack"]["required"] is True
    build, push = workflow["jobs"]["build"], workflow["jobs"]["push"]
    [pr_build] = [s for s in steps(build) if uses(s) == "docker/build-push-action"]
    assert pr_build["with"]["push"] is False and pr_build["with"]["context"] == "app"
    assert not any(uses(s) == "aws-actions/configure-aws-credentials" for s in steps(build))

    [tag] = [s for s in steps(push) if s.get("id") == "tag"]
    assert IMAGE_TAG_COMMAND in tag["run"]
    [publish] = [s for s in steps(push) if uses(s) == "docker/build-push-action"]
    assert publish["with"]["push"] is True and publish["with"]["context"] == "app"
    assert publish["with"]["tags"] == "${{ steps.repository.outputs.url }}:${{ steps.tag.outputs.tag }}"
    assert "djangoImageRepository" in run_text(push)
    assert workflow["on"]["workflow_call"]["outputs"]["image-tag"]["value"] == "${{ jobs.push.outputs.image-tag }}"


def test_the_ecr_repository_refuses_to_overwrite_a_tag(dev) -> None:
    """What makes the SHA tag immutable: the program's ECR repository, and the tag setting it feeds."""
    from components.settings import DjangoSettings, config_keys

    repository = dev.one("aws:ecr/repository:Repository")
    assert repository.plain["imageTagMutability"] == "IMMUTABLE"
    assert "django" in config_keys()
    assert DjangoSettings(image_tag="0123456789abcdef0123456789abcdef01234567").image_tag.startswith("0123")


def test_jobs_that_compute_the_tag_have_the_full_history() -> None:
    """A shallow clone would see no commit under app/ and produce an empty tag."""
    for name in NAMES:
        for job in load(name)["jobs"].values():
            if IMAGE_TAG_COMMAND in run_text(job):
                [checkout] = [s for s in steps(job) if uses(s) == "actions/checkout"]
                assert checkout["with"]["fetch-depth"] == 0, name


def test_the_tag_is_the_last_commit_that_changed_app(tmp_path: Path) -> None:
    """Commits after the last app/ change keep the tag, so an infra-only merge redeploys the same image."""

    def git(*args: str) -> str:
        command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()

    git("init", "--quiet")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("v1")
    git("add", "-A")
    git("commit", "--quiet", "-m", "app v1")
    app_commit = git("rev-parse", "HEAD")
    (tmp_path / "components.py").write_text("infra")
    git("add", "-A")
    git("commit", "--quiet", "-m", "infra only")
    assert git("rev-parse", "HEAD") != app_commit
    tag = subprocess.run(["bash", "-c", IMAGE_TAG_COMMAND], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert tag.stdout.strip() == app_commit
    assert re.fullmatch(r"[0-9a-f]{40}", app_commit)


# ---- destroy.yml ----------------------------------------------------------------------------------------


def test_destroy_is_manual_and_never_offers_prod() -> None:
    workflow = load("destroy")
    assert set(workflow["on"]) == {"workflow_dispatch"}
    options = workflow["on"]["workflow_dispatch"]["inputs"]["stack"]["options"]
    assert "prod" not in options and options
    [job] = workflow["jobs"].values()
    assert job["if"] == "inputs.stack != 'prod'"
    assert 'scripts/destroy.py "$STACK" --yes' in run_text(job)
    assert "--i-have-unprotected-prod" not in run_text(job)


@pytest.mark.parametrize(
    ("stack", "confirm", "code"),
    [("prod", "prod", 1), ("dev", "dev", 0), ("dev", "prod", 1), ("dev", "", 1)],
)
def test_destroy_guard_step_refuses_prod_and_unconfirmed_runs(stack: str, confirm: str, code: int) -> None:
    [job] = load("destroy")["jobs"].values()
    guard = steps(job)[0]
    assert guard["name"] == "Refuse prod and unconfirmed runs"
    result = subprocess.run(
        ["bash", "-c", guard["run"]], env={"STACK": stack, "CONFIRM": confirm}, capture_output=True, check=False
    )
    assert result.returncode == code


# ---- drift.yml -------------------------------------------------------------------------------------------


def test_drift_is_a_scheduled_refreshed_preview_that_fails_on_changes() -> None:
    workflow = load("drift")
    assert workflow["on"]["schedule"] and "workflow_dispatch" in workflow["on"]
    [job] = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert job["strategy"]["fail-fast"] is False
    [preview] = pulumi_steps(job, "preview")
    assert preview["with"]["expect-no-changes"] is True and preview["with"]["refresh"] is True
    assert preview["with"]["policyPacks"] == "policy"
    assert not [s for s in pulumi_steps(job) if s["with"]["command"] != "preview"]  # never `up`


def test_prod_jobs_run_where_prod_runner_says_and_dev_jobs_on_hosted_runners() -> None:
    """prod's API endpoint is an allow-list that GitHub-hosted runners are not on."""
    for name in ("preview", "drift"):
        [job] = load(name)["jobs"].values()
        assert job["runs-on"] == "${{ matrix.stack == 'prod' && vars.PROD_RUNNER || 'ubuntu-24.04' }}", name
    deploy = load("deploy")["jobs"]
    assert deploy["prod"]["runs-on"] == "${{ vars.PROD_RUNNER || 'ubuntu-24.04' }}"
    assert deploy["dev"]["runs-on"] == "ubuntu-24.04"
    assert "`PROD_RUNNER`" in (ROOT / "docs" / "operations.md").read_text()
