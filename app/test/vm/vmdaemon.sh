# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The daemon side of the real-VM tests (source it after vmtest.sh; call
# after vmt_init): vm_power_mgr in a sandboxed cpufreq tree (vmp_sandbox
# --cpus 2), its CLI on a fifo, its log in $RUN/daemon.log.
#
#   start_daemon            start it ($SANDBOX, $MGR, $URI; channels in
#                           $RUN); $CPUS is the tree as it sees it
#   start_in_sandbox SHAPE... -- CMD...   another daemon (e.g. DPDK's own),
#                           likewise: vmp_sandbox SHAPE... -- CMD...
#   stop_daemon             SIGTERM; its status; prints its log; removes
#                           the EAL runtime directory of --file-prefix
#                           $DPREFIX
#   cli CMD...              a CLI command
#   wait_for SECONDS COND   until the shell condition COND holds; 1 if not
#   freq CPU                the kHz the daemon set on host CPU (the tree)
#   expect_freq CPU KHZ WHY that within 10 s, or fail
#   log_mark                the daemon log's current line count
#   log_has MARK ERE SECS   a line after MARK matches ERE within SECS
#   console_wait ERE SECS FILE   a console line matches ERE within SECS
# shellcheck shell=bash

DPID="" DIN="" CPUS=""
# The daemon's EAL --file-prefix: stop_daemon removes its runtime directory.
DPREFIX=vmp_daemon_$$

start_daemon() {
	start_in_sandbox --cpus 2 --start 2400000 -- "$MGR" -l 0 --no-huge \
		--no-pci -m 64 \
		--file-prefix "$DPREFIX" \
		--log-level=lib.eal:warning -- \
		--libvirt-uri "$URI" --channel-dir "$RUN" --state-dir "$RUN/state"
}

start_in_sandbox() {
	rm -f "$RUN/cli"
	mkfifo "$RUN/cli"
	"$SANDBOX" "$@" <"$RUN/cli" >"$RUN/daemon.log" 2>&1 &
	DPID=$!
	exec {DIN}>"$RUN/cli"
	CPUS=/proc/$DPID/root/sys/devices/system/cpu
	wait_for 20 '[ -f "$CPUS/.vmp_sandbox" ] && [ "$(freq 1)" != "" ]' ||
		vmt_fail "the daemon did not come up: $(cat "$RUN/daemon.log")"
}

stop_daemon() {
	[ -n "$DPID" ] || return 0
	local rc=0
	exec {DIN}>&-
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" || rc=$?
	DPID=""
	rm -rf "/var/run/dpdk/$DPREFIX"
	echo "--- daemon log"
	cat "$RUN/daemon.log"
	return $rc
}

cli() { echo "$*" >&"$DIN"; }

wait_for() {
	local end=$(($(vmt_ms) + $1 * 1000))
	until eval "$2"; do
		[ "$(vmt_ms)" -lt $end ] || return 1
		sleep 0.2
	done
}

freq() { tr -d ' \n\0' <"$CPUS/cpu$1/cpufreq/scaling_setspeed" 2>/dev/null; }

expect_gov() {
	local cpu=$1 want=$2 why=$3
	wait_for 10 '[ "$(cat "$CPUS/cpu$cpu/cpufreq/scaling_governor")" = "$want" ]' ||
		vmt_fail "$why: CPU $cpu runs $(cat "$CPUS/cpu$cpu/cpufreq/scaling_governor"), want $want"
}

expect_freq() {
	local cpu=$1 want=$2 why=$3
	wait_for 10 '[ "$(freq $cpu)" = "$want" ]' ||
		vmt_fail "$why: CPU $cpu at $(freq "$cpu") kHz, want $want"
	echo "$VMT_PREFIX: CPU $cpu at $want kHz ($why)"
}

# (wait_for evals its condition: it names locals, not $1...)
log_has() {
	local from=$(($1 + 1)) re=$2
	wait_for "$3" 'tail -n +"$from" "$RUN/daemon.log" | grep -Eq "$re"' ||
		vmt_fail "the daemon did not log /$re/"
	tail -n +"$from" "$RUN/daemon.log" | grep -E "$re" | head -n 3 |
		sed "s/^/$VMT_PREFIX: daemon: /"
}
log_mark() { wc -l <"$RUN/daemon.log"; }

console_wait() {
	local re=$1 file=$3
	wait_for "$2" 'grep -Eq "$re" "$file"' ||
		vmt_fail "console $3 has no /$1/ after $2 s"
}
