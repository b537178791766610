#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# check_udev_rule.sh RULES: udev parses the guest's rules file without a
# word. udevadm 252 (Debian 12) has no "verify"; "udevadm test" on any
# device reads every rules file and reports each bad line, so it runs in a
# private mount namespace where /etc/udev/rules.d holds only RULES and
# /etc/group has the group it names. A broken copy must be reported, or
# this check could not fail. Matching the rule against a virtio-ports
# device needs one in /sys: the real-VM guest has no udev, so that part is
# not tested here.
set -eu
rules=$1
if ! command -v udevadm >/dev/null || [ "$(id -u)" -ne 0 ] ||
		! unshare -m --propagation private true 2>/dev/null; then
	echo "SKIP: needs udevadm (package udev), root and unshare"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/rules"
name=$(basename "$rules")
cp "$rules" "$dir/rules/$name"
cp /etc/group "$dir/group"
for g in $(sed -n 's/.*GROUP="\([^"]*\)".*/\1/p' "$rules"); do
	grep -q "^$g:" "$dir/group" || echo "$g:x:64000:" >>"$dir/group"
done
sed 's/GROUP=/GRUOP=/' "$rules" >"$dir/rules/99-broken.rules"
unshare -m --propagation private sh -c '
	mount --bind "$1/rules" /etc/udev/rules.d &&
	mount --bind "$1/group" /etc/group &&
	udevadm test --action=add /sys/class/net/lo' sh "$dir" \
	>"$dir/out" 2>&1 || true
grep -q "^Reading rules file: /etc/udev/rules.d/$name" "$dir/out" ||
	{ echo "FAIL: udevadm did not read $name"; cat "$dir/out"; exit 1; }
grep -q "99-broken.rules:[0-9]* Invalid key 'GRUOP'" "$dir/out" ||
	{ echo "FAIL: a broken copy went unreported"; cat "$dir/out"; exit 1; }
if grep "^/etc/udev/rules.d/$name:" "$dir/out"; then
	echo "FAIL: udevadm reports the lines above of $rules"
	exit 1
fi
echo "ok: udevadm $(udevadm --version) parses $name without a word"
