#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# ./run.sh demo   install what is needed, build, run the main job
# ./run.sh test   install what is needed, build, run every test (and again
#                 under ASan/UBSan and TSan; VMP_SANITIZE=0 skips those)
# ./run.sh fuzz [seconds]  run every fuzz target that long (default 60)
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
BUILD=${VMP_BUILD_DIR:-build}

# Debian 12 packages the project builds and tests with.
PACKAGES=(gcc libc6-dev pkg-config meson ninja-build python3
	libdpdk-dev libvirt-dev libxml2-dev libvirt-clients socat iproute2
	python3-sphinx doxygen dpdk-dev libxml2-utils groff-base
	fuse3 python3-fusepy)

# Static analysers for the security checks (sanitizers come with gcc).
PACKAGES+=(cppcheck clang-tidy)

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
		meson setup "$BUILD" -Ddeveloper_mode=true >/dev/null
	fi
	log "building"
	ninja -C "$BUILD" >/dev/null
}

# One line from meson's JSON logs (each build's, summed):
# "N passed, M failed[, K skipped]".
summary() {
	python3 - "$@" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in (l for f in sys.argv[1:] for l in open(f)):
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

# The suite again in sanitizer build $1 (-Db_sanitize=$2), beside $BUILD.
sanitized() {
	local dir=$1 san=$2
	shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		log "configuring $dir ($san)"
		meson setup "$dir" -Ddeveloper_mode=true -Db_sanitize="$san" -Db_lundef=false \
			>/dev/null
	fi
	log "building $dir"
	ninja -C "$dir" >/dev/null
	log "running tests under $san"
	meson test -C "$dir" --print-errorlogs --no-rebuild "$@"
}

# Every test; then, unless VMP_SANITIZE=0, every test again under ASan,
# UBSan and LeakSanitizer (but the docs and real-VM suites), and the
# threaded ones under TSan (app/test/security/tsan.tests). One summary.
run_tests() {
	local rc=0 sec=app/test/security tsan_tests
	local logs=("$BUILD/meson-logs/testlog.json")
	log "running tests"
	meson test -C "$BUILD" --print-errorlogs --no-rebuild "$@" || rc=$?
	if [ "${VMP_SANITIZE:-1}" != 0 ]; then
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:print_summary=1 \
		UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
			sanitized "$BUILD-asan" address,undefined \
			--no-suite docs --no-suite vm "$@" || rc=$?
		logs+=("$BUILD-asan/meson-logs/testlog.json")
		if [ $# -gt 0 ]; then
			tsan_tests=("$@")
		else
			mapfile -t tsan_tests < <(grep -v '^#' "$sec/tsan.tests")
		fi
		TSAN_OPTIONS="suppressions=$PWD/$sec/tsan.supp:exitcode=66" \
		VMP_TEST_SLOW=4 \
			sanitized "$BUILD-tsan" thread "${tsan_tests[@]}" || rc=$?
		logs+=("$BUILD-tsan/meson-logs/testlog.json")
	fi
	summary "${logs[@]}" || rc=1
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
