#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The install test of the Debian packages, run by devtools/packages.sh
# inside a fresh chroot (an overlay thrown away after):
#
#   package-check.sh DEBDIR
#
# Installs the test's own tools first (a compiler, pkg-config, python3,
# binutils, systemd for systemd-analyze) and takes a snapshot; then
# `apt-get install ./*.deb` of DEBDIR, and checks:
#   - the external application (app/test/external/external_app.py
#     --installed): the guide's power_app.c built with pkg-config
#     libvmpower-guest, shared and --static, run against a pty host;
#   - `vm_power_mgr --help` and `vm_power_mgr -- --help`;
#   - `systemd-analyze verify` accepts the installed unit;
#   - vmpower-guest-cli and vmpower-l3fwd-power start (--help);
#   - the guest's udev rule (libvmpower-guest0): installed in udev's
#     rules directory, the group it names exists as a system group, and
#     `udevadm test` reads it without a word (an unknown group would be
#     "Unknown group", which a copy naming a missing group must show);
#   - vmpower-doc: the guides' and API reference's index pages, every
#     symbolic link (dh_sphinxdoc's, to libjs-sphinxdoc) resolves;
#   - `apt-get purge` of the packages and `apt-get autoremove --purge`
#     leave the package list and the file system as in the snapshot.
# Recommends are not installed (libvirt-daemon-system would pull QEMU).
set -uo pipefail

debs=${1:?usage: $0 DEBDIR}
fails=0
log() { printf '==> %s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*"
	fails=$((fails + 1))
}
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q \
		-o Dpkg::Use-Pty=0 --no-install-recommends "$@"
}
# Every path outside the kernel's file systems and the churn of apt,
# dpkg, logs and caches: what an install may add and a purge must remove.
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o \
		-path /tmp -o -path /run -o -path /src -o -path /debs -o \
		-path /var/cache -o -path /var/log -o -path /var/lib/apt -o \
		-path /var/lib/dpkg -o -path /root \) -prune -o -print | sort
}

. /etc/os-release
start=$SECONDS
log "$PRETTY_NAME: the test's tools"
apt_get update >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; exit 1; }
# libsystemd-dev: `pkg-config --static libdpdk` reaches libpcap's
# dbus-1.pc, whose -lsystemd no dependency of libdpdk-dev brings
# (libvmpower-guest-dev suggests it; the guest guide says so).
# udev: udevadm for the guest rule's check.
apt_get install gcc libc6-dev pkg-config python3 binutils systemd \
	libsystemd-dev udev >>/tmp/apt.log 2>&1 || { tail /tmp/apt.log; exit 1; }
dpkg-query -W -f='${Package} ${Status}\n' | sort >/tmp/pkgs.before
snapshot >/tmp/files.before
log "tools: $((SECONDS - start))s"

start=$SECONDS
mapfile -t pkgs < <(cd "$debs" && ls ./*.deb | grep -v -- '-dbgsym_')
log "apt-get install ${pkgs[*]}"
(cd "$debs" && apt_get install "${pkgs[@]}") >/tmp/install.log 2>&1 || {
	tail -n 20 /tmp/install.log
	exit 1
}
log "installed in $((SECONDS - start))s: DPDK $(pkg-config --modversion \
	libdpdk), $(grep -c '^Unpacking' /tmp/install.log) packages unpacked"

log "external application"
python3 /src/app/test/external/external_app.py --installed ||
	fail "external application"

log "vm_power_mgr --help"
out=$(vm_power_mgr --help 2>&1) && [[ $out == *Usage* ]] ||
	fail "vm_power_mgr --help: $out"
out=$(vm_power_mgr --no-huge --no-pci -m 64 --no-shconf -- --help 2>&1) &&
	[[ $out == *--libvirt-uri* ]] ||
	fail "vm_power_mgr -- --help: $out"
for p in vmpower-guest-cli vmpower-l3fwd-power; do
	out=$("$p" --no-huge --no-pci -m 64 --no-shconf -- --help 2>&1) ||
		fail "$p -- --help: $out"
done

# The guest's udev rule: where udev reads it, its group a system group,
# and udev parses it without a word. udevadm test reads every rules file
# on any device (lo); the ports themselves exist only in a guest.
log "udev rule of libvmpower-guest0"
rule=$(dpkg -L libvmpower-guest0 | grep '/rules.d/60-libvmpower-guest0.rules$')
case "$rule" in
/usr/lib/udev/rules.d/* | /lib/udev/rules.d/*) ;;
*) fail "udev rule not in udev's rules directory: '$rule'" ;;
esac
group=$(sed -n 's/.*GROUP="\([^"]*\)".*/\1/p' "$rule")
gid=$(getent group "$group" | cut -d: -f3)
[ -n "$group" ] && [ -n "$gid" ] && [ "$gid" -lt 1000 ] ||
	fail "group '$group' of $rule: not a system group (gid '$gid')"
# A copy naming a group that does not exist, in /run (not in the
# snapshot): udevadm must say so, or the check below could not fail.
mkdir -p /run/udev/rules.d
sed 's/GROUP="[^"]*"/GROUP="vmp-no-such-group"/' "$rule" \
	>/run/udev/rules.d/61-vmp-control.rules
udevadm test --action=add /sys/class/net/lo >/tmp/udev.txt 2>&1
rm -rf /run/udev/rules.d
grep -q "^Reading rules file: $rule" /tmp/udev.txt ||
	fail "udevadm test did not read $rule"
grep -q "61-vmp-control.rules:[0-9]* Unknown group 'vmp-no-such-group'" \
	/tmp/udev.txt || fail "udevadm test: a missing group went unreported"
if grep "^$rule:" /tmp/udev.txt; then
	fail "udevadm test reports the lines above of $rule"
fi

if [ -f /usr/share/doc/vmpower/guides/html/index.html ]; then
	log "vmpower-doc"
	for f in guides/html/index.html guides/html/search.html \
			api/html/index.html; do
		[ -s "/usr/share/doc/vmpower/$f" ] || fail "vmpower-doc: no $f"
	done
	# dh_sphinxdoc's links to libjs-sphinxdoc, and any other.
	find /usr/share/doc/vmpower -type l ! -exec test -e {} \; -print |
		tee /tmp/dangling.txt
	[ -s /tmp/dangling.txt ] && fail "vmpower-doc: dangling links above"
else
	fail "vmpower-doc is not installed"
fi

# The configuration file is a conffile (kept on upgrade and remove,
# gone on purge: checked below with the rest).
dpkg-query -W -f='${Conffiles}\n' vmpower-daemon |
	grep -q '^ /etc/vmpower/vm_power_mgr.conf [0-9a-f]\{32\}$' ||
	fail "/etc/vmpower/vm_power_mgr.conf is not a conffile of vmpower-daemon"

unit=$(dpkg -L vmpower-daemon | grep '/vm_power_mgr.service$')
if command -v systemd-analyze >/dev/null; then
	log "systemd-analyze verify $unit"
	# The unit names libvirtd.service, which this chroot has not.
	systemd-analyze verify --man=no "$unit" 2>&1 |
		grep -v 'libvirtd.service' | tee /tmp/verify.txt
	[ -s /tmp/verify.txt ] && fail "systemd-analyze verify"
	# Service mode: the installed path, no terminal CLI.
	grep -q '^ExecStart=/usr/sbin/vm_power_mgr .*--no-cli' "$unit" ||
		fail "ExecStart is not /usr/sbin/vm_power_mgr ... --no-cli"
else
	log "no systemd-analyze here"
fi

start=$SECONDS
names=()
for p in "${pkgs[@]}"; do
	names+=("$(dpkg-deb -f "$debs/$p" Package)")
done
# Our packages' own files (not directories): none may remain. A
# directory reached through a link is a directory too (/lib on a
# merged-/usr system); we ship no link to a directory.
dpkg -L "${names[@]}" | while read -r f; do
	[ -d "$f" ] || echo "$f"
done | sort -u >/tmp/ours.files
log "apt-get purge ${names[*]}; autoremove --purge"
# What our packages pulled in goes too, even where the test's systemd
# suggests or recommends it (trixie's systemd names libbpf1, libkmod2...,
# which apt would otherwise keep once installed).
{ apt_get purge "${names[@]}" &&
	apt_get -o APT::AutoRemove::SuggestsImportant=false \
		-o APT::AutoRemove::RecommendsImportant=false \
		autoremove --purge; } \
	>/tmp/purge.log 2>&1 || { tail -n 20 /tmp/purge.log; fail "purge"; }
while read -r f; do
	[ -e "$f" ] || [ -L "$f" ] && fail "left after purge: $f"
done </tmp/ours.files
# Dependencies that apt keeps after autoremove though only ours pulled
# them in: on Debian 13, adduser (Priority important). Not our files:
# listed, not failed.
kept=()
for p in adduser; do
	if ! grep -q "^$p install ok installed" /tmp/pkgs.before &&
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed'; then
		kept+=("$p")
		dpkg -L "$p" >>/tmp/kept.files
	fi
done
[ ${#kept[@]} -eq 0 ] || log "kept by apt's autoremove: ${kept[*]}"
# libvmpower-guest0's group stays, as Debian leaves system groups:
# users are members and files may carry its id. Listed, not failed.
getent group dpdk >/dev/null && log "kept on purge: the system group dpdk"
dpkg-query -W -f='${Package} ${Status}\n' | sort |
	grep -v -x -F -f <(printf '%s install ok installed\n' "${kept[@]}" \
		/dev/null) >/tmp/pkgs.after
# Their paths are left out on both sides (directories included).
keep_out() { grep -v -x -F -f <(cat /tmp/kept.files 2>/dev/null; echo /dev/null); }
keep_out </tmp/files.before >/tmp/files.before.k
mv /tmp/files.before.k /tmp/files.before
snapshot | keep_out >/tmp/files.after
if ! diff -u /tmp/pkgs.before /tmp/pkgs.after; then
	fail "packages left or changed after purge"
fi
if ! diff -u /tmp/files.before /tmp/files.after; then
	fail "files left behind after purge"
fi
log "purged in $((SECONDS - start))s"

if [ $fails -eq 0 ]; then
	log "$PRETTY_NAME: package checks passed"
else
	log "$PRETTY_NAME: $fails package check(s) failed"
fi
[ $fails -eq 0 ]
