/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What each kind of policy decides from its input: pure functions
 * (policy.h), as DPDK's vm_power_manager decides, tested on recorded
 * inputs.
 */

#include <vmp_protocol.h>

#include "policy.h"

const char *
policy_type_str(uint32_t type)
{
	switch (type) {
	case VMP_PROTO_POLICY_TRAFFIC: return "TRAFFIC";
	case VMP_PROTO_POLICY_TIME: return "TIME";
	case VMP_PROTO_POLICY_WORKLOAD: return "WORKLOAD";
	case VMP_PROTO_POLICY_BRANCH_RATIO: return "BRANCH_RATIO";
	default: return "unknown";
	}
}

const char *
policy_level_str(enum policy_level level)
{
	switch (level) {
	case POLICY_MIN: return "min";
	case POLICY_MEDIUM: return "medium";
	case POLICY_MAX: return "max";
	default: return "none";
	}
}

enum policy_level
policy_workload_level(uint32_t workload)
{
	switch (workload) {
	case VMP_PROTO_WL_HIGH: return POLICY_MAX;
	case VMP_PROTO_WL_MEDIUM: return POLICY_MEDIUM;
	case VMP_PROTO_WL_LOW: return POLICY_MIN;
	default: return POLICY_NONE;
	}
}

enum policy_level
policy_time_level(const struct vmp_proto_packet *pkt, int hour)
{
	const int32_t *t = pkt->timer_policy;
	unsigned int x;

	for (x = 0; x < VMP_PROTO_HOURS; x++) {
		if (t[VMP_PROTO_BUSY_HOURS + x] == hour)
			return POLICY_MAX;
		if (t[VMP_PROTO_QUIET_HOURS + x] == hour)
			return POLICY_MIN;
		if (t[VMP_PROTO_TRAFFIC_HOURS + x] == hour)
			return POLICY_TRAFFIC_HOUR;
	}
	return POLICY_NONE;
}

enum policy_level
policy_traffic_level(const struct vmp_proto_packet *pkt, uint64_t pps)
{
	if (pps >= pkt->traffic_policy[VMP_PROTO_TRAFFIC_MAX_MAX])
		return POLICY_MAX;
	if (pps >= pkt->traffic_policy[VMP_PROTO_TRAFFIC_AVG_MAX])
		return POLICY_MEDIUM;
	return POLICY_MIN;
}

enum policy_level
policy_branch_push(struct policy_branch_window *w,
		const struct policy_branch_sample *s, double threshold)
{
	const struct policy_branch_sample *l = &w->last;
	uint64_t b, m;
	int up = 0;

	w->ratio = 0;
	if (w->n > 0 && s->branches >= l->branches &&
			s->misses >= l->misses) {
		b = s->branches - l->branches;
		m = s->misses - l->misses;
		/* Fewer branches: idle, ratio 0. */
		if (b >= POLICY_BRANCH_IDLE)
			w->ratio = (double)m * 100.0 / (double)b;
		up = w->ratio > threshold;
	}	/* else the first sample, or reset or wrapped: no measure */
	if (w->n > 0)
		w->up = (w->up << 1) | (uint32_t)up;	/* 32 intervals */
	w->last = *s;
	if (w->n < 2)
		w->n++;
	if (w->n < 2)
		return POLICY_NONE;
	return w->up != 0 ? POLICY_MAX : POLICY_MIN;
}

enum policy_level
policy_branch_level(const struct policy_branch_sample *s, unsigned int n,
		double threshold)
{
	struct policy_branch_window w = { { 0, 0 }, 0, 0, 0 };
	enum policy_level lv = POLICY_NONE;
	unsigned int i;

	for (i = 0; i < n; i++)
		lv = policy_branch_push(&w, &s[i], threshold);
	return lv;
}
