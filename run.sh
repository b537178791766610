#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# ./run.sh demo   install what is needed, build, run the main job
# ./run.sh test   install what is needed, build, run every test
# ./run.sh fuzz [seconds]  run every fuzz target that long (default 60)
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
BUILD=${VMP_BUILD_DIR:-build}

# Debian 12 packages the project builds and tests with.
PACKAGES=(gcc libc6-dev pkg-config meson ninja-build python3
	libdpdk-dev libvirt-dev libxml2-dev libvirt-clients socat iproute2
	python3-sphinx doxygen dpdk-dev libxml2-utils groff-base)

log() { printf '==> %s\n' "$*"; }

install_deps() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

build() {
	if [ ! -f "$BUILD/build.ninja" ]; then
		log "configuring $BUILD"
		meson setup "$BUILD" >/dev/null
	fi
	log "building"
	ninja -C "$BUILD" >/dev/null
}

# One line from meson's JSON log: "N passed, M failed[, K skipped]".
summary() {
	python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        counts["OK"] += 1
    elif r == "SKIP":
        counts["SKIP"] += 1
    else:
        counts["FAIL"] += 1
out = f'{counts["OK"]} passed, {counts["FAIL"]} failed'
if counts["SKIP"]:
    out += f', {counts["SKIP"]} skipped'
print(out)
sys.exit(1 if counts["FAIL"] or counts["OK"] == 0 else 0)
PY
}

run_tests() {
	log "running tests"
	local rc=0
	meson test -C "$BUILD" --print-errorlogs --no-rebuild "$@" || rc=$?
	summary || rc=1
	return $rc
}

demo() {
	log "demo: l3fwd-power in a real VM, vm_power_mgr on the host (devtools/demo.sh)"
	VMP_BUILD_DIR=$BUILD devtools/demo.sh "$@"
}

# Every fuzz target (fuzz/fuzz_*.c) for $1 seconds (default 60) with
# clang's libFuzzer, ASan and UBSan in build-fuzz. The corpus grows in
# build-fuzz/corpus/<target> from the committed seeds; a crash is written
# to build-fuzz/artifacts/<target>/ (keep it in fuzz/regressions/<target>/).
fuzz() {
	local secs=${1:-60} dir=build-fuzz rc=0 t src log
	PACKAGES+=(clang libclang-rt-14-dev)
	install_deps
	if [ ! -f "$dir/build.ninja" ]; then
		log "configuring $dir"
		CC=clang meson setup "$dir" -Dfuzz=true -Dtests=false \
			-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	fi
	ninja -C "$dir" >/dev/null
	for src in fuzz/fuzz_*.c; do
		t=$(basename "$src" .c)
		t=${t#fuzz_}
		log="$dir/fuzz-$t.log"
		mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
		log "fuzz $t for ${secs}s"
		if ! "$dir/fuzz/vmp_fuzz_$t" -max_total_time="$secs" \
				-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
				-artifact_prefix="$dir/artifacts/$t/" \
				"$dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
			rc=1
			grep -E 'ERROR|invariant|SUMMARY|written to' "$log" >&2 || :
		fi
		# "proto: 2227868 execs, cov: 87 ft: 113 corp: 35/12532b"
		printf '    %s: %s execs, %s\n' "$t" \
			"$(sed -n 's/^stat::number_of_executed_units: //p' "$log")" \
			"$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' \
				"$log" | tail -1)"
	done
	[ $rc -eq 0 ] && log "fuzz: no crash" || log "fuzz: crashes (see above)"
	return $rc
}

# The daemon's figures in a sandboxed cpufreq tree: a table, and the same
# as JSON in $BUILD/bench.json. Options go to vmp_bench (e.g. --quick).
bench() {
	log "bench: vm_power_mgr against peers playing QEMU (a few minutes)"
	"$BUILD/app/bench/vmp_bench" \
		--daemon "$BUILD/examples/vm_power_manager/vm_power_mgr" \
		--json "$BUILD/bench.json" "$@"
}

case "${1:-}" in
demo)
	shift
	install_deps
	build
	demo "$@"
	;;
test)
	shift
	install_deps
	build
	run_tests "$@"
	;;
fuzz)
	shift
	fuzz "$@"
	;;
bench)
	shift
	install_deps
	build
	bench "$@"
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac
