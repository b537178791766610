#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Real-VM smoke test: the plumbing from a guest program to the host side of
# its power channels, through a real libvirtd and QEMU, without the daemon.
#
# Builds the guest image (devtools/guest-image.sh) with vmp_vm_guest, starts
# a libvirtd if none runs, defines a VM with 2 vCPUs pinned to host CPUs and
# one channel per lcore in a private directory, checks that the vCPU threads
# really are pinned, and plays the host daemon (smoke_host.py): each channel
# must carry a 464-byte CONNECT, then a CPU_POWER request, which gets an
# ACK; the guest must report every ACK and end with status 0. Then the VM
# shuts itself off. Everything it started or defined is removed on every
# path (vmtest.sh). Prints how long each step took.
#
# Environment (meson sets it; by hand the defaults fit a build in ./build):
#   VMP_VM_GUEST    the vmp_vm_guest binary
#   VMP_VM_BINS     more guest binaries for the image, ':'-separated; absent
#                   ones are left out; each must load in the guest
#   VMP_VM_WORKDIR, VMP_VM_CPUS   see vmtest.sh
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
BUILD=$VMT_SRC/build
GUEST=${VMP_VM_GUEST:-$BUILD/app/test/vm/vmp_vm_guest}
BINS=${VMP_VM_BINS-$BUILD/examples/l3fwd-power/l3fwd-power:$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
UNIT=2	# SCALE_DOWN, as the guest's "down"
CHANNELS=2

vmt_init vmp-smoke-
[ -x "$GUEST" ] || vmt_fail "no guest program $GUEST"
HOSTPID=""
vmt_on_exit '[ -z "$HOSTPID" ] || { kill "$HOSTPID"; wait "$HOSTPID"; } 2>/dev/null'

# 1. The image; cached unless an input changed.
images=("$GUEST")
IFS=: read -r -a extra <<<"$BINS"
for b in "${extra[@]}"; do
	[ -x "$b" ] && images+=("$b")
done
vmt_image "${images[@]}"

# 2. libvirtd: ours only if none runs.
vmt_libvirtd

# 3. The VM: the guest program on every lcore, then each extra binary
# through the loader, which fails on any library missing in the image.
EAL="-l 0,1 --no-huge --no-pci -m 64 --no-shconf --no-telemetry"
cmd="set -e; vmp_vm_guest $EAL -- $NAME down"
for b in "${images[@]:1}"; do
	cmd+="; /lib64/ld-linux-x86-64.so.2 --list /usr/bin/${b##*/} >/dev/null"
	cmd+="; echo 'vm-guest: ${b##*/} loads'"
done
vmt_define --channels "$CHANNELS" --run "$cmd"

# The host side first: it retries until libvirt has bound the sockets.
python3 "$HERE/smoke_host.py" "$RUN" "$NAME" "$CHANNELS" "$(vmt_ms)" "$UNIT" \
	>"$RUN/host.log" 2>&1 &
HOSTPID=$!
vmt_start

# 4. The vCPU threads run where the XML pins them.
vmt_check_pinning

# 5. The host side sees the whole exchange and then the VM's exit.
rc=0
wait "$HOSTPID" || rc=$?
HOSTPID=""
cat "$RUN/host.log"
[ $rc -eq 0 ] || vmt_fail "host side"
first=$(sed -n 's/^host: *\([0-9]*\) ms  lcore 0: packet.*/\1/p; T; q' \
	"$RUN/host.log")
printf '%s: %-34s %6s ms\n' "$VMT_PREFIX" "start to first packet" "${first:-?}"
vmt_wait_off 60

grep '^vm-guest:\|^VMP-' "$RUN/$NAME.console" || true
for ((l = 0; l < CHANNELS; l++)); do
	vmt_console_has "^vm-guest: lcore $l vcpu $l ACK" ||
		vmt_fail "guest did not report the ACK of lcore $l"
done
for b in "${images[@]:1}"; do
	vmt_console_has "^vm-guest: ${b##*/} loads" ||
		vmt_fail "${b##*/} does not load in the guest"
done
vmt_console_has '^VMP-END rc=0' || vmt_fail "guest command failed"
echo "$VMT_PREFIX: OK"
