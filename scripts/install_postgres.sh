#!/usr/bin/env bash
# PostgreSQL's server binaries (initdb, pg_ctl) for the app tests, which start a throwaway server
# of their own (tests/app/throwaway_postgres.py). Called by `make setup`. Only installs: no
# cluster is created, started or configured here, and the tests never use the system cluster.
#
# Found already (Debian's /usr/lib/postgresql/<major>/bin, or on PATH): nothing to do.
# Missing and root: installs Debian's `postgresql` package. Missing and not root: fails, saying
# what to install.
set -euo pipefail

say() { printf 'install_postgres: %s\n' "$*"; }
die() { printf 'install_postgres: error: %s\n' "$*" >&2; exit 1; }

has_server_binaries() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x ${dir}/initdb && -x ${dir}/pg_ctl ]] && return 0
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

if has_server_binaries; then
    say "PostgreSQL server binaries found"
    exit 0
fi
[[ ${EUID} -eq 0 ]] || die "PostgreSQL's server binaries (initdb, pg_ctl) are missing: install Debian's postgresql package (sudo apt-get install -y postgresql), then re-run make"

# The package's post-install starts the system cluster on 5432. The tests do not want it: a
# policy-rc.d that denies every start keeps it stopped while the package installs. One that is
# already there (container images ship one) is left alone.
POLICY=/usr/sbin/policy-rc.d
if [[ ! -e ${POLICY} ]]; then
    printf '#!/bin/sh\n# Temporary, from eks-platform scripts/install_postgres.sh: start no service.\nexit 101\n' >"${POLICY}"
    chmod 755 "${POLICY}"
    trap 'rm -f "${POLICY}"' EXIT
fi

say "installing Debian's postgresql package"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends postgresql
has_server_binaries || die "postgresql is installed but initdb/pg_ctl are still not found under /usr/lib/postgresql/*/bin"
