/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Host-side policies (PKT_POLICY) end to end, in test_policy_rig.h's
 * rig: the real librte_power on a sandboxed cpufreq tree, libvirt's test
 * driver for pinning and NICs, and real sockets where the test plays
 * QEMU. The decisions are also driven directly (pure functions) with
 * recorded inputs. BRANCH_RATIO's sampling: test_policy_branch.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include <channel_monitor.h>
#include <libvirt_adapter.h>
#include <policy.h>
#include <power_manager.h>
#include <vmp_protocol.h>
#include <vmp_protocol_policy.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_policy_rig.h"
#include "test_virt.h"

/*
 * WORKLOAD: HIGH, MEDIUM, LOW are max, the middle of the list, min, on
 * every pCPU of each vCPU named; a CPU_POWER of the vCPU outvotes it
 * until the next policy; clear removes it and its vote.
 */
static int
workload(void *arg)
{
	static const int both[] = { 0, 1, -1 };
	struct vmp_proto_packet p;
	struct pfx f;
	int fd;

	(void)arg;
	TEST_RUN(pfx_start(&f, 0));
	fd = f.peer[VM0];
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, both);
	p.workload = VMP_PROTO_WL_LOW;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MIN, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), KHZ_MIN, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(3), KHZ_MIN, "");
	TEST_ASSERT_EQUAL(policies(&f).n, 2, "one policy a vCPU");
	TEST_ASSERT_EQUAL(policies(&f).armed, 0, "WORKLOAD needs no timer");
	p.workload = VMP_PROTO_WL_MEDIUM;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MEDIUM, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(3), KHZ_MEDIUM, "");
	TEST_ASSERT_EQUAL(policies(&f).n, 2, "replaced, not added");
	p.workload = VMP_PROTO_WL_HIGH;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MAX, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), KHZ_MAX, "");
	/* The vCPU's own request outvotes its policy. */
	p.workload = VMP_PROTO_WL_LOW;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	{
		struct vmp_proto_packet q, r;

		vmp_proto_request(&q, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_UP,
			0, NULL);
		TEST_ASSERT_EQUAL(write(fd, &q, sizeof(q)), sizeof(q), "");
		TEST_ASSERT_EQUAL(read_exact(fd, &r, sizeof(r)), 0, "");
		TEST_ASSERT_EQUAL(r.command, VMP_PROTO_ACK, "");
	}
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1600000u, "CPU_POWER decides");
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), KHZ_MIN, "vCPU 1's policy stands");
	/* The next policy takes over again. */
	p.workload = VMP_PROTO_WL_HIGH;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MAX, "");
	/* vm1 shares CPU 1: the highest vote wins; LOW of vm1 changes
	 * nothing while vm0's HIGH stands. */
	{
		static const int zero[] = { 0, -1 };
		struct vmp_proto_packet q;

		policy_pkt(&q, VMP_PROTO_POLICY_WORKLOAD, zero);
		q.workload = VMP_PROTO_WL_LOW;
		TEST_ASSERT_EQUAL(send_policy(f.peer[VM1], &q),
			VMP_PROTO_ACK, "");
		TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MAX, "shared: highest");
	}
	/* POLICY_REMOVE ends vm0's policies: vm1's LOW alone on CPU 1. */
	vmp_proto_request(&p, VMP_PROTO_POLICY_REMOVE, 0, 0, NULL);
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MIN, "");
	TEST_ASSERT_EQUAL(policies(&f).n, 1, "vm1's stays");
	pfx_stop(&f);
	return TEST_SUCCESS;
}

POLICY_TEST(policy_workload, workload);

/*
 * A channel that hangs up takes the votes of the CPU_POWER requests that
 * came on it, not the policies: the vCPU's policy votes again.
 */
static int
hangup(void *arg)
{
	static const int zero[] = { 0, -1 };
	struct vmp_proto_packet p, q, r;
	struct pfx f;
	int fd;

	(void)arg;
	TEST_RUN(pfx_start(&f, 0));
	test_log_capture();
	fd = f.peer[VM0];
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, zero);
	p.workload = VMP_PROTO_WL_LOW;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	vmp_proto_request(&q, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_UP, 0, NULL);
	TEST_ASSERT_EQUAL(write(fd, &q, sizeof(q)), sizeof(q), "");
	TEST_ASSERT_EQUAL(read_exact(fd, &r, sizeof(r)), 0, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1600000u, "CPU_POWER outvotes");
	close(fd);
	f.peer[VM0] = -1;
	TEST_ASSERT_EQUAL(wait_speed(1, KHZ_MIN, test_slow_ms(3000)), KHZ_MIN,
		"the policy votes again");
	TEST_ASSERT_STR(sandbox_governor(1), "userspace");
	/* Held by the policy throughout: never handed back in between. */
	TEST_ASSERT(!test_log_contains("cpu 1: handed back"),
		"CPU 1 left to its governor between the drop and the policy");
	TEST_ASSERT_EQUAL(policies(&f).n, 1, "");
	pfx_stop(&f);
	return TEST_SUCCESS;
}

POLICY_TEST(policy_hangup, hangup);

static int
nack(int fd, struct vmp_proto_packet *p, const char *log)
{
	char why[192] = "";

	TEST_ASSERT_EQUAL(send_policy(fd, p), VMP_PROTO_NACK, "%s", log);
	/* A channel logs 8 lines in a burst, then one a second: the
	 * daemon's own reasons are read in its log, the fields' from the
	 * one function that checks them for the daemon. */
	if (vmp_proto_policy_check(p, 2, why, sizeof(why)) !=
			VMP_PROTO_VALID && strstr(why, log) != NULL)
		return TEST_SUCCESS;
	TEST_ASSERT_LOG(log);
	return TEST_SUCCESS;
}

/*
 * Policies that must be refused, each with its reason in the log: the
 * vCPUs of another VM, fields out of range, MACs that are not the VM's
 * or have no counters, a policy this host cannot measure.
 */
static int
refusals(void *arg)
{
	static const int zero[] = { 0, -1 }, two[] = { 2, -1 };
	static const int nine[] = { 0, 1, 0, 1, 0, 1, 0, 1, -1 };
	struct vmp_proto_packet p;
	struct pfx f;
	int fd;

	(void)arg;
	TEST_RUN(pfx_start(&f, 0));
	fd = f.peer[VM0];
	test_log_capture();
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, two);
	TEST_RUN(nack(fd, &p, "VM vm0 channel 0: POLICY vCPU 0 refused: "
		"vCPU 2: the VM has 2"));
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, zero);
	strcpy(p.vm_name, "vm1");
	TEST_RUN(nack(fd, &p, "refused: vm_name names another VM"));
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, zero);
	p.core_type = VMP_PROTO_CORE_PHYSICAL;
	TEST_RUN(nack(fd, &p, "physical core type refused"));
	/* No hardware PMU in this VM: BRANCH_RATIO is refused, saying so. */
	policy_pkt(&p, VMP_PROTO_POLICY_BRANCH_RATIO, zero);
	TEST_RUN(nack(fd, &p, "BRANCH_RATIO needs a hardware PMU: pCPU 1"));
	policy_pkt(&p, VMP_PROTO_POLICY_TRAFFIC, zero);
	set_mac(&p, 0, 0x01);
	p.traffic_policy[0] = 10;
	p.traffic_policy[1] = 5;
	p.traffic_policy[2] = 20;
	TEST_RUN(nack(fd, &p, "traffic thresholds out of order: min 10, "
		"avg_max 5, max_max 20"));
	policy_pkt(&p, VMP_PROTO_POLICY_TRAFFIC, zero);
	TEST_RUN(nack(fd, &p, "TRAFFIC names no MAC"));
	set_mac(&p, 0, 0x01);
	set_mac(&p, 1, 0x77);
	TEST_RUN(nack(fd, &p, "MAC 52:54:00:aa:bb:77 is not a NIC of this "
		"VM"));
	policy_pkt(&p, VMP_PROTO_POLICY_TRAFFIC, zero);
	set_mac(&p, 0, 0x02);
	TEST_RUN(nack(fd, &p, "MAC 52:54:00:aa:bb:02 is a passed-through VF "
		"(hostdev): libvirt has no packet counters"));
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, zero);
	p.nb_mac_to_monitor = 11;
	TEST_RUN(nack(fd, &p, "nb_mac_to_monitor 11: 0 to 10"));
	/* Fields out of range (their reasons: vmp_proto_policy_check). */
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, nine);
	TEST_RUN(nack(fd, &p, "vCPU 0 named twice"));
	p.num_vcpu = 9;
	TEST_RUN(nack(fd, &p, "num_vcpu 9: 1 to 8"));
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, zero);
	p.workload = 3;
	TEST_RUN(nack(fd, &p, "unknown workload 3"));
	policy_pkt(&p, 4, zero);
	TEST_RUN(nack(fd, &p, "unknown policy_to_use 4"));
	policy_pkt(&p, VMP_PROTO_POLICY_TIME, zero);
	p.timer_policy[VMP_PROTO_QUIET_HOURS + 3] = 24;
	TEST_RUN(nack(fd, &p, "quiet hour 24: 0 to 23"));
	policy_pkt(&p, VMP_PROTO_POLICY_TIME, zero);
	p.timer_policy[VMP_PROTO_BUSY_HOURS] = -7;
	TEST_RUN(nack(fd, &p, "busy hour -7"));
	TEST_ASSERT_EQUAL(policies(&f).n, 0, "nothing kept");
	TEST_ASSERT_STR(sandbox_governor(1), "powersave");	/* untaken */
	/* A WORKLOAD policy with a stray MAC (stock guests send their port
	 * 0's) is fine: only traffic is measured by MAC. */
	policy_pkt(&p, VMP_PROTO_POLICY_WORKLOAD, zero);
	set_mac(&p, 0, 0x99);
	p.workload = VMP_PROTO_WL_LOW;
	TEST_ASSERT_EQUAL(send_policy(fd, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MIN, "");
	test_log_release();
	pfx_stop(&f);
	return TEST_SUCCESS;
}

POLICY_TEST(policy_refusals, refusals);


/*
 * TIME, on a shifted wall clock (policy_set_time_offset(), as
 * monitor_conf.policy_time_offset_s) in UTC: seconds before an hour
 * boundary, a policy busy this hour and quiet the next goes from max to
 * min when the hour timer fires; no timer without a TIME policy. A VM
 * that goes away loses its policy and the timer.
 */
static void
set_offset(struct monitor *mon, void *arg)
{
	policy_set_time_offset(monitor_policies(mon), *(int64_t *)arg);
}

static int
time_policy(void *arg)
{
	static const int both[] = { 0, 1, -1 };
	struct vmp_proto_packet p;
	time_t now;
	int64_t offset;
	struct tm tm;
	struct pfx f;
	int hour, margin;

	(void)arg;
	setenv("TZ", "UTC", 1);
	tzset();
	TEST_RUN(pfx_start(&f, 0));
	/* The shifted clock reads 3 s before an hour from now (longer on
	 * slow builds): the policy is sent well before it. */
	margin = test_slow_ms(3000) / 1000;
	now = time(NULL);
	offset = 3600 - (int64_t)(now % 3600) - margin;
	monitor_call(f.mon, set_offset, &offset);
	now += (time_t)offset;
	gmtime_r(&now, &tm);
	hour = tm.tm_hour;
	TEST_ASSERT_EQUAL(policies(&f).armed, 0, "idle: no timer");
	policy_pkt(&p, VMP_PROTO_POLICY_TIME, both);
	p.timer_policy[VMP_PROTO_BUSY_HOURS + 5] = hour;
	p.timer_policy[VMP_PROTO_QUIET_HOURS + 0] = (hour + 1) % 24;
	p.timer_policy[VMP_PROTO_TRAFFIC_HOURS + 0] = (hour + 2) % 24;
	TEST_ASSERT_EQUAL(send_policy(f.peer[VM0], &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(policies(&f).armed, 1, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), KHZ_MAX, "busy hour %d: max", hour);
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), KHZ_MAX, "");
	/* vCPU 1's own request outvotes its policy, at the hour too. */
	{
		struct vmp_proto_packet q;

		vmp_proto_request(&q, VMP_PROTO_CPU_POWER,
			VMP_PROTO_SCALE_DOWN, 1, NULL);
		TEST_ASSERT_EQUAL(send_policy(f.peer[VM0], &q),
			VMP_PROTO_ACK, "");
	}
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), KHZ_MEDIUM, "");
	TEST_ASSERT_EQUAL(wait_speed(1, KHZ_MIN, (margin + 3) * 1000),
		KHZ_MIN, "quiet hour %d: min", (hour + 1) % 24);
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), KHZ_MEDIUM, "CPU_POWER still decides");
	TEST_ASSERT_EQUAL(sandbox_setspeed(3), KHZ_MEDIUM, "");
	TEST_ASSERT_EQUAL(policies(&f).armed, 1, "armed for the next hour");
	monitor_call(f.mon, rm_vm0, NULL);
	TEST_ASSERT_EQUAL(policies(&f).n, 0, "gone with its VM");
	TEST_ASSERT_EQUAL(policies(&f).armed, 0, "no timer left");
	TEST_ASSERT(wait_governor_back(1), "no vote left: CPU 1 given back");
	TEST_ASSERT(wait_governor_back(2), "");
	pfx_stop(&f);
	return TEST_SUCCESS;
}

POLICY_TEST(policy_time, time_policy);

/*
 * TRAFFIC through libvirt's counters: the test driver's NIC counts
 * 10,000 packets/s received and 9,091 sent, from its clock, so the
 * policy's packets/s is about 19,091 whatever the machine's load. The
 * thresholds around it decide max, medium or min; clearing the policy
 * stops the counting (no sampler round goes to the loop any more).
 */
static int
traffic(void *arg)
{
	static const int zero[] = { 0, -1 };
	static const uint32_t th[][3] = {
		{ 0, 10000, 30000 },	/* medium */
		{ 0, 5000, 15000 },	/* max */
		{ 0, 25000, 30000 },	/* min */
	};
	static const uint32_t want[] = { KHZ_MEDIUM, KHZ_MAX, KHZ_MIN };
	struct vmp_proto_packet p;
	struct monitor_stats st0, st1;
	struct pfx f;
	unsigned int i;

	(void)arg;
	pfx_traffic_ms = 20;
	TEST_RUN(pfx_start(&f, 0));
	for (i = 0; i < RTE_DIM(th); i++) {
		policy_pkt(&p, VMP_PROTO_POLICY_TRAFFIC, zero);
		set_mac(&p, 0, 0x01);
		memcpy(p.traffic_policy, th[i], sizeof(th[i]));
		TEST_ASSERT_EQUAL(send_policy(f.peer[VM0], &p), VMP_PROTO_ACK,
			"");
		TEST_ASSERT_EQUAL(wait_speed(1, want[i], test_slow_ms(3000)),
			want[i], "thresholds %u %u %u", th[i][0], th[i][1],
			th[i][2]);
	}
	TEST_ASSERT_EQUAL(policies(&f).armed, 0, "TRAFFIC needs no hour");
	{
		struct vmp_proto_packet r;

		vmp_proto_request(&r, VMP_PROTO_POLICY_REMOVE, 0, 0, NULL);
		TEST_ASSERT_EQUAL(send_policy(f.peer[VM0], &r), VMP_PROTO_ACK,
			"");
	}
	/* A round in flight may still arrive (later on a slow machine); then
	 * none in the window. */
	usleep((useconds_t)test_slow_ms(100) * 1000);
	monitor_call(f.mon, read_stats, &st0);
	usleep(200000);
	monitor_call(f.mon, read_stats, &st1);
	TEST_ASSERT_EQUAL(st1.wakeups - st0.wakeups, 1,
		"only monitor_call's own wake-up: the sampler sleeps");
	pfx_stop(&f);
	pfx_traffic_ms = 0;
	return TEST_SUCCESS;
}

POLICY_TEST(policy_traffic, traffic);

/* The decisions, on recorded inputs. */
static int
test_policy_decisions(void)
{
	struct vmp_proto_packet p;
	/* Cumulative counters of a pCPU every 100 us: idle, then a
	 * mispredicting burst (0.5 %), then a well predicted one (0.05 %). */
	static const struct policy_branch_sample idle[] = {
		{ 1000, 10 }, { 3000, 60 }, { 5000, 110 }, { 9000, 200 },
	};
	static const struct policy_branch_sample burst[] = {
		{ 0, 0 }, { 100000, 50 }, { 300000, 1050 }, { 400000, 1100 },
	};
	static const struct policy_branch_sample calm[] = {
		{ 0, 0 }, { 100000, 50 }, { 200000, 100 }, { 300000, 150 },
	};
	static const struct policy_branch_sample wrapped[] = {
		{ 500000, 5000 }, { 100, 90 }, { 200000, 150 },
	};
	unsigned int i;

	TEST_ASSERT_EQUAL(policy_workload_level(VMP_PROTO_WL_HIGH), POLICY_MAX,
		"");
	TEST_ASSERT_EQUAL(policy_workload_level(VMP_PROTO_WL_MEDIUM),
		POLICY_MEDIUM, "");
	TEST_ASSERT_EQUAL(policy_workload_level(VMP_PROTO_WL_LOW), POLICY_MIN,
		"");
	TEST_ASSERT_EQUAL(policy_workload_level(3), POLICY_NONE, "");
	/* DPDK 22.11's guest_cli defaults: busy 3-5, quiet 11-13, traffic
	 * 8 and 10, every other entry 0 -- hour 0 is traffic (index 2). */
	memset(&p, 0, sizeof(p));
	p.timer_policy[0] = 3;
	p.timer_policy[1] = 4;
	p.timer_policy[2] = 5;
	p.timer_policy[24] = 11;
	p.timer_policy[25] = 12;
	p.timer_policy[26] = 13;
	p.timer_policy[48] = 8;
	p.timer_policy[49] = 10;
	TEST_ASSERT_EQUAL(policy_time_level(&p, 4), POLICY_MAX, "");
	TEST_ASSERT_EQUAL(policy_time_level(&p, 12), POLICY_MIN, "");
	TEST_ASSERT_EQUAL(policy_time_level(&p, 10), POLICY_TRAFFIC_HOUR, "");
	TEST_ASSERT_EQUAL(policy_time_level(&p, 0), POLICY_TRAFFIC_HOUR,
		"DPDK's scan: traffic[2] = 0 before busy[3] = 0");
	for (i = 0; i < 3 * VMP_PROTO_HOURS; i++)
		if (p.timer_policy[i] == 0)
			p.timer_policy[i] = VMP_PROTO_HOUR_UNUSED;
	TEST_ASSERT_EQUAL(policy_time_level(&p, 0), POLICY_NONE,
		"-1: unused, hour 0 in no list");
	TEST_ASSERT_EQUAL(policy_time_level(&p, 20), POLICY_NONE, "");
	p.traffic_policy[0] = 96000;
	p.traffic_policy[1] = 1800000;
	p.traffic_policy[2] = 2000000;
	TEST_ASSERT_EQUAL(policy_traffic_level(&p, 0), POLICY_MIN, "");
	TEST_ASSERT_EQUAL(policy_traffic_level(&p, 1799999), POLICY_MIN, "");
	TEST_ASSERT_EQUAL(policy_traffic_level(&p, 1800000), POLICY_MEDIUM,
		"");
	TEST_ASSERT_EQUAL(policy_traffic_level(&p, 2000000), POLICY_MAX, "");
	TEST_ASSERT_EQUAL(policy_branch_level(idle, RTE_DIM(idle),
		POLICY_BRANCH_THRESHOLD), POLICY_MIN,
		"idle intervals count as 0 whatever their misses");
	TEST_ASSERT_EQUAL(policy_branch_level(burst, RTE_DIM(burst),
		POLICY_BRANCH_THRESHOLD), POLICY_MAX, "one interval above");
	TEST_ASSERT_EQUAL(policy_branch_level(calm, RTE_DIM(calm),
		POLICY_BRANCH_THRESHOLD), POLICY_MIN, "0.05 %% < 0.1 %%");
	TEST_ASSERT_EQUAL(policy_branch_level(calm, RTE_DIM(calm), 0.04),
		POLICY_MAX, "");
	TEST_ASSERT_EQUAL(policy_branch_level(wrapped, RTE_DIM(wrapped),
		POLICY_BRANCH_THRESHOLD), POLICY_MIN,
		"a counter going back counts for nothing");
	TEST_ASSERT_EQUAL(policy_branch_level(calm, 1,
		POLICY_BRANCH_THRESHOLD), POLICY_NONE, "");
	/* The window: a burst interval, then 31 calm ones still say max;
	 * the 32nd calm one pushes the burst out. */
	{
		struct policy_branch_sample seq[POLICY_BRANCH_WINDOW + 2];
		struct policy_branch_window w;
		unsigned int k;

		seq[0] = burst[1];
		seq[1] = burst[2];
		for (k = 2; k < RTE_DIM(seq); k++) {
			seq[k].branches = seq[k - 1].branches + 100000;
			seq[k].misses = seq[k - 1].misses + 50;
		}
		TEST_ASSERT_EQUAL(policy_branch_level(seq, RTE_DIM(seq) - 1,
			POLICY_BRANCH_THRESHOLD), POLICY_MAX, "31 calm after");
		TEST_ASSERT_EQUAL(policy_branch_level(seq, RTE_DIM(seq),
			POLICY_BRANCH_THRESHOLD), POLICY_MIN, "32 calm after");
		/* One sample at a time, as the sampler pushes them. */
		memset(&w, 0, sizeof(w));
		TEST_ASSERT_EQUAL(policy_branch_push(&w, &seq[0],
			POLICY_BRANCH_THRESHOLD), POLICY_NONE, "");
		TEST_ASSERT_EQUAL(policy_branch_push(&w, &seq[1],
			POLICY_BRANCH_THRESHOLD), POLICY_MAX, "");
		TEST_ASSERT(w.ratio > 0.49 && w.ratio < 0.51, "%f", w.ratio);
		for (k = 2; k < RTE_DIM(seq) - 1; k++)
			TEST_ASSERT_EQUAL(policy_branch_push(&w, &seq[k],
				POLICY_BRANCH_THRESHOLD), POLICY_MAX, "%u", k);
		TEST_ASSERT_EQUAL(policy_branch_push(&w, &seq[k],
			POLICY_BRANCH_THRESHOLD), POLICY_MIN, "");
	}
	return TEST_SUCCESS;
}
REGISTER_TEST(policy_decisions, test_policy_decisions);
