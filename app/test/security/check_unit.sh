#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# check_unit.sh UNIT DAEMON: systemd accepts the shipped unit (with the
# build's daemon in its command), and it is the service it says it is.
set -eu
unit=$1 daemon=$(readlink -f "$2")
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: no systemd-analyze here (package systemd)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/sbin/vm_power_mgr|$daemon|" "$unit" \
	>"$dir/vm_power_mgr.service"
systemd-analyze verify --man=no "$dir/vm_power_mgr.service"
for want in Type=notify WatchdogSec= RuntimeDirectoryPreserve=yes \
		ProtectSystem=strict CapabilityBoundingSet= \
		UnsetEnvironment=RUNTIME_DIRECTORY; do
	grep -q "^$want" "$unit" || { echo "FAIL: unit lacks $want"; exit 1; }
done
echo "ok: systemd-analyze verify accepts $unit"
