/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What BRANCH_RATIO policies measure (policy_sources.h): branches and
 * branch-misses of a pCPU, one perf event group a pCPU, read by a
 * thread of ours once a period (no raw MSR, as DPDK writes).
 */

#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_thread.h>

#include "vmp_dpdk_compat.h"

#include "policy.h"
#include "policy_sources.h"

extern int vmp_policy_logtype;

#define SRC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_policy_logtype, \
		"POLICY: " fmt "\n", ##__VA_ARGS__)

/* A second between rounds handed over when nothing changes: the ratios
 * shown stay fresh, at one loop wake-up a second. */
#define BRANCH_REPORT_NS	1000000000u

struct branch_cpu_state {
	struct branch_watch w;
	struct policy_branch_window win;
	enum policy_level sent;		/* the last decision handed over */
	int read_failed;		/* logged once */
};

struct branch_sampler {
	rte_thread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	int quit;
	struct branch_cpu_state *c;
	unsigned int n;
	unsigned int period_us;
	double threshold;
	uint64_t rounds;
	void (*deliver)(struct branch_batch *b, void *ctx);
	void *ctx;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
perf_open(uint32_t type, uint64_t config, int cpu, int group)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	a.read_format = PERF_FORMAT_GROUP;
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, group,
		PERF_FLAG_FD_CLOEXEC);
}

int
branch_events_open(enum policy_branch_events ev, unsigned int cpu,
		int *leader, int *member, char *why, size_t len)
{
	/* Software: page faults lead, minor ones follow (tests). */
	uint32_t type = ev == POLICY_BRANCH_SOFTWARE ? PERF_TYPE_SOFTWARE :
		PERF_TYPE_HARDWARE;
	uint64_t lead = ev == POLICY_BRANCH_SOFTWARE ?
		PERF_COUNT_SW_PAGE_FAULTS : PERF_COUNT_HW_BRANCH_INSTRUCTIONS;
	uint64_t miss = ev == POLICY_BRANCH_SOFTWARE ?
		PERF_COUNT_SW_PAGE_FAULTS_MIN : PERF_COUNT_HW_BRANCH_MISSES;
	int err;

	*leader = perf_open(type, lead, (int)cpu, -1);
	if (*leader < 0) {
		err = errno;
		goto fail;
	}
	*member = perf_open(type, miss, (int)cpu, *leader);
	if (*member >= 0)
		return 0;
	err = errno;
	close(*leader);
fail:
	*leader = *member = -1;
	/* ENOENT (measured here: a VM with no PMU), EOPNOTSUPP, ENODEV:
	 * no such hardware event on this CPU. */
	if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV) {
		snprintf(why, len, "BRANCH_RATIO needs a hardware PMU: pCPU "
			"%u counts no branches (perf_event_open: %s)", cpu,
			strerror(err));
		return -ENOENT;
	}
	/* Counting a whole CPU takes CAP_PERFMON (or CAP_SYS_ADMIN) unless
	 * kernel.perf_event_paranoid is 0 or less: the shipped unit's
	 * bounding set has neither. */
	if (err == EACCES || err == EPERM) {
		snprintf(why, len, "BRANCH_RATIO: perf_event_open on pCPU %u: "
			"%s: counting a CPU needs CAP_PERFMON", cpu,
			strerror(err));
		return -EACCES;
	}
	snprintf(why, len, "BRANCH_RATIO: perf_event_open on pCPU %u: %s",
		cpu, strerror(err));
	return -err;
}

/* One round, under the lock (the loop closes no group meanwhile): each
 * pCPU's decision; @return whether one changed. */
static int
branch_round(struct branch_sampler *bs)
{
	uint64_t v[3];
	unsigned int i;
	int changed = 0;

	for (i = 0; i < bs->n; i++) {
		struct branch_cpu_state *c = &bs->c[i];
		struct policy_branch_sample s;
		enum policy_level lv;

		/* PERF_FORMAT_GROUP: nr, then the leader's and the
		 * member's values. */
		if (read(c->w.fd, v, sizeof(v)) != (ssize_t)sizeof(v) ||
				v[0] != 2) {
			if (!c->read_failed)
				SRC_LOG(ERR, "pCPU %u: branch counters "
					"unreadable: %s", c->w.cpu,
					strerror(errno));
			c->read_failed = 1;
			continue;
		}
		s.branches = v[1];
		s.misses = v[2];
		lv = policy_branch_push(&c->win, &s, bs->threshold);
		if (lv != c->sent)
			changed = 1;
	}
	bs->rounds++;
	return changed;
}

static struct branch_batch *
branch_results(struct branch_sampler *bs)
{
	struct branch_batch *b = malloc(sizeof(*b) + bs->n * sizeof(b->r[0]));
	unsigned int i;

	if (b == NULL)
		return NULL;
	b->n = bs->n;
	for (i = 0; i < bs->n; i++) {
		struct branch_cpu_state *c = &bs->c[i];

		b->r[i].cpu = c->w.cpu;
		b->r[i].gen = c->w.gen;
		b->r[i].level = c->win.n < 2 ? POLICY_NONE :
			c->win.up != 0 ? POLICY_MAX : POLICY_MIN;
		b->r[i].ratio = c->win.ratio;
		c->sent = b->r[i].level;
	}
	return b;
}

static uint32_t
branch_main(void *arg)
{
	struct branch_sampler *bs = arg;
	uint64_t next = 0, last_sent = 0, now, period;
	struct branch_batch *b;
	struct timespec dl;

	period = (uint64_t)bs->period_us * 1000u;
	pthread_mutex_lock(&bs->lock);
	while (!bs->quit) {
		/* Nothing watched: sleep until there is (no wake-up). */
		while (!bs->quit && bs->n == 0) {
			pthread_cond_wait(&bs->cond, &bs->lock);
			next = 0;
		}
		if (bs->quit)
			break;
		b = NULL;
		now = mono_ns();
		if (branch_round(bs) || now - last_sent >= BRANCH_REPORT_NS) {
			b = branch_results(bs);
			last_sent = now;
		}
		/* The next period from the last one's start; fallen
		 * behind (a busy host): from now. */
		next = next != 0 && next + period > now ? next + period :
			now + period;
		if (b != NULL) {
			pthread_mutex_unlock(&bs->lock);
			bs->deliver(b, bs->ctx);
			pthread_mutex_lock(&bs->lock);
		}
		dl.tv_sec = (time_t)(next / 1000000000u);
		dl.tv_nsec = (long)(next % 1000000000u);
		while (!bs->quit && bs->n > 0 &&
				pthread_cond_timedwait(&bs->cond, &bs->lock,
				&dl) == 0)
			;
	}
	pthread_mutex_unlock(&bs->lock);
	return 0;
}

int
branch_sampler_create(unsigned int period_us, double threshold,
		void (*deliver)(struct branch_batch *b, void *ctx), void *ctx,
		struct branch_sampler **out)
{
	struct branch_sampler *bs = calloc(1, sizeof(*bs));
	pthread_condattr_t ca;
	int ret;

	if (bs == NULL)
		return -ENOMEM;
	bs->period_us = period_us;
	bs->threshold = threshold;
	bs->deliver = deliver;
	bs->ctx = ctx;
	pthread_mutex_init(&bs->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&bs->cond, &ca);
	pthread_condattr_destroy(&ca);
	ret = rte_thread_create_control(&bs->thread, "vmp-branch",
		branch_main, bs);
	if (ret != 0) {
		pthread_cond_destroy(&bs->cond);
		pthread_mutex_destroy(&bs->lock);
		free(bs);
		return -ret;
	}
	*out = bs;
	return 0;
}

int
branch_sampler_watch(struct branch_sampler *bs, const struct branch_watch *w,
		unsigned int n)
{
	struct branch_cpu_state *c = calloc(n ? n : 1, sizeof(*c)), *old;
	unsigned int i, k;

	if (c == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&bs->lock);
	/* A group kept keeps its window. */
	for (i = 0; i < n; i++) {
		c[i].w = w[i];
		c[i].sent = POLICY_NONE;
		for (k = 0; k < bs->n; k++)
			if (bs->c[k].w.gen == w[i].gen)
				c[i] = bs->c[k];
	}
	old = bs->c;
	bs->c = c;
	bs->n = n;
	pthread_cond_signal(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
	free(old);
	return 0;
}

uint64_t
branch_sampler_rounds(struct branch_sampler *bs)
{
	uint64_t r;

	pthread_mutex_lock(&bs->lock);
	r = bs->rounds;
	pthread_mutex_unlock(&bs->lock);
	return r;
}

void
branch_sampler_destroy(struct branch_sampler *bs)
{
	if (bs == NULL)
		return;
	pthread_mutex_lock(&bs->lock);
	bs->quit = 1;
	pthread_cond_signal(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
	rte_thread_join(bs->thread, NULL);
	free(bs->c);
	pthread_cond_destroy(&bs->cond);
	pthread_mutex_destroy(&bs->lock);
	free(bs);
}
