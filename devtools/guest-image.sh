#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Build a small bootable guest (kernel + initramfs) from Debian packages only.
#
#   devtools/guest-image.sh [options] OUTDIR [BIN...]   (options anywhere)
#
#   BIN...              guest programs, installed in /usr/bin with every
#                       shared library ldd lists (static ones as they are)
#   --lib FILE          an extra shared library (e.g. a DPDK driver to load
#                       with `-d`), with its own libraries
#   --file SRC[:DST]    an extra file, at DST (default /data/<name of SRC>)
#   --module NAME       an extra kernel module, with its dependencies
#   -q                  say nothing when the cached image is current
#
# Produces OUTDIR/vmlinuz and OUTDIR/initrd.img (cpio.gz). The kernel is the
# Debian cloud kernel and busybox comes from busybox-static; both .debs are
# fetched with `apt-get download` and unpacked into OUTDIR/pkg, never
# installed. The image is rebuilt only when a hash of its inputs (this
# script, the files put in, the package versions, the options) changes.
#
# The guest's /init mounts proc, sys and devtmpfs, loads the virtio modules,
# powers off when the ACPI power button is pressed (virsh shutdown/reboot),
# links /dev/virtio-ports/<name> to each virtio-serial port, then runs the
# kernel command line's `vmp.run=<base64 of a shell command>` with sh -c,
# prints "VMP-END rc=<status>" and powers off. `vmp.ports=N` makes it wait
# (10 s at most) until N named ports exist; it prints "VMP-READY ports=N
# uptime=SECONDS" before the command runs. Guest programs find the ports where DPDK expects them.
set -euo pipefail

SELF=$(readlink -f "$0")
ARGS=("$@")
ARCH_LIBDIR=/lib/x86_64-linux-gnu
LOADER=/lib64/ld-linux-x86-64.so.2
KERNEL_META=linux-image-cloud-amd64
BUSYBOX_PKG=busybox-static
# virtio-serial over PCI; the dependencies come from each module's modinfo.
# The ACPI power button (button, seen through evdev) for `virsh shutdown`
# and `virsh reboot`.
MODULES=(virtio_pci virtio_console button evdev)

log() { printf 'guest-image: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
	sed -n '6,16s/^# \{0,1\}//p' "$SELF" >&2
	exit 2
}

BINS=() LIBS=() FILES=() QUIET=0 POS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--lib|--file|--module) [ $# -ge 2 ] || usage ;;
	esac
	case "$1" in
	--lib) LIBS+=("$(realpath -s "$2")"); shift 2 ;;
	--file) FILES+=("$2"); shift 2 ;;
	--module) MODULES+=("$2"); shift 2 ;;
	-q) QUIET=1; shift ;;
	-h|--help) usage ;;
	--) shift; POS+=("$@"); break ;;
	-*) usage ;;
	*) POS+=("$1"); shift ;;
	esac
done
set -- "${POS[@]}"
[ $# -ge 1 ] || usage
OUT=$(readlink -m "$1")
shift
for b in "$@"; do
	[ -f "$b" ] || die "no such binary: $b"
	BINS+=("$(realpath -s "$b")")
done
for l in "${LIBS[@]}"; do
	[ -f "$l" ] || die "no such library: $l"
done
for f in "${FILES[@]}"; do
	[ -f "${f%%:*}" ] || die "no such file: ${f%%:*}"
done

mkdir -p "$OUT"
# Two builds into one OUTDIR (a demo and a test) must not interleave.
exec 9>"$OUT/.lock"
flock 9

# "KPKG KVER BBVER": the kernel image package the meta package points to,
# its version, and busybox's version. One apt-cache call (a few seconds
# where apt keeps no binary cache), remembered while the package lists
# stay the same.
resolve_packages() {
	apt-cache show --no-all-versions "$KERNEL_META" "$BUSYBOX_PKG" \
		2>/dev/null | awk -v meta="$KERNEL_META" -v bb="$BUSYBOX_PKG" '
		/^Package: / { pkg = $2 }
		/^Version: / && pkg == bb { bbver = $2 }
		/^Depends: / && pkg == meta {
			if (match($0, /linux-image-[^ ,]+ \(= [^)]+\)/)) {
				split(substr($0, RSTART, RLENGTH), f, /[ ()=]+/)
				kpkg = f[1]; kver = f[2]
			}
		}
		END { if (kpkg != "" && kver != "" && bbver != "")
			print kpkg, kver, bbver }'
}
lists_id() {
	stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null |
		sha256sum | cut -d' ' -f1
}
mkdir -p "$OUT/pkg"
LISTS=$(lists_id)
RESOLVED=""
if [ "$(head -n1 "$OUT/pkg/resolved" 2>/dev/null)" = "$LISTS" ]; then
	RESOLVED=$(sed -n 2p "$OUT/pkg/resolved")
fi
if [ -z "$RESOLVED" ]; then
	RESOLVED=$(resolve_packages)
	if [ -z "$RESOLVED" ]; then
		# A fresh machine has no package lists yet.
		log "apt-get update (no package lists)"
		apt-get update -qq
		LISTS=$(lists_id)
		RESOLVED=$(resolve_packages)
	fi
	[ -n "$RESOLVED" ] || die "apt knows no $KERNEL_META or $BUSYBOX_PKG"
	printf '%s\n%s\n' "$LISTS" "$RESOLVED" >"$OUT/pkg/resolved"
fi
read -r KPKG KVER_PKG BBVER <<<"$RESOLVED"

# Every library the files need, by requested name (ldd resolves them as
# the host's loader would, RUNPATH included). Forks are slow on small VMs:
# parse in bash.
declare -A LIBMAP=() DYN=()
DYNAMIC=0
for f in "${BINS[@]}" "${LIBS[@]}"; do
	if ! out=$(LC_ALL=C ldd "$f" 2>&1); then
		[[ "$out" == *"not a dynamic executable"* ]] || die "ldd $f: $out"
		continue
	fi
	DYNAMIC=1 DYN[$f]=1
	[[ "$out" != *"not found"* ]] || die "ldd $f: libraries missing:
$out"
	while read -r name arrow path _; do
		[ "$arrow" = "=>" ] && [[ "$path" == /* ]] && LIBMAP[$name]=$path
	done <<<"$out"
done
for l in "${LIBS[@]}"; do
	LIBMAP[${l##*/}]=$l
done
if [ "$DYNAMIC" = 1 ]; then
	# ldd misses it: glibc dlopens it for pthread_cancel (EAL cleanup).
	# (awk reads to the end: an early exit would SIGPIPE ldconfig.)
	gcc_s=$(ldconfig -p |
		awk '$1 == "libgcc_s.so.1" && /x86-64/ && !p { print $NF; p = 1 }')
	[ -n "$gcc_s" ] || die "libgcc_s.so.1 not found"
	LIBMAP[libgcc_s.so.1]=$gcc_s
fi
LIBNAMES=()
if [ ${#LIBMAP[@]} -gt 0 ]; then
	mapfile -t LIBNAMES < <(printf '%s\n' "${!LIBMAP[@]}" | LC_ALL=C sort)
fi
LIBPATHS=()
for n in "${LIBNAMES[@]}"; do
	LIBPATHS+=("${LIBMAP[$n]}")
done
SRCS=()
for f in "${FILES[@]}"; do
	SRCS+=("${f%%:*}")
done

# The stamp: everything that shapes the image.
STAMP=$(
	{
		echo "kernel $KPKG $KVER_PKG busybox $BBVER"
		echo "modules ${MODULES[*]}"
		echo "libs ${LIBNAMES[*]}"
		echo "files ${FILES[*]}"
		sha256sum "$SELF" "${BINS[@]}" "${LIBPATHS[@]}" "${SRCS[@]}"
	} | sha256sum
)
STAMP=${STAMP%% *}
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] &&
	[ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.img" ]; then
	[ "$QUIET" = 1 ] || log "up to date: $OUT"
	exit 0
fi

T0=$(date +%s.%N)

# The unpacked packages, kept per version (OUTDIR/pkg/NAME): a new version
# replaces the old; the .debs themselves are not kept.
current() { [ "$(cat "$OUT/pkg/$1/.version" 2>/dev/null)" = "$2" ]; }
fetch=()
current "$KPKG" "$KVER_PKG" || fetch+=("$KPKG=$KVER_PKG")
current "$BUSYBOX_PKG" "$BBVER" || fetch+=("$BUSYBOX_PKG=$BBVER")
if [ ${#fetch[@]} -gt 0 ]; then
	log "downloading ${fetch[*]}"
	tmp=$OUT/pkg/.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/deb"
	# As root apt drops to _apt for downloads, which cannot write here.
	if ! (cd "$tmp/deb" && apt-get download -qq \
		-o APT::Sandbox::User=root "${fetch[@]}" >/dev/null); then
		# Old package lists name versions the mirror has dropped:
		# refresh them and start again, once.
		[ -z "${VMP_GUEST_IMAGE_RETRY:-}" ] ||
			die "apt-get download ${fetch[*]} failed"
		log "download failed: apt-get update, then again"
		apt-get update -qq
		rm -rf "$tmp" "$OUT/pkg/resolved"
		VMP_GUEST_IMAGE_RETRY=1 exec "$SELF" "${ARGS[@]}"
	fi
	for f in "${fetch[@]}"; do
		pkg=${f%%=*}
		rm -rf "${tmp:?}/root" "$OUT/pkg/$pkg"
		dpkg-deb -x "$tmp/deb/${pkg}_"*.deb "$tmp/root" ||
			die "cannot unpack $pkg"
		echo "${f#*=}" >"$tmp/root/.version"
		mv "$tmp/root" "$OUT/pkg/$pkg"
	done
	rm -rf "$tmp"
fi
KDIR=$OUT/pkg/$KPKG
BBDIR=$OUT/pkg/$BUSYBOX_PKG
# Only the current versions stay.
for d in "$OUT"/pkg/*/; do
	d=${d%/}
	[ "$d" = "$KDIR" ] || [ "$d" = "$BBDIR" ] || rm -rf "$d"
done

WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root

KMOD=$(echo "$KDIR"/lib/modules/*/kernel)
[ -d "$KMOD" ] || die "no modules in $KPKG"

# Module load order: dependencies first, from each module's .modinfo.
ORDER=()
declare -A SEEN=()
module_file() {
	find "$KMOD" \( -name "$1.ko" -o -name "${1//_/-}.ko" \) -print -quit
}
add_module() {
	local m=$1 f deps d
	[ -z "${SEEN[$m]:-}" ] || return 0
	SEEN[$m]=1
	f=$(module_file "$m")
	[ -n "$f" ] || die "module $m not in $KPKG"
	deps=$(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p')
	for d in ${deps//,/ }; do
		add_module "$d"
	done
	ORDER+=("$m")
}
for m in "${MODULES[@]}"; do
	add_module "$m"
done

mkdir -p "$ROOT"/{bin,sbin,usr/bin,etc,proc,sys,dev,tmp,run,var,data,lib/modules}
mkdir -p "$ROOT$ARCH_LIBDIR" "$ROOT/lib64"
ln -s ../run "$ROOT/var/run"
for m in "${ORDER[@]}"; do
	cp "$(module_file "$m")" "$ROOT/lib/modules/$m.ko"
done
printf '%s\n' "${ORDER[@]}" >"$ROOT/etc/modules"

cp "$BBDIR/bin/busybox" "$ROOT/bin/busybox"
# /init links the other applets itself (busybox --install, no forks here).
ln -s busybox "$ROOT/bin/sh"

# Our own files lose their debug info (a debugoptimized binary is several
# MB); the distribution's are stripped already.
put() {
	case "$1" in
	/usr/*|/lib/*|/lib64/*) cp -L "$1" "$2" ;;
	*) strip --strip-debug -o "$2" "$1" 2>/dev/null || cp -L "$1" "$2"
	   chmod 755 "$2" ;;
	esac
}
for f in "${BINS[@]}"; do
	put "$f" "$ROOT/usr/bin/${f##*/}"
done
for n in "${LIBNAMES[@]}"; do
	put "${LIBMAP[$n]}" "$ROOT$ARCH_LIBDIR/$n"
done
if [ "$DYNAMIC" = 1 ]; then
	cp -L "$LOADER" "$ROOT$LOADER"
fi
for f in "${FILES[@]}"; do
	src=${f%%:*}
	dst=/data/$(basename "$src")
	[ "$src" = "$f" ] || dst=${f#*:}
	mkdir -p "$ROOT$(dirname "$dst")"
	cp -L "$src" "$ROOT$dst"
done

# Every binary's libraries resolve inside the image (the loader's own check).
if [ "$DYNAMIC" = 1 ] && [ "$(id -u)" -eq 0 ]; then
	for f in "${BINS[@]}" "${LIBS[@]}"; do
		[ -n "${DYN[$f]:-}" ] || continue
		b=/usr/bin/${f##*/}
		[ -f "$ROOT$b" ] || b=$ARCH_LIBDIR/${f##*/}
		out=$(chroot "$ROOT" "$LOADER" --list "$b" 2>&1) ||
			die "$b does not load in the image: $out"
		[[ "$out" != *"not found"* ]] ||
			die "$b misses libraries in the image: $out"
	done
fi

cat >"$ROOT/init" <<'INIT'
#!/bin/sh
# vmpower guest init: see devtools/guest-image.sh.
export PATH=/usr/bin:/bin:/sbin HOME=/ TERM=dumb
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/virtio-ports
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
while read -r m; do
	insmod "/lib/modules/$m.ko" || echo "vmp-init: insmod $m failed"
done </etc/modules

run="" ports=0
for w in $(cat /proc/cmdline); do
	case "$w" in
	vmp.run=*) run=${w#vmp.run=} ;;
	vmp.ports=*) ports=${w#vmp.ports=} ;;
	esac
done

# Port names arrive from the host after the device probes: wait for them.
named_ports() {
	n=0
	for d in /sys/class/virtio-ports/*; do
		[ -s "$d/name" ] && n=$((n + 1))
	done
	echo $n
}
i=0
while [ "$(named_ports)" -lt "$ports" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
for d in /sys/class/virtio-ports/*; do
	[ -s "$d/name" ] || continue
	ln -sf "../${d##*/}" "/dev/virtio-ports/$(cat "$d/name")"
done
# The ACPI power button (`virsh shutdown`, `virsh reboot`): power off at
# once, as acpid would; libvirt then ends the domain or, for a reboot,
# resets it.
for d in /sys/class/input/input*; do
	[ "$(cat "$d/name" 2>/dev/null)" = "Power Button" ] || continue
	for e in "$d"/event*; do
		[ -e "$e" ] || continue
		(head -c 1 "/dev/input/${e##*/}" >/dev/null &&
			echo "vmp-init: power button" && poweroff -f) &
	done
done
read -r up _ </proc/uptime
echo "VMP-READY ports=$(named_ports) uptime=$up"

rc=none
if [ -n "$run" ]; then
	cmd=$(echo "$run" | base64 -d) || cmd=""
	if [ -n "$cmd" ]; then
		sh -c "$cmd"
		rc=$?
	else
		echo "vmp-init: vmp.run is not valid base64"
		rc=bad-cmdline
	fi
fi
echo "VMP-END rc=$rc"
poweroff -f
INIT
chmod 755 "$ROOT/init"

(cd "$ROOT" && find . | LC_ALL=C sort | "$ROOT/bin/busybox" cpio -o -H newc \
	2>/dev/null | gzip -1 >"$WORK/initrd.img")
cp "$(echo "$KDIR"/boot/vmlinuz-*)" "$WORK/vmlinuz"
# Readable by a QEMU that runs as libvirt-qemu (a libvirtd not ours).
chmod 644 "$WORK/vmlinuz" "$WORK/initrd.img"
mv -f "$WORK/vmlinuz" "$OUT/vmlinuz"
mv -f "$WORK/initrd.img" "$OUT/initrd.img"
echo "$STAMP" >"$OUT/stamp"
T1=$(date +%s.%N)
log "built $OUT ($KPKG $KVER_PKG, initrd $(du -k "$OUT/initrd.img" |
	cut -f1) kB) in $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s"
