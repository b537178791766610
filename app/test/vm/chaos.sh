#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Chaos with a real libvirtd and QEMU: the daemon (in a sandboxed cpufreq
# tree, its CLI on a pty) serves $VMP_CHAOS_VMS VMs (default 2) whose
# guests send requests for both their lcores without pause, while
# random operations hit them for $VMP_CHAOS_SECONDS (default 90): destroy
# and start, virsh reset, virsh reboot, a live vcpupin, rm_vm + add_vm,
# set_channel_status off and on + add_channels, a libvirtd restart, and a
# hang-up of the CLI's terminal. chaos.py drives them and says what is
# checked; this script sets up the image, libvirtd and the domains.
#
# Environment: as e2e.sh, and VMP_CHAOS_SEED (default: from the clock;
# printed, so a run can be replayed), VMP_CHAOS_SECONDS, VMP_CHAOS_VMS
# (2 or 3), VMP_CHAOS_REBOOT=1 (virsh reboot among the operations: see
# chaos.py). `./run.sh chaos [minutes]` runs it for longer, and
# `./run.sh chaos --asan` on the ASan/UBSan build.
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
BUILD=$VMT_SRC/build
GUEST=${VMP_VM_GUEST:-$BUILD/app/test/vm/vmp_vm_guest}
BINS=${VMP_VM_BINS-$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
NVMS=${VMP_CHAOS_VMS:-2}

vmt_init vmp-chaos-
vmt_need_cpus01
[[ "$NVMS" =~ ^[1-3]$ ]] || vmt_fail "VMP_CHAOS_VMS must be 1, 2 or 3"

vmt_guest_image

EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
# Every boot: a marker, then both lcores' requests once a second, for ever.
G='echo chaos-boot up=$(cut -d" " -f1 /proc/uptime); n=0
while :; do
  r=$(printf "set_cpu_freq 0 max\nset_cpu_freq 1 min\n" | guest_cli '"$EAL"' -- --channels 0,1 --timeout 5000 2>&1 | grep -c "^ACK$")
  n=$((n + 1)); echo "chaos-req $n acks=$r up=$(cut -d" " -f1 /proc/uptime)"; sleep 1
done'
# The consoles and daemon logs of the last run stay in $WORKDIR/chaos-logs.
vmt_on_exit 'rm -rf "$WORKDIR/chaos-logs"; mkdir -p "$WORKDIR/chaos-logs";
	cp "$RUN"/*.console "$RUN"/daemon.*.log "$WORKDIR/chaos-logs/" 2>/dev/null'
# $NAME and, beside it, ${NAME}b and ${NAME}c (vm.sh reap knows only
# $NAME: the others go at exit).
names=("$NAME")
[ "$NVMS" -lt 2 ] || names+=("${NAME}b")
[ "$NVMS" -lt 3 ] || names+=("${NAME}c")
pins=(0,1 1,0 0,1)
for i in "${!names[@]}"; do
	n=${names[$i]}
	[ "$i" -eq 0 ] || vmt_on_exit "\"\$DEV/vm.sh\" undefine $n"
	"$DEV/vm.sh" define "$n" --image "$IMAGE" --chandir "$RUN" \
		--cpus "${pins[$i]}" --on-reboot restart --memory 160 --run "$G"
done

# libvirtd may be restarted only when it is ours and nobody else's.
others=$(find /run/vmpower-libvirtd/users -mindepth 1 ! -name "$$" 2>/dev/null | wc -l)
LV_OURS=0
if [ "$(cat /run/vmpower-libvirtd/owner 2>/dev/null)" = "$(cat "$LVSTATE/libvirtd.pid" 2>/dev/null) $LVSTATE" ] &&
	[ "$others" -eq 0 ]; then
	LV_OURS=1
fi

# chaos.py stops what it starts; the VMs go with vmt_cleanup.
VMP_CHAOS_RUN=$RUN VMP_CHAOS_NAMES=$(IFS=,; echo "${names[*]}") \
VMP_CHAOS_LVSTATE=$LVSTATE VMP_CHAOS_LV_OURS=$LV_OURS \
VMP_SANDBOX=$SANDBOX VMP_MGR=$MGR \
	python3 "$HERE/chaos.py"
