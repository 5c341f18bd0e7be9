"""Helm's own records of its releases, read from the cluster: one Secret per revision
(`sh.helm.release.v1.<name>.v<revision>`, label owner=helm), its `release` field base64 of
base64 of gzipped JSON (Helm v3's storage driver)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from e2e.kubeapi import KubeApi, items


def decode(secret: dict[str, Any]) -> dict[str, Any]:
    """One release record: name, version (the revision), info.status, chart, config (values), manifest."""
    payload = base64.b64decode(base64.b64decode(secret["data"]["release"]))
    return dict(json.loads(gzip.decompress(payload)))


def helm_releases(api: KubeApi, name: str = "") -> list[dict[str, Any]]:
    """Every Helm release record in the cluster (of release `name` only, if given), oldest revision first."""
    selector = "owner%3Dhelm" + (f"%2Cname%3D{name}" if name else "")
    records = [decode(secret) for secret in items(api, f"/api/v1/secrets?labelSelector={selector}")]
    return sorted(records, key=lambda record: (record["name"], record["version"]))


def latest_statuses(api: KubeApi) -> dict[str, tuple[str, int, str]]:
    """name -> (namespace, revision, status) of each release's newest record, from the record
    Secrets' labels alone (cheap enough to poll: nothing is decoded)."""
    latest: dict[str, tuple[str, int, str]] = {}
    for secret in items(api, "/api/v1/secrets?labelSelector=owner%3Dhelm"):
        metadata = secret["metadata"]
        labels = metadata["labels"]
        revision = int(labels["version"])
        if labels["name"] not in latest or latest[labels["name"]][1] < revision:
            latest[labels["name"]] = (metadata["namespace"], revision, labels["status"])
    return latest
