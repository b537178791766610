/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What TRAFFIC policies measure on the host (policy_sources.h): NIC
 * packet counters through libvirt, on a thread of ours.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_thread.h>

#include "vmp_dpdk_compat.h"

#include "libvirt_adapter.h"
#include "policy.h"
#include "policy_sources.h"

extern int vmp_policy_logtype;

#define SRC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_policy_logtype, \
		"POLICY: " fmt "\n", ##__VA_ARGS__)

struct traffic_sampler {
	rte_thread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	int quit;
	struct traffic_watch *w;	/* names owned (strdup) */
	unsigned int n;
	char *uri;
	unsigned int period_ms;
	void (*deliver)(struct traffic_batch *b, void *ctx);
	void *ctx;
	struct virt_adapter *va;	/* the thread's own connection */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
free_watch(struct traffic_watch *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; w != NULL && i < n; i++)
		free((char *)(uintptr_t)w[i].vm);
	free(w);
}

static struct traffic_watch *
copy_watch(const struct traffic_watch *w, unsigned int n)
{
	struct traffic_watch *c = calloc(n ? n : 1, sizeof(*c));
	unsigned int i;

	for (i = 0; c != NULL && i < n; i++) {
		c[i] = w[i];
		c[i].vm = strdup(w[i].vm);
		if (c[i].vm == NULL) {
			free_watch(c, i);
			return NULL;
		}
	}
	return c;
}

/* One round: every NIC watched, off the loop. */
static struct traffic_batch *
sample(struct traffic_sampler *ts, const struct traffic_watch *w,
		unsigned int n)
{
	struct traffic_batch *b = malloc(sizeof(*b) + n * sizeof(b->s[0]));
	char mac[24];
	unsigned int i;
	int rc;

	if (b == NULL)
		return NULL;
	b->n = n;
	for (i = 0; i < n; i++) {
		struct traffic_sample *s = &b->s[i];
		const uint8_t *m = w[i].mac;

		s->vm_id = w[i].vm_id;
		memcpy(s->mac, m, 6);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			m[0], m[1], m[2], m[3], m[4], m[5]);
		rc = ts->va != NULL ? virt_adapter_iface_packets(ts->va,
			w[i].vm, mac, &s->packets) : -ENOTCONN;
		s->ok = rc == 0;
		s->gone = rc == -ESRCH || rc == -ENOENT;
		s->t_ns = mono_ns();
	}
	return b;
}

static uint32_t
sampler_main(void *arg)
{
	struct traffic_sampler *ts = arg;
	struct traffic_watch *w;
	struct traffic_batch *b;
	struct timespec dl;
	uint64_t start;
	unsigned int n;

	pthread_mutex_lock(&ts->lock);
	while (!ts->quit) {
		/* Nothing watched: sleep until there is (no wake-up). */
		while (!ts->quit && ts->n == 0)
			pthread_cond_wait(&ts->cond, &ts->lock);
		if (ts->quit)
			break;
		n = ts->n;
		w = copy_watch(ts->w, n);
		pthread_mutex_unlock(&ts->lock);
		start = mono_ns();
		if (ts->va == NULL)
			ts->va = virt_adapter_create(ts->uri, NULL, NULL);
		b = w != NULL ? sample(ts, w, n) : NULL;
		free_watch(w, n);
		if (b != NULL)
			ts->deliver(b, ts->ctx);
		start += (uint64_t)ts->period_ms * 1000000u;
		dl.tv_sec = (time_t)(start / 1000000000u);
		dl.tv_nsec = (long)(start % 1000000000u);
		pthread_mutex_lock(&ts->lock);
		while (!ts->quit && ts->n > 0 &&
				pthread_cond_timedwait(&ts->cond, &ts->lock,
				&dl) == 0)
			;
	}
	pthread_mutex_unlock(&ts->lock);
	virt_adapter_destroy(ts->va);
	return 0;
}

int
traffic_sampler_create(const char *uri, unsigned int period_ms,
		void (*deliver)(struct traffic_batch *b, void *ctx), void *ctx,
		struct traffic_sampler **out)
{
	struct traffic_sampler *ts = calloc(1, sizeof(*ts));
	pthread_condattr_t ca;
	int ret;

	if (ts == NULL || (uri != NULL && (ts->uri = strdup(uri)) == NULL)) {
		free(ts);
		return -ENOMEM;
	}
	ts->period_ms = period_ms;
	ts->deliver = deliver;
	ts->ctx = ctx;
	pthread_mutex_init(&ts->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ts->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* A control thread: named, off the EAL data-plane cores. */
	ret = rte_thread_create_control(&ts->thread, "vmp-traffic",
		sampler_main, ts);
	if (ret != 0) {
		pthread_cond_destroy(&ts->cond);
		pthread_mutex_destroy(&ts->lock);
		free(ts->uri);
		free(ts);
		return -ret;
	}
	*out = ts;
	return 0;
}

int
traffic_sampler_watch(struct traffic_sampler *ts,
		const struct traffic_watch *w, unsigned int n)
{
	struct traffic_watch *c = copy_watch(w, n), *old;
	unsigned int old_n;

	if (c == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&ts->lock);
	old = ts->w;
	old_n = ts->n;
	ts->w = c;
	ts->n = n;
	pthread_cond_signal(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
	free_watch(old, old_n);
	return 0;
}

void
traffic_sampler_destroy(struct traffic_sampler *ts)
{
	if (ts == NULL)
		return;
	pthread_mutex_lock(&ts->lock);
	ts->quit = 1;
	pthread_cond_signal(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
	rte_thread_join(ts->thread, NULL);
	free_watch(ts->w, ts->n);
	pthread_cond_destroy(&ts->cond);
	pthread_mutex_destroy(&ts->lock);
	free(ts->uri);
	free(ts);
}
