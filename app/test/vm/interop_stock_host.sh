#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Interop the other way round: our guest library (guest_cli, in a real VM)
# against DPDK's own host daemon, the upstream vm_power_manager example of
# each release, built unchanged from that release's sources (package
# dpdk-doc) by build_interop.sh --stock-host: 22.11 here, 24.11 and 25.11
# in their chroots, run on this host with the chroot's libraries.
#
# Per release: the stock daemon in a sandboxed cpufreq tree (no turbo
# frequency: its max is then 2400000 whatever it thinks of turbo). Its
# librte_power starts every CPU at max; its CLI puts CPU 1 at min. Then a
# fresh boot of one VM (1 vCPU pinned to host CPU 1) whose guest_cli asks
# max, reads the frequency back, then min: CPU 1's
# scaling_setspeed must go to 2400000 while max is the guest's last
# request, then to 1200000; CPU 0 is never touched; the guest sees an ACK
# for each request and the frequency it asked for.
#
# The stock daemon has its channels in /tmp/powermonitor, fixed: the VM's
# sockets go there.
# It needs three lcores: --lcores 0@0,1@1,2@0 (lcore 1 is CPU 1 for
# librte_power, which takes an lcore's CPU from its cpuset).
#
# A release whose daemon cannot be had (no chroot) fails the test when
# CI=true (where a missing chroot is created first), and makes it skip
# (77) otherwise, after the other releases ran.
#
# Environment (meson sets it; by hand the defaults fit a build in ./build):
#   VMP_VM_GUEST, VMP_VM_BINS   the image's programs, as e2e.sh (guest_cli)
#   VMP_SANDBOX                 vmp_sandbox
#   VMP_INTEROP_RELEASES        the releases (default "22.11 24.11 25.11")
#   VMP_VM_WORKDIR              see vmtest.sh
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
GUEST=${VMP_VM_GUEST:-$BUILD/app/test/vm/vmp_vm_guest}
BINS=${VMP_VM_BINS-$BUILD/app/test/vm/vmp_vm_interop:$BUILD/examples/l3fwd-power/l3fwd-power:$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
RELEASES=${VMP_INTEROP_RELEASES:-22.11 24.11 25.11}
STOCKDIR=/tmp/powermonitor
MAX=2400000 MIN=1200000

vmt_init vmp-stock-
[ "$(nproc --all)" -ge 2 ] || { echo "SKIP: needs host CPUs 0 and 1"; exit 77; }
VMP_VM_CPUS=1
# What the stock daemons add there (a host fifo per CPU; our VM's socket
# goes with the VM) goes at exit, and the directory if this test made it.
STOCK_NEW=0
[ -d "$STOCKDIR" ] || { mkdir "$STOCKDIR"; STOCK_NEW=1; }
STOCK_FIFOS=()
for f in "$STOCKDIR"/fifo0 "$STOCKDIR"/fifo1; do
	[ -e "$f" ] || STOCK_FIFOS+=("$f")
done
stock_cleanup() {
	rm -f "${STOCK_FIFOS[@]}"
	[ "$STOCK_NEW" = 0 ] || rmdir "$STOCKDIR"
}
vmt_on_exit 'stock_cleanup'
vmt_on_exit 'stop_daemon'

# DPDK's daemon leaves only on a signal (its workers loop until its
# handler stops them), and that handler calls printf: a SIGTERM that lands
# while the main thread is inside stdio deadlocks it, as when its CLI has
# just read EOF (seen once with 24.11: stuck in the handler for 10
# minutes, after every check had passed). So the signal first, while the
# CLI waits in read(), then EOF. One that hangs all the same is killed
# and named, not failed: the hang is upstream's, the checks are done.
stop_stock() {
	local r=$1 hung=0 rc=0
	kill -TERM "$DPID" 2>/dev/null
	sleep 1
	exec {DIN}>&-
	if ! wait_for 20 '! kill -0 "$DPID" 2>/dev/null'; then
		hung=1
		kill -KILL "$DPID" 2>/dev/null
	fi
	stop_daemon >"$RUN/daemon-$r.log" || rc=$?
	[ $rc = 0 ] || [ $hung = 1 ] ||
		vmt_fail "DPDK $r: stock daemon exit status $rc"
	[ $hung = 0 ] || echo "$VMT_PREFIX: NOTE: DPDK $r's stock daemon" \
		"hung in its SIGTERM handler (printf there); killed"
}

# --- the stock daemons, one per release
RUNS=() MISSING=()
create=()
[ "${CI:-}" != true ] || create=(--create)
for r in $RELEASES; do
	t=$(vmt_ms)
	rc=0
	"$HERE/build_interop.sh" --stock-host "${create[@]}" "$r" \
		"$WORKDIR/stock-host-$r" || rc=$?
	case $rc in
	0)
		vmt_step "DPDK $r stock vm_power_mgr" "$t"
		RUNS+=("$r")
		;;
	3) MISSING+=("$r (no chroot: devtools/chroot.sh create $r)") ;;
	*) vmt_fail "no stock daemon for DPDK $r: build_interop.sh failed (above)" ;;
	esac
done
if [ ${#MISSING[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
	vmt_fail "no stock daemon for DPDK ${MISSING[*]}"
fi
[ ${#RUNS[@]} -gt 0 ] || { echo "SKIP: no release to run: ${MISSING[*]}"; exit 77; }

# --- the guest: e2e.sh's image (the same programs: one cached image)
vmt_guest_image

EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
# DPDK's daemon answers a query only when it names the VM (--vm-name).
GS='g() { guest_cli '"$EAL"' -- --channels 0 --timeout 20000 --vm-name '"$NAME"'; }
printf "set_cpu_freq 0 max\nquery_cpu_freq 0\n" | g 2>&1 | sed "s/^/stock-max: /"
echo stock-max-done
sleep 3
printf "set_cpu_freq 0 min\nquery_cpu_freq 0\n" | g 2>&1 | sed "s/^/stock-min: /"
echo stock-min-done'
"$DEV/vm.sh" define "$NAME" --image "$IMAGE" --chandir "$STOCKDIR" \
	--console "$RUN/$NAME.console" --cpus "$VMP_VM_CPUS" --channels 1 \
	--memory 192 --run "$GS"
CON=$RUN/$NAME.console

for r in "${RUNS[@]}"; do
	t=$(vmt_ms)
	start_in_sandbox --cpus 2 --freqs $MAX,2000000,1600000,$MIN -- \
		"$WORKDIR/stock-host-$r/run" --lcores 0@0,1@1,2@0 --no-huge \
		--no-pci -m 64 --no-shconf --no-telemetry --file-prefix "$DPREFIX"
	log_has 0 "Managing 2 cores" 20
	# librte_power's init puts every CPU at max: the baseline for the
	# guest's max is set by hand first.
	expect_freq 0 $MAX "DPDK $r stock daemon up"
	cli "set_cpu_freq 1 min"
	expect_freq 1 $MIN "DPDK $r stock daemon: set_cpu_freq 1 min (CLI)"
	vmt_step "DPDK $r: stock daemon ready" "$t"

	vmt_start
	cli "add_vm $NAME"
	cli "add_channels $NAME all"
	cli "set_query $NAME enable"	# DPDK's daemon refuses queries before
	[ "$r" != "${RUNS[0]}" ] || vmt_check_pinning
	# The guest sleeps 3 s after max: min is not asked yet.
	console_wait '^stock-max: ' 120 "$CON"
	expect_freq 1 $MAX "DPDK $r stock daemon, guest max"
	! vmt_console_has '^stock-min: ' ||
		vmt_fail "DPDK $r: CPU 1 at max only once the guest asked min"
	[ "$(freq 0)" = $MAX ] || vmt_fail "DPDK $r: CPU 0 moved to $(freq 0)"
	vmt_step "DPDK $r: start to max on CPU 1" "$T0"
	expect_freq 1 $MIN "DPDK $r stock daemon, guest min"
	console_wait '^stock-min: ' 10 "$CON"
	vmt_step "DPDK $r: start to min on CPU 1" "$T0"
	vmt_wait_off 60
	grep '^stock-' "$CON"
	[ "$(tr -d '\r' <"$CON" | grep -c '^stock-m..: ACK$')" -eq 2 ] ||
		vmt_fail "DPDK $r: want an ACK for max and for min"
	vmt_console_has "^stock-max: vCPU 0: $MAX kHz" || vmt_fail "DPDK $r: query after max"
	vmt_console_has "^stock-min: vCPU 0: $MIN kHz" || vmt_fail "DPDK $r: query after min"
	vmt_console_has '^VMP-END rc=0' || vmt_fail "DPDK $r: the guest script failed"
	cp "$CON" "$RUN/console-$r"
	stop_stock "$r"
	echo "$VMT_PREFIX: DPDK $r: stock daemon exited"
done

echo "$VMT_PREFIX: DPDK ${RUNS[*]} stock daemons served our guest library"
if [ ${#MISSING[@]} -gt 0 ]; then
	echo "SKIP: no stock daemon for DPDK ${MISSING[*]}"
	exit 77
fi
echo "$VMT_PREFIX: OK"
