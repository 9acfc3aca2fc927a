#!/usr/bin/env bash
# Installs Debian's `postgresql` package (PostgreSQL 15 on bookworm: server,
# initdb, pg_ctl in /usr/lib/postgresql/<version>/bin, and the `postgres`
# system user) for the tests and the bench that run a real PostgreSQL on
# loopback (test/support/postgres.ts, test/system/audit-pg.test.ts).
# Idempotent: returns at once when initdb and postgres are there. Needs root
# (apt-get), as on the project's machines and in CI.
#
# The package's cluster and service are not wanted: the tests initdb their own
# data directory in a temporary folder and start the server on a free port. A
# policy-rc.d that refuses to start services is put in place for the install
# (and removed after); the package's own cluster is not created
# (create_main_cluster = false in /etc/postgresql-common/createcluster.conf).
set -euo pipefail

have_postgres() {
  for bin in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ] && id postgres >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

if have_postgres; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "test/postgres/setup.sh: installing the postgresql package needs root (apt-get)" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
placed_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  placed_policy=1
fi
cleanup() { if [ -n "$placed_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

# no cluster of the package's own (the tests make theirs)
mkdir -p /etc/postgresql-common/createcluster.d
printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.d/rollback-lens-tests.conf

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null

if ! have_postgres; then
  echo "test/postgres/setup.sh: the postgresql package is installed but no /usr/lib/postgresql/<version>/bin/initdb was found" >&2
  exit 1
fi
for bin in /usr/lib/postgresql/*/bin; do "$bin/postgres" --version; done | sort -V | tail -n 1
