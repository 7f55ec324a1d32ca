#!/usr/bin/env bash
# Builds the pinned Kubernetes test cluster's tools: kube-apiserver, kubectl, etcd and kwok (fake nodes
# and pods that serve exec, logs, attach and port-forward). Every version is pinned in one file,
# tools/kubernetes/go.mod (with its go.sum); the binaries are built from the Go module proxy into
# ~/.cache/portcullis/kubernetes-<k8s version>-<hash of go.mod and go.sum>/bin (or under
# $PORTCULLIS_TOOL_CACHE) and linked from .tools/kubernetes. A warm run only checks a stamp file; a
# fresh clone on this machine reuses the cache, and a changed pin rebuilds from Go's module and build
# caches. Called by scripts/setup.sh; safe to run on its own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$root/tools/kubernetes"

kube_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$module/go.mod")"
[ -n "$kube_version" ] || { echo "setup: no k8s.io/kubernetes version in $module/go.mod" >&2; exit 1; }
# The build flags are part of the key, so changing them rebuilds instead of reusing older binaries.
build_flags_version=1
pin_hash="$(cat "$module/go.mod" "$module/go.sum" <(echo "$build_flags_version") | sha256sum | cut -c1-12)"
tool_cache="${PORTCULLIS_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
dir="$tool_cache/kubernetes-$kube_version-$pin_hash"
stamp="$dir/built"

if [ -f "$stamp" ] && [ -x "$dir/bin/kube-apiserver" ] && [ -x "$dir/bin/kubectl" ] && [ -x "$dir/bin/etcd" ] && [ -x "$dir/bin/kwok" ]; then
  echo "setup: kube-apiserver, kubectl, etcd and kwok ($kube_version) already built in $dir"
else
  command -v go >/dev/null || { echo "setup: Go is needed to build kube-apiserver, kubectl, etcd and kwok" >&2; exit 1; }
  echo "setup: building kube-apiserver, kubectl, etcd and kwok ($kube_version) from the Go module proxy into $dir"
  echo "setup: this takes 10-25 minutes on 2 cores the first time (later clones reuse it); log: $dir/build.log"
  mkdir -p "$dir"
  rm -rf "$dir/bin.partial" "$stamp"
  mkdir -p "$dir/bin.partial"
  # Without these -X flags the binaries report v0.0.0 and kubectl warns about version skew.
  major="${kube_version#v}"; major="${major%%.*}"
  minor="${kube_version#v*.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  started=$SECONDS
  # `go install tool` builds every `tool` line of the pinned module. The default GOMODCACHE and GOCACHE
  # are kept, so other clones and other versions share downloaded modules and compiled packages.
  # nice: the build is long and the machine's cores are shared with people running tests.
  if ! (cd "$module" && GOBIN="$dir/bin.partial" GOFLAGS="-trimpath -buildvcs=false -mod=readonly" CGO_ENABLED=0 \
        nice -n 10 go install -ldflags="$ldflags" tool) >"$dir/build.log" 2>&1; then
    tail -n 30 "$dir/build.log" >&2
    echo "setup: building the Kubernetes tools failed; the full log is $dir/build.log" >&2
    exit 1
  fi
  # Go names a binary after its package path; etcd's module root (…/server/v3) would be called "v3"
  # or "server", so give it its usual name.
  for name in v3 server; do
    [ ! -x "$dir/bin.partial/$name" ] || mv "$dir/bin.partial/$name" "$dir/bin.partial/etcd"
  done
  rm -rf "$dir/bin"
  mv "$dir/bin.partial" "$dir/bin"
  # sed, not head: head would exit after one line and a program still writing would die of SIGPIPE,
  # which pipefail turns into a failed setup.
  {
    "$dir/bin/kube-apiserver" --version
    "$dir/bin/kubectl" version --client | sed -n 1p
    "$dir/bin/etcd" --version | sed -n 1p
    "$dir/bin/kwok" --version | sed -n 1p
    echo "built in $((SECONDS - started)) s"
  } | tee "$stamp.tmp"
  mv "$stamp.tmp" "$stamp"
fi
# kwok's `kwok` command (unlike kwokctl) has no built-in stages: a cluster passes the ones that make
# nodes Ready and pods Running in its --config. They are copied from the pinned kwok module, so they
# always match the binary.
if [ ! -d "$dir/kwok-stages" ]; then
  kwok_src="$(cd "$module" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  rm -rf "$dir/kwok-stages.partial"
  mkdir -p "$dir/kwok-stages.partial"
  cp "$kwok_src/kustomize/stage/node/fast/node-initialize.yaml" \
     "$kwok_src/kustomize/stage/pod/fast/pod-ready.yaml" \
     "$kwok_src/kustomize/stage/pod/fast/pod-complete.yaml" \
     "$kwok_src/kustomize/stage/pod/fast/pod-delete.yaml" "$dir/kwok-stages.partial/"
  chmod 644 "$dir"/kwok-stages.partial/*
  mv "$dir/kwok-stages.partial" "$dir/kwok-stages"
fi
mkdir -p "$root/.tools"
ln -sfn "$dir" "$root/.tools/kubernetes"
