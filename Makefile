# eks-platform — single entry point. Every target sets itself up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

STACK ?= dev
# make diff compares the working tree against this git ref.
BASE ?= origin/main
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
POLICY_VENV := policy/venv
HELM := tools/bin/helm
POSTGRES := tools/.postgres
SHELLCHECK := tools/.shellcheck
PULUMI_CLI_VERSION := $(shell sed -n 's/^pulumi_cli_version=//p' tools.lock)
# The local stack's app image, built here and loaded into the kind cluster (Pulumi.local.yaml's django.imageRepository:imageTag).
LOCAL_IMAGE ?= eks-platform-django:0.1.0
KIND_CLUSTER ?= eks-platform
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Plugins are never downloaded here: mocks stand in for every provider.
export PULUMI_SKIP_UPDATE_CHECK := true

.PHONY: help setup charts promtool actionlint synth diff test lint monitoring-crds golden policy-check require-pulumi preview up destroy recover image bootstrap local-image e2e clean

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt app/requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt -c constraints-checkov.txt
	touch $@

$(POLICY_VENV)/.installed: policy/requirements.txt constraints.txt
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt -c constraints.txt
	touch $@

$(HELM): tools.lock $(VENV)/.installed
	$(PY) scripts/install_helm.py

# PostgreSQL's server binaries, for the throwaway server the app tests start (installed if missing).
$(POSTGRES): scripts/install_postgres.sh
	bash scripts/install_postgres.sh
	@mkdir -p $(@D) && touch $@

# Debian's shellcheck, which actionlint runs on the workflows' scripts (installed if missing).
$(SHELLCHECK): scripts/install_shellcheck.sh
	bash scripts/install_shellcheck.sh
	@mkdir -p $(@D) && touch $@

# The pinned upstream charts (components/versions.py) into build/charts, each from the first source
# that has it: CHARTS_DIR / CHARTS_MIRROR, ../shared/charts, its own repository (offline/charts.py).
# Fetches nothing when the cache already holds them.
charts: $(VENV)/.installed $(HELM) ## the pinned upstream charts into build/charts; CHARTS_DIR=dir or CHARTS_MIRROR=url to use a mirror
	$(PY) -m offline.charts

# promtool (Prometheus 3.16.0) from its pinned wrapper module e2e/go/promtool into the e2e cache
# (EKS_PLATFORM_E2E_CACHE, default ~/.cache/eks-platform-e2e): tests/monitoring/test_alert_rules.py runs
# it on monitoring/alerts/. Rebuilt only when the pin changes; the first build takes minutes (Go and
# the Go module proxy), later runs well under a second.
promtool: ## the pinned promtool into the e2e cache, for the alert-rule tests (needs Go)
	@command -v go >/dev/null || { echo "make promtool: Go is not on PATH. Install Go $$(sed -n 's/^go //p' e2e/go/promtool/go.mod) or newer (https://go.dev/dl/): promtool is built from e2e/go/promtool." >&2; exit 1; }
	e2e/build.sh promtool

# actionlint (v1.7.12, e2e/go/actionlint) likewise: tests/delivery/test_workflows.py lints every workflow with it.
actionlint: $(SHELLCHECK) ## the pinned actionlint into the e2e cache, for the workflow tests (needs Go)
	@command -v go >/dev/null || { echo "make actionlint: Go is not on PATH. Install Go $$(sed -n 's/^go //p' e2e/go/actionlint/go.mod) or newer (https://go.dev/dl/): actionlint is built from e2e/go/actionlint." >&2; exit 1; }
	e2e/build.sh actionlint

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(HELM) $(POSTGRES) charts promtool actionlint ## virtualenvs, pinned packages, pinned helm, PostgreSQL binaries, pinned charts, promtool, actionlint

synth: $(VENV)/.installed ## offline plan of STACK (default dev) into build/STACK — contacts no cloud
	$(PY) -m offline.synth $(STACK)

diff: $(VENV)/.installed $(HELM) charts ## per-object diff of STACK's rendered Helm releases, BASE (origin/main) vs working tree; offline
	$(PY) scripts/diff.py $(STACK) --base $(BASE)

test: setup ## the whole offline test suite
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2  # two workers, one per core; each has its own throwaway PostgreSQL

lint: $(VENV)/.installed ## ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

monitoring-crds: $(VENV)/.installed $(HELM) charts ## after bumping kube-prometheus-stack: copy its CRDs into monitoring/crds (applied by the program)
	$(PY) -m scripts.monitoring_crds

golden: $(VENV)/.installed ## regenerate the WorkflowTemplate golden files after an intended change
	$(PY) -m workflows.golden --write

policy-check: $(VENV)/.installed ## the policy pack over STACK's offline plan (no cloud); fails on a mandatory violation
	$(PY) -m policy.offline_check $(STACK)

require-pulumi: # fails first, before any virtualenv is built, when the CLI is missing
	@command -v pulumi >/dev/null || { echo "make: the Pulumi CLI is not on PATH. Install version $(PULUMI_CLI_VERSION) (tools.lock): curl -fsSL https://get.pulumi.com | sh -s -- --version $(PULUMI_CLI_VERSION)" >&2; exit 1; }

preview: require-pulumi $(VENV)/.installed $(POLICY_VENV)/.installed ## pulumi preview STACK with the policy pack (needs the Pulumi CLI and AWS credentials)
	pulumi preview --stack $(STACK) --policy-pack policy --diff

up: require-pulumi $(VENV)/.installed $(POLICY_VENV)/.installed ## pulumi up STACK (needs the Pulumi CLI and AWS credentials)
	pulumi up --stack $(STACK) --policy-pack policy

destroy: $(VENV)/.installed ## tear STACK down in order (refuses prod); DESTROY_FLAGS=--dry-run|--refresh
	$(PY) scripts/destroy.py $(STACK) $(DESTROY_FLAGS)

recover: require-pulumi $(VENV)/.installed $(HELM) ## after an interrupted up or destroy: free the lock, resolve what it left pending; RECOVER_FLAGS=--yes|--dry-run
	$(PY) -m scripts.recover $(STACK) $(RECOVER_FLAGS)

image: ## build app/, push it to STACK's ECR repository (tag: the last commit of app/) and set django.imageTag (needs docker, the AWS CLI)
	bash scripts/push_image.sh $(STACK)

bootstrap: ## a new AWS stack from an empty account: make up (no Django release yet), make image, make up
	$(MAKE) up STACK=$(STACK)
	$(MAKE) image STACK=$(STACK)
	$(MAKE) up STACK=$(STACK)

local-image: ## build the app image LOCAL_IMAGE and load it into the kind cluster KIND_CLUSTER (needs docker, kind)
	@command -v docker >/dev/null || { echo "make local-image: docker not found on PATH. Install Docker Engine or Docker Desktop (https://docs.docker.com/get-docker/) and start it." >&2; exit 1; }
	@command -v kind >/dev/null || { echo "make local-image: kind not found on PATH. Install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), then: kind create cluster --name $(KIND_CLUSTER)" >&2; exit 1; }
	docker build -t $(LOCAL_IMAGE) app
	kind load docker-image $(LOCAL_IMAGE) --name $(KIND_CLUSTER)

# E2E_TOOLS: which e2e/build.sh tools to build (default: all of the harness). A real cluster
# (EKS_PLATFORM_E2E_CONTEXT, .github/workflows/e2e-kind.yml) needs only the engine, kubectl and
# the Argo Rollouts plugin.
E2E_TOOLS ?=
e2e: $(VENV)/.installed $(HELM) charts ## the real engine on a real API server, offline: install, day-2 scenarios on the real Argo controllers, destroy
	e2e/build.sh $(E2E_TOOLS)
	@# A hard limit: an engine abort that leaves a thread of the inline program spinning once kept
	@# pytest from exiting after every test had passed; a hang must fail, not eat CI's budget.
	EKS_PLATFORM_E2E=1 timeout --kill-after=30 1800 $(PY) -m pytest tests/e2e -p no:cacheprovider --durations=15

clean: ## remove build output and virtualenvs
	rm -rf build $(VENV) $(CHECKOV_VENV) $(POLICY_VENV) tools/bin .pytest_cache

# End-to-end harness targets (e2e-build, e2e-cluster-up, e2e-cluster-down, e2e-smoke, e2e-test).
-include e2e/e2e.mk
