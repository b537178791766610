/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * guest_cli's policy (PKT_POLICY): DPDK's guest_cli options build it at
 * start, `send_policy now` (commands.c) sends it on the lowest open
 * channel.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>

#include <vmp_guest_channel.h>

#include "guest_cli.h"

/* DPDK 22.11 guest_cli's defaults, but hours not listed are unused
 * (DPDK leaves 0 there, which makes midnight a traffic hour). */
static struct vmp_guest_policy policy = {
	.type = VMP_PROTO_POLICY_TIME,
	.nb_vcpus = 2,
	.vcpus = { 0, 1 },
	.workload = VMP_PROTO_WL_LOW,
	.busy_hours = (1u << 3) | (1u << 4) | (1u << 5),
	.quiet_hours = (1u << 11) | (1u << 12) | (1u << 13),
	.traffic_hours = (1u << 8) | (1u << 10),
	.min_pps = 96000,
	.avg_max_pps = 1800000,
	.max_max_pps = 2000000,
};

/* "0,2-5" of numbers below @max into a bit set; @return entries or <0. */
static int
parse_set(const char *arg, unsigned int max, uint8_t *set)
{
	char buf[256], *tok, *save = NULL, *end;
	unsigned long lo, hi;
	int n = 0;

	memset(set, 0, max);
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok + 1, '-');

		if (dash != NULL)
			*dash = '\0';
		if (tok[0] < '0' || tok[0] > '9')
			return -EINVAL;
		lo = strtoul(tok, &end, 10);
		if (*end != '\0')
			return -EINVAL;
		hi = lo;
		if (dash != NULL) {
			if (dash[1] < '0' || dash[1] > '9')
				return -EINVAL;
			hi = strtoul(dash + 1, &end, 10);
			if (*end != '\0')
				return -EINVAL;
		}
		if (hi < lo || hi >= max)
			return -EINVAL;
		for (; lo <= hi; lo++)
			n += !set[lo]++;
	}
	return n > 0 ? n : -EINVAL;
}

static int
parse_hours(const char *arg, uint32_t *mask)
{
	uint8_t set[VMP_PROTO_HOURS];
	unsigned int h;

	if (parse_set(arg, VMP_PROTO_HOURS, set) < 0)
		return -EINVAL;
	*mask = 0;
	for (h = 0; h < VMP_PROTO_HOURS; h++)
		if (set[h])
			*mask |= UINT32_C(1) << h;
	return 0;
}

static int
add_mac(const uint8_t *mac)
{
	if (policy.nb_macs >= VMP_PROTO_POLICY_MACS)
		return -E2BIG;
	memcpy(policy.macs[policy.nb_macs++], mac, 6);
	return 0;
}

/* "52:54:00:aa:bb:01,..." */
static int
parse_macs(const char *arg)
{
	char buf[256], *tok, *save = NULL;
	unsigned int b[6], i;
	uint8_t mac[6];
	char tail;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (sscanf(tok, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1],
				&b[2], &b[3], &b[4], &b[5], &tail) != 6)
			return -EINVAL;
		for (i = 0; i < 6; i++)
			mac[i] = (uint8_t)b[i];
		if (add_mac(mac) < 0)
			return -E2BIG;
	}
	return 0;
}

/* DPDK's --port-list: the MACs of these ethdev ports. */
static int
parse_ports(const char *arg)
{
	uint8_t set[RTE_MAX_ETHPORTS];
	struct rte_ether_addr a;
	unsigned int p;
	int ret;

	if (parse_set(arg, RTE_MAX_ETHPORTS, set) < 0)
		return -EINVAL;
	for (p = 0; p < RTE_MAX_ETHPORTS; p++) {
		if (!set[p])
			continue;
		ret = rte_eth_macaddr_get((uint16_t)p, &a);
		if (ret < 0) {
			CLI_LOG(ERR, "--port-list: port %u: no MAC (%s)", p,
				strerror(-ret));
			return ret;
		}
		if (add_mac(a.addr_bytes) < 0)
			return -E2BIG;
	}
	return 0;
}

static int
parse_thresholds(const char *arg)
{
	unsigned long v[3];
	char *end;
	const char *p = arg;
	int i;

	for (i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v[i] = strtoul(p, &end, 10);
		if (v[i] > UINT32_MAX || *end != (i < 2 ? ',' : '\0'))
			return -EINVAL;
		p = end + 1;
	}
	if (v[0] > v[1] || v[1] > v[2])
		return -ERANGE;
	policy.min_pps = (uint32_t)v[0];
	policy.avg_max_pps = (uint32_t)v[1];
	policy.max_max_pps = (uint32_t)v[2];
	return 0;
}

static int
word_index(const char *arg, const char *const *words, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(arg, words[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int
cli_policy_option(const char *opt, const char *arg)
{
	static const char *const types[] = { "TRAFFIC", "TIME", "WORKLOAD",
		"BRANCH_RATIO" };
	static const char *const loads[] = { "HIGH", "MEDIUM", "LOW" };
	uint8_t set[VMP_PROTO_POLICY_VCPUS * 32];
	unsigned int v;
	int ret = -EINVAL, n;

	if (strcmp(opt, "vcpu-list") == 0) {
		n = parse_set(arg, sizeof(set), set);
		if (n > VMP_PROTO_POLICY_VCPUS) {
			CLI_LOG(ERR, "--vcpu-list '%s': %d vCPUs, a policy "
				"takes %d: send several", arg, n,
				VMP_PROTO_POLICY_VCPUS);
			return -E2BIG;
		}
		if (n > 0) {
			policy.nb_vcpus = 0;
			for (v = 0; v < sizeof(set); v++)
				if (set[v])
					policy.vcpus[policy.nb_vcpus++] =
						(uint8_t)v;
			ret = 0;
		}
	} else if (strcmp(opt, "busy-hours") == 0) {
		ret = parse_hours(arg, &policy.busy_hours);
	} else if (strcmp(opt, "quiet-hours") == 0) {
		ret = parse_hours(arg, &policy.quiet_hours);
	} else if (strcmp(opt, "traffic-hours") == 0) {
		ret = parse_hours(arg, &policy.traffic_hours);
	} else if (strcmp(opt, "port-list") == 0) {
		ret = parse_ports(arg);
	} else if (strcmp(opt, "macs") == 0) {
		ret = parse_macs(arg);
	} else if (strcmp(opt, "thresholds") == 0) {
		ret = parse_thresholds(arg);
	} else if (strcmp(opt, "policy") == 0) {
		n = word_index(arg, types, RTE_DIM(types));
		if (n >= 0)
			policy.type = (uint32_t)n;
		ret = n < 0 ? n : 0;
	} else if (strcmp(opt, "workload") == 0) {
		n = word_index(arg, loads, RTE_DIM(loads));
		if (n >= 0)
			policy.workload = (uint32_t)n;
		ret = n < 0 ? n : 0;
	}
	if (ret < 0)
		CLI_LOG(ERR, "--%s '%s': %s", opt, arg, ret == -E2BIG ?
			"too many (10 MACs at most)" : ret == -ERANGE ?
			"want MIN <= AVG_MAX <= MAX_MAX" :
			"see --help for its form");
	return ret;
}

void
cli_send_policy(void)
{
	uint32_t l;
	int ret;

	for (l = 0; l < RTE_MAX_LCORE; l++)
		if (vmp_guest_channel_is_open(l))
			break;
	if (l == RTE_MAX_LCORE) {
		cli_out("error: no channel is open\n");
		return;
	}
	ret = vmp_guest_channel_send_policy(l, &policy);
	if (ret == VMP_PROTO_ACK)
		cli_out("ACK\n");
	else if (ret == VMP_PROTO_NACK)
		cli_out("NACK\n");
	else
		cli_out("error: lcore %u: policy not sent: %s\n", l,
			strerror(-ret));
}
