#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Guest state survives host restarts, with l3fwd-power itself (issue 22):
# a real VM runs l3fwd-power on lcore 1 (vCPU 1, pinned to host CPU 1)
# with a port that never receives a packet, so it idles at min and then
# asks nothing more. Then
#
#  1. the daemon restarts (SIGTERM, a new one on the same --state-dir, a
#     fresh cpufreq tree at 2400000): once the channel connects it sends
#     RESYNC (the guest said CONNECT "vmp1" to the first daemon, which
#     recorded it in the state directory); the guest library answers with
#     the lcore's level, and CPU 1 is back at min. l3fwd-power itself sent
#     no request (its count is unchanged) and received no packet;
#     Beside it, a second l3fwd-power on lcore 0 (vCPU 0, host CPU 0) runs
#     --pmd-mgmt scale, which DPDK refuses in a VM: l3fwd-power applies
#     DPDK's scale rule itself through the guest backend, so its idle
#     port takes CPU 0 to min with one request (issue 23), and the RESYNC
#     brings CPU 0 back too;
#  2. libvirtd restarts (devtools/libvirtd.sh restart, only on a libvirtd
#     of this run's own that no other run uses): the daemon reconnects to
#     libvirt by itself and keeps the VM's channels and votes: CPU 1 stays
#     at min at every sample through the restart, and the guest is not
#     asked again (no RESYNC: the channel never went down).
#
# Environment: as e2e.sh (VMP_VM_BINS must hold l3fwd-power and guest_cli).
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
BINS=${VMP_VM_BINS-$BUILD/examples/l3fwd-power/l3fwd-power:$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
URI=qemu:///system
PMD=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0

vmt_init vmp-resync-
vmt_need_cpus01
vmt_on_exit 'stop_daemon'

# --- the image: l3fwd-power and its pcap driver; a pcap with no packet
IFS=: read -r -a bins <<<"$BINS"
images=()
for b in "${bins[@]}"; do
	case "${b##*/}" in l3fwd-power | guest_cli) images+=("$b") ;; esac
done
[ ${#images[@]} -eq 2 ] || vmt_fail "no l3fwd-power or guest_cli in VMP_VM_BINS"
python3 -c 'import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' \
	"$RUN/empty.pcap"
IMAGE=$WORKDIR/guest-l3fwd
vmt_image "${images[@]}" --lib "$PMD/librte_net_pcap.so.23" \
	--lib "$PMD/librte_mempool_ring.so.23" --file "$RUN/empty.pcap:/data/empty.pcap"
vmt_libvirtd

EAL="-d librte_net_pcap.so.23 -d librte_mempool_ring.so.23 --no-huge --no-pci -m 128 --no-shconf --no-telemetry --log-level=lib.eal:error"
SCALE="l3fwd-power $EAL --file-prefix scale -l 0 --vdev net_pcap0,rx_pcap=/data/empty.pcap,tx_pcap=/dev/null -- -p 1 --config '(0,0,0)' --pmd-mgmt scale --stats-interval 500"
vmt_define --channels 2 --memory 768 --run "$SCALE & l3fwd-power $EAL --file-prefix l3 -l 1 --vdev net_pcap0,rx_pcap=/data/empty.pcap,tx_pcap=/dev/null -- -p 1 --config '(0,0,1)' --env vm --stats-interval 500; sleep 600"
CON=$RUN/$NAME.console

# The last status line of lcore 1 / port 0 on the console; one field of it.
l3_last() { tr -d '\r' <"$CON" | grep "^$1 " | tail -n 1; }
l3_field() { l3_last "$1" | grep -o " $2=[-0-9]*" | cut -d= -f2; }
serve() {
	cli "add_vm $NAME"
	cli "add_channels $NAME all"
}

start_daemon
expect_freq 1 2400000 "no votes yet"
vmt_start
serve
console_wait '^lcore=1 power=vm .* level=' 180 "$CON"
vmt_step "start to l3fwd-power's first status" "$T0"
wait_for 60 '[ "$(freq 1)" = 1200000 ]' ||
	vmt_fail "l3fwd-power idle: CPU 1 at $(freq 1), want 1200000"
vmt_step "start to CPU 1 at min (idle)" "$T0"
# --pmd-mgmt scale in a VM: DPDK's rule (empty polls -> min) through our
# backend; one request, never repeated.
console_wait '^lcore=0 power=' 60 "$CON"
wait_for 60 '[ "$(freq 0)" = 1200000 ]' ||
	vmt_fail "--pmd-mgmt scale idle in the VM: CPU 0 at $(freq 0), want 1200000: $(l3_last lcore=0)"
vmt_step "start to CPU 0 at min (--pmd-mgmt scale)" "$T0"
sreq=$(l3_field lcore=0 requests)
sleep 2
[ "$(l3_field lcore=0 requests)" = "$sreq" ] && [ "$sreq" -ge 1 ] ||
	vmt_fail "--pmd-mgmt scale in the VM: requests repeated or none ($sreq, then $(l3_last lcore=0))"
echo "$VMT_PREFIX: --pmd-mgmt scale in the VM: CPU 0 at 1200000 kHz: $(l3_last lcore=0)"
# Idle and settled: its request count holds for 2 s.
req=$(l3_field lcore=1 requests)
sleep 2
wait_for 10 '[ "$(l3_field lcore=1 requests)" = "$req" ] || { req=$(l3_field lcore=1 requests); false; }'
req=$(l3_field lcore=1 requests)
resync0=$(l3_field lcore=1 resync)
echo "$VMT_PREFIX: l3fwd-power idle: $(l3_last lcore=1)"

# --- 1. the daemon restarts
t=$(vmt_ms)
stop_daemon >"$RUN/daemon1.log" || vmt_fail "daemon exit status $?"
ls "$RUN/state" | grep -q "^guest\\.$NAME\\.1$" ||
	vmt_fail "the daemon kept no RESYNC mark for channel 1: $(ls "$RUN/state")"
start_daemon
expect_freq 1 2400000 "a new daemon, a new tree: no votes"
m=$(log_mark)
serve
log_has "$m" "VM $NAME channel 1: connected again, guest asked for its levels \\(RESYNC\\)" 30
wait_for 30 '[ "$(freq 1)" = 1200000 ]' ||
	vmt_fail "after the daemon restart: CPU 1 at $(freq 1), want 1200000 (RESYNC not answered?)"
vmt_step "daemon restart to CPU 1 at min" "$t"
wait_for 30 '[ "$(freq 0)" = 1200000 ]' ||
	vmt_fail "after the daemon restart: CPU 0 (--pmd-mgmt scale) at $(freq 0), want 1200000"
wait_for 5 '[ "$(l3_field lcore=1 resync)" -gt "$resync0" ]' ||
	vmt_fail "l3fwd-power's library answered no RESYNC: $(l3_last lcore=1)"
[ "$(l3_field lcore=1 requests)" = "$req" ] ||
	vmt_fail "l3fwd-power sent requests itself ($req before): $(l3_last lcore=1)"
[ "$(l3_field port=0 rx)" = 0 ] || vmt_fail "l3fwd-power received packets: $(l3_last port=0)"
echo "$VMT_PREFIX: CPU 1 back at 1200000 kHz with no request from l3fwd-power and no packet: $(l3_last lcore=1)"

# --- 2. libvirtd restarts: channels and votes kept
t=$(vmt_ms)
m=$(log_mark)
resync1=$(l3_field lcore=1 resync)
set +e
"$DEV/libvirtd.sh" restart "$LVSTATE" &
lv=$!
set -e
# CPU 1 at every sample until libvirtd is back and the daemon reconnected.
low=""
while [ -d "/proc/$lv" ]; do
	f=$(freq 1)
	[ "$f" = 1200000 ] || low="$low $f"
	sleep 0.1
done
wait "$lv" && rc=0 || rc=$?
if [ $rc -eq 3 ]; then
	echo "$VMT_PREFIX: SKIP step 2: libvirtd is not ours alone"
else
	[ $rc -eq 0 ] || vmt_fail "libvirtd.sh restart: exit $rc"
	log_has "$m" "connection to $URI lost" 10
	log_has "$m" "libvirt is back: resynchronising 1 VMs" 60
	vmt_step "libvirtd restart to daemon reconnected" "$t"
	for _ in $(seq 1 20); do
		f=$(freq 1)
		[ "$f" = 1200000 ] || low="$low $f"
		sleep 0.1
	done
	[ -z "$low" ] || vmt_fail "CPU 1 left min during the libvirtd restart:$low"
	cli "show_vm $NAME"
	log_has "$m" "^  channel 1: .*, connected, enabled," 5
	[ "$(l3_field lcore=1 requests)" = "$req" ] ||
		vmt_fail "l3fwd-power sent requests itself: $(l3_last lcore=1)"
	[ "$(l3_field lcore=1 resync)" = "$resync1" ] ||
		vmt_fail "a RESYNC after a libvirtd restart: the channel went down? $(l3_last lcore=1)"
	echo "$VMT_PREFIX: libvirtd restarted: CPU 1 stayed at 1200000 kHz, channel and vote kept, no RESYNC needed"
fi

"$DEV/vm.sh" destroy "$NAME"
stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
echo "$VMT_PREFIX: OK"
