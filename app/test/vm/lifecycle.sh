#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Lifecycle from libvirt's events, with a real libvirtd and QEMU: the
# daemon (in a sandboxed cpufreq tree) serves a VM whose guest keeps
# asking for "lcore 0 min" (vCPU 0 on host CPU 0), and after each of
#
#  1. a fast "virsh destroy; virsh start" (a nova hard reboot): by the
#     time the daemon reads the VM it runs again;
#  2. "virsh reset" (the domain has on_reboot=restart: the same QEMU
#     process boots again; libvirt sends its REBOOT event, 1 to 3 times,
#     and no lifecycle event; the channel's socket stays connected);
#  3. "virsh reboot" (ACPI: the guest's /init powers off on the power
#     button, libvirt resets the same process: REBOOT events again);
#  4. a libvirtd restart (stopped and started by its pid), then another
#     fast destroy+start: the daemon reconnects by itself, resynchronises,
#     and follows the events again;
#
# the old boot's vote is dropped (CPU 0 back at 2400000, where the tree
# starts) and the channel is back without any CLI command: the new boot's
# request lands on CPU 0 (1200000). Then SIGTERM: exit 0. Step 4 runs only
# on a libvirtd of this run's own that no other run uses.
#
# Environment: as e2e.sh.
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
GUEST=${VMP_VM_GUEST:-$BUILD/app/test/vm/vmp_vm_guest}
BINS=${VMP_VM_BINS-$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
URI=qemu:///system

vmt_init vmp-life-
vmt_need_cpus01
vmt_on_exit 'stop_daemon'

vmt_guest_image

EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
# Every boot: a marker, then "lcore 0 min" once a second, for ever.
G='n=0; echo life-boot
while :; do
  r=$(echo "set_cpu_freq 0 min" | guest_cli '"$EAL"' -- --channels 0 --timeout 60000 2>&1 | grep -c "^ACK$")
  n=$((n + 1)); echo "life-req $n acks=$r"; sleep 1
done'
vmt_define --channels 1 --on-reboot restart --run "$G"
# start_daemon, with libvirt's events in the log.
start_in_sandbox --cpus 2 --start 2400000 -- "$MGR" -l 0 --no-huge \
	--no-pci -m 64 --file-prefix "$DPREFIX" \
	--log-level=lib.eal:warning --log-level=vmpower.libvirt:debug -- \
	--libvirt-uri "$URI" --channel-dir "$RUN" --state-dir "$RUN/state"
expect_freq 0 2400000 "no votes yet"

vmt_start
CON=$RUN/$NAME.console
cli "add_vm $NAME"
cli "add_channels $NAME all"
console_wait '^life-req [0-9]+ acks=1' 120 "$CON"
vmt_step "start to first request" "$T0"
expect_freq 0 1200000 "first boot, lcore 0 min on CPU 0"

# --- 1. fast destroy + start
m=$(log_mark)
t=$(vmt_ms)
virsh -q -c "$URI" destroy "$NAME" >/dev/null
virsh -q -c "$URI" start "$NAME" >/dev/null
vmt_step "virsh destroy; virsh start" "$t"
log_has "$m" "VM $NAME stopped: channels closed, votes dropped" 15
log_has "$m" "VM $NAME started: reconnecting 1 channels" 15
log_has "$m" "channel 0 of VM $NAME connected" 15
expect_freq 0 2400000 "old boot's vote dropped"
wait_for 120 '[ "$(freq 0)" = 1200000 ]' ||
	vmt_fail "after destroy+start: CPU 0 at $(freq 0), want 1200000"
vmt_step "destroy+start to request served" "$t"
echo "$VMT_PREFIX: CPU 0 at 1200000 kHz (new boot, no CLI command)"

# --- 2. and 3. a reset and a reboot inside the same QEMU process
same_process() {
	local how=$1 m t id boots
	m=$(log_mark)
	t=$(vmt_ms)
	id=$(virsh -q -c "$URI" domid "$NAME")
	boots=$(grep -c '^life-boot' "$CON")
	virsh -q -c "$URI" "$how" "$NAME" >/dev/null
	vmt_step "virsh $how" "$t"
	log_has "$m" "VM $NAME was reset: votes dropped, channels kept" 60
	expect_freq 0 2400000 "virsh $how: the old boot's vote dropped"
	wait_for 120 '[ "$(grep -c "^life-boot" "$CON")" -gt "$boots" ]' ||
		vmt_fail "virsh $how: the guest did not boot again"
	wait_for 120 '[ "$(freq 0)" = 1200000 ]' ||
		vmt_fail "after virsh $how: CPU 0 at $(freq 0), want 1200000"
	[ "$(virsh -q -c "$URI" domid "$NAME")" = "$id" ] ||
		vmt_fail "virsh $how: a new QEMU process, not a reset"
	if tail -n +"$((m + 1))" "$RUN/daemon.log" | grep -Eq "VM $NAME (stopped|started)|disconnected"; then
		vmt_fail "virsh $how: seen as a stop or a hang-up"
	fi
	vmt_step "virsh $how to request served" "$t"
	echo "$VMT_PREFIX: CPU 0 at 1200000 kHz after virsh $how (same process, channel kept, no CLI command)"
}
same_process reset
same_process reboot

# --- 4. libvirtd restarts (devtools/libvirtd.sh restart): the daemon
# reconnects by itself and resynchronises; the events flow again: a
# destroy+start is followed.
restart_libvirtd() {
	local m t
	m=$(log_mark)
	t=$(vmt_ms)
	"$DEV/libvirtd.sh" restart "$LVSTATE" || vmt_fail "libvirtd.sh restart: exit $?"
	log_has "$m" "connection to $URI lost" 10
	log_has "$m" "reconnected to $URI \\(attempt [0-9]+\\): resynchronising" 60
	log_has "$m" "libvirt is back: resynchronising 1 VMs" 5
	vmt_step "libvirtd restart to reconnected" "$t"
	expect_freq 0 1200000 "the VM ran on: its vote stays"
	m=$(log_mark)
	t=$(vmt_ms)
	virsh -q -c "$URI" destroy "$NAME" >/dev/null
	virsh -q -c "$URI" start "$NAME" >/dev/null
	log_has "$m" "VM $NAME stopped: channels closed, votes dropped" 15
	log_has "$m" "VM $NAME started: reconnecting 1 channels" 15
	expect_freq 0 2400000 "after the restart, events again: vote dropped"
	wait_for 120 '[ "$(freq 0)" = 1200000 ]' ||
		vmt_fail "after libvirtd restart and destroy+start: CPU 0 at $(freq 0)"
	vmt_step "libvirtd restart, destroy+start to request" "$t"

}
# Only a libvirtd of ours that nobody else uses (other runs share one).
others=$(find /run/vmpower-libvirtd/users -mindepth 1 ! -name "$$" 2>/dev/null | wc -l)
if [ "$(cat /run/vmpower-libvirtd/owner 2>/dev/null)" = "$(cat "$LVSTATE/libvirtd.pid" 2>/dev/null) $LVSTATE" ] &&
	[ "$others" -eq 0 ]; then
	restart_libvirtd
else
	echo "$VMT_PREFIX: SKIP step 4: libvirtd is not ours alone"
fi

"$DEV/vm.sh" destroy "$NAME"
stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
echo "$VMT_PREFIX: daemon exited 0 on SIGTERM"
echo "$VMT_PREFIX: OK"
