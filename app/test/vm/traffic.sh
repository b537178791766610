#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# A TRAFFIC policy with a real QEMU VM (issue 17): the VM has a virtio-net
# NIC whose host side is a tap device (vm.sh --nic; libvirt counts its
# packets). From inside the guest, guest_cli sends a TRAFFIC policy for
# vCPU 1 (pinned to host CPU 1) naming the NIC's MAC, thresholds in
# packets a second; then the guest idles, sends a burst out of the NIC
# (busybox ping at a short interval to a neighbour with a static ARP
# entry: no reply needed, every echo leaves), and idles again. The daemon
# reads the NIC's counters through libvirt every --traffic-period:
#
#   - libvirt's interface counters (virsh domifstat) moved by the burst;
#   - CPU 1 at min while idle, max during the burst, min after;
#   - CPU 0 (vCPU 0, no policy) untouched.
#
# Environment: as e2e.sh (VMP_VM_BINS must hold guest_cli).
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
BINS=${VMP_VM_BINS-$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
URI=qemu:///system
MAC=02:00:00:00:17:02
# Packets a second: min, medium from AVG, max from MAX. Idle is ~0; the
# burst sends an echo every 5 ms (~200 a second if TCG keeps up).
THRESH=10,20,60
PINGS=${VMP_TRAFFIC_PINGS:-3000}

vmt_init vmp-traffic-
vmt_need_cpus01
vmt_on_exit 'stop_daemon'
TAP=vmpt$$

IFS=: read -r -a bins <<<"$BINS"
images=()
for b in "${bins[@]}"; do
	[ "${b##*/}" != guest_cli ] || images+=("$b")
done
[ ${#images[@]} -eq 1 ] || vmt_fail "no guest_cli in VMP_VM_BINS"
IMAGE=$WORKDIR/guest-nic
vmt_image "${images[@]}" --module virtio_net
vmt_libvirtd

EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
G="ip link set eth0 up && ip addr add 192.0.2.2/24 dev eth0 && arp -s 192.0.2.1 02:00:00:00:17:01 || echo traffic-nic-failed
r=\$(echo 'send_policy now' | guest_cli $EAL -- --channels 0 --timeout 60000 --policy TRAFFIC --vcpu-list 1 --macs $MAC --thresholds $THRESH 2>&1 | tail -n 1)
echo \"traffic-policy \$r\"
sleep 10
echo traffic-burst-start
ping -q -W 1 -i 0.005 -c $PINGS 192.0.2.1 >/dev/null 2>&1
echo traffic-burst-end
sleep 600"
vmt_define --channels 1 --nic "$TAP,$MAC" --run "$G"
CON=$RUN/$NAME.console

# rx+tx packets of the NIC, as libvirt counts them.
ifpackets() {
	virsh -q -c "$URI" domifstat "$NAME" "$TAP" |
		awk '$2 == "rx_packets" || $2 == "tx_packets" { n += $3 } END { print n + 0 }'
}

start_daemon
expect_freq 1 2400000 "no votes yet"
vmt_start
cli "add_vm $NAME"
cli "add_channels $NAME all"
console_wait '^traffic-policy ' 180 "$CON"
grep -q '^traffic-policy ACK' "$CON" ||
	vmt_fail "the policy was refused: $(grep '^traffic-policy' "$CON"; grep -i 'policy' "$RUN/daemon.log" | tail -n 3)"
vmt_step "start to TRAFFIC policy ACK" "$T0"
wait_for 10 '[ "$(freq 1)" = 1200000 ] || grep -q "^traffic-burst-start" "$CON"'
[ "$(freq 1)" = 1200000 ] && ! grep -q "^traffic-burst-start" "$CON" ||
	vmt_fail "idle before the burst: CPU 1 at $(freq 1), want 1200000"
echo "$VMT_PREFIX: CPU 1 at 1200000 kHz (TRAFFIC policy, NIC idle)"
before=$(ifpackets)
console_wait '^traffic-burst-start' 30 "$CON"
t=$(vmt_ms)
wait_for 60 '[ "$(freq 1)" = 2400000 ] || grep -q "^traffic-burst-end" "$CON"'
[ "$(freq 1)" = 2400000 ] ||
	vmt_fail "during the burst: CPU 1 at $(freq 1), want 2400000"
vmt_step "burst start to CPU 1 at max" "$t"
during=$(ifpackets)
echo "$VMT_PREFIX: CPU 1 at 2400000 kHz during the burst; NIC packets $before -> $during (libvirt)"
[ "$during" -gt "$before" ] || vmt_fail "libvirt's NIC counters did not move: $before -> $during"
console_wait '^traffic-burst-end' 300 "$CON"
t=$(vmt_ms)
after=$(ifpackets)
expect_freq 1 1200000 "the burst is over: TRAFFIC min"
vmt_step "burst end to CPU 1 at min" "$t"
[ "$(freq 0)" = 2400000 ] || vmt_fail "CPU 0 moved: $(freq 0)"
echo "$VMT_PREFIX: burst of $((after - before)) packets (libvirt's counters); CPU 0 untouched"
cli "show_vm $NAME"
sleep 1

"$DEV/vm.sh" destroy "$NAME"
stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
grep -E "policy|TRAFFIC|stopped" "$RUN/daemon.tail" | head -n 8 | sed "s/^/$VMT_PREFIX: daemon: /"
# A VM that stops is not a NIC without counters: the sampler may read it
# between the destroy and the STOPPED event, and must stay quiet then.
if grep -q "no packet counters" "$RUN/daemon.log"; then
	vmt_fail "a NIC was reported without counters: $(grep 'no packet counters' "$RUN/daemon.log")"
fi
echo "$VMT_PREFIX: OK"
