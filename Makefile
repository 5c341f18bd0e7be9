# eks-platform — single entry point. Every target sets itself up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

STACK ?= dev
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
POLICY_VENV := policy/venv
HELM := tools/bin/helm
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Plugins are never downloaded here: mocks stand in for every provider.
export PULUMI_SKIP_UPDATE_CHECK := true

.PHONY: help setup synth test lint golden policy-check preview up destroy clean

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

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

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(HELM) ## virtualenvs, pinned packages, pinned helm

synth: $(VENV)/.installed ## offline plan of STACK (default dev) into build/STACK — contacts no cloud
	$(PY) -m offline.synth $(STACK)

test: setup ## the whole offline test suite
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.installed ## ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

golden: $(VENV)/.installed ## regenerate the WorkflowTemplate golden files after an intended change
	$(PY) -m workflows.golden --write

policy-check: $(VENV)/.installed ## the policy pack over STACK's offline plan (no cloud); fails on a mandatory violation
	$(PY) -m policy.offline_check $(STACK)

preview: $(VENV)/.installed $(POLICY_VENV)/.installed ## pulumi preview STACK with the policy pack (needs the Pulumi CLI and AWS credentials)
	pulumi preview --stack $(STACK) --policy-pack policy --diff

up: $(VENV)/.installed $(POLICY_VENV)/.installed ## pulumi up STACK (needs the Pulumi CLI and AWS credentials)
	pulumi up --stack $(STACK) --policy-pack policy

destroy: $(VENV)/.installed ## tear STACK down in order (refuses prod); DESTROY_FLAGS=--dry-run|--refresh
	$(PY) scripts/destroy.py $(STACK) $(DESTROY_FLAGS)

clean: ## remove build output and virtualenvs
	rm -rf build $(VENV) $(CHECKOV_VENV) $(POLICY_VENV) tools/bin .pytest_cache

# End-to-end harness targets (e2e-build, e2e-cluster-up, e2e-cluster-down, e2e-smoke, e2e-test).
-include e2e/e2e.mk
