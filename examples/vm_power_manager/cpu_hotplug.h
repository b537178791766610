/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CPU_HOTPLUG_H
#define VMP_CPU_HOTPLUG_H

/**
 * @file
 * CPU hotplug, watched without polling: the kernel's uevents for CPUs
 * going offline and coming back, told to the power manager
 * (power_mgr_cpu_online()).
 *
 * Owns: one NETLINK_KOBJECT_UEVENT socket bound to the kernel's group
 * (1), in the network namespace of the caller: the kernel sends there
 * to every namespace of the initial user namespace. A socket filter lets
 * only messages starting "online@/devices/system/cpu/cpu" or
 * "offline@/devices/system/cpu/cpu" through, so no other uevent of the
 * host (disks, taps of starting VMs...) wakes the loop. The channel
 * monitor puts cpu_hotplug_fd() in its epoll loop and calls
 * cpu_hotplug_read() on that loop, which owns the power manager.
 *
 * Trust. Only root (CAP_NET_ADMIN in the namespace) can send to the
 * group; messages whose sender credentials are not uid 0 are dropped.
 * "offline" is believed as it comes: a quick offline-online cycle is
 * seen whole, and with it whatever the kernel did to the policy.
 * "online" is believed only if cpuN/online says 1 (else the CPU went
 * again and its "offline" follows).
 *
 * Overrun. When the socket's queue overflowed (ENOBUFS), events were
 * lost: the state is read again from /sys/devices/system/cpu/online
 * (power_mgr_cpus_online()). The same is done at open, for what happened
 * before the socket existed.
 */

#include <stddef.h>
#include <stdint.h>

struct power_mgr;
struct cpu_hotplug;

/** A CPU hotplug uevent. */
struct cpu_uevent {
	int online;		/**< 1: "online", 0: "offline" */
	unsigned int cpu;
};

/**
 * Parse one uevent as the kernel sends it: "ACTION@DEVPATH\0" then
 * "KEY=VALUE\0" pairs, with ACTION, DEVPATH and SUBSYSTEM that must agree
 * with the header. Any bytes are safe.
 * @return 0 (a CPU went offline or online: @ev), -ENOENT (a well-formed
 * uevent of something else), -EINVAL (not a kernel uevent).
 */
int cpu_uevent_parse(const void *buf, size_t len, struct cpu_uevent *ev);

struct cpu_hotplug_stats {
	uint64_t events;	/**< CPU uevents taken */
	uint64_t ignored;	/**< dropped: sender, format, stale */
	uint64_t overruns;	/**< ENOBUFS: state read again from sysfs */
};

/**
 * Open the uevent socket and read the online CPUs once.
 * @param rcvbuf  bytes of receive queue; 0: 1 MB (tests make it small to
 *                overrun it)
 * @return 0 with @p out, or a negative errno (logged once: e.g. no
 * netlink in this sandbox; the daemon then runs without hotplug).
 */
int cpu_hotplug_open(struct power_mgr *pm, int rcvbuf,
	struct cpu_hotplug **out);

/** The fd to wait on for reading. */
int cpu_hotplug_fd(const struct cpu_hotplug *hp);

/**
 * Read what the socket has and tell the power manager; on an overrun,
 * resynchronise. @return state changes told, or -EIO (logged).
 */
int cpu_hotplug_read(struct cpu_hotplug *hp);

/** Read /sys/devices/system/cpu/online and tell every CPU's state.
 * @return state changes, -ENOENT (no such file: nothing told), -EIO. */
int cpu_hotplug_resync(struct cpu_hotplug *hp);

void cpu_hotplug_get_stats(const struct cpu_hotplug *hp,
	struct cpu_hotplug_stats *st);

/** Close the socket; NULL is a no-op. */
void cpu_hotplug_close(struct cpu_hotplug *hp);

#endif /* VMP_CPU_HOTPLUG_H */
