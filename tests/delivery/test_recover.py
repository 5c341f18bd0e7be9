"""scripts/recover.py and scripts/recovery/: what `make recover` decides and runs after an interrupted run.

No Pulumi CLI, Helm or cluster is needed: a fake runner answers the read-only commands (`pulumi
whoami`, `pulumi stack export`, `helm history`, `helm get manifest`) from a state document and a
release table built here, and records every command. Like the real CLI, its `pulumi stack import`
drops every pending operation of the file it is given (pkg/cmd/pulumi/stack: SaveSnapshot,
"Explicitly clear-out any pending operations") and its `pulumi cancel` deletes the lock objects.
The locks are files of a temporary file backend, and the processes a fake /proc directory.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scripts import recover
from scripts.recovery import aws, checkpoint, decisions, helm, locks
from scripts.recovery.helm import Revision
from scripts.recovery.pending import Decision, Pending, deleting, edited, kubernetes_id, refresh_targets

ROOT = Path(__file__).resolve().parents[2]
HOST = "ops-laptop"
PROJECT = "eks-platform"

STACK_URN = "urn:pulumi:{s}::eks-platform::pulumi:pulumi:Stack::eks-platform-{s}"
K8S_PROVIDER = "urn:pulumi:{s}::eks-platform::pulumi:providers:kubernetes::{s}-k8s"
AWS_PROVIDER = "urn:pulumi:{s}::eks-platform::pulumi:providers:aws::default_6_0_0"
APP = "urn:pulumi:{s}::eks-platform::platform:index:DjangoApp::{s}-django"
NAMESPACE = "urn:pulumi:{s}::eks-platform::platform:index:DjangoApp$kubernetes:core/v1:Namespace::{s}-django-ns"
RELEASE = "urn:pulumi:{s}::eks-platform::platform:index:DjangoApp$kubernetes:helm.sh/v3:Release::{s}-django-release"
VPC = "urn:pulumi:{s}::eks-platform::platform:index:Network$aws:ec2/vpc:Vpc::{s}-vpc"

KUBECONFIG = (
    "apiVersion: v1\nkind: Config\nclusters:\n- name: dev\n  cluster: {server: 'https://10.0.0.1'}\n"
    "users:\n- name: admin\n  user: {token: s3cr3t-bearer-token-4711}\n"
)
PVC_MANIFEST = """---
apiVersion: v1
kind: Service
metadata: {name: django}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: django-media}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""
STATEFUL_MANIFEST = """---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres}
spec:
  serviceName: postgres
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
"""
PLAIN_MANIFEST = """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: django}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec: {serviceName: cache}
"""


# ---- the state document -----------------------------------------------------------------------------


def provider(stack: str = "dev", inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "urn": K8S_PROVIDER.format(s=stack),
        "custom": True,
        "id": "0c4b1f5e-k8s",
        "type": "pulumi:providers:kubernetes",
        "inputs": inputs if inputs is not None else {"context": f"kind-{stack}"},
        "outputs": {},
    }


def base_resources(stack: str = "dev", k8s_inputs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [
        {"urn": STACK_URN.format(s=stack), "custom": False, "type": "pulumi:pulumi:Stack"},
        provider(stack, k8s_inputs),
        {
            "urn": AWS_PROVIDER.format(s=stack),
            "custom": True,
            "id": "9a8b-aws",
            "type": "pulumi:providers:aws",
            "inputs": {"region": "eu-west-1"},
        },
        {
            "urn": APP.format(s=stack),
            "custom": False,
            "type": "platform:index:DjangoApp",
            "parent": STACK_URN.format(s=stack),
        },
    ]


def kubernetes_op(urn: str, resource_type: str, inputs: dict[str, Any], operation: str, stack: str) -> dict[str, Any]:
    """A pending operation of a resource under the Django component, made by the stack's Kubernetes provider."""
    return {
        "type": operation,
        "resource": {
            "urn": urn.format(s=stack),
            "custom": True,
            "type": resource_type,
            "inputs": inputs,
            "parent": APP.format(s=stack),
            "provider": f"{K8S_PROVIDER.format(s=stack)}::0c4b1f5e-k8s",
        },
    }


def namespace_op(stack: str = "dev", operation: str = "creating") -> dict[str, Any]:
    return kubernetes_op(NAMESPACE, "kubernetes:core/v1:Namespace", {"metadata": {"name": "django"}}, operation, stack)


def release_op(stack: str = "dev", operation: str = "creating") -> dict[str, Any]:
    inputs = {"name": "django", "namespace": "django", "chart": "./charts/django"}
    return kubernetes_op(RELEASE, "kubernetes:helm.sh/v3:Release", inputs, operation, stack)


def vpc_op(stack: str = "dev") -> dict[str, Any]:
    return {
        "type": "creating",
        "resource": {
            "urn": VPC.format(s=stack),
            "custom": True,
            "type": "aws:ec2/vpc:Vpc",
            "inputs": {"cidrBlock": "10.0.0.0/16", "tags": {"Name": f"{stack}-vpc"}},
            "parent": STACK_URN.format(s=stack),
            "provider": f"{AWS_PROVIDER.format(s=stack)}::9a8b-aws",
        },
    }


def state(resources: list[dict[str, Any]], operations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": 3, "deployment": {"resources": resources, "pending_operations": operations}}


# ---- the fake world: backend, cluster, runner --------------------------------------------------------


def ok(command: list[str], stdout: str = "") -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(command, 0, stdout=stdout, stderr="")


def is_helm(command: Sequence[str]) -> bool:
    return Path(command[0]).name == "helm"


def option(command: Sequence[str], name: str) -> str:
    return command[list(command).index(name) + 1]


@dataclass
class FakeWorld:
    """The Pulumi CLI, Helm and the AWS CLI as recovery sees them; records every command."""

    url: str
    state: dict[str, Any]
    releases: dict[str, list[dict[str, Any]] | None] = field(default_factory=dict)  # name -> history; None: absent
    manifests: dict[str, str] = field(default_factory=dict)  # release name -> manifest of its last revision
    secret_state: dict[str, Any] | None = None  # what `stack export --show-secrets` gives
    backend: Path | None = None
    fail_on: str | None = None
    on_refresh: Callable[[FakeWorld, list[str]], None] | None = None
    s3: dict[str, str] = field(default_factory=dict)  # `aws s3 ls` listing and object bodies
    commands: list[tuple[list[str], bool]] = field(default_factory=list)
    imported: list[dict[str, Any]] = field(default_factory=list)  # the files given to `stack import`
    import_modes: list[int] = field(default_factory=list)
    kubeconfigs: list[tuple[str, int, str]] = field(default_factory=list)  # path, mode, content when helm ran

    def __call__(self, command: Sequence[str], capture: bool) -> subprocess.CompletedProcess:
        command = list(command)
        self.commands.append((command, capture))
        if self.fail_on and self.fail_on in " ".join(command):
            return subprocess.CompletedProcess(command, 1, stdout="", stderr="boom")
        if command[:2] == ["pulumi", "whoami"]:
            assert capture
            return ok(command, json.dumps({"user": "ops", "url": self.url}))
        if command[:3] == ["pulumi", "stack", "export"]:
            assert capture
            if "--show-secrets" in command:
                assert self.secret_state is not None, "secrets read although no provider needs them"
                return ok(command, json.dumps(self.secret_state))
            return ok(command, json.dumps(self.state))
        if is_helm(command):
            return self.helm(command, capture)
        if command[:3] == ["aws", "s3", "ls"]:
            return ok(command, self.s3.get("ls", ""))
        if command[:3] == ["aws", "s3", "cp"]:
            return ok(command, self.s3[command[3]])
        assert not capture, f"unexpected query {command}"
        if command[:2] == ["pulumi", "cancel"]:
            if self.backend is not None:  # the file backend's cancel deletes the stack's lock objects
                for lock in (self.backend / ".pulumi" / "locks").rglob("*.json"):
                    lock.unlink()
        elif command[:3] == ["pulumi", "stack", "import"]:
            path = Path(option(command, "--file"))
            document = json.loads(path.read_text())
            self.imported.append(document)
            self.import_modes.append(stat.S_IMODE(path.stat().st_mode))
            new = copy.deepcopy(document)
            new["deployment"]["pending_operations"] = []  # what the CLI's SaveSnapshot does
            self.state = new
        elif command[:2] == ["pulumi", "refresh"] and self.on_refresh:
            self.on_refresh(self, targets(command))
        return ok(command)

    def helm(self, command: list[str], capture: bool) -> subprocess.CompletedProcess:
        if "--kubeconfig" in command:
            path = Path(option(command, "--kubeconfig"))
            self.kubeconfigs.append((str(path), stat.S_IMODE(path.stat().st_mode), path.read_text()))
        verb = command[1]
        if verb == "history":
            assert capture
            history = self.releases.get(command[2])
            if history is None:
                return subprocess.CompletedProcess(command, 1, stdout="", stderr="Error: release: not found")
            return ok(command, json.dumps(history))
        if verb == "get":
            assert capture and command[2] == "manifest"
            return ok(command, self.manifests.get(command[3], ""))
        assert verb in ("uninstall", "rollback") and not capture, command
        return ok(command)

    @property
    def mutating(self) -> list[list[str]]:
        return [command for command, capture in self.commands if not capture]


def targets(command: list[str]) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == "--target"]


def history(*statuses: str) -> list[dict[str, Any]]:
    return [{"revision": n, "status": s, "chart": "django-0.1.0"} for n, s in enumerate(statuses, start=1)]


@dataclass
class Setup:
    project: Path
    backend: Path
    proc: Path

    def lock(self, stack: str = "dev", *, pid: int = 4242, hostname: str = HOST) -> Path:
        folder = self.backend / ".pulumi" / "locks" / "organization" / PROJECT / stack
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.json"
        body = {"pid": pid, "hostname": hostname, "username": "ops", "timestamp": "2025-01-01T10:00:00Z"}
        path.write_text(json.dumps(body))
        return path

    def world(self, document: dict[str, Any], **kwargs: Any) -> FakeWorld:
        return FakeWorld(url=f"file://{self.backend}", state=document, backend=self.backend, **kwargs)


def fake_process(proc: Path, pid: int, comm: str, cwd: Path, cmdline: str, state_letter: str = "S") -> None:
    entry = proc / str(pid)
    entry.mkdir(parents=True)
    (entry / "comm").write_text(f"{comm}\n")
    (entry / "stat").write_text(f"{pid} ({comm}) {state_letter} 1 {pid} {pid} 0 -1 4194560 0 0 0 0\n")
    (entry / "cwd").symlink_to(cwd)
    (entry / "cmdline").write_bytes(cmdline.replace(" ", "\0").encode() + b"\0")


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n")
    for stack in ("dev", "prod", "local"):
        (project / f"Pulumi.{stack}.yaml").write_text(
            f"config:\n  eks-platform:environment: {stack}\n  aws:region: eu-west-1\n"
        )
    backend = tmp_path / "backend"
    backend.mkdir()
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "self").mkdir()  # not a pid: ignored
    return Setup(project.resolve(), backend, proc)


@dataclass
class Outcome:
    code: int
    output: str
    prompts: list[str]
    sleeps: list[float]


def call(setup: Setup, argv: list[str], world: FakeWorld, *, answer: str = "", cli: bool = True) -> Outcome:
    lines: list[str] = []
    prompts: list[str] = []
    sleeps: list[float] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return answer

    code = recover.main(
        [*argv, "--cwd", str(setup.project)],
        runner=world,
        which=lambda name: "/usr/bin/pulumi" if cli else None,
        ask=ask,
        out=lines.append,
        hostname=HOST,
        proc=setup.proc,
        sleep=sleeps.append,
    )
    return Outcome(code, "\n".join(lines), prompts, sleeps)


def pulumi(setup: Setup, stack: str, *args: str) -> list[str]:
    return ["pulumi", *args, "--stack", stack, "--cwd", str(setup.project)]


# ---- helm: the rule table --------------------------------------------------------------------------------


def revisions(*statuses: str) -> list[Revision]:
    return [Revision(n, s) for n, s in enumerate(statuses, start=1)]


@pytest.mark.parametrize(
    ("statuses", "operation", "data", "expected"),
    [
        pytest.param(None, "creating", False, (None, "clear", None), id="not-found-create"),
        pytest.param(None, "updating", False, (None, "refresh", None), id="not-found-update"),
        pytest.param(("deployed",), "creating", False, (None, "import", None), id="deployed-create-imports"),
        pytest.param(("deployed",), "updating", False, (None, "refresh", None), id="deployed-update-refreshes"),
        pytest.param(("deployed", "superseded"), "creating", False, (None, "clear", None), id="superseded-as-absent"),
        pytest.param(("deployed", "uninstalled"), "deleting", False, (None, "refresh", None), id="uninstalled"),
        pytest.param(("pending-install",), "creating", False, ("uninstall", "clear", None), id="pending-install"),
        pytest.param(("pending-install",), "creating", True, (None, "keep", None), id="pending-install-owns-data"),
        pytest.param(("failed",), "creating", False, ("uninstall", "clear", None), id="failed-first-install"),
        pytest.param(("failed",), "creating", True, (None, "keep", None), id="failed-first-install-owns-data"),
        pytest.param(
            ("deployed", "pending-upgrade"), "updating", False, ("rollback", "refresh", 1), id="pending-upgrade"
        ),
        pytest.param(
            ("deployed", "pending-upgrade"), "updating", True, ("rollback", "refresh", 1), id="rollback-despite-data"
        ),
        pytest.param(
            ("deployed", "superseded", "deployed", "failed"),
            "updating",
            False,
            ("rollback", "refresh", 3),
            id="failed-after-deployed",
        ),
        pytest.param(
            ("deployed", "pending-rollback"), "updating", False, ("rollback", "refresh", 1), id="pending-rollback"
        ),
        pytest.param(
            ("deployed", "pending-upgrade"), "creating", False, ("rollback", "import", 1), id="create-pending-upgrade"
        ),
        pytest.param(("deployed", "uninstalling"), "deleting", False, ("uninstall", "refresh", None), id="uninstall"),
        pytest.param(("deployed", "uninstalling"), "creating", False, ("uninstall", "clear", None), id="uninst-create"),
        pytest.param(("deployed", "uninstalling"), "deleting", True, (None, "keep", None), id="uninstalling-data"),
        pytest.param(("deployed", "unknown"), "updating", False, (None, "keep", None), id="unknown-status"),
    ],
)
def test_helm_rule_table(
    statuses: tuple[str, ...] | None, operation: str, data: bool, expected: tuple[str | None, str, int | None]
) -> None:
    rule = helm.rule(None if statuses is None else revisions(*statuses), operation, data)
    assert (rule.helm, rule.state, rule.revision) == expected
    assert rule.why


def test_helm_last_good_prefers_deployed_over_a_newer_superseded() -> None:
    assert helm.last_good(revisions("superseded", "deployed", "superseded")) == Revision(2, "deployed")
    assert helm.last_good(revisions("superseded", "superseded", "failed")) == Revision(2, "superseded")
    assert helm.last_good(revisions("failed", "pending-install")) is None
    assert helm.last_good([]) is None


def test_helm_history_is_sorted_oldest_first() -> None:
    text = json.dumps(
        [
            {"revision": 3, "status": "failed"},
            {"revision": 1, "status": "superseded"},
            {"revision": 2, "status": "deployed"},
        ]
    )
    assert helm.parse_history(text) == [Revision(1, "superseded"), Revision(2, "deployed"), Revision(3, "failed")]
    assert helm.parse_history("") == []


@pytest.mark.parametrize(
    ("manifest", "owns"),
    [(PVC_MANIFEST, True), (STATEFUL_MANIFEST, True), (PLAIN_MANIFEST, False), ("", False), ("---\n", False)],
    ids=["pvc", "statefulset-with-claims", "no-volumes", "empty", "empty-document"],
)
def test_owns_data(manifest: str, owns: bool) -> None:
    assert helm.owns_data(manifest) is owns


def test_release_id_from_inputs() -> None:
    assert helm.release_id({"inputs": {"name": "argo", "namespace": "argo"}}) == ("argo", "argo")
    assert helm.release_id({"inputs": {"name": "x"}}) == ("default", "x")


# ---- locks -------------------------------------------------------------------------------------------


def a_lock(hostname: str = HOST, pid: int | None = 4242) -> locks.Lock:
    return locks.Lock("/backend/.pulumi/locks/organization/eks-platform/dev/x.json", pid, hostname, "ops", "t0")


def test_judge_same_host_live_pid_is_an_active_run() -> None:
    verdict = locks.judge([a_lock()], None, hostname=HOST, alive=lambda pid: pid == 4242)
    assert verdict.release is False
    assert len(verdict.problems) == 1 and "a run is active" in verdict.problems[0]
    assert "pid 4242" in verdict.problems[0]


def test_judge_same_host_dead_pid_is_released() -> None:
    seen: list[int] = []
    verdict = locks.judge([a_lock()], None, hostname=HOST, alive=lambda pid: seen.append(pid) or False)
    assert verdict == locks.LockVerdict(release=True, problems=())
    assert seen == [4242]


def test_judge_other_host_needs_exactly_its_holder_named() -> None:
    lock = a_lock(hostname="ci-runner-7")
    never_called = lambda pid: pytest.fail("a pid on another machine cannot be checked here")  # noqa: E731
    refused = locks.judge([lock], None, hostname=HOST, alive=never_called)
    assert refused.release is False
    assert len(refused.problems) == 1 and "--holder-gone ci-runner-7:4242" in refused.problems[0]

    assert locks.judge([lock], "ci-runner-7:4242", hostname=HOST, alive=never_called).release is True
    for wrong in ("ci-runner-7:4243", "ci-runner-8:4242", "ci-runner-7", "cloud"):
        verdict = locks.judge([lock], wrong, hostname=HOST, alive=never_called)
        assert verdict.release is False and verdict.problems, wrong


def test_judge_no_lock_releases_nothing() -> None:
    assert locks.judge([], None, hostname=HOST) == locks.LockVerdict(release=False, problems=())


def test_parse_lock_and_backend_kind() -> None:
    lock = locks.parse_lock("loc", json.dumps({"pid": 7, "hostname": "h", "username": "u", "timestamp": "t"}))
    assert lock == locks.Lock("loc", 7, "h", "u", "t") and lock.holder == "h:7"
    garbage = locks.parse_lock("loc", "not json")
    assert (garbage.pid, garbage.hostname) == (None, "?")
    assert [locks.backend_kind(u) for u in ("file:///x", "s3://b/p", "https://api.pulumi.com")] == [
        "file",
        "s3",
        "cloud",
    ]


def test_s3_lock_keys_keep_the_stacks_lock_objects_only() -> None:
    listing = "\n".join(
        [
            "2025-01-01 10:00:00        123 eks-platform/.pulumi/locks/organization/eks-platform/dev/1111.json",
            "2025-01-01 10:00:00        123 eks-platform/.pulumi/locks/organization/eks-platform/prod/2222.json",
            "2025-01-01 10:00:00          9 eks-platform/.pulumi/locks/organization/eks-platform/dev/notes.txt",
            "2025-01-01 10:00:00        123 eks-platform/.pulumi/locks/organization/other/dev/3333.json",
            "2025-01-01 10:00:00        123 eks-platform/.pulumi/locks/organization/eks-platform/dev/sub/5555.json",
            "2025-01-01 10:00:00        123 eks-platform/.pulumi/locks/dev/4444.json",
            "",
        ]
    )
    assert locks.s3_lock_keys(listing, "s3://state-bucket/eks-platform", PROJECT, "dev") == [
        "s3://state-bucket/eks-platform/.pulumi/locks/organization/eks-platform/dev/1111.json",
        "s3://state-bucket/eks-platform/.pulumi/locks/dev/4444.json",
    ]
    at_root = "2025-01-01 10:00:00        123 .pulumi/locks/organization/eks-platform/dev/6666.json"
    assert locks.s3_lock_keys(at_root, "s3://state-bucket", PROJECT, "dev") == [
        "s3://state-bucket/.pulumi/locks/organization/eks-platform/dev/6666.json"
    ]
    assert locks.s3_locks_prefix("s3://state-bucket/eks-platform") == "s3://state-bucket/eks-platform/.pulumi/locks/"
    assert locks.s3_locks_prefix("s3://state-bucket") == "s3://state-bucket/.pulumi/locks/"


def test_file_locks_reads_every_layout(setup: Setup) -> None:
    setup.lock("dev", pid=11)
    old = setup.backend / ".pulumi" / "locks" / "dev"
    old.mkdir(parents=True)
    (old / "a.json").write_text(json.dumps({"pid": 12, "hostname": "h2"}))
    setup.lock("prod", pid=13)
    found = locks.file_locks(f"file://{setup.backend}", PROJECT, "dev")
    assert sorted((lock.pid, lock.hostname) for lock in found) == [(11, HOST), (12, "h2")]


def test_file_locks_of_a_local_login_are_in_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pulumi login --local` (the README's setup) stores the backend URL `file://~`, and
    `pulumi whoami --output json` reports it so: the locks are under ~/.pulumi/locks."""
    home = tmp_path / "home"
    folder = home / ".pulumi" / "locks" / "organization" / PROJECT / "dev"
    folder.mkdir(parents=True)
    (folder / "u.json").write_text(json.dumps({"pid": 4242, "hostname": HOST}))
    monkeypatch.setenv("HOME", str(home))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert [lock.pid for lock in locks.file_locks("file://~", PROJECT, "dev")] == [4242]


def test_pid_is_pulumi(setup: Setup) -> None:
    fake_process(setup.proc, 10, "pulumi", setup.project, "pulumi up")
    fake_process(setup.proc, 11, "pulumi", setup.project, "pulumi up", state_letter="Z")
    fake_process(setup.proc, 12, "python3", setup.project, "python3 x.py")
    assert locks.pid_is_pulumi(10, setup.proc) is True
    assert locks.pid_is_pulumi(11, setup.proc) is False  # a zombie does nothing
    assert locks.pid_is_pulumi(12, setup.proc) is False  # the pid was reused
    assert locks.pid_is_pulumi(13, setup.proc) is False  # gone


def test_pulumi_processes_in_the_project(setup: Setup, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    fake_process(setup.proc, 100, "pulumi", setup.project, "pulumi up --yes --stack dev")
    fake_process(setup.proc, 101, "pulumi-resource-kubernetes", setup.project, "pulumi-resource-kubernetes 127.0.0.1")
    fake_process(setup.proc, 102, "pulumi", setup.project, "pulumi up", state_letter="Z")  # zombie
    fake_process(setup.proc, 103, "pulumi", other, "pulumi preview")  # another project
    fake_process(setup.proc, 104, "bash", setup.project, "bash")  # not Pulumi
    assert sorted(locks.pulumi_processes_in(setup.project, setup.proc)) == [
        (100, "pulumi up --yes --stack dev"),
        (101, "pulumi-resource-kubernetes 127.0.0.1"),
    ]
    assert locks.pulumi_processes_in(other, setup.proc) == [(103, "pulumi preview")]


# ---- pending -------------------------------------------------------------------------------------------


def test_edited_appends_imports_after_the_resources_and_removes_resolved_operations() -> None:
    update_op = {
        "type": "updating",
        "resource": {"urn": APP.format(s="dev") + "-cm", "type": "kubernetes:core/v1:ConfigMap"},
    }
    document = state(base_resources(), [namespace_op(), release_op(), vpc_op(), update_op])
    before = copy.deepcopy(document)
    ops = [Pending(op["type"], op["resource"]) for op in document["deployment"]["pending_operations"]]
    decisions = [
        Decision(ops[0], "import", "read by name", "django"),
        Decision(ops[1], "clear", "uninstalled"),
        Decision(ops[2], "keep", "AWS assigns its ID"),
        Decision(ops[3], "refresh", "read it again"),
    ]
    out = edited(document, decisions)
    assert document == before  # the export itself is untouched

    resources = out["deployment"]["resources"]
    assert resources[:-1] == base_resources()
    imported = resources[-1]
    assert imported["urn"] == NAMESPACE.format(s="dev") and imported["id"] == "django"
    assert imported["outputs"] == {"metadata": {"name": "django"}}
    assert imported["provider"] == f"{K8S_PROVIDER.format(s='dev')}::0c4b1f5e-k8s"
    assert out["deployment"]["pending_operations"] == [vpc_op()]
    assert refresh_targets(decisions) == [NAMESPACE.format(s="dev"), update_op["resource"]["urn"]]


def test_kubernetes_id() -> None:
    assert kubernetes_id({"metadata": {"name": "django-env", "namespace": "django"}}) == "django/django-env"
    assert kubernetes_id({"metadata": {"name": "django"}}) == "django"
    assert kubernetes_id({"metadata": {"name": "django", "namespace": ""}}) == "django"
    assert kubernetes_id({"metadata": {}}) is None
    assert kubernetes_id({}) is None


def test_deleting_lists_targets_with_a_deletion_timestamp() -> None:
    going = {"urn": "u:ns", "outputs": {"metadata": {"deletionTimestamp": "2025-01-01T00:00:00Z"}}}
    document = state(
        [going, {"urn": "u:other", "outputs": {"metadata": {"deletionTimestamp": "t"}}}, {"urn": "u:x"}], []
    )
    assert deleting(document, ["u:ns", "u:x"]) == ["u:ns"]


# ---- aws -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_type", "inputs", "expected"),
    [
        ("aws:eks/cluster:Cluster", {"name": "eks-platform-dev"}, "eks-platform-dev"),
        ("aws:iam/role:Role", {"name": "dev-lbc-irsa"}, "dev-lbc-irsa"),
        ("aws:ecr/repository:Repository", {"name": "eks-platform-dev-django"}, "eks-platform-dev-django"),
        (
            "aws:eks/nodeGroup:NodeGroup",
            {"clusterName": "eks-platform-dev", "nodeGroupName": "ng"},
            "eks-platform-dev:ng",
        ),
        ("aws:s3/bucket:Bucket", {"bucket": "dev-artifacts"}, "dev-artifacts"),
        ("aws:rds/instance:Instance", {"identifier": "dev-db"}, "dev-db"),
        ("aws:eks/nodeGroup:NodeGroup", {"clusterName": "eks-platform-dev"}, None),
        ("aws:iam/role:Role", {"namePrefix": "dev-"}, None),
        ("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, None),
    ],
)
def test_aws_deterministic_id(resource_type: str, inputs: dict[str, Any], expected: str | None) -> None:
    assert aws.deterministic_id(resource_type, inputs) == expected


def test_aws_finder_filters_by_the_stack_tags_and_region() -> None:
    finder = aws.finder("aws:ec2/vpc:Vpc", {"tags": {"Name": "dev-vpc"}}, "dev", "eu-west-1")
    assert finder.startswith("aws resourcegroupstaggingapi get-resources --region eu-west-1 --tag-filters ")
    assert "Key=project,Values=eks-platform Key=stack,Values=dev Key=Name,Values=dev-vpc" in finder
    assert finder.endswith("# aws:ec2/vpc:Vpc")
    bare = aws.finder("aws:ec2/natGateway:NatGateway", {}, "prod", None)
    assert "--region" not in bare and "Key=stack,Values=prod" in bare and "Key=Name" not in bare


# ---- main, end to end ----------------------------------------------------------------------------------


def test_stale_lock_pending_install_and_namespace_are_recovered(setup: Setup) -> None:
    lock = setup.lock("dev", pid=4242)  # this machine; no /proc/4242: the run is gone
    fake_process(setup.proc, 777, "pulumi", setup.project.parent, "pulumi up")  # another directory: not this run
    document = state(base_resources(), [namespace_op(), release_op()])
    world = setup.world(document, releases={"django": history("pending-install")}, manifests={"django": PLAIN_MANIFEST})

    outcome = call(setup, ["dev", "--yes"], world)

    assert outcome.code == 0, outcome.output
    assert outcome.prompts == []
    mutating = world.mutating
    assert mutating[0] == pulumi(setup, "dev", "cancel", "--yes")
    assert is_helm(mutating[1])
    assert mutating[1][1:] == [
        "uninstall", "django", "--namespace", "django", "--wait", "--timeout", "5m", "--kube-context", "kind-dev"
    ]  # fmt: skip
    state_file = option(mutating[2], "--file")
    assert mutating[2] == pulumi(setup, "dev", "stack", "import", "--file", state_file)
    assert mutating[3] == [
        *pulumi(setup, "dev", "refresh", "--yes", "--skip-preview"),
        "--target",
        NAMESPACE.format(s="dev"),
    ]
    assert len(mutating) == 4

    # the helm history was read with the provider's context; the manifest of the pending revision
    helm_reads = [c for c, capture in world.commands if capture and is_helm(c)]
    assert helm_reads[0][1:3] == ["history", "django"] and option(helm_reads[0], "--kube-context") == "kind-dev"
    assert helm_reads[1][1:4] == ["get", "manifest", "django"] and option(helm_reads[1], "--revision") == "1"

    (written,) = world.imported
    resources = written["deployment"]["resources"]
    assert resources[:-1] == base_resources()
    assert resources[-1]["urn"] == NAMESPACE.format(s="dev") and resources[-1]["id"] == "django"
    assert RELEASE.format(s="dev") not in {r["urn"] for r in resources}
    assert written["deployment"]["pending_operations"] == []
    assert world.import_modes == [0o600]
    assert not Path(state_file).exists()  # deleted afterwards
    assert not lock.exists()
    assert "will now converge" in outcome.output
    assert "1 imported" in outcome.output and "1 cleared" in outcome.output


def test_a_live_lock_holder_is_refused(setup: Setup, tmp_path: Path) -> None:
    setup.lock("dev", pid=5151)
    fake_process(setup.proc, 5151, "pulumi", tmp_path, "pulumi up --yes")
    world = setup.world(state(base_resources(), [namespace_op()]))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 2
    assert "a run is active" in outcome.output and "pid 5151" in outcome.output
    assert world.mutating == []
    assert [c[:2] for c, _ in world.commands] == [["pulumi", "whoami"]]  # refused before reading the state


def test_a_pulumi_process_in_the_project_is_refused_even_without_a_lock(setup: Setup) -> None:
    fake_process(setup.proc, 6161, "pulumi-resource-kubernetes", setup.project, "pulumi-resource-kubernetes")
    world = setup.world(state(base_resources(), [namespace_op()]))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 2 and "pid 6161" in outcome.output
    assert world.mutating == []


def test_a_lock_from_another_machine_needs_its_holder_named(setup: Setup) -> None:
    setup.lock("dev", pid=4242, hostname="ci-runner-7")
    world = setup.world(state(base_resources(), [namespace_op()]))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 2 and "--holder-gone ci-runner-7:4242" in outcome.output
    assert world.mutating == []

    outcome = call(setup, ["dev", "--yes", "--holder-gone", "ci-runner-7:4243"], world)
    assert outcome.code == 2 and world.mutating == []

    outcome = call(setup, ["dev", "--yes", "--holder-gone", "ci-runner-7:4242"], world)
    assert outcome.code == 0, outcome.output
    assert world.mutating[0] == pulumi(setup, "dev", "cancel", "--yes")


def test_pulumi_cloud_needs_holder_gone_cloud(setup: Setup) -> None:
    world = FakeWorld(url="https://api.pulumi.com", state=state(base_resources(), []))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 2 and "--holder-gone cloud" in outcome.output and world.mutating == []
    outcome = call(setup, ["dev", "--yes", "--holder-gone", "cloud"], world)
    assert outcome.code == 0, outcome.output
    assert world.mutating == [pulumi(setup, "dev", "cancel", "--yes")]


def test_s3_backend_lock_is_read_with_the_aws_cli(setup: Setup) -> None:
    key = "s3://state-bucket/eks-platform/.pulumi/locks/organization/eks-platform/dev/1111.json"
    world = FakeWorld(
        url="s3://state-bucket/eks-platform",
        state=state(base_resources(), []),
        s3={
            "ls": "2025-01-01 10:00:00        123 eks-platform/.pulumi/locks/organization/eks-platform/dev/1111.json\n",
            key: json.dumps({"pid": 99, "hostname": "ci-runner-3", "username": "ci", "timestamp": "t"}),
        },
    )
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 2 and "--holder-gone ci-runner-3:99" in outcome.output
    reads = [c for c, _ in world.commands]
    assert ["aws", "s3", "ls", "--recursive", "s3://state-bucket/eks-platform/.pulumi/locks/"] in reads
    assert ["aws", "s3", "cp", key, "-"] in reads


def test_without_yes_a_wrong_answer_changes_nothing(setup: Setup) -> None:
    setup.lock("dev")
    world = setup.world(
        state(base_resources(), [namespace_op(), release_op()]), releases={"django": history("pending-install")}
    )
    outcome = call(setup, ["dev"], world, answer="yes")
    assert outcome.code == 2 and "Not confirmed" in outcome.output
    assert len(outcome.prompts) == 1 and "(dev)" in outcome.prompts[0]
    assert world.mutating == []

    outcome = call(setup, ["dev"], world, answer="dev")
    assert outcome.code == 0, outcome.output
    assert [c[1] for c in world.mutating] == ["cancel", "uninstall", "stack", "refresh"]


def test_prod_asks_before_uninstalling_even_with_yes(setup: Setup) -> None:
    document = state(base_resources("prod"), [release_op("prod")])
    world = setup.world(document, releases={"django": history("pending-install")})
    outcome = call(setup, ["prod", "--yes"], world, answer="no")
    assert outcome.code == 2
    assert len(outcome.prompts) == 1 and "deletes 1 Helm release(s) on prod" in outcome.prompts[0]
    assert world.mutating == []

    outcome = call(setup, ["prod", "--yes"], world, answer="prod")
    assert outcome.code == 0, outcome.output
    assert len(outcome.prompts) == 1
    assert world.mutating[0][1:3] == ["uninstall", "django"]


def test_prod_with_yes_does_not_ask_when_nothing_is_deleted(setup: Setup) -> None:
    world = setup.world(state(base_resources("prod"), [namespace_op("prod")]))
    outcome = call(setup, ["prod", "--yes"], world)
    assert outcome.code == 0, outcome.output
    assert outcome.prompts == []


def test_an_aws_resource_with_an_assigned_id_is_left_for_a_human_then_imported(setup: Setup) -> None:
    world = setup.world(state(base_resources(), [vpc_op()]))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 1, outcome.output
    assert (
        "aws resourcegroupstaggingapi get-resources --region eu-west-1 --tag-filters "
        "Key=project,Values=eks-platform Key=stack,Values=dev Key=Name,Values=dev-vpc" in outcome.output
    )
    assert "Nothing changed: 1 operation(s) above need a human first" in outcome.output
    assert "will now converge" not in outcome.output
    assert world.mutating == []

    outcome = call(setup, ["dev", "--yes", "--import", f"{VPC.format(s='dev')}=vpc-0a1b2c3d"], world)
    assert outcome.code == 0, outcome.output
    written = world.imported[-1]["deployment"]
    vpc = written["resources"][-1]
    assert (vpc["urn"], vpc["id"]) == (VPC.format(s="dev"), "vpc-0a1b2c3d")
    assert written["pending_operations"] == []
    assert targets(world.mutating[-1]) == [VPC.format(s="dev")]


def test_clear_drops_a_pending_create(setup: Setup) -> None:
    world = setup.world(state(base_resources(), [vpc_op()]))
    outcome = call(setup, ["dev", "--yes", "--clear", VPC.format(s="dev")], world)
    assert outcome.code == 0, outcome.output
    written = world.imported[-1]["deployment"]
    assert VPC.format(s="dev") not in {r["urn"] for r in written["resources"]}
    assert [c[1] for c in world.mutating] == ["stack"]  # nothing to refresh


def test_a_bad_import_flag_is_a_usage_error(setup: Setup) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call(setup, ["dev", "--import", "vpc-0a1b2c3d"], setup.world(state([], [])))
    assert exit_info.value.code == 2


def test_dry_run_runs_nothing_mutating(setup: Setup) -> None:
    setup.lock("dev")
    world = setup.world(
        state(base_resources(), [namespace_op(), release_op()]), releases={"django": history("pending-install")}
    )
    outcome = call(setup, ["dev", "--dry-run"], world)
    assert outcome.code == 0
    assert world.mutating == [] and outcome.prompts == []
    assert f"$ pulumi cancel --yes --stack dev --cwd {setup.project}" in outcome.output
    assert "uninstall django --namespace django" in outcome.output
    assert "$ pulumi stack import --file " in outcome.output
    assert (
        f"$ pulumi refresh --yes --skip-preview --stack dev --cwd {setup.project} --target '{NAMESPACE.format(s='dev')}'"
        in outcome.output
    )


def test_nothing_to_recover(setup: Setup) -> None:
    world = setup.world(state(base_resources(), []))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0 and "nothing to recover" in outcome.output
    assert world.mutating == []
    assert [c[:3] for c, _ in world.commands] == [["pulumi", "whoami", "--output"], ["pulumi", "stack", "export"]]


def test_without_the_cli_it_stops(setup: Setup) -> None:
    world = setup.world(state(base_resources(), [namespace_op()]))
    outcome = call(setup, ["dev", "--yes"], world, cli=False)
    assert outcome.code == 3 and world.commands == []


def test_a_secret_kubeconfig_reaches_helm_as_a_private_file_and_never_the_output(setup: Setup) -> None:
    secret = {decisions.SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAAAbase64=="}
    plain = {decisions.SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "plaintext": json.dumps(KUBECONFIG)}
    document = state(base_resources(k8s_inputs={"kubeconfig": secret}), [release_op()])
    revealed = state(base_resources(k8s_inputs={"kubeconfig": plain}), [release_op()])
    world = setup.world(document, releases={"django": history("pending-install")}, secret_state=revealed)

    outcome = call(setup, ["dev", "--yes"], world)

    assert outcome.code == 0, outcome.output
    assert any("--show-secrets" in c for c, capture in world.commands if c[:3] == ["pulumi", "stack", "export"])
    assert world.kubeconfigs, "helm never got --kubeconfig"
    paths = {path for path, _, _ in world.kubeconfigs}
    assert len(paths) == 1
    for _, mode, content in world.kubeconfigs:
        assert mode == 0o600
        assert content == KUBECONFIG
    uninstall = world.mutating[0]
    assert uninstall[1] == "uninstall" and option(uninstall, "--kubeconfig") in paths
    assert not any(Path(p).exists() for p in paths)
    assert "s3cr3t-bearer-token-4711" not in outcome.output
    assert "s3cr3t-bearer-token-4711" not in json.dumps(world.imported)  # the state keeps the ciphertext


def test_a_pending_install_that_owns_data_is_kept(setup: Setup) -> None:
    world = setup.world(
        state(base_resources(), [release_op()]),
        releases={"django": history("pending-install")},
        manifests={"django": STATEFUL_MANIFEST},
    )
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 1, outcome.output
    assert world.mutating == []
    assert "keep" in outcome.output and "get manifest django -n django" in outcome.output
    assert "Nothing changed: 1 operation(s) above need a human first" in outcome.output


def test_pending_upgrade_of_a_create_is_rolled_back_then_imported(setup: Setup) -> None:
    world = setup.world(
        state(base_resources(), [release_op()]), releases={"django": history("deployed", "pending-upgrade")}
    )
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0, outcome.output
    rollback, state_import, refresh = world.mutating
    assert rollback[1:4] == ["rollback", "django", "1"]
    release = world.imported[0]["deployment"]["resources"][-1]
    assert (release["urn"], release["id"]) == (RELEASE.format(s="dev"), "django/django")
    assert targets(refresh) == [RELEASE.format(s="dev")]
    assert state_import[1:3] == ["stack", "import"]


def test_a_deployed_release_whose_create_was_importing_is_imported(setup: Setup) -> None:
    """`importing` is a pending create (pending.CREATES): a deployed release must go into the state."""
    world = setup.world(
        state(base_resources(), [release_op(operation="importing")]), releases={"django": history("deployed")}
    )
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0, outcome.output
    urns = {r["urn"]: r.get("id") for r in world.imported[0]["deployment"]["resources"]}
    assert urns.get(RELEASE.format(s="dev")) == "django/django"


def test_one_operation_for_a_human_means_nothing_changes(setup: Setup) -> None:
    """`pulumi stack import` drops every pending operation of its file, so importing the namespace
    would lose the VPC's pending create (and what --import could later resolve): all or nothing."""
    world = setup.world(state(base_resources(), [namespace_op(), vpc_op()]))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 1, outcome.output
    assert world.mutating == [] and world.imported == []
    assert world.state["deployment"]["pending_operations"] == [namespace_op(), vpc_op()]
    assert "will now converge" not in outcome.output


def test_a_namespace_still_terminating_is_waited_for(setup: Setup) -> None:
    rounds: list[list[str]] = []

    def terminating_once(world: FakeWorld, refreshed: list[str]) -> None:
        rounds.append(refreshed)
        for resource in world.state["deployment"]["resources"]:
            if resource["urn"] == NAMESPACE.format(s="dev"):
                metadata = resource.setdefault("outputs", {}).setdefault("metadata", {})
                if len(rounds) == 1:
                    metadata["deletionTimestamp"] = "2025-01-01T10:00:00Z"
                else:
                    metadata.pop("deletionTimestamp", None)

    world = setup.world(state(base_resources(), [namespace_op()]), on_refresh=terminating_once)
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0, outcome.output
    assert outcome.sleeps == [recover.SETTLE_INTERVAL_S]
    assert rounds == [[NAMESPACE.format(s="dev")], [NAMESPACE.format(s="dev")]]
    assert "waiting for 1 object(s) being deleted: dev-django-ns" in outcome.output


def test_a_failing_step_stops_the_run(setup: Setup) -> None:
    setup.lock("dev")
    world = setup.world(
        state(base_resources(), [namespace_op(), release_op()]),
        releases={"django": history("pending-install")},
        fail_on=" uninstall ",
    )
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 1
    assert [c[1] for c in world.mutating] == ["cancel", "uninstall"]
    assert "Nothing after it ran" in outcome.output and "make recover STACK=dev" in outcome.output


def test_an_unreadable_release_is_refused(setup: Setup) -> None:
    world = setup.world(state(base_resources(), [release_op()]))
    original = world.helm

    def unreachable(command: list[str], capture: bool) -> subprocess.CompletedProcess:
        if command[1] == "history":
            return subprocess.CompletedProcess(command, 1, stdout="", stderr="Error: Kubernetes cluster unreachable")
        return original(command, capture)

    world.helm = unreachable  # type: ignore[method-assign]
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 2 and "cluster unreachable" in outcome.output
    assert world.mutating == []


# ---- releases Helm left in progress with nothing pending in the state ------------------------------------


def release_resource(stack: str = "dev") -> dict[str, Any]:
    """The Django release as the state holds it after a finished create."""
    resource = copy.deepcopy(release_op(stack)["resource"])
    resource["id"] = "django/django"
    return resource


def test_a_release_left_pending_upgrade_by_a_failed_run_is_rolled_back(setup: Setup) -> None:
    """A run that failed (not killed) mid-upgrade leaves no lock and no pending operation, but Helm's
    record `pending-upgrade` (its atomic rollback could not reach the API server): Helm refuses the
    next upgrade until it is rolled back."""
    world = setup.world(
        state([*base_resources(), release_resource()], []), releases={"django": history("deployed", "pending-upgrade")}
    )
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0, outcome.output
    rollback, state_import, refresh = world.mutating
    assert rollback[1:] == ["rollback", "django", "1", "--namespace", "django", "--kube-context", "kind-dev"]
    assert state_import[1:3] == ["stack", "import"]
    assert targets(refresh) == [RELEASE.format(s="dev")]
    assert "1 release(s) stuck" in outcome.output


def test_a_deployed_release_in_the_state_is_nothing_to_recover(setup: Setup) -> None:
    world = setup.world(state([*base_resources(), release_resource()], []), releases={"django": history("deployed")})
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0 and "nothing to recover" in outcome.output
    assert world.mutating == []


def test_a_release_that_cannot_be_read_is_reported_not_fatal_when_nothing_is_pending(setup: Setup) -> None:
    world = setup.world(state([*base_resources(), release_resource()], []), fail_on="history")
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0, outcome.output
    assert "not checked: release django/django" in outcome.output and "nothing to recover" in outcome.output


# ---- a state file whose metadata sidecar a kill left broken ---------------------------------------------


def state_file(setup: Setup, stack: str = "dev", sidecar: str = "") -> Path:
    folder = setup.backend / ".pulumi" / "stacks" / PROJECT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stack}.json"
    path.write_text(json.dumps({"version": 3, "checkpoint": {"stack": stack, "latest": {}}}))
    (folder / f"{stack}.json.attrs").write_text(sidecar)
    return path


def test_broken_sidecars_are_those_that_do_not_parse_beside_a_state_that_does(setup: Setup) -> None:
    path = state_file(setup, "dev", sidecar="")
    state_file(setup, "prod", sidecar='{"user.content_type": "application/json", "md5": "AAAA"}')
    broken = checkpoint.broken_sidecars(setup.backend, PROJECT, "dev")
    assert broken == [(path.with_name("dev.json.attrs"), path)]
    assert checkpoint.broken_sidecars(setup.backend, PROJECT, "prod") == []
    path.write_text('{"version": 3, "checkp')  # the state itself broken: not for recovery to touch
    assert checkpoint.broken_sidecars(setup.backend, PROJECT, "dev") == []


def test_an_empty_sidecar_is_moved_aside_before_the_state_is_read(setup: Setup) -> None:
    path = state_file(setup, "dev", sidecar="")
    world = setup.world(state(base_resources(), [namespace_op()]))
    outcome = call(setup, ["dev", "--yes"], world)
    assert outcome.code == 0, outcome.output
    assert not path.with_name("dev.json.attrs").exists()
    assert path.with_name("dev.json.attrs.broken").read_text() == ""  # renamed, not deleted
    assert "does not parse (a kill during a state write)" in outcome.output


def test_a_dry_run_only_reports_a_broken_sidecar(setup: Setup) -> None:
    path = state_file(setup, "dev", sidecar='{"md5": ')
    world = setup.world(state(base_resources(), [namespace_op()]))
    outcome = call(setup, ["dev", "--dry-run"], world)
    assert outcome.code == 0
    assert path.with_name("dev.json.attrs").read_text() == '{"md5": '
    assert not [c for c, _ in world.commands if c[:3] == ["pulumi", "stack", "export"]]


def test_a_broken_sidecar_is_moved_only_once_confirmed(setup: Setup) -> None:
    path = state_file(setup, "dev", sidecar="")
    outcome = call(setup, ["dev"], setup.world(state(base_resources(), [namespace_op()])), answer="no")
    assert outcome.code == 2 and path.with_name("dev.json.attrs").exists()


# ---- the Makefile --------------------------------------------------------------------------------------


def test_make_recover_runs_the_script() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("recover:"))
    assert lines[start + 1].strip() == "$(PY) -m scripts.recover $(STACK) $(RECOVER_FLAGS)"
    assert lines[start + 1].startswith("\t")
    assert "recover" in next(line for line in lines if line.startswith(".PHONY:")).split()
    assert os.path.exists(ROOT / "scripts" / "recover.py")
