#!/usr/bin/env bash
# Installs Debian's `openssh-client` (ssh-keygen, ssh-agent, ssh-add; OpenSSH
# 8.1 or later has `ssh-keygen -Y`) for the tests that sign and verify audit
# records with real keys (test/system/signing.test.ts, the signed rollback in
# test/system/rollback-cli.test.ts, test/integration/signing.test.ts).
# Idempotent: returns at once when the three are there. Needs root (apt-get)
# only when they are not, as on the project's machines and in CI.
set -euo pipefail

if command -v ssh-keygen >/dev/null && command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "test/ssh/setup.sh: installing the openssh-client package needs root (apt-get)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends openssh-client >/dev/null
ssh -V
