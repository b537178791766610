#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The vmpower demo (./run.sh demo runs it after installing and building):
# a real VM whose l3fwd-power forwards a traffic burst and then idles, its
# frequency requests served by vm_power_mgr on the host, shown live.
#
#   devtools/demo.sh [--real-cpufreq] [--out DIR] [--check]
#
# --check (the vm_l3fwd test): fail unless pCPU 1 went min -> max -> min
# with the burst forwarded in full, and pCPU 0 was never touched.
#
# Starts a libvirtd if none runs (stops only that one), defines a VM with 2
# vCPUs pinned to host CPUs 0 and 1 and a power channel per lcore, starts
# the daemon (in a sandboxed cpufreq tree unless --real-cpufreq is given
# and the host has cpufreq), boots the VM, prints a line per second (host
# cores' kHz, the daemon's request/ACK counters, the guest's packets),
# destroys the VM, shows the daemon noticing, writes DIR/frequencies.svg
# (default demo-out/) and removes everything it started.
# Environment: VMP_BUILD_DIR (default build).
set -euo pipefail

SRC=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
DEV=$SRC/devtools
BUILD=$(readlink -f "${VMP_BUILD_DIR:-$SRC/build}")
OUT=$SRC/demo-out
REAL=0
CHECK=0
while [ $# -gt 0 ]; do
	case "$1" in
	--real-cpufreq) REAL=1; shift ;;
	--check) CHECK=1; shift ;;
	--out) OUT=$(readlink -m "$2"); shift 2 ;;
	*) sed -n '6,7s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (libvirtd, QEMU)" >&2; exit 1; }
MGR=$BUILD/examples/vm_power_manager/vm_power_mgr
L3FWD=$BUILD/examples/l3fwd-power/l3fwd-power
CLI=$BUILD/examples/vm_power_manager/guest_cli/guest_cli
SANDBOX=$BUILD/app/test/vmp_sandbox
for f in "$MGR" "$L3FWD" "$CLI" "$SANDBOX"; do
	[ -x "$f" ] || { echo "demo: no $f (build first)" >&2; exit 1; }
done
WORK=$BUILD/demo		# image and libvirtd state, kept between runs
URI=qemu:///system
NAME=vmp-demo-$$
LVSTATE=$WORK/libvirtd
PKTS=${VMP_DEMO_PACKETS:-1000000}
T_START=$SECONDS
mkdir -p "$WORK" "$OUT"
RUN=$(mktemp -d /tmp/vmp-demo.XXXXXX)
DPID="" DIN="" LV=0 DEFINED=0

say() { printf '\n== %s\n' "$*"; }

cleanup() {
	local rc=$?
	set +e
	if [ "$DEFINED" = 1 ]; then "$DEV/vm.sh" undefine "$NAME"; fi
	if [ -n "$DPID" ]; then
		exec {DIN}>&-
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID"
	fi
	# EAL leaves its runtime directory (config, telemetry socket).
	rm -rf "/run/dpdk/vmp_demo_$$"
	if [ "$LV" = 1 ]; then "$DEV/libvirtd.sh" stop "$LVSTATE"; fi
	if [ $rc -ne 0 ]; then
		echo "demo failed; daemon log and console follow"
		tail -n 20 "$RUN/daemon.log" "$RUN/$NAME.console" 2>/dev/null
	fi
	rm -rf "$RUN"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the traffic: UDP to 198.18.0.5 (routed to port 0), 64-byte frames
python3 - "$RUN/traffic.pcap" "$PKTS" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0,
    bytes([192, 0, 2, 1]), bytes([198, 18, 0, 5])))
s = sum(struct.unpack("!10H", ip))
s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
ip[10:12] = struct.pack("!H", ~s & 0xffff)
udp = struct.pack("!HHHH", 1024, 1024, 26, 0) + bytes(18)
frame = bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip + udp
rec = struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(rec * n)
PY

say "1. guest image (Debian cloud kernel, busybox, l3fwd-power, net_pcap)"
PMD=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
"$DEV/guest-image.sh" -q "$WORK/guest" "$L3FWD" "$CLI" \
	--lib "$PMD/librte_net_pcap.so.23" --lib "$PMD/librte_mempool_ring.so.23" \
	--file "$RUN/traffic.pcap:/data/traffic.pcap"

say "2. libvirtd"
if virsh -q -c "$URI" version >/dev/null 2>&1; then
	echo "a libvirtd runs already: using it (and leaving it running)"
else
	LV=1
	"$DEV/libvirtd.sh" start "$LVSTATE"
	"$DEV/libvirtd.sh" status "$LVSTATE"
fi

say "3. the VM $NAME: 2 vCPUs pinned to host CPUs 0 and 1, a power channel per lcore"
EAL="-d librte_net_pcap.so.23 -d librte_mempool_ring.so.23 --no-huge --no-pci -m 128 --no-shconf --no-telemetry --log-level=lib.eal:error"
# The guest first asks for min on lcore 1's channel (so the burst has room
# to scale up; the vote stays: a guest closing its port tells the host
# nothing), then a burst (the pcap read once at full speed), then idle: it
# stops l3fwd-power 4 s after the last packet came in (however slow the
# machine: at most 10 min), and prints demo-done.
GUEST="r=\$(echo set_cpu_freq 1 min | guest_cli -l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error -- --channels 1 --timeout 60000 2>&1 | tail -n 1); echo \"demo-action guest_cli set_cpu_freq 1 min: \$r\"; echo 'demo-action l3fwd-power starts, reads the pcap once'; l3fwd-power $EAL -l 1 --vdev net_pcap0,rx_pcap=/data/traffic.pcap,tx_pcap=/dev/null -- -p 1 --config '(0,0,1)' --env vm --stats-interval 250 >/run/l3 2>&1 & p=\$!; tail -f /run/l3 & t=\$!; i=0; while [ \$i -lt 3000 ] && ! grep -q '^port=0 rx=$PKTS ' /run/l3; do sleep 0.2; i=\$((i + 1)); done; sleep 4; echo 'demo-action l3fwd-power stopped (SIGINT)'; kill -INT \$p; sleep 2; kill \$t; echo demo-done; sleep 600"
"$DEV/vm.sh" define "$NAME" --image "$WORK/guest" --chandir "$RUN" \
	--cpus 0,1 --channels 2 --memory 512 --run "$GUEST"
DEFINED=1
"$DEV/vm.sh" xml "$NAME" --image "$WORK/guest" --chandir "$RUN" --cpus 0,1 \
	--channels 2 --memory 512 | grep -E "vcpupin|<source mode|<target type='virtio'" |
	sed 's/^ */    /'

say "4. vm_power_mgr"
mkfifo "$RUN/cli"
CPUFREQ=$(ls /sys/devices/system/cpu/cpu0/cpufreq/scaling_driver 2>/dev/null || true)
if [ "$REAL" = 1 ] && [ -n "$CPUFREQ" ]; then
	echo "on the host's REAL cpufreq (--real-cpufreq): it changes CPU 0 and 1's frequencies"
	"$MGR" -l 0 --no-huge --no-pci -m 64 --file-prefix "vmp_demo_$$" \
		--log-level=lib.eal:warning -- --libvirt-uri "$URI" \
		--channel-dir "$RUN" <"$RUN/cli" >"$RUN/daemon.log" 2>&1 &
else
	if [ "$REAL" = 1 ]; then
		echo "--real-cpufreq: this host has no cpufreq; falling back"
	fi
	echo "in a SANDBOXED cpufreq tree (vmp_sandbox: acpi-cpufreq, 1.2-2.4 GHz):"
	echo "this host's own frequencies are not touched${CPUFREQ:+ (--real-cpufreq to use them)}"
	"$SANDBOX" --cpus 2 --start 2400000 -- "$MGR" -l 0 --no-huge --no-pci -m 64 \
		--file-prefix "vmp_demo_$$" --log-level=lib.eal:warning -- \
		--libvirt-uri "$URI" --channel-dir "$RUN" \
		--state-dir "$RUN/state" \
		<"$RUN/cli" >"$RUN/daemon.log" 2>&1 &
fi
DPID=$!
exec {DIN}>"$RUN/cli"
CPUS=/proc/$DPID/root/sys/devices/system/cpu
for ((i = 0; i < 100; i++)); do
	grep -q "ready:" "$RUN/daemon.log" && break
	sleep 0.1
done
grep "ready:" "$RUN/daemon.log" || { echo "daemon did not start"; exit 1; }
cli() { echo "$*" >&"$DIN"; }
freq() { tr -d ' \n\0' <"$CPUS/cpu$1/cpufreq/scaling_setspeed" 2>/dev/null || echo "?"; }

say "5. boot the VM, attach it to the daemon, watch"
"$DEV/vm.sh" start "$NAME"
cli "add_vm $NAME"
cli "add_channels $NAME all"
CON=$RUN/$NAME.console
cat <<'EOT'
    Columns: time since the VM started; pCPU0/pCPU1 kHz: the frequency the
    daemon set on host CPUs 0 and 1 (vCPU 0 and 1 are pinned there; in the
    sandbox, what it wrote to scaling_setspeed); requests: packets the
    daemon read from the VM's channels (CONNECTs, frequency requests,
    queries); ACKs: frequency requests it carried out (a query is answered
    with data, a CONNECT with nothing: neither gets an ACK); guest rx:
    packets l3fwd-power received; guest lcore 1: l3fwd-power's level and the
    kHz of that entry of its list. At the top level l3fwd-power shows the
    list's first entry, 2401000: acpi-cpufreq's turbo marker, 1 MHz above
    the top P-state; the host runs "max" without turbo, 2400000, the same
    level. Counters and frequencies of a line are read at one instant.
EOT
printf '%5s  %9s  %9s  %8s  %6s  %10s  %s\n' time "pCPU0 kHz" "pCPU1 kHz" requests ACKs "guest rx" "guest lcore 1"
echo "t,pcpu0_khz,pcpu1_khz,requests,acks,nacks,rx,guest,action" >"$OUT/samples.csv"
t0=$(date +%s%N)
nact=0
# The counters, from one show_vm: requests, ACKs, NACKs summed over channels.
counters() {
	local m i
	m=$(wc -l <"$RUN/daemon.log")
	cli "show_vm $NAME"
	for ((i = 0; i < 100; i++)); do
		tail -n +"$((m + 1))" "$RUN/daemon.log" | grep -q "^  channel 1:" && break
		sleep 0.01
	done
	tail -n +"$((m + 1))" "$RUN/daemon.log" |
		awk '/^  channel [0-9]+:/ { for (i = 1; i < NF; i++) {
			if ($i == "requests") r += $(i + 1)
			if ($i == "ack") a += $(i + 1)
			if ($i == "nack") n += $(i + 1) } }
			END { print r + 0, a + 0, n + 0 }'
}
# A sample every 0.5 s; the frequencies are read before and after the
# counters, and the pair taken again if they moved in between.
for ((s = 0; s < 1200; s++)); do
	sleep 0.5
	for ((k = 0; k < 5; k++)); do
		f0=$(freq 0) f1=$(freq 1)
		read -r req ack nack < <(counters)
		[ "$f0 $f1" != "$(freq 0) $(freq 1)" ] || break
	done
	t=$((($(date +%s%N) - t0) / 1000000))
	rx=$(tr -d '\r' <"$CON" | sed -n 's/^port=0 rx=\([0-9]*\).*/\1/p' | tail -n 1)
	lc=$(tr -d '\r' <"$CON" | grep '^lcore=1 ' | tail -n 1 |
		grep -o 'level=[^ ]*\|khz=[^ ]*' | tr '\n' ' ' || true)
	round=$(tr -d '\r' <"$CON" | sed -n 's/^demo-round //p' | tail -n 1)
	# What the guest did since the last sample.
	act=$(tr -d '\r' <"$CON" | sed -n 's/^demo-action //p' | tail -n +"$((nact + 1))")
	[ -z "$act" ] || nact=$((nact + $(wc -l <<<"$act")))
	while read -r a; do
		[ -z "$a" ] || printf '        guest: %s\n' "$a"
	done <<<"$act"
	printf '%4d.%01ds  %9s  %9s  %8s  %6s  %10s  %s\n' $((t / 1000)) $((t % 1000 / 100)) \
		"$f0" "$f1" "$req" "$ack" "${rx:-0}" "${lc:-(booting)}${round:+ round $round}"
	echo "$t,$f0,$f1,$req,$ack,$nack,${rx:-0},${lc% },$(tr '\n,' ';;' <<<"$act" | sed 's/;$//')" >>"$OUT/samples.csv"
	! grep -q '^demo-done' "$CON" || break
done

say "6. virsh destroy: the daemon notices"
m=$(wc -l <"$RUN/daemon.log")
"$DEV/vm.sh" destroy "$NAME"
for ((i = 0; i < 50; i++)); do
	tail -n +"$((m + 1))" "$RUN/daemon.log" | grep -q "stopped" && break
	sleep 0.1
done
tail -n +"$((m + 1))" "$RUN/daemon.log" | grep "VM $NAME\|channel" | sed 's/^/    daemon: /'
sleep 0.5
echo "    pCPU0 $(freq 0) kHz, pCPU1 $(freq 1) kHz (no votes left)"

say "7. what happened, from the samples; the picture: $OUT/frequencies.svg"
python3 "$DEV/demo_report.py" "$OUT/samples.csv" "$OUT/frequencies.svg" | tee "$RUN/summary"
ls -l "$OUT/frequencies.svg" "$OUT/samples.csv" | sed 's/^/    /'

if [ "$CHECK" = 1 ]; then
	# pCPU 1: min (the guest's first vote), max under the burst, min idle.
	verdict=$(awk -F, -v pkts="$PKTS" '
		NR == 1 { next }
		$2 != 2400000 && $2 != "" { bad = "pCPU 0 moved to " $2 " kHz" }
		$3 == 1200000 && step == 0 { step = 1 }
		$3 >= 2400000 && step == 1 { step = 2 }
		$3 == 1200000 && step == 2 { step = 3 }
		$7 > rx { rx = $7 }
		END {
			if (bad != "") print bad
			else if (step < 3) print "pCPU 1 did not go min, max, min (step " step ")"
			else if (rx < pkts) print "the guest forwarded " rx " of " pkts " packets"
			else print "ok"
		}' "$OUT/samples.csv")
	if [ "$verdict" != ok ]; then
		echo "check failed: $verdict" >&2
		exit 1
	fi
	echo "check: pCPU 1 went 1200000 -> 2400000 -> 1200000 kHz, pCPU 0 untouched, $PKTS packets forwarded"
fi

say "what you just saw ($((SECONDS - T_START)) s)"
cat <<EOT
    A TCG VM ($NAME) ran l3fwd-power on its lcore 1 (vCPU 1, pinned to host
    CPU 1) through a burst of $PKTS packets, then idle; each of its
    frequency requests went over its virtio-serial power channel to
    vm_power_mgr, which set host CPU 1 (step 7 lists each change and what
    the guest did). When the VM was destroyed the daemon closed its
    channels and dropped its votes. Samples: $OUT/samples.csv.

How to run the pieces by hand (as root):
    devtools/guest-image.sh $WORK/guest $L3FWD $CLI
    devtools/libvirtd.sh start $LVSTATE
    dir=\$(mktemp -d /tmp/vmp.XXXXXX)
    devtools/vm.sh define vm0 --image $WORK/guest --chandir \$dir --cpus 0,1 \\
        --run 'echo set_cpu_freq 1 min | guest_cli -l 0 --no-huge --no-pci -m 64 -- --channels 0,1 --timeout 60000'
    $SANDBOX --cpus 2 --start 2400000 -- $MGR -l 0 --no-huge --no-pci -m 64 -- \\
        --libvirt-uri qemu:///system --channel-dir \$dir    # then: add_vm vm0, add_channels vm0 all, show_vm vm0
    devtools/vm.sh start vm0; cat \$dir/vm0.console; devtools/vm.sh undefine vm0
    devtools/libvirtd.sh stop $LVSTATE
    The end-to-end tests: meson test -C $BUILD --suite vm
EOT
