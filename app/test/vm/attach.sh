#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# A power channel added to a running VM (host guide, "Adding a Power
# Channel to a Running VM"), with a real libvirtd and QEMU:
#
#  1. the VM boots with one channel (lcore 0); in the guest a guest_cli
#     on lcores 0-1, started at boot, opens lcore 0's port and fails to
#     open lcore 1's (there is none);
#  2. `virsh attach-device --live` adds channel 1 at the daemon's
#     convention path (<channel-dir>/<vm>.1); the guest sees a new
#     virtio-ports device (its /init links it, as udev would);
#  3. `add_channels <vm> 1` connects the daemon to it; the SAME guest_cli
#     (no restart of it or of the VM) opens lcore 1's channel and asks for
#     min: CPU 1 goes to 1200000 kHz.
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

vmt_init vmp-attach-
vmt_need_cpus01
vmt_on_exit 'stop_daemon'

vmt_guest_image

EAL="-l 0-1 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
P=/dev/virtio-ports/virtio.serial.port.poweragent
# One guest_cli for the whole boot, fed through a fifo: its answers go to
# the console (a tty: line by line). It first tries lcore 1 (no port yet), then waits for the
# port, links it (udev's job in a real guest), says so, and tries again.
G='mkfifo /tmp/in
guest_cli '"$EAL"' -- --channels 0 --timeout 60000 </tmp/in &
exec 3>/tmp/in
echo "set_cpu_freq 0 min" >&3
echo "channel_open 1" >&3
echo "channels" >&3
while [ ! -e '"$P"'.1 ]; do
  for d in /sys/class/virtio-ports/*; do
    ln -sf "../${d##*/}" "/dev/virtio-ports/$(cat "$d/name")"
  done
  sleep 0.2
done
echo att-port-seen
echo "channel_open 1" >&3
echo "set_cpu_freq 1 min" >&3
echo "channels" >&3
sleep 600'
vmt_define --channels 1 --run "$G"
start_daemon
expect_freq 1 2400000 "no votes yet"

vmt_start
CON=$RUN/$NAME.console
cli "add_vm $NAME"
cli "add_channels $NAME all"
console_wait '^lcore 0: ' 120 "$CON"
vmt_step "start to guest_cli's first answers" "$T0"
expect_freq 0 1200000 "lcore 0 min, through the channel of the XML"
grep -E '^(error|.*lcore 1)' "$CON" | head -n 3 | sed "s/^/$VMT_PREFIX: /"
if grep -Eq '^lcore 1: open' "$CON"; then
	vmt_fail "lcore 1's channel opened before it existed"
fi
expect_freq 1 2400000 "no channel for lcore 1 yet"

# The channel, at the daemon's convention path: add_channels finds it
# there without reading the XML again.
t=$(vmt_ms)
cat >"$RUN/chan1.xml" <<EOF
<channel type='unix'>
  <source mode='bind' path='$RUN/$NAME.1'/>
  <target type='virtio' name='virtio.serial.port.poweragent.1'/>
</channel>
EOF
virsh -q -c "$URI" attach-device "$NAME" "$RUN/chan1.xml" --live
[ -S "$RUN/$NAME.1" ] || vmt_fail "no socket $RUN/$NAME.1 after attach-device"
virsh -q -c "$URI" dumpxml "$NAME" | grep -q "virtio.serial.port.poweragent.1" ||
	vmt_fail "the live XML has no channel 1"
console_wait '^att-port-seen' 60 "$CON"
vmt_step "attach-device to the guest's new port" "$t"
m=$(log_mark)
cli "add_channels $NAME 1"
log_has "$m" "channel 1: connected" 15
expect_freq 1 1200000 "the guest_cli started before the attach, lcore 1 min"
vmt_step "attach-device to the request served" "$t"
console_wait '^lcore 1: ' 30 "$CON"
grep -E '^lcore [01]: ' "$CON" | sed "s/^/$VMT_PREFIX: /"
expect_freq 0 1200000 "lcore 0's vote stays"

"$DEV/vm.sh" destroy "$NAME"
stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
echo "$VMT_PREFIX: OK"
