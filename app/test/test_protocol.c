/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_power_guest_channel.h>

#include <vmp_protocol.h>

#include "test.h"

#define SAME_FIELD(ours, theirs, f_ours, f_theirs) do {			\
	TEST_ASSERT_EQUAL(offsetof(struct ours, f_ours),		\
		offsetof(struct theirs, f_theirs), "offset of " #f_ours);\
	TEST_ASSERT_EQUAL(sizeof(((struct ours *)0)->f_ours),		\
		sizeof(((struct theirs *)0)->f_theirs), "size of " #f_ours);\
} while (0)

#define PKT_FIELD(f_ours, f_theirs) SAME_FIELD(vmp_proto_packet,	\
	rte_power_channel_packet, f_ours, f_theirs)
#define FREQ_FIELD(f) SAME_FIELD(vmp_proto_freq_list,			\
	rte_power_channel_packet_freq_list, f, f)
#define CAPS_FIELD(f) SAME_FIELD(vmp_proto_caps_list,			\
	rte_power_channel_packet_caps_list, f, f)

/* Every field of our wire structs sits where DPDK 22.11 puts it. */
static int
test_protocol_layout(void)
{
	TEST_ASSERT_EQUAL(sizeof(struct vmp_proto_packet),
		sizeof(struct rte_power_channel_packet), "packet");
	TEST_ASSERT_EQUAL(sizeof(struct vmp_proto_packet), 464, "packet");
	PKT_FIELD(resource_id, resource_id);
	PKT_FIELD(unit, unit);
	PKT_FIELD(command, command);
	PKT_FIELD(vm_name, vm_name);
	PKT_FIELD(vfid, vfid);
	PKT_FIELD(nb_mac_to_monitor, nb_mac_to_monitor);
	PKT_FIELD(traffic_policy, traffic_policy);
	PKT_FIELD(vcpu_to_control, vcpu_to_control);
	PKT_FIELD(num_vcpu, num_vcpu);
	PKT_FIELD(timer_policy, timer_policy);
	PKT_FIELD(core_type, core_type);
	PKT_FIELD(workload, workload);
	PKT_FIELD(policy_to_use, policy_to_use);
	PKT_FIELD(turbo_status, t_boost_status);

	TEST_ASSERT_EQUAL(sizeof(struct vmp_proto_freq_list),
		sizeof(struct rte_power_channel_packet_freq_list), "freq");
	FREQ_FIELD(resource_id);
	FREQ_FIELD(unit);
	FREQ_FIELD(command);
	FREQ_FIELD(vm_name);
	FREQ_FIELD(freq_list);
	FREQ_FIELD(num_vcpu);

	TEST_ASSERT_EQUAL(sizeof(struct vmp_proto_caps_list),
		sizeof(struct rte_power_channel_packet_caps_list), "caps");
	CAPS_FIELD(resource_id);
	CAPS_FIELD(unit);
	CAPS_FIELD(command);
	CAPS_FIELD(vm_name);
	CAPS_FIELD(turbo);
	CAPS_FIELD(priority);
	CAPS_FIELD(num_vcpu);
	return TEST_SUCCESS;
}
REGISTER_TEST(protocol_layout, test_protocol_layout);

/* Our names carry DPDK's numbers. */
static int
test_protocol_constants(void)
{
	TEST_ASSERT_EQUAL(VMP_PROTO_NAME_SZ, RTE_POWER_VM_MAX_NAME_SZ, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_LIST_SZ, RTE_POWER_MAX_VCPU_PER_VM, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_CPU_POWER, RTE_POWER_CPU_POWER, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_CONNECT, RTE_POWER_CPU_POWER_CONNECT, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_POLICY, RTE_POWER_PKT_POLICY, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_POLICY_REMOVE,
		RTE_POWER_PKT_POLICY_REMOVE, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_QUERY_FREQ_LIST,
		RTE_POWER_QUERY_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_QUERY_FREQ, RTE_POWER_QUERY_FREQ, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_QUERY_CAPS_LIST,
		RTE_POWER_QUERY_CAPS_LIST, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_QUERY_CAPS, RTE_POWER_QUERY_CAPS, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_SCALE_UP, RTE_POWER_SCALE_UP, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_SCALE_DOWN, RTE_POWER_SCALE_DOWN, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_SCALE_MAX, RTE_POWER_SCALE_MAX, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_SCALE_MIN, RTE_POWER_SCALE_MIN, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_ENABLE_TURBO, RTE_POWER_ENABLE_TURBO, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_DISABLE_TURBO, RTE_POWER_DISABLE_TURBO, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_ACK, RTE_POWER_CMD_ACK, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_NACK, RTE_POWER_CMD_NACK, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_FREQ_LIST, RTE_POWER_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_CAPS_LIST, RTE_POWER_CAPS_LIST, "");
	TEST_ASSERT_EQUAL(VMP_PROTO_CORE_PHYSICAL,
		RTE_POWER_CORE_TYPE_PHYSICAL, "");
	return TEST_SUCCESS;
}
REGISTER_TEST(protocol_constants, test_protocol_constants);

static enum vmp_proto_verdict
check(uint32_t command, uint32_t unit, uint64_t vcpu, const char *name,
		uint8_t core_type)
{
	struct vmp_proto_packet p;

	vmp_proto_request(&p, command, unit, vcpu, name);
	p.core_type = core_type;
	return vmp_proto_check(&p, 4, "vm0");
}

/* Each refusal names its reason; valid requests pass. */
static int
test_protocol_check(void)
{
	struct vmp_proto_packet p;
	uint32_t u;

	for (u = VMP_PROTO_SCALE_UP; u <= VMP_PROTO_DISABLE_TURBO; u++)
		TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, u, 3, NULL, 0),
			VMP_PROTO_VALID, "unit %u", u);
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, 0, "vm0", 0),
		VMP_PROTO_VALID, "own name");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 0, 0, NULL, 0),
		VMP_PROTO_BAD_UNIT, "unit 0");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 7, 0, NULL, 0),
		VMP_PROTO_BAD_UNIT, "unit 7");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, 4, NULL, 0),
		VMP_PROTO_BAD_VCPU, "vCPU 4 of 4");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, UINT64_MAX, NULL, 0),
		VMP_PROTO_BAD_VCPU, "huge vCPU");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, 0, NULL, 1),
		VMP_PROTO_PHYSICAL_CORE, "physical");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, 0, NULL, 0xff),
		VMP_PROTO_PHYSICAL_CORE, "bool byte 0xff");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, 0, "vm1", 0),
		VMP_PROTO_FOREIGN_VM, "vm1");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_CPU_POWER, 1, 0, "vm00", 0),
		VMP_PROTO_FOREIGN_VM, "prefix of another name");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_POLICY, 0, 0, NULL, 0),
		VMP_PROTO_BAD_POLICY, "policy with no vCPU");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_POLICY, 0, 0, "vm1", 0),
		VMP_PROTO_FOREIGN_VM, "policy of another VM");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_POLICY, 0, 0, NULL, 1),
		VMP_PROTO_PHYSICAL_CORE, "policy on host cores");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_POLICY_REMOVE, 0, 0, NULL, 0),
		VMP_PROTO_VALID, "policy remove");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_POLICY_REMOVE, 0, 0, "vm1", 0),
		VMP_PROTO_FOREIGN_VM, "policy remove of another VM");
	TEST_ASSERT_EQUAL(check(0, 1, 0, NULL, 0), VMP_PROTO_BAD_COMMAND, "");
	TEST_ASSERT_EQUAL(check(5, 1, 0, NULL, 0), VMP_PROTO_BAD_COMMAND, "");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_QUERY_FREQ, 0, 9, NULL, 0),
		VMP_PROTO_BAD_VCPU, "query of vCPU 9");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_QUERY_CAPS, 0, 3, "other", 0),
		VMP_PROTO_VALID, "queries ignore vm_name");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_QUERY_FREQ_LIST, 0, 999, NULL, 0),
		VMP_PROTO_VALID, "list ignores resource_id");
	TEST_ASSERT_EQUAL(check(VMP_PROTO_QUERY_FREQ_AVAIL, 0, 1, NULL, 1),
		VMP_PROTO_PHYSICAL_CORE, "");

	/* CONNECT as stock guests send it: garbage everywhere else. */
	memset(&p, 0xa5, sizeof(p));
	p.command = VMP_PROTO_CONNECT;
	TEST_ASSERT_EQUAL(vmp_proto_check(&p, 1, "vm0"), VMP_PROTO_VALID, "");

	/* A full 32-byte name has no terminator and must still compare. */
	memset(&p, 0, sizeof(p));
	p.command = VMP_PROTO_CPU_POWER;
	p.unit = VMP_PROTO_SCALE_UP;
	memset(p.vm_name, 'x', sizeof(p.vm_name));
	TEST_ASSERT_EQUAL(vmp_proto_check(&p, 1,
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), VMP_PROTO_VALID, "");
	TEST_ASSERT_EQUAL(vmp_proto_check(&p, 1,
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), VMP_PROTO_FOREIGN_VM, "");

	TEST_ASSERT_STR(vmp_proto_verdict_str(VMP_PROTO_BAD_VCPU),
		"vCPU out of range");
	TEST_ASSERT_STR(vmp_proto_verdict_str(VMP_PROTO_VERDICT_MAX),
		"invalid verdict");
	TEST_ASSERT_STR(vmp_proto_command_str(VMP_PROTO_QUERY_CAPS),
		"QUERY_CAPS");
	TEST_ASSERT(vmp_proto_command_str(11) == NULL, "");
	TEST_ASSERT_STR(vmp_proto_unit_str(VMP_PROTO_SCALE_MIN), "min");
	TEST_ASSERT_EQUAL(vmp_proto_reply_size(VMP_PROTO_ACK), 464, "");
	TEST_ASSERT_EQUAL(vmp_proto_reply_size(VMP_PROTO_NACK), 464, "");
	TEST_ASSERT_EQUAL(vmp_proto_reply_size(VMP_PROTO_FREQ_LIST), 88, "");
	TEST_ASSERT_EQUAL(vmp_proto_reply_size(VMP_PROTO_FREQ_AVAIL), 88, "");
	TEST_ASSERT_EQUAL(vmp_proto_reply_size(VMP_PROTO_CAPS_LIST), 184, "");
	TEST_ASSERT_EQUAL(vmp_proto_reply_size(0), 0, "");
	TEST_ASSERT_EQUAL(vmp_proto_slot(3), 3, "");
	TEST_ASSERT_EQUAL(vmp_proto_slot(11), 3, "");
	return TEST_SUCCESS;
}
REGISTER_TEST(protocol_check, test_protocol_check);

/* Any 464 bytes get a verdict in range: no crash, no out-of-range read. */
/*
 * The validation rules again, as a table over DPDK's own numbers and
 * DPDK's own struct layout: an oracle that shares no code with
 * vmp_proto_check(). Rows in the order the checks apply.
 */
struct check_rule {
	uint32_t command;
	uint8_t unit;		/* a CPU_POWER unit is required */
	uint8_t virt;		/* core_type must be virtual */
	uint8_t name;		/* vm_name, if set, must be the sender's */
	uint8_t vcpu;		/* resource_id must be one of its vCPUs */
	uint8_t policy;		/* the policy fields are checked */
	enum vmp_proto_verdict ok;	/* when every check passes */
};

static const struct check_rule check_rules[] = {
	{ RTE_POWER_CPU_POWER_CONNECT, 0, 0, 0, 0, 0, VMP_PROTO_VALID },
	{ RTE_POWER_PKT_POLICY, 0, 1, 1, 0, 1, VMP_PROTO_VALID },
	{ RTE_POWER_PKT_POLICY_REMOVE, 0, 1, 1, 0, 0, VMP_PROTO_VALID },
	{ RTE_POWER_CPU_POWER, 1, 1, 1, 1, 0, VMP_PROTO_VALID },
	{ RTE_POWER_QUERY_FREQ_LIST, 0, 0, 0, 0, 0, VMP_PROTO_VALID },
	{ RTE_POWER_QUERY_CAPS_LIST, 0, 0, 0, 0, 0, VMP_PROTO_VALID },
	{ RTE_POWER_QUERY_FREQ, 0, 1, 0, 1, 0, VMP_PROTO_VALID },
	{ RTE_POWER_QUERY_CAPS, 0, 1, 0, 1, 0, VMP_PROTO_VALID },
	/* vmpower's extension (protocol.rst), not in DPDK's header. */
	{ 256, 0, 1, 0, 1, 0, VMP_PROTO_VALID },
};

/* A policy's fields, on DPDK's struct (protocol.rst's policy rules). */
static enum vmp_proto_verdict
policy_oracle(const struct rte_power_channel_packet *d, uint32_t nb_vcpus)
{
	const int *lists[3] = { d->timer_policy.busy_hours,
		d->timer_policy.quiet_hours,
		d->timer_policy.hours_to_use_traffic_profile };
	unsigned int i, j;
	uint32_t pol, wl;

	if (d->num_vcpu < 1 || d->num_vcpu > RTE_POWER_MAX_VCPU_PER_VM)
		return VMP_PROTO_BAD_POLICY;
	for (i = 0; i < d->num_vcpu; i++) {
		if (d->vcpu_to_control[i] >= nb_vcpus)
			return VMP_PROTO_BAD_VCPU;
		for (j = 0; j < i; j++)
			if (d->vcpu_to_control[j] == d->vcpu_to_control[i])
				return VMP_PROTO_BAD_POLICY;
	}
	memcpy(&pol, &d->policy_to_use, sizeof(pol));
	memcpy(&wl, &d->workload, sizeof(wl));
	if (pol > RTE_POWER_POLICY_BRANCH_RATIO)
		return VMP_PROTO_BAD_POLICY;
	if (pol == RTE_POWER_POLICY_WORKLOAD && wl > RTE_POWER_WL_LOW)
		return VMP_PROTO_BAD_POLICY;
	for (i = 0; i < 3; i++)
		for (j = 0; j < RTE_POWER_HOURS_PER_DAY; j++)
			if (lists[i][j] < -1 || lists[i][j] > 23)
				return VMP_PROTO_BAD_POLICY;
	if (d->traffic_policy.min_packet_thresh >
			d->traffic_policy.avg_max_packet_thresh ||
			d->traffic_policy.avg_max_packet_thresh >
			d->traffic_policy.max_max_packet_thresh)
		return VMP_PROTO_BAD_POLICY;
	if (d->nb_mac_to_monitor < 0 ||
			d->nb_mac_to_monitor > RTE_POWER_MAX_VFS ||
			(pol == RTE_POWER_POLICY_TRAFFIC &&
			d->nb_mac_to_monitor == 0))
		return VMP_PROTO_BAD_POLICY;
	return VMP_PROTO_VALID;
}

static enum vmp_proto_verdict
check_oracle(const uint8_t *b, uint32_t nb_vcpus, const char *own)
{
	const struct rte_power_channel_packet *d = (const void *)b;
	const struct check_rule *r = NULL;
	uint8_t core_type = b[offsetof(struct rte_power_channel_packet,
		core_type)];
	char name[RTE_POWER_VM_MAX_NAME_SZ + 1] = { 0 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(check_rules); i++)
		if (check_rules[i].command == d->command)
			r = &check_rules[i];
	if (r == NULL)
		return VMP_PROTO_BAD_COMMAND;
	if (r->unit && (d->unit < RTE_POWER_SCALE_UP ||
			d->unit > RTE_POWER_DISABLE_TURBO))
		return VMP_PROTO_BAD_UNIT;
	if (r->virt && core_type != RTE_POWER_CORE_TYPE_VIRTUAL)
		return VMP_PROTO_PHYSICAL_CORE;
	memcpy(name, d->vm_name, RTE_POWER_VM_MAX_NAME_SZ);
	if (r->name && own != NULL && name[0] != '\0' &&
			strcmp(name, own) != 0)
		return VMP_PROTO_FOREIGN_VM;
	if (r->vcpu && d->resource_id >= nb_vcpus)
		return VMP_PROTO_BAD_VCPU;
	if (r->policy)
		return policy_oracle(d, nb_vcpus);
	return r->ok;
}

/* A policy with each field in or near its range, so that every rule is
 * reached (random bytes fail the first one). */
static void
near_policy(struct vmp_proto_packet *p, unsigned int *seed, unsigned int i)
{
	unsigned int j;

	p->num_vcpu = (uint8_t)(rand_r(seed) % 10);
	for (j = 0; j < VMP_PROTO_POLICY_VCPUS; j++)
		p->vcpu_to_control[j] = (uint8_t)(rand_r(seed) % 5);
	if (i & 0x200)
		for (j = 0; j < VMP_PROTO_POLICY_VCPUS; j++)
			p->vcpu_to_control[j] = (uint8_t)(j % 4);
	p->policy_to_use = (uint32_t)rand_r(seed) % 5;
	p->workload = (uint32_t)rand_r(seed) % 4;
	for (j = 0; j < 3 * VMP_PROTO_HOURS; j++)
		p->timer_policy[j] = rand_r(seed) % 25 - 1;
	if (i & 0x400)
		p->timer_policy[rand_r(seed) % 72] = rand_r(seed) % 30 - 3;
	p->traffic_policy[0] = (uint32_t)rand_r(seed) % 3;
	p->traffic_policy[1] = p->traffic_policy[0] + (uint32_t)rand_r(seed) % 3;
	p->traffic_policy[2] = p->traffic_policy[1] + (uint32_t)rand_r(seed) % 3;
	if (i & 0x800)
		p->traffic_policy[rand_r(seed) % 3] = (uint32_t)rand_r(seed);
	p->nb_mac_to_monitor = rand_r(seed) % 13 - 1;
}

/* 200,000 random packets, biased towards real commands, names and vCPUs
 * so that every rule is reached: each verdict is the oracle's. */
static int
test_protocol_random(void)
{
	static const char *const names[] = { "", "vm0", "vm1", "vm0x", "vm" };
	unsigned int seen[VMP_PROTO_VERDICT_MAX] = { 0 };
	struct vmp_proto_packet p;
	unsigned int seed = 1, i, j;

	for (i = 0; i < 200000; i++) {
		uint8_t *b = (uint8_t *)&p;
		const char *own = (i & 8) ? "vm0" : NULL;
		enum vmp_proto_verdict v, want;

		for (j = 0; j < sizeof(p); j++)
			b[j] = (uint8_t)rand_r(&seed);
		if (i & 1)
			p.command = (uint32_t)rand_r(&seed) % 12;
		if ((i & 0x30) == 0x30)
			p.command = 256;
		if (i & 2)
			p.unit = (uint32_t)rand_r(&seed) % 8;
		if (i & 4)
			p.resource_id %= 8;
		if (i & 0x40)
			p.core_type = (uint8_t)(rand_r(&seed) % 2);
		if (i & 0x80) {
			memset(p.vm_name, 0, sizeof(p.vm_name));
			strcpy(p.vm_name, names[rand_r(&seed) % RTE_DIM(names)]);
		}
		if ((i & 0x100) && p.command == VMP_PROTO_POLICY)
			near_policy(&p, &seed, i);
		v = vmp_proto_check(&p, 4, own);
		want = check_oracle(b, 4, own);
		TEST_ASSERT_EQUAL(v, want, "packet %u: command %u unit %u "
			"core_type %u vcpu %" PRIu64 ": %s, the rules say %s",
			i, p.command, p.unit, p.core_type, p.resource_id,
			vmp_proto_verdict_str(v), vmp_proto_verdict_str(want));
		seen[v]++;
	}
	for (i = 0; i < VMP_PROTO_VERDICT_MAX; i++)
		TEST_ASSERT(seen[i] > 100, "verdict %s reached %u times only",
			vmp_proto_verdict_str(i), seen[i]);
	return TEST_SUCCESS;
}
REGISTER_TEST(protocol_random, test_protocol_random);
