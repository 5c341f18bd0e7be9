"""The pack as a process, started the way the Pulumi CLI starts a Python policy pack.

`pulumi preview --policy-pack policy` runs `python -m pulumi.policy <engine> .` in policy/ with
the stack in PULUMI_STACK/PULUMI_CONFIG, reads a gRPC port from its stdout and calls the
Analyzer service. These tests do the same and check the verdicts on the wire: a prod stack gets
mandatory violations, dev advisory ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
OPEN_CLUSTER = {
    "name": "eks-platform-x",
    "endpointPublicAccess": True,
    "publicAccessCidrs": ["0.0.0.0/0"],
    "encryptionConfigKeyArn": "arn:aws:kms:ap-northeast-2:123456789012:key/k",
    "enabledClusterLogTypes": ["api", "audit", "authenticator"],
}


@contextmanager
def start_pack(stack: str, environment: str) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {
        **os.environ,
        "PULUMI_STACK": stack,
        "PULUMI_PROJECT": "eks-platform",
        "PULUMI_DRY_RUN": "true",
        "PULUMI_CONFIG": json.dumps({"eks-platform:environment": environment}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=ROOT / "policy",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = process.stdout.readline().strip()
        if not port.isdigit():
            process.kill()
            raise AssertionError(f"the pack did not start: {process.stderr.read()}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=[("prod", "prod", analyzer_pb2.MANDATORY), ("dev", "dev", analyzer_pb2.ADVISORY)])
def pack(request: pytest.FixtureRequest):
    stack, environment, level = request.param
    with start_pack(stack, environment) as stub:
        yield stub, level


def test_pack_reports_with_the_stacks_enforcement_level(pack) -> None:
    stub, level = pack
    info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "eks-platform"
    assert {p.enforcementLevel for p in info.policies} == {level}

    properties = struct_pb2.Struct()
    properties.update(OPEN_CLUSTER)
    response = stub.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="eks:index:Cluster",
            properties=properties,
            urn="urn:pulumi:x::eks-platform::eks:index:Cluster::x-eks",
            name="x-eks",
            options=analyzer_pb2.AnalyzerResourceOptions(protect=True),
        ),
        timeout=30,
    )
    [violation] = response.diagnostics
    assert violation.policyName == "eks-public-endpoint-restricted"
    assert violation.enforcementLevel == level
    assert "0.0.0.0/0" in violation.message
