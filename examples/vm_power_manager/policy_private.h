/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POLICY_PRIVATE_H
#define VMP_POLICY_PRIVATE_H

/*
 * The policy set's insides, shared by policy.c and the loop's side of
 * the policies that measure: policy_traffic.c, policy_branch.c. Nobody
 * else includes this.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <rte_log.h>

#include <vmp_protocol.h>

#include "policy.h"

extern int vmp_policy_logtype;

#define POL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_policy_logtype, \
		"POLICY: " fmt "\n", ##__VA_ARGS__)

struct policy {
	struct vm *vm;
	uint32_t vcpu;
	struct vmp_proto_packet pkt;
	enum policy_level level;	/* what it votes now */
	int overridden;			/* a CPU_POWER of the vCPU votes */
	int pending;			/* re-pinned: vote again */
	int hour;			/* TIME: last hour decided on */
	time_t decided;			/* TIME: when (the shifted clock) */
	uint64_t pps;			/* TRAFFIC: the last rate */
	int have_rate;			/* pps was measured */
	int counted;			/* its NICs are watched */
	uint64_t prev[VMP_PROTO_POLICY_MACS];	/* last counters */
	uint64_t prev_ns[VMP_PROTO_POLICY_MACS];
	uint8_t have_prev[VMP_PROTO_POLICY_MACS];
	uint8_t no_counter_said;
	double ratio;			/* BRANCH_RATIO: its pCPUs' highest */
};

struct policy_set {
	struct policy_conf conf;
	struct policy *pol;
	uint32_t n, cap;
	int tfd;		/* the hour timer, -1: none (no TIME policy) */
	int npending;
	struct traffic_sampler *ts;	/* from the first counted policy */
	unsigned int nb_watched;
	/* BRANCH_RATIO: each pCPU's counter group, while a policy uses it
	 * (policy_branch.c). */
	struct branch_cpu *bcpu;
	unsigned int nb_bcpu, cap_bcpu;
	uint64_t bgen;			/* the last group's number */
	struct branch_sampler *bs;	/* from the first such policy */
};

/** One pCPU's BRANCH_RATIO counters and its latest decision. */
struct branch_cpu {
	unsigned int cpu;
	uint64_t gen;
	int leader, member;
	int used;			/* marked by policy_branch_sync() */
	enum policy_level level;
	double ratio;
};

/** Decide @p p again and vote if it changed (or is pending). */
void policy_redecide(struct policy_set *ps, struct policy *p);

/* policy_traffic.c */

/** After any change of the policies: the NICs the traffic sampler
 * watches (started with the first). */
void policy_traffic_sync(struct policy_set *ps);
/** Stop the traffic sampler. */
void policy_traffic_fini(struct policy_set *ps);

/* policy_branch.c */

/** Open the counters of @p pkt's vCPUs' pCPUs not open yet: @return 0,
 * or a negative errno with @p why (the NACK's). */
int policy_branch_open(struct policy_set *ps, const struct vm *vm,
		const struct vmp_proto_packet *pkt, char *why, size_t len);
/** After any change of the policies: close the groups no BRANCH_RATIO
 * policy uses any more, open those of re-pinned vCPUs, tell the
 * sampler what to read. */
void policy_branch_sync(struct policy_set *ps);
/** BRANCH_RATIO's decision for @p p: the highest of its pCPUs'. */
enum policy_level policy_branch_decide(const struct policy_set *ps,
		struct policy *p);
/** Stop the sampler, close every group. */
void policy_branch_fini(struct policy_set *ps);

#endif /* VMP_POLICY_PRIVATE_H */
