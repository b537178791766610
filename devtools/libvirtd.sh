#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# A system libvirtd for the real-VM tests and the demo, on machines without
# systemd.
#
#   devtools/libvirtd.sh start  STATEDIR   install what is missing; start a
#                                          libvirtd unless one runs already
#   devtools/libvirtd.sh stop   STATEDIR   done with it: the last user of a
#                                          libvirtd that `start` started
#                                          stops it; any other is left alone
#   devtools/libvirtd.sh status STATEDIR   say who runs libvirtd; 0 if one runs
#   devtools/libvirtd.sh restart STATEDIR  stop and start the one `start`
#                                          started, VMs left running; exit 3
#                                          if another caller uses it too
#
# A caller is its parent process ($PPID), or $VMP_LIBVIRTD_USER: the pid of
# a process that lives while it uses the daemon (callers that died are
# forgotten). Concurrent callers (a demo and a test run, several tests)
# share one daemon.
#
# The libvirtd we start runs in a private mount namespace in which
# directories of STATEDIR replace /etc/libvirt (holding our qemu.conf: QEMU
# as root, no security driver, no virtlogd), /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt. No host file is edited; domain
# definitions, QEMU logs (STATEDIR/log/qemu/NAME.log) and QEMU's capability
# cache stay in STATEDIR, which must outlive the daemon (keep it, e.g. in a
# build directory); the mounts go away with the daemon. What `start` created
# outside STATEDIR (empty mount points, /run/libvirt, RUNDIR) is removed
# when it stops. Quiet when there is nothing to do.
set -euo pipefail

PACKAGES=(qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu
	libvirt-clients)
URI=qemu:///system
LIBVIRTD=/usr/sbin/libvirtd
# Who started the daemon we run, and its users; gone with the daemon.
RUNDIR=/run/vmpower-libvirtd
# Host paths the daemon writes, each replaced by a STATEDIR directory inside
# its mount namespace. /run/libvirt (the clients' socket) stays shared.
PRIVATE_DIRS=(/etc/libvirt /var/lib/libvirt /var/cache/libvirt
	/var/log/libvirt)

log() { printf 'libvirtd.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
	echo "usage: $0 start|stop|status|restart STATEDIR" >&2
	exit 2
}

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	apt-get update -qq
	# Recommends would pull ~140 MB more (firmware, GUI bits): not needed.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		-o DPkg::Lock::Timeout=300 \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# libvirtd's QEMU driver fails to initialise without this account (it
# parses the default user before reading qemu.conf); only
# libvirt-daemon-system (systemd units, policies) would create it.
ensure_user() {
	getent group libvirt-qemu >/dev/null ||
		groupadd --system libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd --system --no-create-home -d /var/lib/libvirt \
			-g libvirt-qemu -s /usr/sbin/nologin libvirt-qemu
}

# The pid of a running libvirtd, or nothing (no procps needed).
running_pid() {
	local f c
	for f in /proc/[0-9]*/comm; do
		{ read -r c <"$f"; } 2>/dev/null || continue
		if [ "$c" = libvirtd ]; then
			f=${f#/proc/}
			echo "${f%/comm}"
			return 0
		fi
	done
}

# The pid of the daemon `start` started, if it still runs.
our_pid() {
	local pid
	pid=$(cut -d' ' -f1 "$RUNDIR/owner" 2>/dev/null || true)
	[ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = libvirtd ] &&
		echo "$pid"
	return 0
}

# Forget callers that are gone; print how many remain.
live_users() {
	local u n=0
	for u in "$RUNDIR"/users/*; do
		[ -e "$u" ] || continue
		if [ -d "/proc/${u##*/}" ]; then
			n=$((n + 1))
		else
			rm -f "$u"
		fi
	done
	echo $n
}

wait_ready() {
	# The first connection may run QEMU's capability probe (~8 s cold).
	for _ in $(seq 1 120); do
		virsh -q -c "$URI" uri >/dev/null 2>&1 && return 0
		if [ -f "$RUNDIR/owner" ] && [ -z "$(our_pid)" ]; then
			log "libvirtd exited; see $STATE/libvirtd.log and" \
				"$STATE/log/libvirtd.log"
			return 1
		fi
		sleep 0.5
	done
	log "libvirtd did not answer within 60 s; see $STATE/log/libvirtd.log"
	return 1
}

write_qemu_conf() {
	# Root QEMU without sVirt or chown: files the tests create stay theirs;
	# stdio to a file as virtlogd is not running.
	cat >"$STATE/etc/qemu.conf" <<-'EOF'
	user = "root"
	group = "root"
	dynamic_ownership = 0
	security_driver = "none"
	stdio_handler = "file"
	EOF
}

# Stop the daemon `start` started (its remaining domains first: every user
# is gone) and remove what it created; nothing if none.
stop_ours() {
	local pid d
	[ -f "$RUNDIR/owner" ] || return 0
	pid=$(our_pid)
	if [ -n "$pid" ]; then
		# QEMU would outlive the daemon.
		for d in $(virsh -q -c "$URI" list --name 2>/dev/null); do
			log "destroying $d, left running by a user of libvirtd"
			virsh -q -c "$URI" destroy "$d" >/dev/null 2>&1 || true
		done
		kill -TERM "$pid"
		for _ in $(seq 1 100); do
			[ -d /proc/"$pid" ] || break
			sleep 0.1
		done
		if [ -d /proc/"$pid" ]; then
			log "libvirtd $pid ignored SIGTERM for 10 s; killing it"
			kill -KILL "$pid" || true
			sleep 0.2
		fi
	fi
	while read -r d; do
		case "$d" in
		# Shared with clients: only when no libvirtd is left at all.
		/run/libvirt) [ -n "$(running_pid)" ] || rm -rf /run/libvirt ;;
		# Empty here: the daemon's files were in its namespace.
		/*) rmdir "$d" 2>/dev/null || true ;;
		esac
	done <"$RUNDIR/created-dirs"
	rm -rf "$RUNDIR"
}

do_start() {
	install_packages
	ensure_user
	lock
	mkdir -p "$STATE"
	if [ -n "$(our_pid)" ]; then
		touch "$RUNDIR/users/$CALLER"
		wait_ready || { rm -f "$RUNDIR/users/$CALLER"; exit 1; }
		return 0
	fi
	# Ours died since (a crash, a killed run): tidy up after it first.
	stop_ours
	# Someone else's (or a socket systemd activates): use it, never stop it.
	if [ -n "$(running_pid)" ] || { [ -S /run/libvirt/libvirt-sock ] &&
		timeout 30 virsh -q -c "$URI" uri >/dev/null 2>&1; }; then
		wait_ready || exit 1
		return 0
	fi
	local d
	mkdir -p "$RUNDIR/users"
	: >"$RUNDIR/created-dirs"
	for d in "${PRIVATE_DIRS[@]}" /run/libvirt; do
		[ -e "$d" ] || echo "$d" >>"$RUNDIR/created-dirs"
	done
	for d in "${PRIVATE_DIRS[@]}"; do
		mkdir -p "$d"
	done
	# A fresh /etc/libvirt: no definitions survive a previous daemon, and
	# none of the host's (there may be some) gets autostarted by ours.
	rm -rf "${STATE:?}/etc" "${STATE:?}/libvirtd.pid"
	mkdir -p "$STATE/etc" "$STATE/lib" "$STATE/cache" "$STATE/log"
	write_qemu_conf
	: >"$STATE/libvirtd.log"
	launch || { stop_ours; exit 1; }
	touch "$RUNDIR/users/$CALLER"
	wait_ready || { stop_ours; exit 1; }
}

# Start libvirtd in its namespace on STATEDIR (prepared); record it as ours.
launch() {
	rm -f "$STATE/libvirtd.pid"
	# -d: the daemon forks; the namespace lives as long as it does.
	# 9>&-: it must not inherit our lock.
	if ! unshare -m --propagation private sh -c '
		mount --bind "$1/etc" /etc/libvirt &&
		mount --bind "$1/lib" /var/lib/libvirt &&
		mount --bind "$1/cache" /var/cache/libvirt &&
		mount --bind "$1/log" /var/log/libvirt &&
		exec libvirtd -d --pid-file "$1/libvirtd.pid"' sh "$STATE" \
		>>"$STATE/libvirtd.log" 2>&1 9>&-; then
		log "libvirtd failed to start; see $STATE/libvirtd.log"
		return 1
	fi
	for _ in $(seq 1 50); do
		[ -s "$STATE/libvirtd.pid" ] && break
		sleep 0.1
	done
	if [ ! -s "$STATE/libvirtd.pid" ]; then
		log "libvirtd wrote no pid file; see $STATE/log/libvirtd.log"
		return 1
	fi
	echo "$(cat "$STATE/libvirtd.pid") $STATE" >"$RUNDIR/owner"
}

# Stop and start again the libvirtd `start` started on this STATEDIR, its
# domains left running (QEMU outlives libvirtd; the new one finds them):
# exit 3, doing nothing, when another caller uses it too.
do_restart() {
	local pid
	lock
	pid=$(our_pid)
	[ -n "$pid" ] && [ "$(cut -d' ' -f2- "$RUNDIR/owner")" = "$STATE" ] ||
		die "no libvirtd of ours on $STATE to restart"
	if [ "$(live_users)" -gt 1 ] || [ ! -e "$RUNDIR/users/$CALLER" ]; then
		log "libvirtd $pid has other users: not restarted"
		exit 3
	fi
	kill -TERM "$pid"
	for _ in $(seq 1 150); do
		[ -d /proc/"$pid" ] || break
		sleep 0.1
	done
	[ ! -d /proc/"$pid" ] || die "libvirtd $pid did not stop in 15 s"
	launch || die "libvirtd did not start again"
	wait_ready
}

do_stop() {
	[ -x "$LIBVIRTD" ] || return 0
	lock
	[ -f "$RUNDIR/owner" ] || return 0
	rm -f "$RUNDIR/users/$CALLER"
	[ "$(live_users)" -eq 0 ] || return 0
	stop_ours
}

do_status() {
	local pid
	pid=$(our_pid)
	if [ -n "$pid" ]; then
		echo "libvirtd $pid, started by $0 ($(cut -d' ' -f2- \
			"$RUNDIR/owner")), $(live_users) user(s)"
		return 0
	fi
	pid=$(running_pid)
	if [ -n "$pid" ]; then
		echo "libvirtd $pid, not ours"
		return 0
	fi
	echo "no libvirtd"
	return 1
}

# Serialises callers. The lock is the daemon's binary, present once the
# packages are: no lock file is left behind.
lock() {
	exec 9<"$LIBVIRTD"
	flock 9
}

[ $# -eq 2 ] || usage
[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, runs the system libvirtd)"
STATE=$(readlink -m "$2")
CALLER=${VMP_LIBVIRTD_USER:-$PPID}
[[ "$CALLER" =~ ^[0-9]+$ ]] || die "VMP_LIBVIRTD_USER must be a pid"
case "$1" in
start) do_start ;;
stop) do_stop ;;
restart) do_restart ;;
status) do_status ;;
*) usage ;;
esac
