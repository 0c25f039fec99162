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

# build NAME MODULE_DIR PACKAGE
build() {
	local name="$1" dir="$here/$2" pkg="$3"
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
		GONOSUMDB='k8s.io/*' GOFLAGS=-mod=mod go build -o "$out.tmp" "$pkg"
	)
	mv -f "$out.tmp" "$out"
	echo "$want" >"$stamp"
	echo "testbed: $name: built in $((SECONDS - start))s"
}

build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver apiserver k8s.io/kubernetes/cmd/kube-apiserver

echo "testbed: binaries ready in $bin"
