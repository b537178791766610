#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# A guest VM for the real-VM tests and the demo, through libvirt.
#
#   devtools/vm.sh xml      NAME OPTIONS   print the domain XML
#   devtools/vm.sh define   NAME OPTIONS   define (or redefine) the domain
#   devtools/vm.sh start    NAME           start it
#   devtools/vm.sh wait     NAME SECONDS   wait until it is shut off; 1 if not
#   devtools/vm.sh destroy  NAME           stop it now, if it runs
#   devtools/vm.sh undefine NAME           destroy and undefine; fine if absent
#   devtools/vm.sh reap     PREFIX         undefine the domains PREFIX<pid>
#                                          whose process <pid> is gone (runs
#                                          killed before their cleanup)
#
# OPTIONS:
#   --image DIR       kernel and initrd from devtools/guest-image.sh
#   --kernel FILE, --initrd FILE   (instead of --image)
#   --chandir DIR     where the channel sockets go: DIR/NAME.<lcore>
#                     (required; use a private directory per run)
#   --cpus LIST       host CPUs, comma-separated: one vCPU pinned to each,
#                     vCPU i to the i-th (default 0,1); an entry may be a
#                     range (0-1) to pin that vCPU to several
#   --channels N      power channels, lcores 0..N-1 (default: one per vCPU)
#   --console FILE    serial console log (default DIR/NAME.console)
#   --memory MB       guest RAM (default 256)
#   --run CMD         shell command the guest's /init runs
#   --append ARGS     more kernel command line
#   --on-reboot ACT   what a guest reboot or `virsh reset` does: destroy
#                     (default: the domain shuts off) or restart (the
#                     same QEMU process boots again)
#   --current N       vCPUs online at start (default all of --cpus): the
#                     others can be hot-plugged with `virsh setvcpus`
#   --nic TAP,MAC     a virtio-net NIC with that MAC whose host side is a
#                     tap device TAP (<interface type='ethernet'>: libvirt
#                     creates it and removes it with the VM); the guest
#                     needs the virtio_net module (guest-image.sh --module)
#
# The guest runs under TCG (<domain type='qemu'>) with `-cpu max`, which has
# the SSE4.2 Debian's DPDK is built for. It powers off when CMD is done, and
# the domain then shuts off. libvirt's URI: $VMP_LIBVIRT_URI, default
# qemu:///system.
set -euo pipefail

URI=${VMP_LIBVIRT_URI:-qemu:///system}
# A unix socket path has 108 bytes, NUL included.
SUN_PATH_MAX=107

die() { printf 'vm.sh: %s\n' "$*" >&2; exit 1; }

usage() {
	sed -n '6,40s/^# \{0,1\}//p' "$(readlink -f "$0")" >&2
	exit 2
}

# virsh (libvirt 9.0, measured) starts polkit's text agent, pkttyagent,
# before it connects whenever it has a controlling terminal; with no
# polkitd running the agent prints "Authorization not available. Check if
# polkit service is running" on every call. Root needs no polkit
# authorisation (libvirtd lets uid 0 in whatever auth_unix_rw says), and a
# script never answers a prompt: run virsh in a session of its own, with
# no controlling terminal.
virsh_() { setsid -w virsh -q -c "$URI" "$@"; }

xml_escape() {
	local s=$1
	s=${s//&/&amp;}
	s=${s//</&lt;}
	s=${s//>/&gt;}
	s=${s//\'/&apos;}
	s=${s//\"/&quot;}
	printf '%s' "$s"
}

domain_xml() {
	local name=$1
	shift
	local kernel="" initrd="" chandir="" cpus=0,1 channels="" console=""
	local memory=256 run="" append="" on_reboot=destroy current="" nic=""
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] || usage
		case "$1" in
		--image) kernel=$2/vmlinuz; initrd=$2/initrd.img ;;
		--kernel) kernel=$2 ;;
		--initrd) initrd=$2 ;;
		--chandir) chandir=$2 ;;
		--cpus) cpus=$2 ;;
		--channels) channels=$2 ;;
		--console) console=$2 ;;
		--memory) memory=$2 ;;
		--run) run=$2 ;;
		--append) append=$2 ;;
		--on-reboot) on_reboot=$2 ;;
		--current) current=$2 ;;
		--nic) nic=$2 ;;
		*) usage ;;
		esac
		shift 2
	done
	[ -n "$kernel" ] && [ -n "$initrd" ] || die "no --image (or --kernel and --initrd)"
	[ -f "$kernel" ] && [ -f "$initrd" ] || die "no kernel/initrd: $kernel $initrd"
	[ -n "$chandir" ] || die "no --chandir"
	[ -d "$chandir" ] || die "no such directory: $chandir"
	kernel=$(readlink -f "$kernel")
	initrd=$(readlink -f "$initrd")
	chandir=$(readlink -f "$chandir")
	local -a pcpu
	IFS=, read -r -a pcpu <<<"$cpus"
	local nvcpu=${#pcpu[@]} c
	[ "$nvcpu" -ge 1 ] || die "bad --cpus: $cpus"
	for c in "${pcpu[@]}"; do
		[[ "$c" =~ ^[0-9]+(-[0-9]+)?$ ]] || die "bad --cpus: $cpus"
	done
	channels=${channels:-$nvcpu}
	case $on_reboot in
	destroy | restart) ;;
	*) die "bad --on-reboot: $on_reboot (destroy or restart)" ;;
	esac
	current=${current:-$nvcpu}
	[[ "$current" =~ ^[0-9]+$ ]] && [ "$current" -ge 1 ] &&
		[ "$current" -le "$nvcpu" ] || die "bad --current: $current"
	[[ "$channels" =~ ^[0-9]+$ ]] || die "bad --channels: $channels"
	console=$(readlink -m "${console:-$chandir/$name.console}")
	[[ "$memory" =~ ^[0-9]+$ ]] || die "bad --memory: $memory"
	local tap="" mac=""
	if [ -n "$nic" ]; then
		tap=${nic%%,*} mac=${nic#*,}
		[[ "$tap" =~ ^[A-Za-z0-9_.-]{1,15}$ ]] &&
			[[ "$mac" =~ ^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$ ]] ||
			die "bad --nic: $nic (TAP,MAC; TAP at most 15 characters)"
	fi
	local sock="$chandir/$name.$((channels - 1))"
	[ "$channels" -eq 0 ] || [ "${#sock}" -le "$SUN_PATH_MAX" ] ||
		die "channel path too long for a unix socket: $sock"

	# The guest's /init decodes vmp.run; base64 keeps the command line
	# free of spaces and quotes whatever CMD holds.
	local cmdline="console=ttyS0 quiet panic=-1 vmp.ports=$channels"
	[ -z "$run" ] || cmdline+=" vmp.run=$(printf '%s' "$run" | base64 -w0)"
	[ -z "$append" ] || cmdline+=" $append"
	[ "${#cmdline}" -lt 2000 ] || die "kernel command line too long (--run)"

	cat <<-EOF
	<domain type='qemu'>
	  <name>$(xml_escape "$name")</name>
	  <memory unit='MiB'>$memory</memory>
	  <vcpu placement='static' current='$current'>$nvcpu</vcpu>
	  <cputune>
	EOF
	for c in "${!pcpu[@]}"; do
		echo "    <vcpupin vcpu='$c' cpuset='${pcpu[$c]}'/>"
	done
	cat <<-EOF
	  </cputune>
	  <os>
	    <type arch='x86_64' machine='pc'>hvm</type>
	    <kernel>$(xml_escape "$kernel")</kernel>
	    <initrd>$(xml_escape "$initrd")</initrd>
	    <cmdline>$(xml_escape "$cmdline")</cmdline>
	  </os>
	  <features><acpi/><apic/></features>
	  <cpu mode='maximum' check='none'/>
	  <clock offset='utc'/>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>$on_reboot</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <controller type='usb' model='none'/>
	    <controller type='virtio-serial' index='0'/>
	EOF
	for ((c = 0; c < channels; c++)); do
		cat <<-EOF
		    <channel type='unix'>
		      <source mode='bind' path='$(xml_escape "$chandir/$name.$c")'/>
		      <target type='virtio' name='virtio.serial.port.poweragent.$c'/>
		    </channel>
		EOF
	done
	[ -z "$tap" ] || cat <<-EOF
	    <interface type='ethernet'>
	      <mac address='$mac'/>
	      <target dev='$tap' managed='yes'/>
	      <model type='virtio'/>
	    </interface>
	EOF
	cat <<-EOF
	    <serial type='file'>
	      <source path='$(xml_escape "$console")' append='off'/>
	      <target port='0'/>
	    </serial>
	    <memballoon model='none'/>
	  </devices>
	</domain>
	EOF
}

is_active() {
	[ "$(virsh_ domstate "$1" 2>/dev/null)" = running ] ||
		[ "$(virsh_ domstate "$1" 2>/dev/null)" = paused ]
}

exists() { virsh_ dominfo "$1" >/dev/null 2>&1; }

[ $# -ge 2 ] || usage
cmd=$1 name=$2
shift 2
case "$cmd" in
xml)
	domain_xml "$name" "$@"
	;;
define)
	xml=$(domain_xml "$name" "$@")
	# A new definition without the old UUID is refused: replace it.
	if exists "$name"; then
		! is_active "$name" || die "$name is running"
		virsh_ undefine "$name" >/dev/null
	fi
	virsh_ define /dev/stdin <<<"$xml" >/dev/null
	;;
start)
	virsh_ start "$name" >/dev/null
	;;
wait)
	[ $# -eq 1 ] || usage
	end=$((SECONDS + $1))
	while is_active "$name"; do
		[ $SECONDS -lt $end ] || exit 1
		sleep 0.2
	done
	;;
destroy)
	# It may power off by itself meanwhile: judge by the state after.
	virsh_ destroy "$name" >/dev/null 2>&1 || true
	! is_active "$name" || die "cannot destroy $name"
	;;
undefine)
	if is_active "$name"; then
		virsh_ destroy "$name" >/dev/null 2>&1 || true
	fi
	if exists "$name"; then
		virsh_ undefine "$name" >/dev/null
	fi
	exists "$name" && die "$name is still defined"
	# QEMU's log of a libvirtd that is not ours (ours keeps it private).
	rm -f "/var/log/libvirt/qemu/$name.log"
	;;
reap)
	prefix=$name
	for d in $(virsh_ list --all --name 2>/dev/null); do
		pid=${d#"$prefix"}
		[ "$pid" != "$d" ] && [[ "$pid" =~ ^[0-9]+$ ]] || continue
		[ ! -d "/proc/$pid" ] || continue
		echo "vm.sh: removing $d, left by a run that is gone" >&2
		"$0" undefine "$d"
	done
	;;
*)
	usage
	;;
esac
