#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# One release leg of `./run.sh test`, run inside a Debian chroot:
#
#   devtools/chroot.sh run 24.11 /src/devtools/chroot-test.sh \
#       [--no-suite SUITE]... BUILD [ARG...]
#
# Configures /src/BUILD (once), builds it, and runs every test that can run
# in a chroot; --no-suite before BUILD leaves out a suite this release
# cannot run (run.sh says which and why); ARGs go to `meson test` (test
# names, --suite ...). Meson
# writes BUILD/meson-logs/testlog.json (and testlog-hardening.json), which
# run.sh counts. Host-only, left out here:
#   - suite 'vm': boots QEMU guests through a system libvirtd, which needs
#     the host's daemons, /dev/kvm and the guest image tooling (Debian 12);
#   - static_cppcheck, static_clang_tidy (suite 'static'): their findings
#     are about the source, not the release, and another tool version
#     finds other things; they run once, on the host;
#   - the ASan/UBSan and TSan builds: they check the code, not the release,
#     and would double each leg's time.
# The 'hardening' check of the same suite does run here: it checks what
# this release's compiler and flags make of the shipped binaries.
#
# Exit status: 0 all ran and passed, 1 a test failed, 2 usage,
# 3 meson setup failed, 4 the build failed.
set -uo pipefail

usage() {
	echo "usage: $0 [--no-suite SUITE]... BUILD [MESON-TEST-ARG...]" >&2
	exit 2
}
# Host-only suites (above), then those of this leg.
exclude=(--no-suite vm --no-suite static) left_out="vm static"
while [ $# -ge 2 ] && [ "$1" = --no-suite ]; do
	exclude+=(--no-suite "$2")
	left_out+=" $2"
	shift 2
done
[ $# -ge 1 ] || usage
cd "$(dirname "$(readlink -f "$0")")/.." || exit 2
build=$1
shift
jobs=${VMP_JOBS:-$(nproc)}

log() { printf '==> %s\n' "$*"; }

# The last compiler or meson messages of a failed step.
show_errors() {
	grep -E '^FAILED:|error:|ERROR|undefined reference' "$1" | head -n 40
	echo "    (all of it: $1)"
}

. /etc/os-release
log "$PRETTY_NAME, DPDK $(pkg-config --modversion libdpdk 2>/dev/null ||
	echo '(libdpdk not found)'), meson $(meson --version), $(gcc --version |
	head -n 1)"

# Results of an earlier run must not count for this one.
rm -f "$build"/meson-logs/testlog*.json

# A build directory of another meson (the chroot was made again since) or
# without developer_mode (made by hand) is started afresh.
if [ -f "$build/build.ninja" ] && ! python3 - "$build" "$(meson --version)" <<'PY'
import json, sys
info = f"{sys.argv[1]}/meson-info"
ver = json.load(open(f"{info}/meson-info.json"))["meson_version"]["full"]
opts = {o["name"]: o["value"]
	for o in json.load(open(f"{info}/intro-buildoptions.json"))}
sys.exit(0 if ver == sys.argv[2] and opts.get("developer_mode") else 1)
PY
then
	log "$build: another meson or no developer_mode: starting it afresh"
	rm -rf "$build"
fi
if [ ! -f "$build/build.ninja" ]; then
	# Warnings are errors here as on the host (developer_mode): CI must
	# see a deprecated DPDK call on any release.
	log "configuring $build (-Ddeveloper_mode=true)"
	mkdir -p "$build"
	if ! meson setup "$build" -Ddeveloper_mode=true \
			>"$build/setup-output.txt" 2>&1; then
		show_errors "$build/setup-output.txt"
		exit 3
	fi
fi
log "building $build (-j$jobs)"
SECONDS=0
if ! ninja -C "$build" -j "$jobs" >"$build/ninja-output.txt" 2>&1; then
	show_errors "$build/ninja-output.txt"
	exit 4
fi
log "built in ${SECONDS}s"

# With no arguments: every chroot test, then the hardening check (which
# --no-suite static leaves out). With arguments: the hardening check only
# if named; the rest go to the main run (newer meson refuses a test name
# that its suite filter left out).
margs=() main=1 hardening=1
if [ $# -gt 0 ]; then
	main=0 hardening=0
	for a in "$@"; do
		if [ "$a" = hardening ]; then
			hardening=1
		else
			margs+=("$a")
			main=1
		fi
	done
fi
rc=0
SECONDS=0
if [ $main -eq 1 ]; then
	log "running tests (suites left out: $left_out)"
	meson test -C "$build" --no-rebuild --print-errorlogs \
		"${exclude[@]}" "${margs[@]}" || rc=1
fi
if [ $hardening -eq 1 ]; then
	meson test -C "$build" --no-rebuild --print-errorlogs \
		--logbase testlog-hardening hardening || rc=1
fi
log "tests ran in ${SECONDS}s"
exit $rc
