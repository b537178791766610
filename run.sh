#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# ./run.sh demo   install what is needed, build, run the main job
# ./run.sh test [--release R] [MESON-TEST-ARG...]
#                 install what is needed, build, run every test, on each
#                 DPDK release (a "leg"; R is 22.11, 24.11, 25.11 or all,
#                 the default, or a comma-separated list):
#                   deb12    DPDK 22.11, Debian 12, this host: build/, every
#                            suite, then again under ASan/UBSan and TSan
#                            (VMP_SANITIZE=0 skips those)
#                   deb13    DPDK 24.11, a Debian 13 (trixie) chroot
#                   deb-sid  DPDK 25.11, a Debian unstable (sid) chroot
#                 The chroot legs (devtools/chroot.sh, cached in
#                 /var/cache/vmpower/chroot) build in build-deb13 and
#                 build-debsid and run every suite but the host-only ones:
#                 'vm' (real QEMU guests through libvirtd), the static
#                 analysers (cppcheck and clang-tidy: another version finds
#                 other things) and the sanitizer builds
#                 (devtools/chroot-test.sh says why). Other arguments go
#                 to `meson test` in every leg (test names, --suite ...).
#                   packages the Debian packages (debian/) built for
#                            22.11 and 24.11, lintian, and each set
#                            installed in a fresh chroot of its release
#                            (devtools/packages.sh); in 'all' when no
#                            meson test argument is given, or by name
#                 Last two lines: each leg's counts, then the total
#                 "N passed, M failed, K skipped" alone (what CI reads).
# ./run.sh test --stress [ARGS]  the same, 3 times (VMP_STRESS_RUNS) with
#                 stress-ng loading every core; lists each test that
#                 failed in any run
# ./run.sh fuzz [seconds]  run every fuzz target that long (default 60)
# ./run.sh chaos [minutes] [--asan] [--seed N] [--vms N]
#                 real libvirtd, N real VMs (default 3) sending requests,
#                 random operations (destroy/start, reset, reboot,
#                 vcpupin, rm_vm/add_vm, channel status, libvirtd
#                 restart, a hang-up of the CLI's terminal) for that long
#                 (default 10), each followed by a measured wait for
#                 convergence (app/test/vm/chaos.py); --asan runs the
#                 daemon of the ASan/UBSan build. `./run.sh test` runs a
#                 short one (vm_chaos, 2 VMs, 2 minutes).
# ./run.sh packages [R...]  build the Debian packages (debian/) for DPDK
#                 22.11 (this host) and 24.11 (Debian 13 chroot), lintian
#                 them, and test each set in a fresh chroot of its release
#                 (devtools/packages.sh says how); last line
#                 "packages: N passed, M failed"
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
BUILD=${VMP_BUILD_DIR:-build}
# Set by the user, VMP_TEST_SLOW is kept; otherwise measured (calibrate).
VMP_TEST_SLOW_USER=${VMP_TEST_SLOW:-}
JOBS=${VMP_JOBS:-$(nproc)}

# Debian 12 packages the project builds and tests with.
PACKAGES=(gcc libc6-dev pkg-config meson ninja-build python3
	libdpdk-dev libvirt-dev libxml2-dev libjansson-dev libvirt-clients socat
	iproute2
	python3-sphinx doxygen dpdk-dev libxml2-utils groff-base
	fuse3 python3-pyfuse3 libsystemd-dev)

# Static analysers for the security checks (sanitizers come with gcc).
PACKAGES+=(cppcheck clang-tidy)

# What ./run.sh packages needs besides (devtools/packages.sh).
PACKAGING=(debhelper dpkg-dev fakeroot lintian debootstrap systemd)

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
	$sudo apt-get update -qq || return 1
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# Configure (once) and build directory $1 with meson options $2...;
# on failure, the first errors. Explicit returns: callers in a leg test
# its status, which turns set -e off.
build_dir() {
	local dir=$1 out
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		log "configuring $dir${1:+ ($*)}"
		mkdir -p "$dir"
		out=$dir/setup-output.txt
		meson setup "$dir" "$@" >"$out" 2>&1 || {
			grep -E 'ERROR|error:' "$out" | head -n 40
			echo "    (all of it: $out)"
			return 1
		}
	fi
	log "building $dir"
	out=$dir/ninja-output.txt
	ninja -C "$dir" -j "$JOBS" >"$out" 2>&1 || {
		grep -E '^FAILED:|error:|undefined reference' "$out" | head -n 40
		echo "    (all of it: $out)"
		return 1
	}
}

build() {
	build_dir "$BUILD" -Ddeveloper_mode=true
}

# The closing lines from meson's JSON logs. Arguments: for each leg,
# NAME LABEL SECONDS STATUS NOTE LOG... --  (STATUS: the leg's exit
# status; NOTE: why it stopped early, or ""; LOGs that do not exist are a
# step that did not run). Per leg a line with its counts, skipped tests
# and wall time; then "deb12: N passed, M failed, K skipped; deb13: ...";
# then the total "N passed, M failed, K skipped" alone on the last line.
# A leg that stopped early (chroot, configure or build failed), ran no
# test or exited non-zero with no failed test counts one failure more, so
# the total says failed whenever this exits non-zero.
summary() {
	python3 - "$@" <<'PY'
import json, os, sys

args, legs = sys.argv[1:], []
while args:
    i = args.index("--")
    name, label, secs, status, note, *logs = args[:i]
    legs.append((name, label, int(secs), int(status), note, logs))
    args = args[i + 1:]

def load_allowed(path="app/test/allowed-skips"):
    rules = []
    if os.path.exists(path):
        for line in open(path):
            line = line.split("#", 1)
            name = line[0].strip()
            if name:
                rules.append((name, line[1].strip() if len(line) > 1 else ""))
    return rules

ALLOWED = load_allowed()

def allowed_skip(test):
    import fnmatch
    for pat, why in ALLOWED:
        if fnmatch.fnmatch(test, pat):
            return why or "allowed"
    return None

total = {"passed": 0, "failed": 0, "skipped": 0}
parts, bad = [], False
for name, label, secs, status, note, logs in legs:
    c = {"passed": 0, "failed": 0, "skipped": 0}
    skipped, failed = [], []
    found = [f for f in logs if os.path.exists(f)]
    builds = {os.path.dirname(os.path.dirname(f)) for f in found}
    for f in found:
        for line in open(f):
            t = json.loads(line)
            r = t["result"]
            # "vmpower:fast / x" (meson 1.0), "fast - vmpower:x" (1.12)
            test = t["name"].split(" / ")[-1].split(":")[-1]
            if len(builds) > 1:
                test = f"{os.path.dirname(os.path.dirname(f))}: {test}"
            t["name"] = test
            if r in ("OK", "EXPECTEDFAIL"):
                c["passed"] += 1
            elif r == "SKIP":
                c["skipped"] += 1
                out = [l.strip() for l in t.get("stdout", "").splitlines()
                       if l.strip() and not l.startswith(("===", "---"))]
                why = [l[5:].strip() for l in out if l.startswith("SKIP:")]
                why = (why or out[-1:] or ["no reason given"])[0]
                allowed = allowed_skip(test)
                skipped.append(f'{t["name"]} ({why}'
                               f'{"; allowed: " + allowed if allowed else ""})')
                # As root this machine can run every test but those
                # documented in app/test/allowed-skips: any other skip
                # fails the leg, so a run that tested nothing is red.
                if os.geteuid() == 0 and not allowed:
                    c["failed"] += 1
                    failed.append(f'{t["name"]} (skipped: {why})')
            else:
                c["failed"] += 1
                failed.append(t["name"])
    notes = [note] if note else []
    if not notes and c["passed"] + c["failed"] == 0:
        notes.append("no test ran")
    if not notes and status != 0 and c["failed"] == 0:
        notes.append(f"exit status {status}")
    c["failed"] += len(notes)
    # Listed with the tests: --stress counts them like a failed test.
    failed += [f"({n})" for n in notes]
    bad = bad or c["failed"] > 0
    counts = f'{c["passed"]} passed, {c["failed"]} failed, {c["skipped"]} skipped'
    extra = f' ({"; ".join(notes)})' if notes else ""
    print(f"==> {name} [{label}]: {counts}{extra}, "
          f"{secs // 60}m{secs % 60:02d}s")
    if failed:
        print(f"    failed: {', '.join(failed)}")
    if skipped:
        print(f"    skipped: {', '.join(skipped)}")
    parts.append(f"{name}: {counts}{extra}")
    for k in total:
        total[k] += c[k]
print("; ".join(parts))
print(f'{total["passed"]} passed, {total["failed"]} failed, '
      f'{total["skipped"]} skipped')
sys.exit(1 if bad else 0)
PY
}

# VMP_TEST_SLOW for this leg's tests: the user's, or this machine's
# speed now against the reference (devtools/calibrate.py, its figures
# in the log; build $1's guest_cli for the EAL probe, when built).
calibrate() {
	if [ -n "${VMP_TEST_SLOW_USER:-}" ]; then
		log "VMP_TEST_SLOW=$VMP_TEST_SLOW_USER (set by the user)"
		VMP_TEST_SLOW=$VMP_TEST_SLOW_USER
	else
		VMP_TEST_SLOW=$(devtools/calibrate.py --build "$1" 2> >(sed 's/^/==> /' >&2)) ||
			VMP_TEST_SLOW=4
	fi
	export VMP_TEST_SLOW
}

# What a test run may leave behind, one line each: EAL runtime
# directories, scratch directories in /tmp, the daemon's default channel
# directory, mount points, cgroups of ours. Only what a leg adds counts
# (leftover_check), so run nothing else of vmpower's beside it.
leftovers() {
	local d
	# Every EAL runtime directory, the tests' (tagged with the run) and
	# any other (a default "rte" prefix); /tmp's vmp_* scratch
	# directories (test_mkdtemp() removes the tests' at exit).
	for d in /var/run/dpdk/* /tmp/vmp_*; do
		[ -e "$d" ] && echo "$d"
	done
	[ -e /tmp/powermonitor ] && echo /tmp/powermonitor
	awk '{ print "mount " $5 }' /proc/self/mountinfo
	find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d \
		\( -name 'vmp*' -o -name 'vmpower*' \) 2>/dev/null |
		sed 's/^/cgroup /'
	return 0
}

# After a leg: what it left that was not there before ($1, a file of
# leftovers' lines), named in LEG_NOTE (the leg fails). Then removed
# (the EAL directories), so the next leg starts clean.
leftover_check() {
	local left
	left=$(leftovers | sort | comm -13 "$1" -)
	[ -z "$left" ] && return 0
	log "the leg left behind:"
	printf '%s\n' "$left" | sed 's/^/    /'
	LEG_NOTE+="${LEG_NOTE:+; }left behind: $(printf '%s' "$left" | tr '\n' ' ')"
	rm -rf /var/run/dpdk/*_r"$VMP_TEST_RUN"_*
	return 1
}

# The suite again in sanitizer build $1 (-Db_sanitize=$2), beside $BUILD.
sanitized() {
	local dir=$1 san=$2
	shift 2
	build_dir "$dir" -Ddeveloper_mode=true -Db_sanitize="$san" -Db_lundef=false || {
		LEG_NOTE+="${LEG_NOTE:+; }$dir: build failed"
		return 1
	}
	log "running tests under $san"
	meson test -C "$dir" --print-errorlogs --no-rebuild "$@"
}

# Leg deb12, on this host: every test; then, unless VMP_SANITIZE=0, every
# test again under ASan, UBSan and LeakSanitizer (but the docs, real-VM
# and install suites: an installed library that needs the sanitizer's
# runtime is no user's), and the threaded ones under TSan
# (app/test/security/tsan.tests).
# The real-VM suite 'vm', the static analysers and the sanitizer builds
# run in this leg only (devtools/chroot-test.sh says why).
run_tests() {
	local rc=0 sec=app/test/security tsan_tests
	LEG_LOGS=("$BUILD/meson-logs/testlog.json")
	# Results of an earlier run must not count for this one.
	rm -f "$BUILD"/meson-logs/testlog.json \
		"$BUILD"-{asan,tsan}/meson-logs/testlog.json
	install_deps || { LEG_NOTE="installing packages failed"; return 1; }
	build || { LEG_NOTE="build failed"; return 1; }
	calibrate "$BUILD"
	log "running tests"
	meson test -C "$BUILD" --print-errorlogs --no-rebuild "$@" || rc=$?
	if [ "${VMP_SANITIZE:-1}" != 0 ]; then
		LEG_LOGS+=("$BUILD-asan/meson-logs/testlog.json")
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:print_summary=1 \
		UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
			sanitized "$BUILD-asan" address,undefined \
			--no-suite docs --no-suite vm --no-suite install \
			"$@" || rc=$?
		if [ $# -gt 0 ]; then
			tsan_tests=("$@")
		else
			mapfile -t tsan_tests < <(grep -v '^#' "$sec/tsan.tests")
		fi
		LEG_LOGS+=("$BUILD-tsan/meson-logs/testlog.json")
		# TSan's own slowness (EAL's driver loading alone takes
		# seconds under it) on top of the machine's.
		TSAN_OPTIONS="suppressions=$PWD/$sec/tsan.supp:exitcode=66" \
		VMP_TEST_SLOW=$((VMP_TEST_SLOW * 4 > 99 ? 99 : VMP_TEST_SLOW * 4)) \
			sanitized "$BUILD-tsan" thread "${tsan_tests[@]}" || rc=$?
	fi
	return $rc
}

# A leg in the Debian chroot of DPDK release $1 (devtools/chroot.sh,
# created or brought up to date first), built in $2 of this tree, with
# the suites of any --no-suite S that follow left out;
# devtools/chroot-test.sh inside does the build and the tests. A chroot
# that cannot be made (no network, debootstrap failed) fails the leg.
chroot_leg() {
	local release=$1 dir=$2 rc=0 exclude=()
	shift 2
	while [ $# -ge 2 ] && [ "$1" = --no-suite ]; do
		exclude+=("$1" "$2")
		shift 2
	done
	LEG_LOGS=("$dir/meson-logs/testlog.json"
		"$dir/meson-logs/testlog-hardening.json")
	rm -f "${LEG_LOGS[@]}"
	# The machine's speed, measured on the host (the EAL probe with
	# this host's build, when there is one).
	calibrate "$BUILD"
	log "chroot for DPDK $release ($(devtools/chroot.sh path "$release"))"
	devtools/chroot.sh create "$release" || {
		tail -n 5 "$(devtools/chroot.sh path "$release").debootstrap.log" \
			2>/dev/null | sed 's/^/    /'
		LEG_NOTE="chroot creation failed"
		return 1
	}
	devtools/chroot.sh run "$release" /src/devtools/chroot-test.sh \
		"${exclude[@]}" "$dir" "$@" || rc=$?
	case $rc in
	0 | 1) ;;
	3) LEG_NOTE="meson setup failed" ;;
	4) LEG_NOTE="build failed" ;;
	*) LEG_NOTE="chroot-test.sh exit status $rc" ;;
	esac
	if [ -z "$LEG_NOTE" ] && [ ! -f "${LEG_LOGS[0]}" ] &&
			[ ! -f "${LEG_LOGS[1]}" ]; then
		LEG_NOTE="no test ran: the vm suite and the static analysers are"
		LEG_NOTE+=" host-only, run them with --release 22.11"
	fi
	return $rc
}

# Leg packages: devtools/packages.sh, each of its steps a test in its
# meson-format log. It needs root (debootstrap, chroot, mounts).
packages_leg() {
	local out=${VMP_PACKAGES_DIR:-build-packages} step
	LEG_LOGS=("$out/testlog.json")
	rm -f "$out/testlog.json"
	if [ "$(id -u)" -ne 0 ]; then
		mkdir -p "$out"
		for step in bookworm_build_lintian bookworm_install \
				trixie_build_lintian trixie_install; do
			printf '{"name": "packages / %s", "result": "SKIP", "stdout": "SKIP: needs root (debootstrap, chroot, mounts)"}\n' \
				"$step" >>"$out/testlog.json"
		done
		return 0
	fi
	PACKAGES+=("${PACKAGING[@]}")
	install_deps || { LEG_NOTE="installing packages failed"; return 1; }
	VMP_PACKAGES_DIR=$out devtools/packages.sh
}

# ./run.sh test [--release R[,R...]] [MESON-TEST-ARG...]: each leg in turn
# (a failed one does not stop the next), then the closing lines.
test_legs() {
	local release=all args=() legs=() r leg start secs rc before
	local results=() ran=" "
	while [ $# -gt 0 ]; do
		case $1 in
		--release)
			[ $# -ge 2 ] || { echo "--release needs a value" >&2; return 2; }
			release=$2
			shift 2
			;;
		--release=*)
			release=${1#--release=}
			shift
			;;
		*)
			args+=("$1")
			shift
			;;
		esac
	done
	for r in ${release//,/ }; do
		case $r in
		all)
			legs+=(deb12 deb13 deb-sid)
			# Package builds test no meson test name or suite.
			[ ${#args[@]} -gt 0 ] || legs+=(packages)
			;;
		packages | debian) legs+=(packages) ;;
		22.11 | deb12 | bookworm) legs+=(deb12) ;;
		24.11 | deb13 | trixie) legs+=(deb13) ;;
		25.11 | deb-sid | debsid | sid | unstable) legs+=(deb-sid) ;;
		*)
			echo "unknown release '$r': 22.11, 24.11, 25.11, packages or all" >&2
			return 2
			;;
		esac
	done
	[ ${#legs[@]} -gt 0 ] || { echo "--release: no release given" >&2; return 2; }
	# This run's tag in the tests' EAL prefixes (app/test/test_eal.h).
	VMP_TEST_RUN=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	export VMP_TEST_RUN
	before=$(mktemp /tmp/vmp_leftovers.XXXXXX)
	for leg in "${legs[@]}"; do
		# Each leg once, in the order given.
		case $ran in *" $leg "*) continue ;; esac
		ran+="$leg "
		log "leg $leg: start"
		start=$SECONDS
		LEG_NOTE="" LEG_LOGS=() rc=0
		leftovers | sort >"$before"
		case $leg in
		deb12) run_tests "${args[@]}" || rc=$? ;;
		deb13) chroot_leg 24.11 build-deb13 "${args[@]}" || rc=$? ;;
		deb-sid) chroot_leg 25.11 build-debsid "${args[@]}" || rc=$? ;;
		packages) packages_leg || rc=$? ;;
		esac
		leftover_check "$before" || rc=1
		secs=$((SECONDS - start))
		log "leg $leg: $((secs / 60))m$((secs % 60))s, exit status $rc"
		results+=("$leg" "$(leg_label "$leg")" "$secs" "$rc" "$LEG_NOTE"
			"${LEG_LOGS[@]}" --)
	done
	rm -f "$before"
	summary "${results[@]}"
}

leg_label() {
	case $1 in
	deb12) echo "DPDK 22.11, Debian 12, host" ;;
	deb13) echo "DPDK 24.11, Debian 13 chroot" ;;
	deb-sid) echo "DPDK 25.11, Debian unstable chroot" ;;
	packages) echo "Debian packages, 12 and 13, fresh chroots" ;;
	esac
}

# ./run.sh test --stress [ARGS]: the same legs VMP_STRESS_RUNS times
# (default 3) with a CPU hog on every core (stress-ng), as a loaded CI
# machine would run them; then every test that failed in any run, with
# how often. Flakes are fixed, never retried away.
stress() {
	local runs=${VMP_STRESS_RUNS:-3} dir=$BUILD/stress i hog rc=0
	PACKAGES+=(stress-ng)
	install_deps || return 1
	mkdir -p "$dir"
	rm -f "$dir"/run*.log
	stress-ng --cpu "$(nproc)" --cpu-method matrixprod --quiet &
	hog=$!
	trap 'kill $hog 2>/dev/null' EXIT
	for i in $(seq "$runs"); do
		log "stress run $i of $runs (stress-ng --cpu $(nproc) beside it)"
		test_legs "$@" 2>&1 | tee "$dir/run$i.log" || rc=1
	done
	kill "$hog" 2>/dev/null
	wait "$hog" 2>/dev/null
	trap - EXIT
	log "stress: $runs runs under load; tests that failed at least once:"
	python3 - "$dir" "$runs" <<'PY' || rc=1
import collections, glob, re, sys
d, runs = sys.argv[1], int(sys.argv[2])
fails = collections.Counter()
for f in sorted(glob.glob(f"{d}/run*.log")):
    seen = set()
    for line in open(f):
        m = re.match(r"    failed: (.*)", line)
        if m:
            for name in re.split(r", (?![^(]*\))", m.group(1)):
                seen.add(name.strip())
    fails.update(seen)
for name, n in fails.most_common():
    print(f"    {name}: failed in {n} of {runs} runs")
print(f"{len(fails)} tests failed at least once in {runs} runs")
sys.exit(1 if fails else 0)
PY
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

# ./run.sh chaos [minutes] [--asan] [--seed N] [--vms N]: chaos.sh against
# the daemon of $BUILD (or of $BUILD-asan).
chaos() {
	local mins=10 dir=$BUILD asan=0 seed="" vms=3
	while [ $# -gt 0 ]; do
		case $1 in
		--asan) asan=1 ;;
		--seed) seed=${2:?--seed needs a value}; shift ;;
		--vms) vms=${2:?--vms needs a value}; shift ;;
		*[!0-9]* | "") echo "chaos: bad argument '$1'" >&2; return 2 ;;
		*) mins=$1 ;;
		esac
		shift
	done
	if [ $asan = 1 ]; then
		dir=$BUILD-asan
		build_dir "$dir" -Ddeveloper_mode=true \
			-Db_sanitize=address,undefined -Db_lundef=false || return 1
	fi
	log "chaos: $vms VMs, $mins minutes, daemon of $dir"
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:print_summary=1 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
	VMP_CHAOS_SECONDS=$((mins * 60)) VMP_CHAOS_SEED=$seed \
	VMP_CHAOS_VMS=$vms VMP_VM_WORKDIR=$PWD/$BUILD/app/test/vm \
	VMP_MGR=$PWD/$dir/examples/vm_power_manager/vm_power_mgr \
		app/test/vm/chaos.sh
}

# The daemon's figures in a sandboxed cpufreq tree: a table, and the same
# as JSON in $BUILD/bench.json. Options go to vmp_bench (e.g. --quick).
bench() {
	if [ "${1:-}" = l3fwd ]; then
		shift
		log "bench l3fwd: energy against loss, l3fwd-power's heuristics" \
			"and upstream's (about 3 minutes)"
		python3 devtools/bench_l3fwd.py --build "$BUILD" "$@"
		return
	fi
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
	if [ "${1:-}" = --stress ]; then
		shift
		stress "$@"
	else
		test_legs "$@"
	fi
	;;
fuzz)
	shift
	fuzz "$@"
	;;
chaos)
	shift
	install_deps
	build
	chaos "$@"
	;;
packages)
	shift
	PACKAGES+=("${PACKAGING[@]}")
	install_deps
	devtools/packages.sh "$@"
	;;
bench)
	shift
	install_deps
	build
	bench "$@"
	;;
*)
	echo "usage: $0 demo|test|packages|fuzz|bench|chaos" >&2
	exit 2
	;;
esac
