/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_HOTPLUG_H
#define VMP_TEST_HOTPLUG_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>

#include <channel_monitor.h>

#include "cpufreq_emu.h"
#include "power_manager.h"
#include "test.h"

/*
 * A uevent in the kernel's layout (lib/kobject_uevent.c): "ACTION@DEVPATH",
 * ACTION, DEVPATH, SUBSYSTEM, a CPU's MODALIAS, SEQNUM, each ending in
 * NUL. @return its length, 0 if @size is short.
 */
size_t test_uevent(char *buf, size_t size, const char *action,
	const char *devpath, const char *subsystem, unsigned int seq);
/* The kernel's "online"/"offline" uevent of CPU @cpu. */
size_t test_cpu_uevent(char *buf, size_t size, unsigned int cpu, int online);

/*
 * The daemon's loop on the cpufreq emulator, with the test as the kernel
 * (test_hotplug_rig.c): in a private network namespace it writes
 * cpuN/online of the emulator, then sends the kernel's uevent to the
 * kernel's group (1) from a netlink socket of its own, as root may. The
 * monitor's socket, filter, parser and loop are the daemon's. Inside an
 * emu_run() child.
 */
struct hfx {
	struct power_mgr *pm;
	struct monitor *mon;
	pthread_t loop;
	int tx;			/* the fake kernel's socket */
	unsigned int sent;	/* uevents sent */
	sem_t held, hold;	/* hfx_hold() */
	char dir[32];		/* channels; crash records in state/ */
	char state[48];
};

#define VOTE(f, who, cpu, op) \
	TEST_ASSERT_EQUAL(hfx_vote(f, who, cpu, op), 0, "vote %s on %u", \
		#op, cpu)
#define HOTPLUG(f, cpu, on) do {					\
	TEST_RUN(hfx_hotplug(f, cpu, on));				\
	TEST_RUN(hfx_settle(f));					\
} while (0)

/* A monitor over a power manager (crash records in state/), its uevent
 * queue @rcvbuf bytes (0: the daemon's); hfx_run() starts its loop. */
int hfx_init(struct hfx *f, int rcvbuf);
/* Same, crash records in @state (an earlier instance's; kept at stop). */
int hfx_init_state(struct hfx *f, int rcvbuf, const char *state);
int hfx_run(struct hfx *f);
/* hfx_init(0) and hfx_run(). */
int hfx_start(struct hfx *f);
/* Stop the loop, destroy the monitor and manager, remove the files. */
void hfx_stop(struct hfx *f);
/* Send @len bytes to the uevent group. @return 0 or -errno. */
int hfx_send(struct hfx *f, const char *buf, size_t len);
/* What the kernel does: cpuN/online changes, then its uevent goes out. */
int hfx_hotplug(struct hfx *f, unsigned int cpu, int online);
/* A monitor_fn reading the counters into @arg (struct monitor_stats). */
void hfx_get_stats(struct monitor *mon, void *arg);
/* Wait until the loop took or dropped every uevent sent; their writes
 * are done by then. */
int hfx_settle(struct hfx *f);
/* Keep the loop in a job until hfx_release(): uevents queue up. */
int hfx_hold(struct hfx *f);
void hfx_release(struct hfx *f);
/* A vote on the loop (as a guest's or the CLI's): power_mgr_request(). */
int hfx_vote(struct hfx *f, uint64_t who, unsigned int cpu,
	enum power_mgr_op op);
int hfx_unvote(struct hfx *f, uint64_t who, unsigned int cpu);
/* @cpu's info, read on the loop (valid until the next call). */
struct power_mgr_core_info *hfx_info(struct hfx *f, unsigned int cpu);
/* Run @fn in the kernel's hotplug model (arg NULL), then in the one that
 * frees a policy whose CPUs all went (arg non-NULL). */
int hfx_both_models(struct emu_shape *shape, int (*fn)(void *));

#endif /* VMP_TEST_HOTPLUG_H */
