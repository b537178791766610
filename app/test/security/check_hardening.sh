#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The shipped binaries are hardened: position independent, relocations
# read-only and bound at start (full RELRO), libc calls fortified
# (__*_chk), stack canaries, no executable stack.
# Usage: check_hardening.sh BINARY...
set -u
fail=0

check() {
	if eval "$2"; then
		echo "ok   $bin: $1"
	else
		echo "FAIL $bin: $1"
		fail=1
	fi
}

for bin in "$@"; do
	hdr=$(readelf -hW "$bin") || exit 1
	prog=$(readelf -lW "$bin")
	dyn=$(readelf -dW "$bin")
	syms=$(readelf --dyn-syms -W "$bin")
	check "position independent" 'echo "$hdr" | grep -q "Type: *DYN"'
	check "RELRO segment" 'echo "$prog" | grep -q GNU_RELRO'
	check "bound at start (BIND_NOW)" \
		'echo "$dyn" | grep -qE "BIND_NOW|FLAGS.* NOW"'
	check "stack not executable" \
		'echo "$prog" | grep GNU_STACK | grep -qv RWE'
	check "fortified libc calls" \
		'echo "$syms" | grep -qE " __[a-z_]+_chk(@|$)"'
	check "stack protector" 'echo "$syms" | grep -q __stack_chk_fail'
done
exit $fail
