#!/usr/bin/env bash
# Installs Debian's `prometheus` package (server and promtool, 2.42 on
# bookworm) for the tests that run a real Prometheus on loopback
# (test/system/metrics.test.ts). Idempotent: returns at once when both binaries
# are there. Needs root (apt-get), as on the project's machines and in CI.
#
# The package's service is not wanted: the tests start their own server on a
# free loopback port with a temporary TSDB. On a machine without a running init
# system the package cannot start it; where it could, a policy-rc.d that
# refuses to start services is put in place for the install and removed after.
set -euo pipefail

if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "test/prometheus/setup.sh: installing the prometheus package needs root (apt-get)" >&2
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

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null

/usr/bin/prometheus --version 2>&1 | head -n 1
