#!/usr/bin/env bash
# Build the e2e harness binaries (Pulumi CLI, Kubernetes provider, control plane,
# etcd, kwok, the Argo Rollouts and Argo Workflows controllers and CLIs) and promtool (built by make setup for the alert-rule tests) from the pinned
# wrapper modules under e2e/go/ into a cache outside the repository. Idempotent: a tool is
# rebuilt only when its wrapper module (go.mod, go.sum, *.go), its build flags or the Go
# version change (the build key); a warm run takes well under a second.
#
# Usage: e2e/build.sh [TOOL...]   TOOL in: etcd kwok kubernetes pulumi pulumi-kubernetes
#                                  argo-rollouts argo-workflows promtool actionlint
#        (no TOOL: the e2e harness, every tool but promtool and actionlint)
# Env:   EKS_PLATFORM_E2E_CACHE   cache root (default ~/.cache/eks-platform-e2e)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${EKS_PLATFORM_E2E_CACHE:-$HOME/.cache/eks-platform-e2e}"
bin_dir="$cache/bin"            # bin/<name> -> store/<tool>-<key>/<name>
store_dir="$cache/store"
times_log="$cache/build-times.tsv"
keep_builds=2                   # per tool: the current build and the one before
mkdir -p "$bin_dir" "$store_dir"

# -trimpath and stripped binaries: smaller, and the cache does not depend on paths. No VCS
# stamping: the wrapper modules sit inside this repo, whose git state says nothing about them.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -buildvcs=false -mod=readonly"
export CGO_ENABLED="${CGO_ENABLED:-0}"

log() { printf '[e2e-build] %s\n' "$*" >&2; }

module_version() {  # module_version DIR MODULE -> version selected by DIR's go.mod
  (cd "$1" && go list -m -f '{{.Version}}' "$2")
}

module_dir() {  # module_dir DIR MODULE -> module's directory in the module cache
  (cd "$1" && go mod download -json "$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
}

ldflags_for() {  # ldflags_for TOOL -> -ldflags value (versions read from the pinned go.mod)
  local tool="$1" dir="$here/go/$1" v
  case "$tool" in
    pulumi)
      v="$(module_version "$dir" github.com/pulumi/pulumi/pkg/v3)"
      echo "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v"
      ;;
    kubernetes)
      v="$(module_version "$dir" k8s.io/kubernetes)"
      local major minor flags="-s -w" pkg key val
      major="${v#v}"; major="${major%%.*}"
      minor="${v#v*.}"; minor="${minor%%.*}"
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        for key in gitVersion gitMajor gitMinor gitTreeState buildDate; do
          case "$key" in
            gitVersion) val="$v" ;; gitMajor) val="$major" ;; gitMinor) val="$minor" ;;
            gitTreeState) val="clean" ;; buildDate) val="1970-01-01T00:00:00Z" ;;
          esac
          flags+=" -X $pkg.$key=$val"
        done
      done
      echo "$flags"
      ;;
    argo-rollouts)
      v="$(module_version "$dir" github.com/argoproj/argo-rollouts)"
      echo "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=${v#v}"
      ;;
    argo-workflows)
      v="$(module_version "$dir" github.com/argoproj/argo-workflows/v4)"
      echo "-s -w -X github.com/argoproj/argo-workflows/v4.version=$v"
      ;;
    actionlint)
      v="$(module_version "$dir" github.com/rhysd/actionlint)"
      echo "-s -w -X github.com/rhysd/actionlint.version=$v"
      ;;
    promtool)
      # Prometheus v3.X.Y is published as Go module v0.3XX.Y (v0.316.0 is v3.16.0).
      v="$(module_version "$dir" github.com/prometheus/prometheus)"
      local n="${v#v0.}" patch
      patch="${n#*.}"; n="${n%%.*}"
      echo "-s -w -X github.com/prometheus/common/version.Version=$((n / 100)).$((n % 100)).$patch"
      ;;
    *) echo "-s -w" ;;
  esac
}

packages_for() {  # packages_for TOOL -> "binary=package" pairs
  case "$1" in
    pulumi) echo "pulumi=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi" ;;
    pulumi-kubernetes) echo "pulumi-resource-kubernetes=." ;;
    kubernetes)
      echo "kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver"
      echo "kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager"
      echo "kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler"
      echo "kubectl=k8s.io/kubernetes/cmd/kubectl"
      ;;
    etcd) echo "etcd=." ;;
    kwok) echo "kwok=sigs.k8s.io/kwok/cmd/kwok" ;;
    argo-rollouts)
      echo "rollouts-controller=github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
      echo "kubectl-argo-rollouts=github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts"
      ;;
    argo-workflows)
      echo "workflow-controller=github.com/argoproj/argo-workflows/v4/cmd/workflow-controller"
      ;;
    promtool) echo "promtool=github.com/prometheus/prometheus/cmd/promtool" ;;
    actionlint) echo "actionlint=github.com/rhysd/actionlint/cmd/actionlint" ;;
    *) log "unknown tool: $1"; return 1 ;;
  esac
}

prepare_provider_sources() {  # copy the schema files the module zip ships (see main.go)
  local dir="$here/go/pulumi-kubernetes" src
  src="$(module_dir "$dir" github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
  install -m 0644 "$src/schema.json" "$src/terraform-mapping.json" "$dir/"
}

tool_key() {  # tool_key TOOL LDFLAGS -> sha256 of everything the build depends on
  local dir="$here/go/$1"
  { go version; echo "$GOFLAGS $CGO_ENABLED $2"; packages_for "$1"
    cat "$dir/go.mod" "$dir/go.sum" "$dir"/*.go; } | sha256sum | cut -d' ' -f1
}

link_binaries() {  # link_binaries TOOL STORE -> point bin/<name> at STORE/<name>, atomically
  local pair name
  for pair in $(packages_for "$1"); do
    name="${pair%%=*}"
    ln -sfn "$2/$name" "$bin_dir/.$name.link"
    mv -Tf "$bin_dir/.$name.link" "$bin_dir/$name"
  done
}

prune_store() {  # prune_store TOOL -> keep the newest builds of TOOL, drop older ones
  local old
  # shellcheck disable=SC2012  # names are ours: <tool>-<sha256>
  for old in $(ls -1dt "$store_dir/$1-"* 2>/dev/null | tail -n +$((keep_builds + 1))); do
    rm -rf "$old"
  done
}

build_tool() {
  local tool="$1" dir="$here/go/$1" ldflags key store pair name pkg start secs
  ldflags="$(ldflags_for "$tool")"
  key="$(tool_key "$tool" "$ldflags")"
  # One directory per build key: checkouts pinning different versions share the cache without
  # rebuilding over each other, and a running binary is never overwritten in place.
  store="$store_dir/$tool-$key"
  if [[ -f "$store/.complete" ]]; then
    link_binaries "$tool" "$store"
    log "$tool: up to date"
    return 0
  fi
  [[ "$tool" == pulumi-kubernetes ]] && prepare_provider_sources
  rm -rf "$store.partial"
  mkdir -p "$store.partial"
  for pair in $(packages_for "$tool"); do
    name="${pair%%=*}"; pkg="${pair#*=}"
    log "$tool: building $name"
    start=$SECONDS
    (cd "$dir" && go build -ldflags="$ldflags" -o "$store.partial/$name" "$pkg")
    secs=$((SECONDS - start))
    printf '%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" "$name" "$secs" >>"$times_log"
    log "$tool: built $name in ${secs}s"
  done
  touch "$store.partial/.complete"
  rm -rf "$store"
  mv -T "$store.partial" "$store"
  link_binaries "$tool" "$store"
  prune_store "$tool"
}

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(etcd kwok kubernetes pulumi-kubernetes pulumi argo-rollouts argo-workflows)
for t in "${tools[@]}"; do build_tool "$t"; done
log "binaries in $bin_dir"
