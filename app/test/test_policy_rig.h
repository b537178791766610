/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_POLICY_RIG_H
#define VMP_TEST_POLICY_RIG_H

/*
 * The policy tests' rig (test_policy.c, test_policy_branch.c), run
 * inside the cpufreq sandbox (POLICY_TEST): a monitor and its loop
 * thread, two VMs of libvirt's test driver whose channels the test
 * holds (peer[VM0], peer[VM1]).
 * Host CPUs 0-3. vm0: vCPU 0 on CPU 1, vCPU 1 on CPUs 2-3, a virtio NIC
 * (52:54:00:aa:bb:01) and a VF (...:02). vm1: vCPU 0 on CPU 1, shared
 * with vm0.
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <vmp_protocol.h>

#include "cpufreq_sandbox.h"
#include "test_virt.h"

struct monitor;
struct power_mgr;
struct virt_adapter;

enum { VM0, VM1, NB_PEERS };

/* Sandbox frequencies: 2401000 (turbo), 2400000, 2000000, 1600000,
 * 1200000: medium is index 5 / 2 = 2. */
#define KHZ_MAX		2400000u
#define KHZ_MEDIUM	2000000u
#define KHZ_MIN		1200000u

struct pfx {
	struct test_virt v;
	struct power_mgr *pm;
	struct monitor *mon;
	struct virt_adapter *va;
	pthread_t loop;
	int peer[NB_PEERS];
};

/* Set before pfx_start(): TRAFFIC reads libvirt's counters this often
 * (ms, 0: default); BRANCH_RATIO counts software events (this VM has no
 * PMU) every BRANCH_TEST_PERIOD_US, threshold BRANCH_TEST_THRESHOLD. */
extern unsigned int pfx_traffic_ms;
extern int pfx_branch_sw;
#define BRANCH_TEST_PERIOD_US	100000u
#define BRANCH_TEST_THRESHOLD	50.0

int pfx_start(struct pfx *f, int64_t time_offset);
void pfx_stop(struct pfx *f);
/* A sandbox CPU's scaling_setspeed once it is @khz (or after @ms). */
uint32_t wait_speed(unsigned int cpu, uint32_t khz, int ms);
/* Whether @cpu's governor is back to powersave (within 2 s). */
int wait_governor_back(unsigned int cpu);
int read_exact(int fd, void *buf, size_t len);
/* Send @p, return its answer's command (ACK or NACK). */
int send_policy(int fd, const struct vmp_proto_packet *p);
/* A policy for vCPUs @vcpus (up to 8, -1 ends), nothing else set. */
void policy_pkt(struct vmp_proto_packet *p, uint32_t type, const int *vcpus);
/* MAC @i of the policy: 52:54:00:aa:bb:@last. */
void set_mac(struct vmp_proto_packet *p, unsigned int i, uint8_t last);
/* monitor_call() jobs. */
void read_stats(struct monitor *mon, void *arg);
void rm_vm0(struct monitor *mon, void *arg);

/* The monitor's policies and whether the hour timer is armed. */
struct count_arg {
	uint32_t n;
	int armed;
};
struct count_arg policies(struct pfx *f);

extern const struct sandbox_shape policy_shape;

/* Run @fn in the sandbox child; if it returned with the rig still up
 * (a failed assertion), stop the rig's loop thread first. */
int pfx_run(int (*fn)(void *), void *arg);

#define POLICY_TEST(name, fn)						\
	static int							\
	run_##name(void *arg)						\
	{								\
		return pfx_run(fn, arg);				\
	}								\
	static int							\
	test_##name(void)						\
	{								\
		return sandbox_run(&policy_shape, run_##name, NULL);	\
	}								\
	REGISTER_TEST(name, test_##name)

#endif /* VMP_TEST_POLICY_RIG_H */
