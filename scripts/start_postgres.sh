#!/usr/bin/env bash
# Bring up the PostgreSQL server the reference app's tests run against (called by .ci/run
# before `make test`). Idempotent: every step first looks, then acts only if something is missing,
# and says which. Safe to re-run; exits 0 when everything is already in place.
#
# What it guarantees afterwards:
#   - Debian's `postgresql` package is installed (installed with apt-get if missing);
#   - a cluster of the newest installed major version listens on 127.0.0.1:5432 and nowhere else;
#   - role eks_platform (LOGIN CREATEDB: Django's test runner creates test_eks_platform_test)
#     and database eks_platform_test owned by it exist, and a password login over TCP works.
#
# The credentials below are throwaway, test-only values for a server bound to loopback. They are
# not a secret and are never used outside this machine's tests; real databases get their
# credentials from a Kubernetes Secret (DATABASE_URL).
set -euo pipefail

readonly ROLE=eks_platform
readonly PASSWORD=eks_platform
readonly DATABASE=eks_platform_test
readonly HOST=127.0.0.1
readonly PORT=5432
readonly CLUSTER=main

say() { printf 'start_postgres: %s\n' "$*"; }
die() { printf 'start_postgres: error: %s\n' "$*" >&2; exit 1; }

[[ ${EUID} -eq 0 ]] || die "run as root (it installs packages and controls the cluster as user postgres)"

# Run a query as the postgres superuser through the local socket (peer authentication).
as_postgres_sql() {
    runuser -u postgres -- psql --no-psqlrc --quiet --tuples-only --no-align \
        --set ON_ERROR_STOP=1 --port "${PORT}" --dbname postgres --command "$1"
}

install_server_if_missing() {
    if command -v pg_lsclusters >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
        say "postgresql already installed"
        return
    fi
    say "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends postgresql
}

# The newest major version whose server binaries are installed (Debian 12 ships 15); discovered,
# not hardcoded, so the script keeps working when the distribution moves on.
newest_installed_version() {
    local dir versions=()
    for dir in /usr/lib/postgresql/*/bin/postgres; do
        versions+=("$(basename "$(dirname "$(dirname "${dir}")")")")
    done
    printf '%s\n' "${versions[@]}" | sort --version-sort | tail -n 1
}

# Prints "<version> <name> <status>" of the cluster configured for PORT, if any.
cluster_on_port() {
    pg_lsclusters --no-header | awk -v port="${PORT}" '$3 == port { print $1, $2, $4; exit }'
}

ensure_cluster() {
    local found version
    found="$(cluster_on_port)"
    if [[ -z ${found} ]]; then
        version="$(newest_installed_version)"
        if pg_lsclusters --no-header | awk -v v="${version}" -v c="${CLUSTER}" '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
            die "cluster ${version}/${CLUSTER} exists but not on port ${PORT}; see pg_lsclusters"
        fi
        say "creating cluster ${version}/${CLUSTER} on port ${PORT}"
        pg_createcluster "${version}" "${CLUSTER}" --port "${PORT}"
        found="$(cluster_on_port)"
    fi
    read -r PG_VERSION PG_CLUSTER PG_STATUS <<<"${found}"
    say "using cluster ${PG_VERSION}/${PG_CLUSTER} (${PG_STATUS})"
}

# Loopback only: the tests need nothing else, and a throwaway password must not face a network.
# A drop-in under conf.d (Debian's clusters include that directory last, so it wins) keeps
# postgresql.conf untouched. Sets NEEDS_RESTART when a running server has to pick it up.
NEEDS_RESTART=no
ensure_loopback_only() {
    local dropin wanted
    dropin="/etc/postgresql/${PG_VERSION}/${PG_CLUSTER}/conf.d/eks-platform.conf"
    wanted="# Written by eks-platform scripts/start_postgres.sh: test server, loopback only.
listen_addresses = '${HOST}'"
    if [[ -f ${dropin} && "$(cat "${dropin}")" == "${wanted}" ]]; then
        say "listen_addresses already ${HOST} (${dropin})"
        return
    fi
    say "writing ${dropin} (listen_addresses = ${HOST})"
    install -d -o postgres -g postgres "$(dirname "${dropin}")"
    printf '%s\n' "${wanted}" >"${dropin}"
    chown postgres:postgres "${dropin}"
    NEEDS_RESTART=yes
}

ensure_running() {
    if [[ ${PG_STATUS} == online* ]]; then
        if [[ ${NEEDS_RESTART} == yes ]]; then
            say "restarting ${PG_VERSION}/${PG_CLUSTER} to apply listen_addresses"
            pg_ctlcluster "${PG_VERSION}" "${PG_CLUSTER}" restart
        else
            say "cluster already running"
        fi
    else
        say "starting ${PG_VERSION}/${PG_CLUSTER}"
        pg_ctlcluster "${PG_VERSION}" "${PG_CLUSTER}" start
    fi
    pg_isready --quiet --host "${HOST}" --port "${PORT}" --timeout 30 \
        || die "server did not become ready on ${HOST}:${PORT}"
    local listening
    listening="$(as_postgres_sql 'SHOW listen_addresses')"
    [[ ${listening} == "${HOST}" ]] \
        || die "server listens on '${listening}', not only ${HOST}: is conf.d included by postgresql.conf?"
}

ensure_role() {
    local attributes
    attributes="$(as_postgres_sql "SELECT rolcanlogin::text || ',' || rolcreatedb::text FROM pg_roles WHERE rolname = '${ROLE}'")"
    if [[ -z ${attributes} ]]; then
        say "creating role ${ROLE} (LOGIN CREATEDB)"
        as_postgres_sql "CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}'"
    elif [[ ${attributes} != "true,true" ]]; then
        say "granting LOGIN CREATEDB to existing role ${ROLE}"
        as_postgres_sql "ALTER ROLE ${ROLE} LOGIN CREATEDB"
    else
        say "role ${ROLE} already exists"
    fi
}

ensure_database() {
    local owner
    owner="$(as_postgres_sql "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${DATABASE}'")"
    if [[ -z ${owner} ]]; then
        say "creating database ${DATABASE} owned by ${ROLE}"
        as_postgres_sql "CREATE DATABASE ${DATABASE} OWNER ${ROLE}"
    elif [[ ${owner} != "${ROLE}" ]]; then
        say "giving database ${DATABASE} to ${ROLE} (was owned by ${owner})"
        as_postgres_sql "ALTER DATABASE ${DATABASE} OWNER TO ${ROLE}"
    else
        say "database ${DATABASE} already exists"
    fi
}

can_log_in() {
    PGPASSWORD="${PASSWORD}" PGCONNECT_TIMEOUT=5 psql --no-psqlrc --quiet --tuples-only --no-align \
        --host "${HOST}" --port "${PORT}" --username "${ROLE}" --dbname "${DATABASE}" \
        --command 'SELECT 1' >/dev/null 2>&1
}

# Exactly what the tests do: a password login over TCP. A role left over with another password
# (from an older run or by hand) is reset, since these credentials are throwaway by design.
ensure_password_login() {
    if can_log_in; then
        say "password login as ${ROLE} over ${HOST}:${PORT} works"
        return
    fi
    say "resetting the test password of ${ROLE}"
    as_postgres_sql "ALTER ROLE ${ROLE} PASSWORD '${PASSWORD}'"
    can_log_in || die "cannot log in as ${ROLE} on ${HOST}:${PORT}; check pg_hba.conf of ${PG_VERSION}/${PG_CLUSTER}"
    say "password login as ${ROLE} over ${HOST}:${PORT} works"
}

main() {
    install_server_if_missing
    ensure_cluster
    ensure_loopback_only
    ensure_running
    ensure_role
    ensure_database
    ensure_password_login
    say "ready: postgres://${ROLE}@${HOST}:${PORT}/${DATABASE}"
}

main "$@"
