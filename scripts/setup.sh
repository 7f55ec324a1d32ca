#!/usr/bin/env bash
# Installs everything Portcullis needs on a fresh machine: the PostgreSQL server, pgbouncer,
# Chromium, SQLsmith, psycopg, OpenSSH and sshpass (system packages, with apt-get), npm packages, the pinned OPA CLI
# and the Kubernetes test cluster's kube-apiserver, kubectl, etcd and kwok (both built from the Go module
# proxy into ~/.cache/portcullis, linked from .tools/, reused when already there) and the compiled
# TypeScript in dist/. Safe to run again; it only redoes what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# System packages come from apt-get, run as root directly or through sudo (`as_root`).
need_apt() {
  command -v apt-get >/dev/null || { echo "setup: install $1 (no apt-get here)" >&2; exit 1; }
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: installing $1 needs root or sudo" >&2; exit 1; }
    as_root=(sudo)
  fi
}
# Package lists are only refreshed when the install cannot find what it needs.
apt_install() {
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
    || { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}
# Installs packages whose maintainer scripts would start a system service (PostgreSQL on 5432,
# pgbouncer on 6432, sshd on 22): tests never use those, so service starts are forbidden during the
# install (a policy-rc.d answering 101) unless the machine already has its own policy-rc.d, which is
# then left as it is. Fails when apt-get does.
apt_install_without_services() {
  local added_policy="" install_ok=1
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  apt_install "$@" || install_ok=""
  [ -z "$added_policy" ] || "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
  [ -n "$install_ok" ]
}

# System packages: the PostgreSQL server the tests start their own throwaway clusters from (and its
# psql and pgbench), and pgbouncer for the benchmarks. Checked first, so a ready machine pays nothing.
have_postgres_server() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; }
have_pgbouncer() { command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; }
if have_postgres_server && have_pgbouncer; then
  echo "setup: postgresql and pgbouncer already installed"
else
  need_apt "the PostgreSQL server, psql, pgbench and pgbouncer"
  echo "setup: installing postgresql and pgbouncer with apt-get"
  apt_install_without_services postgresql pgbouncer || { echo "setup: apt-get could not install postgresql and pgbouncer" >&2; exit 1; }
  # Where a policy-rc.d did not stop them, stop what the packages started, so nothing holds 5432/6432.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _ status _; do
      [ "$status" != "online" ] || "${as_root[@]}" pg_ctlcluster "$version" "$cluster" stop || true
    done
  fi
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    "${as_root[@]}" systemctl disable --now postgresql pgbouncer >/dev/null 2>&1 || true
  fi
fi

# Debian's Chromium for the web console's browser tests (playwright-core drives it; no browser is
# downloaded). Only installed when /usr/bin/chromium is missing.
if [ -x /usr/bin/chromium ]; then
  echo "setup: chromium already installed"
else
  need_apt "Chromium (/usr/bin/chromium)"
  echo "setup: installing chromium with apt-get"
  apt_install chromium || { echo "setup: apt-get could not install chromium" >&2; exit 1; }
fi

# Debian's SQLsmith (random queries for the leak fuzzer) and psycopg 3 and 2 (the Python clients the
# behaves-like-the-server tests run directly and through the gateway), for Debian's /usr/bin/python3.
have_test_clients() {
  command -v sqlsmith >/dev/null && /usr/bin/python3 -c 'import psycopg, psycopg2' >/dev/null 2>&1
}
if have_test_clients; then
  echo "setup: sqlsmith, python3-psycopg and python3-psycopg2 already installed"
else
  need_apt "sqlsmith, python3-psycopg and python3-psycopg2"
  echo "setup: installing sqlsmith, python3-psycopg and python3-psycopg2 with apt-get"
  apt_install sqlsmith python3-psycopg python3-psycopg2 || { echo "setup: apt-get could not install sqlsmith and psycopg" >&2; exit 1; }
fi

# Debian's OpenSSH server and clients, and sshpass: the SSH tests start their own throwaway sshd
# (its own config, host keys and loopback port) behind the gateway and drive it with the real ssh
# client, the token given as the password by sshpass. The system sshd is never started nor used.
have_openssh() { [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null && command -v sshpass >/dev/null; }
if have_openssh; then
  echo "setup: openssh-server, openssh-client and sshpass already installed"
else
  need_apt "openssh-server, openssh-client and sshpass"
  echo "setup: installing openssh-server, openssh-client and sshpass with apt-get"
  apt_install_without_services openssh-server openssh-client sshpass || { echo "setup: apt-get could not install openssh-server, openssh-client and sshpass" >&2; exit 1; }
  # Where a policy-rc.d did not stop it, stop the system sshd the package started: port 22 is not ours.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    "${as_root[@]}" systemctl disable --now ssh >/dev/null 2>&1 || true
  fi
fi

echo "setup: npm packages"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi

opa_version="$(tr -d '[:space:]' < scripts/opa-version)"
# Built tools live per version in a cache outside the clone (~/.cache/portcullis, or
# $PORTCULLIS_TOOL_CACHE), so every fresh clone on this machine reuses them; .tools/ links to it.
tool_cache="${PORTCULLIS_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
opa_dir="$tool_cache/opa-$opa_version"
if [ -x "$opa_dir/opa" ] && "$opa_dir/opa" version 2>/dev/null | grep -q "^Version: ${opa_version#v}$"; then
  echo "setup: opa $opa_version already built in $opa_dir"
else
  command -v go >/dev/null || { echo "setup: Go is needed to build the OPA CLI" >&2; exit 1; }
  echo "setup: building opa $opa_version from the Go module proxy into $opa_dir (a few minutes the first time)"
  mkdir -p "$opa_dir"
  GOBIN="$opa_dir" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@$opa_version"
  "$opa_dir/opa" version | head -1
fi
mkdir -p "$root/.tools"
ln -sfn "$opa_dir" "$root/.tools/opa-$opa_version"

# kube-apiserver, kubectl, etcd and kwok for the Kubernetes tests, cached and linked the same way.
bash "$root/scripts/setup-kubernetes.sh"

echo "setup: compiling TypeScript"
npx tsc -p tsconfig.json
echo "setup: done"
