#!/usr/bin/env bash
# build.sh builds the real etcd and kube-apiserver binaries the tests run
# against (see internal/testenv) from the wrapper modules next to this script.
#
# It is idempotent: a binary is built only when it is missing, or when the
# stamp file recorded next to it (the sha256 of its wrapper module's go.mod)
# differs from the current go.mod. A binary found without a stamp is adopted
# as is and stamped. Output goes to ${RIGEL_TESTBED_DIR:-$HOME/.cache/rigel-testbed}/bin.
#
# Usage: testbed/build.sh [--force]
set -euo pipefail
# The apiserver and etcd are test tools, never shipped: built with the machine's own Go (the
# Makefile's GOTOOLCHAIN=go1.27.3 is for Rigel itself), as they always were; their stamps name
# only their go.mod.
export GOTOOLCHAIN="${RIGEL_TESTBED_GOTOOLCHAIN:-local}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${RIGEL_TESTBED_DIR:-$HOME/.cache/rigel-testbed}"
bin="$root/bin"
force=0
if [[ "${1:-}" == "--force" ]]; then
	force=1
fi

mkdir -p "$bin"

# Several test packages may start at once: only one of them builds.
exec 9>"$bin/.build.lock"
if ! flock -n 9; then
	echo "testbed: another build is running, waiting for it ($bin/.build.lock)"
	flock 9
fi

# kubeversion MODULE_DIR: the -ldflags that stamp kube-apiserver with the Kubernetes
# version its wrapper module requires, as the Kubernetes release build does; without
# them /version says v0.0.0-master and a test cannot tell which line it runs against.
# The flags follow from go.mod alone, so the go.mod stamp still covers them.
kubeversion() {
	local v
	v="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ {print $2; exit}' "$here/$1/go.mod")"
	if [[ -z "$v" ]]; then
		echo "testbed: $1/go.mod requires no k8s.io/kubernetes version" >&2
		return 1
	fi
	local minor="${v#v1.}"
	minor="${minor%%.*}"
	local pkg=k8s.io/component-base/version
	echo "-X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
}

# build NAME MODULE_DIR PACKAGE [LDFLAGS]
build() {
	local name="$1" dir="$here/$2" pkg="$3" ldflags="${4:-}"
	local out="$bin/$name" stamp="$bin/.$name.stamp"
	local want
	want="$(sha256sum "$dir/go.mod" | cut -d' ' -f1)"

	if [[ $force == 0 && -x "$out" ]]; then
		if [[ ! -f "$stamp" ]]; then
			echo "testbed: $name: adopting existing $out (no stamp), stamping it"
			echo "$want" >"$stamp"
			return 0
		fi
		if [[ "$(cat "$stamp")" == "$want" ]]; then
			echo "testbed: $name: up to date ($out)"
			return 0
		fi
		echo "testbed: $name: $2/go.mod changed, rebuilding"
	fi

	echo "testbed: $name: building $pkg from $2 into $out (this can take several minutes)"
	local start=$SECONDS
	(
		cd "$dir"
		GONOSUMDB='k8s.io/*' GOFLAGS=-mod=mod go build -ldflags="$ldflags" -o "$out.tmp" "$pkg"
	)
	mv -f "$out.tmp" "$out"
	echo "$want" >"$stamp"
	echo "testbed: $name: built in $((SECONDS - start))s"
}

build etcd etcd go.etcd.io/etcd/server/v3
ldflags="$(kubeversion apiserver)" # an assignment, so that set -e stops on a failure
build kube-apiserver apiserver k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"
# The oldest Kubernetes line upstream still supports, for the version-skew run
# (make test-skew; internal/testenv starts it when RIGEL_TESTBED_APISERVER names it).
ldflags="$(kubeversion apiserver-1.35)"
build kube-apiserver-1.35 apiserver-1.35 k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"

echo "testbed: binaries ready in $bin"
