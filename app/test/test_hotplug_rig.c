/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/* The hotplug tests' rig: test_hotplug.h. */

#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>

#include "test_hotplug.h"

static void *
loop_main(void *arg)
{
	monitor_run(arg);
	return NULL;
}

/* The monitor (its uevent queue @rcvbuf bytes, 0: the daemon's), not
 * running yet: hfx_run() starts the loop. */
int
hfx_init(struct hfx *f, int rcvbuf)
{
	return hfx_init_state(f, rcvbuf, NULL);
}

int
hfx_init_state(struct hfx *f, int rcvbuf, const char *state)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct monitor_conf conf = { .hotplug_rcvbuf = rcvbuf };
	struct power_mgr_conf pconf = { .state_dir = f->state };

	memset(f, 0, sizeof(*f));
	TEST_ASSERT_EQUAL(unshare(CLONE_NEWNET), 0, "unshare: %s",
		strerror(errno));
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	snprintf(f->dir, sizeof(f->dir), "/tmp/vmp_hp.XXXXXX");
	TEST_ASSERT(test_mkdtemp(f->dir) != NULL, "");
	if (state != NULL)
		snprintf(f->state, sizeof(f->state), "%s", state);
	else
		snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	TEST_ASSERT_EQUAL(power_mgr_create(&pconf, &f->pm), 0, "create");
	conf.pm = f->pm;
	conf.channel_dir = f->dir;
	TEST_ASSERT_EQUAL(monitor_create(&conf, &f->mon), 0, "monitor");
	f->tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
		NETLINK_KOBJECT_UEVENT);
	TEST_ASSERT(f->tx >= 0, "");
	TEST_ASSERT_EQUAL(bind(f->tx, (struct sockaddr *)&sa, sizeof(sa)), 0,
		"");
	sem_init(&f->held, 0, 0);
	sem_init(&f->hold, 0, 0);
	return emu_log_clear() == 0 ? TEST_SUCCESS : TEST_FAILED;
}

int
hfx_run(struct hfx *f)
{
	TEST_ASSERT_EQUAL(pthread_create(&f->loop, NULL, loop_main, f->mon),
		0, "");
	return TEST_SUCCESS;
}

int
hfx_start(struct hfx *f)
{
	TEST_RUN(hfx_init(f, 0));
	return hfx_run(f);
}

void
hfx_stop(struct hfx *f)
{
	char cmd[64];

	monitor_stop(f->mon);
	pthread_join(f->loop, NULL);
	monitor_destroy(f->mon);
	power_mgr_destroy(f->pm);
	close(f->tx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", f->dir);
}

int
hfx_send(struct hfx *f, const char *buf, size_t len)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_groups = 1 };

	return sendto(f->tx, buf, len, 0, (struct sockaddr *)&dst,
		sizeof(dst)) == (ssize_t)len ? 0 : -errno;
}

/* What the kernel does: cpuN/online changes, then its uevent goes out. */
int
hfx_hotplug(struct hfx *f, unsigned int cpu, int online)
{
	char path[32], buf[2048];

	snprintf(path, sizeof(path), "cpu%u/online", cpu);
	TEST_ASSERT_EQUAL(emu_write(path, online ? "1" : "0"), 0, "%s", path);
	TEST_ASSERT_EQUAL(hfx_send(f, buf, test_cpu_uevent(buf, sizeof(buf),
		cpu, online)), 0, "send");
	f->sent++;
	return TEST_SUCCESS;
}

void
hfx_get_stats(struct monitor *mon, void *arg)
{
	monitor_get_stats(mon, arg);
}

/* Until the loop took (or dropped) every uevent sent: their writes are
 * done by then (a pass writes before it runs the next job). */
int
hfx_settle(struct hfx *f)
{
	struct monitor_stats st;
	int i;

	for (i = 0; i < test_slow_ms(300); i++) {
		monitor_call(f->mon, hfx_get_stats, &st);
		if (st.hotplug + st.hotplug_ignored >= f->sent)
			return TEST_SUCCESS;
		usleep(10000);
	}
	TEST_ASSERT(0, "%u uevents sent, %u taken, %u ignored", f->sent,
		(unsigned int)st.hotplug, (unsigned int)st.hotplug_ignored);
}

/* Keep the loop busy in a job until hfx_release(): uevents queue up. */
static void
held_job(struct monitor *mon, void *arg)
{
	struct hfx *f = arg;

	RTE_SET_USED(mon);
	sem_post(&f->held);
	while (sem_wait(&f->hold) < 0 && errno == EINTR)
		;
}

int
hfx_hold(struct hfx *f)
{
	TEST_ASSERT_EQUAL(monitor_post(f->mon, held_job, f), 0, "");
	while (sem_wait(&f->held) < 0 && errno == EINTR)
		;
	return TEST_SUCCESS;
}

void
hfx_release(struct hfx *f)
{
	sem_post(&f->hold);
}

struct vote {
	uint64_t who;
	unsigned int cpu;
	enum power_mgr_op op;
	int release;
	int ret;
};

static void
vote_job(struct monitor *mon, void *arg)
{
	struct vote *v = arg;
	struct power_mgr *pm = monitor_power(mon);

	v->ret = v->release ? power_mgr_release(pm, v->who, v->cpu) :
		power_mgr_request(pm, v->who, v->cpu, v->op, 0);
}

/* A vote, as a guest's request or the CLI's, on the loop. */
int
hfx_vote(struct hfx *f, uint64_t who, unsigned int cpu, enum power_mgr_op op)
{
	struct vote v = { .who = who, .cpu = cpu, .op = op };

	TEST_ASSERT_EQUAL(monitor_call(f->mon, vote_job, &v), 0, "");
	return v.ret;
}

int
hfx_unvote(struct hfx *f, uint64_t who, unsigned int cpu)
{
	struct vote v = { .who = who, .cpu = cpu, .release = 1 };

	TEST_ASSERT_EQUAL(monitor_call(f->mon, vote_job, &v), 0, "");
	return v.ret;
}

struct info_job {
	unsigned int cpu;
	struct power_mgr_core_info info;
};

static void
info_job(struct monitor *mon, void *arg)
{
	struct info_job *j = arg;

	power_mgr_core_info(monitor_power(mon), j->cpu, &j->info);
}

struct power_mgr_core_info *
hfx_info(struct hfx *f, unsigned int cpu)
{
	static struct info_job j;

	memset(&j, 0, sizeof(j));
	j.cpu = cpu;
	monitor_call(f->mon, info_job, &j);
	return &j.info;
}

/* Run @fn on the kernel's hotplug model, then on the one that frees a
 * policy whose CPUs all went (arg non-NULL). */
int
hfx_both_models(struct emu_shape *shape, int (*fn)(void *))
{
	TEST_RUN(emu_run(shape, fn, NULL));
	shape->hotplug = "reset";
	return emu_run(shape, fn, (void *)1);
}
