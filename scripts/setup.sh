#!/usr/bin/env bash
# Installs everything Portcullis needs on a fresh machine: npm packages, the pinned OPA CLI
# (built from the Go module proxy into .tools/, reused when already there) and the compiled
# TypeScript in dist/. Safe to run again; it only redoes what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "setup: npm packages"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi

opa_version="$(tr -d '[:space:]' < scripts/opa-version)"
opa_dir="$root/.tools/opa-$opa_version"
if [ -x "$opa_dir/opa" ] && "$opa_dir/opa" version 2>/dev/null | grep -q "^Version: ${opa_version#v}$"; then
  echo "setup: opa $opa_version already built in .tools/"
else
  command -v go >/dev/null || { echo "setup: Go is needed to build the OPA CLI" >&2; exit 1; }
  echo "setup: building opa $opa_version from the Go module proxy (a few minutes the first time)"
  mkdir -p "$opa_dir"
  GOBIN="$opa_dir" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@$opa_version"
  "$opa_dir/opa" version | head -1
fi

echo "setup: compiling TypeScript"
npx tsc -p tsconfig.json
echo "setup: done"
