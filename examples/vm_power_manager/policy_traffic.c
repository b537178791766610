/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * TRAFFIC on the loop (policy.h): the NICs the traffic sampler
 * (policy_sources.h) watches, and each policy's packets/s from the
 * rounds it hands back as jobs.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmp_protocol_policy.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "policy.h"
#include "policy_private.h"
#include "policy_sources.h"

static int
counts_packets(const struct policy *p)
{
	return !p->overridden && p->pkt.nb_mac_to_monitor > 0 &&
		vmp_proto_policy_uses_traffic(&p->pkt);
}

/* The sampler watches the NICs of every policy that counts packets. */
static void traffic_deliver(struct traffic_batch *b, void *ctx);

void
policy_traffic_sync(struct policy_set *ps)
{
	struct traffic_watch *w = NULL;
	unsigned int n = 0, k, cap = 0;
	uint32_t i;
	int32_t m;

	for (i = 0; i < ps->n; i++) {
		struct policy *p = &ps->pol[i];

		if (!counts_packets(p))
			continue;
		for (m = 0; m < p->pkt.nb_mac_to_monitor; m++) {
			for (k = 0; k < n; k++)
				if (w[k].vm_id == p->vm->id && memcmp(w[k].mac,
						&p->pkt.vfid[m], 6) == 0)
					break;
			if (k < n)
				continue;
			if (n == cap) {
				struct traffic_watch *g;

				cap = cap ? cap * 2 : 16;
				g = realloc(w, cap * sizeof(*w));
				if (g == NULL) {
					free(w);
					POL_LOG(ERR, "traffic: out of memory");
					return;
				}
				w = g;
			}
			w[n].vm_id = p->vm->id;
			w[n].vm = p->vm->name;
			memcpy(w[n].mac, &p->pkt.vfid[m], 6);
			n++;
		}
	}
	if (n > 0 && ps->ts == NULL && traffic_sampler_create(
			ps->conf.libvirt_uri, ps->conf.traffic_period_ms ?
			ps->conf.traffic_period_ms : POLICY_TRAFFIC_PERIOD_MS,
			traffic_deliver, ps->conf.mon, &ps->ts) < 0)
		POL_LOG(ERR, "traffic sampler could not start: TRAFFIC "
			"policies have no vote");
	if (ps->ts != NULL && (n > 0 || ps->nb_watched > 0) &&
			traffic_sampler_watch(ps->ts, w, n) == 0)
		ps->nb_watched = n;
	free(w);
}

/* A round of counters, on the loop: each counting policy's rate. */
static void
traffic_round(struct policy_set *ps, const struct traffic_batch *b)
{
	uint32_t i;
	unsigned int k;
	int32_t m;

	for (i = 0; i < ps->n; i++) {
		struct policy *p = &ps->pol[i];
		double pps = 0;
		int all = 1;

		if (!counts_packets(p))
			continue;
		for (m = 0; m < p->pkt.nb_mac_to_monitor; m++) {
			const struct traffic_sample *s = NULL;

			for (k = 0; k < b->n && s == NULL; k++)
				if (b->s[k].vm_id == p->vm->id && memcmp(
						b->s[k].mac, &p->pkt.vfid[m],
						6) == 0)
					s = &b->s[k];
			if (s == NULL || !s->ok) {
				all = 0;
				/* A NIC that had counters and loses them
				 * (its VM stopping, the NIC unplugged) is
				 * not a NIC without counters. */
				if (s != NULL && !s->gone && !p->have_prev[m] &&
						!p->no_counter_said) {
					POL_LOG(WARNING, "VM %s vCPU %u: NIC "
						"%d of the policy has no packet "
						"counters in libvirt: the policy "
						"keeps its last decision",
						p->vm->name, p->vcpu, (int)m);
					p->no_counter_said = 1;
				}
				continue;
			}
			/* A counter that went back (NIC re-plugged): start
			 * over from it. */
			if (!p->have_prev[m] || s->packets < p->prev[m] ||
					s->t_ns <= p->prev_ns[m])
				all = 0;
			else
				pps += (double)(s->packets - p->prev[m]) * 1e9 /
					(double)(s->t_ns - p->prev_ns[m]);
			p->prev[m] = s->packets;
			p->prev_ns[m] = s->t_ns;
			p->have_prev[m] = 1;
		}
		if (!all)
			continue;
		p->pps = (uint64_t)pps;
		p->have_rate = 1;
		policy_redecide(ps, p);
	}
}

static void
traffic_job(struct monitor *mon, void *arg)
{
	struct traffic_batch *b = arg;

	traffic_round(monitor_policies(mon), b);
	free(b);
}

/* On the sampler's thread: hand the round to the loop. */
static void
traffic_deliver(struct traffic_batch *b, void *ctx)
{
	if (monitor_post(ctx, traffic_job, b) < 0)
		free(b);
}

void
policy_traffic_fini(struct policy_set *ps)
{
	traffic_sampler_destroy(ps->ts);
	ps->ts = NULL;
}
