/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Forwarding as upstream l3fwd-power does it, through the built binary on
 * net_pcap ports: upstream's route table, route misses sent back out the
 * input port (or dropped, our default), jumbo frames with --max-pkt-len,
 * and a pool and route table per NUMA socket in use.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "test.h"
#include "test_l3fwd_app.h"
#include "test_l3fwd_pcap.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* Frames in on port 0; where upstream's table with reflect sends them. */
static const struct { uint32_t dst; unsigned int port; int miss; } cases[] = {
	{ IP(1, 1, 1, 5), 0, 0 },	/* 1.1.1.0/24 -> 0 */
	{ IP(2, 1, 1, 5), 1, 0 },	/* 2.1.1.0/24 -> 1 */
	{ IP(3, 1, 1, 5), 0, 1 },	/* -> 2, not in the mask */
	{ IP(8, 1, 1, 200), 0, 1 },	/* -> 7, not in the mask */
	{ IP(198, 18, 1, 1), 0, 1 },	/* no route in upstream's */
	{ IP(9, 9, 9, 9), 0, 1 },	/* no route */
};

static int
write_cases(struct l3fwd_app *a, char *in, size_t size)
{
	uint8_t fr[L3FWD_FRAME_MAX];
	unsigned int i;
	FILE *f = l3fwd_pcap_create(l3fwd_app_file(a, "in.pcap", in, size));

	TEST_ASSERT(f != NULL, "");
	for (i = 0; i < RTE_DIM(cases); i++) {
		size_t len = l3fwd_frame_build(fr, cases[i].dst, 9, i, 0);

		TEST_ASSERT_EQUAL(l3fwd_pcap_add(f, fr, len), 0, "");
	}
	TEST_ASSERT_EQUAL(l3fwd_pcap_close(f), 0, "");
	return TEST_SUCCESS;
}

static int
run_miss(struct l3fwd_app *a, const char *miss)
{
	int reflect = strcmp(miss, "reflect") == 0;
	char in[PATH_MAX], path[PATH_MAX];
	unsigned int i, p, n[2] = { 0, 0 }, misses = 0;
	struct l3fwd_frames out;
	int64_t v;

	TEST_RUN(write_cases(a, in, sizeof(in)));
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=%s/out0.pcap --vdev net_pcap1,tx_pcap=%s/out1.pcap -- "
		"-p 3 --env none --routes upstream --route-miss %s "
		"--stats-interval 50", in, a->dir, a->dir, miss), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "port", 0, "rx",
		RTE_DIM(cases), 10000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGTERM, 5000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "8 routes from upstream's table"),
		1, "");
	for (i = 0; i < RTE_DIM(cases); i++)
		misses += cases[i].miss;
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, "reflected", &v), 0,
		"");
	TEST_ASSERT_EQUAL(v, reflect ? misses : 0, "reflected");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, "no_route", &v), 0,
		"");
	TEST_ASSERT_EQUAL(v, reflect ? 0 : misses, "dropped for no route");
	for (p = 0; p < 2; p++) {
		snprintf(path, sizeof(path), "%s/out%u.pcap", a->dir, p);
		TEST_ASSERT_EQUAL(l3fwd_pcap_read(path, &out), 0, "");
		for (i = 0; i < out.nb; i++) {
			const uint8_t *d = out.f[i].data;
			uint32_t id = l3fwd_frame_id(d, out.f[i].len);

			TEST_ASSERT(id < RTE_DIM(cases), "");
			TEST_ASSERT(reflect || !cases[id].miss, "case %u", id);
			TEST_ASSERT_EQUAL(cases[id].port, p, "case %u", id);
			/* Routed or reflected, a router's work is done. */
			TEST_ASSERT_EQUAL(d[L3FWD_OFF_TTL], 8, "case %u", id);
			TEST_ASSERT(l3fwd_frame_cksum_ok(d), "case %u", id);
			TEST_ASSERT_EQUAL(d[5], p, "next hop 02:..:0%u", p);
			n[p]++;
		}
		l3fwd_frames_free(&out);
	}
	TEST_ASSERT_EQUAL(n[0], reflect ? 1 + misses : 1, "");
	TEST_ASSERT_EQUAL(n[1], 1, "");
	return TEST_SUCCESS;
}

static int
test_l3fwd_route_miss(void)
{
	static const char *const modes[] = { "reflect", "drop" };
	unsigned int m;
	int ret = TEST_SUCCESS;

	for (m = 0; m < RTE_DIM(modes) && ret == TEST_SUCCESS; m++) {
		struct l3fwd_app a;

		TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
		ret = run_miss(&a, modes[m]);
		l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	}
	return ret;
}
REGISTER_TEST(l3fwd_route_miss, test_l3fwd_route_miss);

#define JUMBO_LEN	9000

/*
 * A 9,000-byte frame with --max-pkt-len 9600: the ports take an MTU of
 * 9582 (upstream's arithmetic) and the frame goes through whole, in one
 * mbuf. The default pool and route table are those of socket 0.
 */
static int
run_jumbo(struct l3fwd_app *a)
{
	static uint8_t big[JUMBO_LEN];
	char in[PATH_MAX], path[PATH_MAX];
	struct l3fwd_frames out;
	size_t len = l3fwd_frame_build(big, IP(198, 18, 1, 7), 9, 42, 0);
	FILE *f;

	/* Grow the payload: IP total length, then the checksum. */
	memset(big + len, 0xa5, JUMBO_LEN - len);
	big[L3FWD_OFF_IP + 2] = (JUMBO_LEN - L3FWD_ETH_LEN) >> 8;
	big[L3FWD_OFF_IP + 3] = (JUMBO_LEN - L3FWD_ETH_LEN) & 0xff;
	l3fwd_frame_fix_cksum(big);
	f = l3fwd_pcap_create(l3fwd_app_file(a, "in.pcap", in, sizeof(in)));
	TEST_ASSERT(f != NULL, "");
	TEST_ASSERT_EQUAL(l3fwd_pcap_add(f, big, JUMBO_LEN), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_pcap_close(f), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=/dev/null --vdev net_pcap1,tx_pcap=%s/out1.pcap -- "
		"-p 3 --env none --max-pkt-len 9600 --stats-interval 50", in,
		a->dir), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "port", 1, "tx", 1, 10000),
		0, "forwarded");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGTERM, 5000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "rxq=1 txq=1 mtu=9582"), 2, "");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "socket 0: mbuf pool of"), 1,
		"one pool for the one socket in use");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "socket 0: 2 routes from"), 1,
		"");
	snprintf(path, sizeof(path), "%s/out1.pcap", a->dir);
	TEST_ASSERT_EQUAL(l3fwd_pcap_read(path, &out), 0, "");
	TEST_ASSERT_EQUAL(out.nb, 1, "");
	TEST_ASSERT_EQUAL(out.f[0].len, JUMBO_LEN, "whole");
	TEST_ASSERT(memcmp(out.f[0].data + JUMBO_LEN - 64, big + JUMBO_LEN -
		64, 64) == 0, "payload intact");
	TEST_ASSERT(l3fwd_frame_cksum_ok(out.f[0].data), "");
	l3fwd_frames_free(&out);
	/* Beyond upstream's bounds: refused. */
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_null0 -- -p 1 "
		"--env none --max-pkt-len 9601"), 0, "");
	TEST_ASSERT(l3fwd_app_stop(a, 0, 5000) > 0, "fails");
	TEST_ASSERT(l3fwd_app_count(a, "invalid --max-pkt-len '9601'") == 1,
		"");
	return TEST_SUCCESS;
}

static int
test_l3fwd_jumbo(void)
{
	struct l3fwd_app a;
	int ret;

	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	ret = run_jumbo(&a);
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	return ret;
}
REGISTER_TEST(l3fwd_jumbo, test_l3fwd_jumbo);
