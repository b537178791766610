/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POLICY_H
#define VMP_POLICY_H

/**
 * @file
 * Host-side power policies (PKT_POLICY): a guest sends one, the host then
 * manages the named vCPUs by itself.
 * Owns: the policies (one a vCPU), their decisions, their votes in the
 * power manager, and the hour timer that re-decides TIME policies.
 * Callers: the monitor's loop only (channel_requests.c, channel_monitor.c,
 * the CLI's jobs): there are no locks.
 *
 * Rules.
 * - A policy comes from one of the VM's own channels and names only that
 *   VM's vCPUs (8 a packet at most: a VM with more sends several). A
 *   host peer's policies have a synthetic struct vm of their own
 *   (host_policies.c: id 0x80000000 | peer, vCPU N pinned to host CPU N),
 *   never listed by the channel manager.
 * - A policy is a vote like any other: requester POWER_MGR_VCPU(vm, vcpu),
 *   the vCPU's own; shared pCPUs take the highest vote, a manual
 *   set_cpu_freq overrides it.
 * - A new policy for a vCPU replaces the old one. A CPU_POWER from the
 *   vCPU overrides its policy (the guest's request is the vote) until the
 *   next POLICY packet, which takes over again.
 * - A VM that stops or is removed loses its policies; a channel that
 *   closes does not (upstream's guest_cli sends and exits): the votes
 *   of CPU_POWER requests that came on it go, and the policies of those
 *   vCPUs vote again.
 * - Levels: max is POWER_MGR_MAX, min POWER_MGR_MIN, medium the index
 *   nb_freqs / 2 of each pCPU's list, as DPDK's vm_power_manager has it.
 *   A TIME policy in an hour of none of its lists has no vote.
 *
 * Cost. With no TIME policy there is no timer at all; TIME policies share
 * one timerfd, armed for the next local hour boundary (CLOCK_REALTIME,
 * cancelled when the clock is set: the hour is read again). Policies that
 * count packets (TRAFFIC, TIME with traffic hours and MACs) share one
 * sampler thread (policy_sources.h) that reads every NIC watched once a
 * period and hands the round to the loop as one job; with none watched
 * it sleeps without wake-ups. BRANCH_RATIO policies share one sampler
 * thread too (policy_sources.h): it reads every pCPU's counter group
 * once a period (--branch-period, 100 us as DPDK) and hands the loop a
 * job only when a pCPU's decision changes, and once a second for the
 * ratios shown; the events are opened when a policy on that pCPU is
 * accepted and closed with the last such policy.
 *
 * BRANCH_RATIO decides per pCPU (DPDK's rule, policy_branch_push()); a
 * vCPU pinned to several pCPUs takes the highest of theirs. Until a
 * pCPU has two samples its policies have no vote.
 *
 * TRAFFIC counts packets in both directions of each NIC named by MAC
 * (virDomainInterfaceStats: virtio-net, vhost-net, macvtap, any NIC
 * libvirt counts); packets/s is the sum over its NICs between two rounds.
 * Until two rounds are in, a TRAFFIC policy has no vote. A policy with no
 * MAC in a traffic hour of TIME counts 0 packets/s (DPDK does the same).
 */

#include <stddef.h>
#include <stdint.h>

#include <vmp_protocol.h>

struct monitor;
struct power_mgr;
struct vm;

/** A policy's decision. */
enum policy_level {
	POLICY_NONE = -1,	/**< no vote */
	POLICY_MIN = 0,
	POLICY_MEDIUM,
	POLICY_MAX,
};

struct policy_conf {
	struct power_mgr *pm;	/**< NULL: every policy is refused */
	int epfd;		/**< the loop's epoll set, for the hour timer */
	unsigned int max_pin_set;	/**< as the monitor's */
	/** Seconds added to the wall clock (a test option); 0 for real. */
	int64_t time_offset_s;
	/** Where traffic counters come from (the sampler's own libvirt
	 * connection); NULL: libvirt's default URI. */
	const char *libvirt_uri;
	/** TRAFFIC: counters read every this many ms; 0: 100. */
	unsigned int traffic_period_ms;
	/** BRANCH_RATIO: counters read every this many us; 0: 100. */
	unsigned int branch_period_us;
	/** BRANCH_RATIO: misses over branches above this (percent) in the
	 * window gives max; 0 or less: 0.1. */
	double branch_threshold;
	/** BRANCH_RATIO's events (tests: software ones, no PMU needed). */
	enum policy_branch_events {
		POLICY_BRANCH_HARDWARE = 0,	/**< branches, branch-misses */
		/** page faults, minor ones: for tests on hosts with no
		 * PMU (the daemon's --branch-events software). */
		POLICY_BRANCH_SOFTWARE,
	} branch_events;
	/** The loop that owns this set, for the sampler's jobs. */
	struct monitor *mon;
};

/** Default TRAFFIC sampling period. */
#define POLICY_TRAFFIC_PERIOD_MS	100

struct policy_set;

/** @return 0 and @p out, or -ENOMEM. */
int policy_set_create(const struct policy_conf *conf,
		struct policy_set **out);
/** Free every policy (votes are the power manager's to drop). */
void policy_set_destroy(struct policy_set *ps);

/**
 * A POLICY from @p vm, vmp_proto_check()ed: check what only the host
 * knows (the VM's MACs, pinning, what it can measure), then replace the
 * named vCPUs' policies and vote.
 * @return 0, or a negative errno with @p why for the NACK's log line.
 */
int policy_apply(struct policy_set *ps, struct vm *vm,
		const struct vmp_proto_packet *pkt, char *why, size_t len);

/**
 * Remove the policy of vCPU @p vcpu of @p vm, or all of the VM's when
 * @p vcpu is negative, with their votes. @return how many were removed.
 */
int policy_remove(struct policy_set *ps, struct vm *vm, int64_t vcpu);

/** The VM stopped or goes away: forget its policies (votes dropped by
 * the caller). */
void policy_vm_down(struct policy_set *ps, struct vm *vm);

/** A CPU_POWER from vCPU @p vcpu: its policy stops voting. */
void policy_override(struct policy_set *ps, struct vm *vm, uint32_t vcpu);

/** vCPU @p vcpu is re-pinned (its vote was dropped): vote again at
 * policy_revote(), once vm->pcpus holds the new set. */
void policy_vcpu_moved(struct policy_set *ps, struct vm *vm, uint32_t vcpu);
/** vCPU @p vcpu's vote was dropped with the channel its CPU_POWER came
 * on: its policy, overridden or not, votes again at policy_revote(). */
void policy_vote_lost(struct policy_set *ps, struct vm *vm, uint32_t vcpu);
/** Cast the votes policy_vcpu_moved() and _vote_lost() left pending. */
void policy_revote(struct policy_set *ps);

/** If @p tag is the epoll tag of the hour timer, handle it: return 1. */
int policy_event(struct policy_set *ps, void *tag);

/** Move the shifted wall clock (tests, as policy_conf.time_offset_s). */
void policy_set_time_offset(struct policy_set *ps, int64_t offset_s);

/** Whether the hour timer is armed (tests: idle means none). */
int policy_timer_armed(const struct policy_set *ps);

/** One policy, for show_vm and telemetry. */
struct policy_info {
	const struct vm *vm;
	uint32_t vcpu;
	uint32_t type;			/**< VMP_PROTO_POLICY_* */
	uint32_t workload;		/**< WORKLOAD's level */
	enum policy_level decision;	/**< what it votes */
	int overridden;			/**< by a CPU_POWER of the vCPU */
	int hour;			/**< TIME: the hour decided on, or -1 */
	uint64_t pps;			/**< TRAFFIC: last packets/s */
	double ratio;			/**< BRANCH_RATIO: last ratio, % */
};

/** Number of policies. */
uint32_t policy_count(const struct policy_set *ps);
/** The i-th policy (@p vm NULL) or the i-th of @p vm. @return 0, -ENOENT */
int policy_get(const struct policy_set *ps, const struct vm *vm, uint32_t i,
		struct policy_info *info);

/**
 * What the host must have for @p pkt from @p vm (policy_check.c): each
 * vCPU pinned to 1 to @p max_pin_set pCPUs under control, the MACs of
 * a policy that counts packets among the VM's NICs and not VFs. (Whether
 * BRANCH_RATIO can count is known when its events open, in
 * policy_apply().) @return 0, or a negative errno with @p why.
 */
int policy_check_host(struct power_mgr *pm, unsigned int max_pin_set,
		const struct vm *vm, const struct vmp_proto_packet *pkt,
		char *why, size_t len);

/** Names: "TRAFFIC"..., "max"/"medium"/"min"/"none". */
const char *policy_type_str(uint32_t type);
const char *policy_level_str(enum policy_level level);

/* The decisions, pure functions (tests drive them directly). */

/** WORKLOAD: HIGH max, MEDIUM medium, LOW min; unknown none. */
enum policy_level policy_workload_level(uint32_t workload);

/**
 * TIME at @p hour (0-23), as DPDK scans its lists: the first index whose
 * busy, quiet or traffic entry is @p hour decides, busy first. @return
 * POLICY_MAX, POLICY_MIN, POLICY_NONE, or POLICY_MEDIUM + 1 meaning "the
 * traffic policy decides" (POLICY_TRAFFIC_HOUR).
 */
#define POLICY_TRAFFIC_HOUR	((enum policy_level)(POLICY_MAX + 1))
enum policy_level policy_time_level(const struct vmp_proto_packet *pkt,
		int hour);

/** TRAFFIC: @p pps >= max_max: max; >= avg_max: medium; else min. */
enum policy_level policy_traffic_level(const struct vmp_proto_packet *pkt,
		uint64_t pps);

/** One sample of a pCPU's branch counters (cumulative, as read). */
struct policy_branch_sample {
	uint64_t branches;
	uint64_t misses;
};

/** A pCPU's last POLICY_BRANCH_WINDOW intervals, for
 * policy_branch_push(). Zeroed: empty. */
struct policy_branch_window {
	struct policy_branch_sample last;
	uint32_t up;		/**< an interval above the threshold a bit,
				 * the newest lowest */
	unsigned int n;		/**< samples seen (capped) */
	double ratio;		/**< the newest interval's, percent */
};

/** Samples in a decision window (DPDK's FREQ_WINDOW_SIZE), intervals of
 * POLICY_BRANCH_PERIOD_US by default. */
#define POLICY_BRANCH_WINDOW	32u

/**
 * BRANCH_RATIO, as DPDK decides it, one cumulative sample at a time:
 * the interval since the last sample has the ratio 100 * misses /
 * branches (percent), 0 when it has fewer than POLICY_BRANCH_IDLE
 * branches (nothing runs there); max if any of the last
 * POLICY_BRANCH_WINDOW intervals is above @p threshold, else min. A
 * counter that went back (reset, overflow) makes that interval count for
 * nothing. @return the decision; none before the second sample.
 */
enum policy_level policy_branch_push(struct policy_branch_window *w,
		const struct policy_branch_sample *s, double threshold);

/** policy_branch_push() of @p n samples into an empty window. */
enum policy_level policy_branch_level(const struct policy_branch_sample *s,
		unsigned int n, double threshold);

/** DPDK's default BRANCH_RATIO threshold, in percent. */
#define POLICY_BRANCH_THRESHOLD	0.1
/** Branches an interval needs to count (DPDK: 100 per us of 100 us). */
#define POLICY_BRANCH_IDLE	10000
/** DPDK's sampling period. */
#define POLICY_BRANCH_PERIOD_US	100u

#endif /* VMP_POLICY_H */
