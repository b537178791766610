# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Shell library of the real-VM tests (source it; bash, set -euo pipefail).
#
#   vmt_init PREFIX       skip (77) unless root; private run directory $RUN
#                         (/tmp: socket paths are short); domain name
#                         $NAME = PREFIX<pid>; cleanup on every exit path
#   vmt_on_exit CMD       run CMD (eval) at exit, before the VM goes; for
#                         what the test starts itself (a daemon, a peer)
#   vmt_image BIN...      build or reuse the guest image ($IMAGE, default
#                         $WORKDIR/guest: a test with other binaries sets
#                         its own, or the tests would rebuild each other's);
#                         guest-image.sh options may be mixed in
#   vmt_libvirtd          a libvirtd, ours only if none runs; checks that
#                         virsh on a terminal prints no polkit message
#   vmt_guest_image       vmt_image of $GUEST and the binaries of $BINS
#                         (colon-separated, those that exist; guest_cli
#                         required), then vmt_libvirtd
#   vmt_need_cpus01       skip (77) unless the vCPUs go to host CPUs 0,1
#   vmt_define ARGS...    define $NAME: the image, channels in $RUN, vCPUs
#                         pinned to $VMP_VM_CPUS; ARGS go to devtools/vm.sh
#                         (--run CMD, --channels N, ...)
#   vmt_start             start it; $T0 is the time just before (ms)
#   vmt_check_pinning     each vCPU thread runs on the host CPU given for it
#   vmt_wait_off SECONDS  until the guest powered off and the domain is off
#   vmt_console_has ERE   the guest's console has a matching line
#   vmt_step LABEL T      print "LABEL  <ms since T>"
#   vmt_ms                now, in ms
#
# Environment: VMP_VM_WORKDIR (cache of image and libvirtd state, kept
# across runs), VMP_VM_CPUS (host CPUs of the vCPUs, default 0,1).
# shellcheck shell=bash

VMT_SRC=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../../..")
DEV=$VMT_SRC/devtools
WORKDIR=${VMP_VM_WORKDIR:-$VMT_SRC/build/app/test/vm}
LVSTATE=$WORKDIR/libvirtd
IMAGE=$WORKDIR/guest
if [ -z "${VMP_VM_CPUS:-}" ]; then
	VMP_VM_CPUS=0,1
	[ "$(nproc --all)" -ge 2 ] || VMP_VM_CPUS=0,0
fi
RUN="" NAME="" T0=0
VMT_EXIT=()
VMT_LIBVIRTD=0

# Every virsh of the tests without a controlling terminal: no polkit agent
# and no "Authorization not available" on a terminal (see devtools/vm.sh).
virsh() { setsid -w virsh "$@"; }

vmt_ms() { echo $(($(date +%s%N) / 1000000)); }

vmt_step() { printf '%s: %-34s %6d ms\n' "$VMT_PREFIX" "$1" $(($(vmt_ms) - $2)); }

vmt_fail() {
	echo "$VMT_PREFIX: FAIL: $*"
	exit 1
}

vmt_on_exit() { VMT_EXIT+=("$1"); }

vmt_cleanup() {
	local rc=$? i
	set +e
	for ((i = ${#VMT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${VMT_EXIT[$i]}"
	done
	if [ -n "$NAME" ]; then
		"$DEV/vm.sh" undefine "$NAME" || rc=1
	fi
	if [ "$VMT_LIBVIRTD" = 1 ]; then
		"$DEV/libvirtd.sh" stop "$LVSTATE" || rc=1
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -n "$RUN" ]; then
		echo "--- guest console"
		cat "$RUN/$NAME.console" 2>/dev/null
		echo "--- QEMU log"
		tail -n 20 "$LVSTATE/log/qemu/$NAME.log" 2>/dev/null
	fi
	[ -z "$RUN" ] || rm -rf "$RUN"
	exit $rc
}

vmt_init() {
	VMT_PREFIX=${1%-}
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (installs QEMU and libvirt, runs libvirtd)"
		exit 77
	fi
	local d
	# Directories of runs killed before their cleanup.
	for d in /tmp/"$VMT_PREFIX".*; do
		[ -f "$d/pid" ] && [ ! -d "/proc/$(cat "$d/pid")" ] && rm -rf "$d"
	done
	RUN=$(mktemp -d /tmp/"$VMT_PREFIX".XXXXXX)
	echo $$ >"$RUN/pid"
	# Our pid in the name lets a later run remove the domain if we get
	# killed (vm.sh reap).
	NAME=$1$$
	trap vmt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$WORKDIR"
}

vmt_image() {
	local t out
	t=$(vmt_ms)
	out=$("$DEV/guest-image.sh" "$IMAGE" "$@" 2>&1) ||
		{ echo "$out"; exit 1; }
	echo "$out"
	case "$out" in
	*"up to date"*) vmt_step "guest image (cached)" "$t" ;;
	*) vmt_step "guest image (built)" "$t" ;;
	esac
}

vmt_guest_image() {
	local images=("$GUEST") extra b
	IFS=: read -r -a extra <<<"$BINS"
	for b in "${extra[@]}"; do
		[ -x "$b" ] && images+=("$b")
	done
	[[ " ${images[*]##*/} " == *" guest_cli "* ]] ||
		vmt_fail "no guest_cli in VMP_VM_BINS"
	vmt_image "${images[@]}"
	vmt_libvirtd
}

vmt_need_cpus01() {
	[ "$VMP_VM_CPUS" = 0,1 ] || { echo "SKIP: needs host CPUs 0 and 1"; exit 77; }
}

vmt_libvirtd() {
	local t
	t=$(vmt_ms)
	VMT_LIBVIRTD=1
	"$DEV/libvirtd.sh" start "$LVSTATE"
	vmt_step "libvirtd ready ($("$DEV/libvirtd.sh" status "$LVSTATE" |
		sed 's/ (.*//; s/, started by .*/, ours/'))" "$t"
	"$DEV/vm.sh" reap "$VMT_PREFIX-"
	vmt_no_polkit_noise
}

# On a terminal (a pty here), neither devtools/vm.sh nor the tests' virsh
# prints polkit's "Authorization not available" (issue 22). Needs $IMAGE. A bare virsh
# beside them shows whether this host would print it at all.
VMT_POLKIT_RE='Authorization not available'
vmt_no_polkit_noise() {
	local bare ours
	bare=$(script -qec "virsh -q -c qemu:///system uri" /dev/null </dev/null 2>&1)
	# define is a call that keeps virsh's stderr; the domain ($NAME) is
	# gone again before the test defines it (auto.sh wants it undefined).
	ours=$(script -qec "$(printf '%q ' "$DEV/vm.sh" define "$NAME" \
		--image "$IMAGE" --chandir "$RUN") && $(printf '%q ' \
		"$DEV/vm.sh" undefine "$NAME")" /dev/null </dev/null 2>&1)
	ours+=$(script -qec "$(printf '%q ' bash -c \
		'. "$0"; virsh -q -c qemu:///system uri' "${BASH_SOURCE[0]}")" \
		/dev/null </dev/null 2>&1)
	! grep -q "$VMT_POLKIT_RE" <<<"$ours" ||
		vmt_fail "virsh on a terminal prints polkit's message: $ours"
	if grep -q "$VMT_POLKIT_RE" <<<"$bare"; then
		echo "$VMT_PREFIX: on a terminal a bare virsh prints polkit's message, ours do not"
	else
		echo "$VMT_PREFIX: no polkit message even from a bare virsh here (polkitd runs, or no pkttyagent): not checked"
	fi
}

vmt_define() {
	local t
	t=$(vmt_ms)
	"$DEV/vm.sh" define "$NAME" --image "$IMAGE" --chandir "$RUN" \
		--cpus "$VMP_VM_CPUS" "$@"
	vmt_step "define" "$t"
}

vmt_start() {
	T0=$(vmt_ms)
	"$DEV/vm.sh" start "$NAME"
	vmt_step "virsh start" "$T0"
}

vmt_check_pinning() {
	local want threads idx tid got
	IFS=, read -r -a want <<<"$VMP_VM_CPUS"
	threads=$(virsh -q -c qemu:///system qemu-monitor-command "$NAME" \
		'{"execute":"query-cpus-fast"}' | python3 -c '
import json, sys
for c in json.load(sys.stdin)["return"]:
    print(c["cpu-index"], c["thread-id"])')
	[ "$(wc -l <<<"$threads")" -eq "${#want[@]}" ] ||
		vmt_fail "vCPU threads: $threads"
	while read -r idx tid; do
		got=$(sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$tid/status")
		[ "$got" = "${want[$idx]}" ] ||
			vmt_fail "vCPU $idx thread $tid on CPUs $got, want ${want[$idx]}"
		echo "$VMT_PREFIX: vCPU $idx (thread $tid) pinned to host CPU $got"
	done <<<"$threads"
}

vmt_wait_off() {
	"$DEV/vm.sh" wait "$NAME" "$1" || vmt_fail "the VM did not power off"
	vmt_step "start to VM shut off" "$T0"
}

vmt_console_has() {
	grep -Eq "$1" "$RUN/$NAME.console"
}
