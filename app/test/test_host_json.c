/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Upstream's JSON commands into packets (host_json.c): each instruction
 * unit, policies created and destroyed, every refusal with its reason,
 * and objects cut and glued in a byte stream.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <vmp_protocol.h>
#include <vmp_protocol_policy.h>

#include "host_json.h"
#include "test.h"

/* Parse @s as one object, failing the test on a refusal. */
static int
parse_ok(const char *s, uint32_t cpu, struct vmp_proto_packet *pkt)
{
	char why[HOST_JSON_WHY_SZ] = "";
	int ret = host_json_parse(s, strlen(s), cpu, pkt, why, sizeof(why));

	TEST_ASSERT_EQUAL(ret, 0, "%s: refused: %s", s, why);
	TEST_ASSERT_EQUAL(pkt->core_type, VMP_PROTO_CORE_PHYSICAL, "%s", s);
	return TEST_SUCCESS;
}

static int
test_host_json_units(void)
{
	static const struct {
		const char *name;
		uint32_t unit;
	} units[] = {
		{ "SCALE_UP", VMP_PROTO_SCALE_UP },
		{ "SCALE_DOWN", VMP_PROTO_SCALE_DOWN },
		{ "SCALE_MAX", VMP_PROTO_SCALE_MAX },
		{ "SCALE_MIN", VMP_PROTO_SCALE_MIN },
		{ "ENABLE_TURBO", VMP_PROTO_ENABLE_TURBO },
		{ "DISABLE_TURBO", VMP_PROTO_DISABLE_TURBO },
	};
	struct vmp_proto_packet pkt;
	char s[200];
	unsigned int i;

	for (i = 0; i < RTE_DIM(units); i++) {
		snprintf(s, sizeof(s), "{\"instruction\": {\"name\": \"ubuntu\","
			" \"command\": \"power\", \"unit\": \"%s\"}}\n",
			units[i].name);
		TEST_RUN(parse_ok(s, 3, &pkt));
		TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CPU_POWER, "%s", s);
		TEST_ASSERT_EQUAL(pkt.unit, units[i].unit, "%s", s);
		TEST_ASSERT_EQUAL(pkt.resource_id, 3, "the FIFO's CPU");
		TEST_ASSERT_EQUAL(pkt.vm_name[0], 0, "name is not copied");
	}
	/* Upstream's guide: upper-case command, resource_id its own CPU. */
	TEST_RUN(parse_ok("{\"instruction\":{\"command\":\"POWER\","
		"\"unit\":\"SCALE_MIN\",\"resource_id\":10}}", 10, &pkt));
	TEST_ASSERT_EQUAL(pkt.resource_id, 10, "");
	/* A stream with no CPU of its own takes the one named. */
	TEST_RUN(parse_ok("{\"instruction\":{\"resource_id\":1000,"
		"\"unit\":\"SCALE_UP\",\"command\":\"power\"}}",
		HOST_JSON_ANY_CPU, &pkt));
	TEST_ASSERT_EQUAL(pkt.resource_id, 1000, "");
	TEST_ASSERT_EQUAL(pkt.unit, VMP_PROTO_SCALE_UP, "");
	return TEST_SUCCESS;
}

static int
test_host_json_policy(void)
{
	static const uint8_t mac0[6] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x01 };
	static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x0c };
	struct vmp_proto_packet pkt;
	char why[HOST_JSON_WHY_SZ];
	unsigned int i;

	/* Upstream guide's TIME example, on the FIFO of CPU 11. */
	TEST_RUN(parse_ok("{\"policy\": {\n \"name\": \"ubuntu\",\n"
		" \"command\": \"create\",\n \"policy_type\": \"TIME\",\n"
		" \"busy_hours\":[ 17, 18, 19, 20, 21, 22, 23 ],\n"
		" \"quiet_hours\":[ 2, 3, 4, 5, 6 ],\n \"core_list\":[ 11 ]\n"
		"}}\n", 11, &pkt));
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_POLICY, "");
	TEST_ASSERT_EQUAL(pkt.policy_to_use, VMP_PROTO_POLICY_TIME, "");
	TEST_ASSERT_EQUAL(pkt.num_vcpu, 1, "");
	TEST_ASSERT_EQUAL(pkt.vcpu_to_control[0], 11, "");
	TEST_ASSERT_EQUAL(pkt.resource_id, 11, "");
	for (i = 0; i < VMP_PROTO_HOURS; i++) {
		int32_t busy = i < 7 ? (int32_t)(17 + i) : -1;
		int32_t quiet = i < 5 ? (int32_t)(2 + i) : -1;

		TEST_ASSERT_EQUAL(pkt.timer_policy[VMP_PROTO_BUSY_HOURS + i],
			busy, "busy entry %u", i);
		TEST_ASSERT_EQUAL(pkt.timer_policy[VMP_PROTO_QUIET_HOURS + i],
			quiet, "quiet entry %u", i);
		TEST_ASSERT_EQUAL(pkt.timer_policy[VMP_PROTO_TRAFFIC_HOURS + i],
			-1, "traffic entry %u: unused as the guest library's",
			i);
	}
	TEST_ASSERT_EQUAL(vmp_proto_policy_check(&pkt, 12, why, sizeof(why)),
		VMP_PROTO_VALID, "%s", why);

	/* TRAFFIC, both MAC spellings upstream reads; default core. */
	TEST_RUN(parse_ok("{\"policy\":{\"command\":\"create\","
		"\"policy_type\":\"TRAFFIC\",\"mac_list\":[\"de:ad:be:ef:01:01\","
		"\"5254:00AA:bb0c\"],\"avg_packet_thresh\":100000,"
		"\"max_packet_thresh\":4294967295}}", 5, &pkt));
	TEST_ASSERT_EQUAL(pkt.policy_to_use, VMP_PROTO_POLICY_TRAFFIC, "");
	TEST_ASSERT_EQUAL(pkt.nb_mac_to_monitor, 2, "");
	TEST_ASSERT(memcmp(&pkt.vfid[0], mac0, 6) == 0, "MAC 0 wire order");
	TEST_ASSERT(memcmp(&pkt.vfid[1], mac1, 6) == 0, "MAC 1 wire order");
	TEST_ASSERT_EQUAL(pkt.vfid[0] >> 48, 0, "top bytes zero");
	TEST_ASSERT_EQUAL(pkt.traffic_policy[VMP_PROTO_TRAFFIC_MIN], 0, "");
	TEST_ASSERT_EQUAL(pkt.traffic_policy[VMP_PROTO_TRAFFIC_AVG_MAX],
		100000, "");
	TEST_ASSERT_EQUAL(pkt.traffic_policy[VMP_PROTO_TRAFFIC_MAX_MAX],
		UINT32_MAX, "");
	TEST_ASSERT_EQUAL(pkt.num_vcpu, 1, "");
	TEST_ASSERT_EQUAL(pkt.vcpu_to_control[0], 5, "the FIFO's CPU");

	/* WORKLOAD on a stream with no CPU: the core_list it names. */
	TEST_RUN(parse_ok("{\"policy\":{\"command\":\"CREATE\",\"policy_type\":"
		"\"WORKLOAD\",\"workload\":\"MEDIUM\",\"core_list\":[7,3,255]}}",
		HOST_JSON_ANY_CPU, &pkt));
	TEST_ASSERT_EQUAL(pkt.workload, VMP_PROTO_WL_MEDIUM, "");
	TEST_ASSERT_EQUAL(pkt.num_vcpu, 3, "");
	TEST_ASSERT_EQUAL(pkt.vcpu_to_control[2], 255, "");
	TEST_ASSERT_EQUAL(pkt.resource_id, 7, "the first core");
	TEST_RUN(parse_ok("{\"policy\":{\"command\":\"create\","
		"\"policy_type\":\"BRANCH_RATIO\"}}", 2, &pkt));
	TEST_ASSERT_EQUAL(pkt.policy_to_use, VMP_PROTO_POLICY_BRANCH_RATIO,
		"");
	TEST_ASSERT_EQUAL(pkt.workload, VMP_PROTO_WL_LOW, "upstream default");

	/* destroy, on a FIFO and on a stream with no CPU. */
	TEST_RUN(parse_ok("{\"policy\":{\"name\":\"ubuntu\","
		"\"command\":\"destroy\"}}", 4, &pkt));
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_POLICY_REMOVE, "");
	TEST_ASSERT_EQUAL(pkt.resource_id, 4, "");
	TEST_RUN(parse_ok("{\"policy\":{\"command\":\"destroy\"}}",
		HOST_JSON_ANY_CPU, &pkt));
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_POLICY_REMOVE, "");
	return TEST_SUCCESS;
}

#define I(body) "{\"instruction\":{\"command\":\"power\"," body "}}"
#define P(body) "{\"policy\":{\"command\":\"create\"," body "}}"

static const struct {
	const char *json;
	uint32_t cpu;
	const char *why;	/* a part of the reason */
} refusals[] = {
	/* not one object */
	{ "", 3, "no object, only whitespace" },
	{ "  \n", 3, "no object, only whitespace" },
	{ "[1]", 3, "not an object: starts with 0x5b" },
	{ "\"x\"", 3, "not an object: starts with 0x22" },
	{ "{\"instruction\":", 3, "invalid JSON at byte" },
	{ "{\"a\":1,}", 3, "invalid JSON at byte" },
	{ I("\"unit\":\"SCALE_UP\"") " x", 3, "trailing garbage at byte" },
	{ I("\"unit\":\"SCALE_UP\"") "\n" I("\"unit\":\"SCALE_UP\""), 3,
		"several objects: another starts at byte 54" },
	{ "{}", 3, "0 keys at the top" },
	{ "{\"instruction\":{},\"policy\":{}}", 3, "2 keys at the top" },
	{ "{\"order\":{}}", 3, "order: unknown key, not \"instruction\"" },
	{ "{\"instruction\":[]}", 3, "instruction.an array, not an object" },
	{ "{\"a\":1,\"a\":2}", 3, "invalid JSON at byte" },	/* duplicate */
	/* instruction */
	{ "{\"instruction\":{\"unit\":\"SCALE_UP\"}}", 3,
		"instruction.command: missing" },
	{ I("\"unit\":\"SCALE_UP\",\"command\":\"power\""), 3,
		"invalid JSON at byte" },		/* duplicate command */
	{ "{\"instruction\":{\"command\":\"create\"}}", 3,
		"instruction.command: \"create\" is not \"power\"" },
	{ "{\"instruction\":{\"command\":7}}", 3,
		"instruction.command: an integer, not a string" },
	{ I("\"resource_id\":3"), 3, "instruction.unit: missing" },
	{ I("\"unit\":\"SCALE_SIDEWAYS\""), 3,
		"instruction.unit: unknown value \"SCALE_SIDEWAYS\"" },
	{ I("\"unit\":\"scale_up\""), 3, "unit: unknown value" },
	{ I("\"unit\":null"), 3, "instruction.unit: null, not a string" },
	{ I("\"unit\":\"SCALE_UP\",\"colour\":1"), 3,
		"instruction.colour: unknown key" },
	{ I("\"unit\":\"SCALE_UP\",\"busy_hours\":[]"), 3,
		"instruction.busy_hours: a key of policy, not of instruction" },
	{ I("\"unit\":\"SCALE_UP\",\"resource_id\":4"), 3,
		"instruction.resource_id: CPU 4 is not this channel's CPU 3" },
	{ I("\"unit\":\"SCALE_UP\",\"resource_id\":-1"), 3,
		"resource_id: -1 out of range 0 to 4294967294" },
	{ I("\"unit\":\"SCALE_UP\",\"resource_id\":1.0"), 3,
		"resource_id: a real number, not an integer" },
	{ I("\"unit\":\"SCALE_UP\",\"resource_id\":99999999999999999999"), 3,
		"invalid JSON at byte" },
	{ I("\"unit\":\"SCALE_UP\""), HOST_JSON_ANY_CPU,
		"instruction.resource_id: missing, and this channel has no CPU" },
	{ I("\"unit\":\"SCALE_UP\",\"name\":"
		"\"a-name-of-thirty-three-bytes-long\""), 3,
		"instruction.name: 33 bytes, longer than 32" },
	/* policy */
	{ "{\"policy\":{\"command\":\"power\"}}", 3,
		"policy.command: \"power\" is neither \"create\" nor" },
	{ P("\"unit\":\"SCALE_UP\""), 3,
		"policy.unit: a key of instruction, not of policy" },
	{ P("\"policy_type\":\"SOMETIMES\""), 3,
		"policy.policy_type: unknown value \"SOMETIMES\"" },
	{ P("\"workload\":\"EXTREME\""), 3,
		"policy.workload: unknown value \"EXTREME\"" },
	{ P("\"busy_hours\":[1,24]"), 3,
		"policy.busy_hours[1]: 24 out of range 0 to 23" },
	{ P("\"quiet_hours\":[\"1\"]"), 3,
		"policy.quiet_hours[0]: a string, not an integer" },
	{ P("\"quiet_hours\":3"), 3,
		"policy.quiet_hours: an integer, not an array" },
	{ P("\"busy_hours\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
		"18,19,20,21,22,23,0]"), 3,
		"policy.busy_hours: 25 entries, more than 24" },
	{ P("\"core_list\":[4]"), 3,
		"policy.core_list[0]: CPU 4 is not this channel's CPU 3" },
	{ P("\"core_list\":[3,3]"), HOST_JSON_ANY_CPU,
		"policy.core_list[1]: CPU 3 named twice" },
	{ P("\"core_list\":[256]"), HOST_JSON_ANY_CPU,
		"policy.core_list[0]: 256 out of range 0 to 255" },
	{ P("\"core_list\":[]"), HOST_JSON_ANY_CPU, "core_list: empty" },
	{ P("\"core_list\":[0,1,2,3,4,5,6,7,8]"), HOST_JSON_ANY_CPU,
		"policy.core_list: 9 entries, more than 8" },
	{ P("\"policy_type\":\"TIME\""), HOST_JSON_ANY_CPU,
		"policy.core_list: missing, and this channel has no CPU" },
	{ P("\"resource_id\":300"), HOST_JSON_ANY_CPU,
		"policy.resource_id: CPU 300 cannot be managed by a policy" },
	{ P("\"policy_type\":\"TRAFFIC\",\"avg_packet_thresh\":1,"
		"\"max_packet_thresh\":2"), 3,
		"policy.mac_list: a TRAFFIC policy needs at least one MAC" },
	{ P("\"policy_type\":\"TRAFFIC\",\"mac_list\":[\"00:11:22:33:44:55\"],"
		"\"avg_packet_thresh\":1"), 3,
		"policy.max_packet_thresh: a TRAFFIC policy needs it" },
	{ P("\"avg_packet_thresh\":5,\"max_packet_thresh\":4"), 3,
		"policy.avg_packet_thresh: 5 above max_packet_thresh 4" },
	{ P("\"max_packet_thresh\":4294967296"), 3,
		"max_packet_thresh: 4294967296 out of range 0 to 4294967295" },
	{ P("\"mac_list\":[\"00:11:22:33:44\"]"), 3,
		"policy.mac_list[0]: \"00:11:22:33:44\" is not a MAC address" },
	{ P("\"mac_list\":[\"00:11:22:33:44:5g\"]"), 3,
		"is not a MAC address" },
	{ P("\"mac_list\":[\"0011-2233-4455\"]"), 3, "is not a MAC address" },
	{ P("\"mac_list\":[\"00:11:22:33:44:55:66\"]"), 3,
		"policy.mac_list[0]: 20 bytes, longer than 17" },
	{ P("\"mac_list\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
		"\"a\",\"a\",\"a\"]"), 3,
		"policy.mac_list: 11 entries, more than 10" },
};

static int
test_host_json_refusals(void)
{
	struct vmp_proto_packet pkt;
	char why[HOST_JSON_WHY_SZ];
	char *big;
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(refusals); i++) {
		why[0] = '\0';
		ret = host_json_parse(refusals[i].json, strlen(refusals[i].json),
			refusals[i].cpu, &pkt, why, sizeof(why));
		TEST_ASSERT_EQUAL(ret, -EINVAL, "%s", refusals[i].json);
		TEST_ASSERT(strstr(why, refusals[i].why) != NULL,
			"%s: reason \"%s\" lacks \"%s\"", refusals[i].json,
			why, refusals[i].why);
	}
	/* Too long, even if valid: the bound of a listener's buffer. */
	big = malloc(HOST_JSON_MAX + 2);
	TEST_ASSERT(big != NULL, "");
	memset(big, ' ', HOST_JSON_MAX + 1);
	memcpy(big, "{\"policy\":{\"command\":\"destroy\"}}", 32);
	ret = host_json_parse(big, HOST_JSON_MAX + 1, 3, &pkt, why,
		sizeof(why));
	TEST_ASSERT_EQUAL(ret, -EINVAL, "");
	TEST_ASSERT(strstr(why, "4097 bytes, longer than 4096") != NULL, "%s",
		why);
	TEST_ASSERT_EQUAL(host_json_parse(big, HOST_JSON_MAX, 3, &pkt, why,
		sizeof(why)), 0, "%s", why);
	free(big);
	/* A NULL reason is allowed. */
	TEST_ASSERT_EQUAL(host_json_parse("[]", 2, 3, &pkt, NULL, 0), -EINVAL,
		"");
	return TEST_SUCCESS;
}

/*
 * Feed @s to host_json_next() in pieces of @step bytes, as a listener
 * reads; return the packets' units (CPU_POWER) or 100 + command in
 * @got, -1 for each refusal.
 */
static int
feed(const char *s, size_t step, int *got, unsigned int max)
{
	size_t len = strlen(s), off = 0, have = 0, used;
	struct vmp_proto_packet pkt;
	char why[HOST_JSON_WHY_SZ];
	char buf[2 * HOST_JSON_MAX];
	unsigned int n = 0;
	int ret;

	while (off < len) {
		size_t take = RTE_MIN(step, len - off);

		memcpy(buf + have, s + off, take);
		have += take;
		off += take;
		do {
			ret = host_json_next(buf, have, 3, &pkt, &used, why,
				sizeof(why));
			if (used > have)
				return -1;
			memmove(buf, buf + used, have - used);
			have -= used;
			if (ret != 0 && n < max)
				got[n++] = ret < 0 ? -1 :
					pkt.command == VMP_PROTO_CPU_POWER ?
					(int)pkt.unit : 100 + (int)pkt.command;
		} while (ret != 0);
	}
	return have == 0 ? (int)n : -2 - (int)have;
}

static int
test_host_json_stream(void)
{
	/* What `echo ... > fifo3` writes, twice, then glued ones. */
	const char *s = I("\"unit\":\"SCALE_MAX\"") "\n"
		I("\"unit\":\"SCALE_MIN\"") "\n"
		"{\"policy\":{\"command\":\"destroy\"}}"
		I("\"unit\":\"SCALE_UP\",\"x\":\"}{\\\"\"")	/* refused */
		I("\"unit\":\"ENABLE_TURBO\",\"name\":\"\\u00e9t\xc3\xa9\"")
		"  \r\n\t";
	const int want[] = { VMP_PROTO_SCALE_MAX, VMP_PROTO_SCALE_MIN,
		100 + VMP_PROTO_POLICY_REMOVE, -1, VMP_PROTO_ENABLE_TURBO };
	struct vmp_proto_packet pkt;
	char why[HOST_JSON_WHY_SZ];
	size_t step, used, len = strlen(s);
	char *big;
	int got[8];
	int n;

	for (step = 1; step <= len; step++) {
		n = feed(s, step, got, RTE_DIM(got));
		TEST_ASSERT_EQUAL(n, RTE_DIM(want), "pieces of %zu bytes", step);
		TEST_ASSERT(memcmp(got, want, sizeof(want)) == 0,
			"pieces of %zu bytes: %d %d %d %d %d", step, got[0],
			got[1], got[2], got[3], got[4]);
	}

	/* A cut anywhere in an object is "more bytes, please". */
	for (step = 0; step < strlen(s); step++) {
		size_t end = strcspn(s, "\n");

		if (step >= end)
			break;
		TEST_ASSERT_EQUAL(host_json_split(s, step, &used, why,
			sizeof(why)), 0, "cut at %zu: %s", step, why);
	}
	/* Garbage: everything buffered goes. */
	TEST_ASSERT_EQUAL(host_json_next("hello {}", 8, 3, &pkt, &used, why,
		sizeof(why)), -EINVAL, "");
	TEST_ASSERT_EQUAL(used, 8, "");
	TEST_ASSERT(strstr(why, "starts with 0x68") != NULL, "%s", why);
	TEST_ASSERT_EQUAL(host_json_next("{\"a\" 1} {\"b\":2}", 15, 3, &pkt,
		&used, why, sizeof(why)), -EINVAL, "");
	TEST_ASSERT_EQUAL(used, 15, "");
	TEST_ASSERT(strstr(why, "invalid JSON at byte") != NULL, "%s", why);
	/* Leading whitespace is handed back to drop. */
	TEST_ASSERT_EQUAL(host_json_next(" \n {\"ins", 9, 3, &pkt, &used, why,
		sizeof(why)), 0, "");
	TEST_ASSERT_EQUAL(used, 3, "");

	/* No object ends within 4 KiB: refused, not waited for. */
	big = malloc(HOST_JSON_MAX + 100);
	TEST_ASSERT(big != NULL, "");
	memset(big, ' ', HOST_JSON_MAX + 100);
	big[10] = '{';
	memcpy(big + 11, "\"a\":\"", 5);
	TEST_ASSERT_EQUAL(host_json_split(big, HOST_JSON_MAX - 1, &used, why,
		sizeof(why)), 0, "");
	TEST_ASSERT_EQUAL(used, 10, "");
	n = host_json_split(big, HOST_JSON_MAX + 100, &used, why, sizeof(why));
	TEST_ASSERT_EQUAL(n, -EINVAL, "");
	TEST_ASSERT_EQUAL(used, HOST_JSON_MAX + 100, "");
	TEST_ASSERT(strstr(why, "no object ends within 4096 bytes") != NULL,
		"%s", why);
	memset(big, ' ', HOST_JSON_MAX + 100);
	n = host_json_split(big, HOST_JSON_MAX, &used, why, sizeof(why));
	TEST_ASSERT_EQUAL(n, -EINVAL, "4 KiB of whitespace: %s", why);
	free(big);
	return TEST_SUCCESS;
}

REGISTER_TEST(host_json_units, test_host_json_units);
REGISTER_TEST(host_json_policy, test_host_json_policy);
REGISTER_TEST(host_json_refusals, test_host_json_refusals);
REGISTER_TEST(host_json_stream, test_host_json_stream);
