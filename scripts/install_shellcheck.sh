#!/usr/bin/env bash
# Debian's shellcheck, which actionlint runs on every `run:` script of the GitHub workflows
# (tests/delivery/test_workflows.py). Called by `make setup`.
#
# Found on PATH: nothing to do. Missing and root: installs Debian's `shellcheck` package.
# Missing and not root: fails, saying what to install.
set -euo pipefail

if command -v shellcheck >/dev/null 2>&1; then
    printf 'install_shellcheck: %s\n' "$(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
    exit 0
fi
if [[ ${EUID} -ne 0 ]]; then
    printf 'install_shellcheck: error: shellcheck is missing: install Debian'"'"'s shellcheck package (sudo apt-get install -y shellcheck), then re-run make\n' >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends shellcheck
