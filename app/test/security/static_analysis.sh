#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Static analysis of the shipped code and the fuzzers; any finding fails.
#   static_analysis.sh cppcheck SOURCE_ROOT
#   static_analysis.sh clang-tidy SOURCE_ROOT BUILD_ROOT
# cppcheck runs without DPDK's headers (cppcheck-dpdk.cfg stands in for
# the few macros that matter); clang-tidy uses the build's
# compile_commands.json and the repository's .clang-tidy.
set -eu
tool=$1
src=$2
dirs="lib examples fuzz"
cd "$src"

case $tool in
cppcheck)
	# shellcheck disable=SC2086
	exec cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
		--enable=warning,performance,portability \
		--library=app/test/security/cppcheck-dpdk.cfg \
		-D__linux__ -D__x86_64__ -D_GNU_SOURCE \
		-I lib/protocol -I lib/guest_channel \
		-I examples/vm_power_manager -I examples/l3fwd-power -j2 \
		--template='{file}:{line}: {severity} ({id}): {message}' $dirs
	;;
clang-tidy)
	build=$3
	files=$(python3 -c '
import json, sys
src, dirs = sys.argv[1], sys.argv[2].split()
seen = set()
for c in json.load(open(sys.argv[3])):
    f = c["file"] if c["file"].startswith("/") else c["directory"] + "/" + c["file"]
    rel = __import__("os").path.relpath(f, src)
    if rel.split("/")[0] in dirs and rel not in seen:
        seen.add(rel)
        print(rel)
' "$src" "$dirs" "$build/compile_commands.json")
	# Two at a time (the machine has 2 cores); any output is a finding.
	out=$(echo "$files" | xargs -P2 -n4 clang-tidy -p "$build" --quiet \
		--extra-arg=-Wno-unknown-warning-option 2>&1 |
		grep -E '(warning|error):' || :)
	[ -z "$out" ] && echo "clang-tidy: $(echo "$files" | wc -l) files clean" &&
		exit 0
	echo "$out"
	exit 1
	;;
*)
	echo "usage: $0 cppcheck|clang-tidy SOURCE_ROOT [BUILD_ROOT]" >&2
	exit 2
	;;
esac
