#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The demo as a user sees it (vm_l3fwd): devtools/demo.sh ARGS... on a
# terminal (a pty from script(1)), its exit status passed on, and a failure
# if anything it printed is polkit's "Authorization not available" (virsh
# starts polkit's agent only when it has a controlling terminal; issue 22).
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (installs QEMU and libvirt, runs libvirtd)"
	exit 77
fi
out=$(mktemp /tmp/vmp-demo-tty.XXXXXX)
trap 'rm -f "$out"' EXIT
script -qefc "$(printf '%q ' "$HERE/../../../devtools/demo.sh" "$@")" "$out" </dev/null
rc=$?
if grep -q 'Authorization not available' "$out"; then
	echo "demo_tty: FAIL: the demo printed polkit's message:"
	grep -n 'Authorization not available' "$out"
	exit 1
fi
[ $rc -ne 0 ] || echo "demo_tty: no polkit message on a terminal"
exit $rc
