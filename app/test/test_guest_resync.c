/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * RESYNC in the guest library: the host that lost this lcore's vote gets
 * the last level again, as the fewest requests that rebuild it, on the
 * next call that reads the port; nothing else is sent.
 */

#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include <vmp_guest_channel.h>

#include "test.h"
#include "test_port.h"

enum { UP = VMP_PROTO_SCALE_UP, DOWN = VMP_PROTO_SCALE_DOWN,
	MAX = VMP_PROTO_SCALE_MAX, MIN = VMP_PROTO_SCALE_MIN,
	TON = VMP_PROTO_ENABLE_TURBO, TOFF = VMP_PROTO_DISABLE_TURBO };

static const struct vmp_proto_packet resync_msg = {
	.command = VMP_PROTO_RESYNC,
};

/* What the guest asked, and what it must send again after a RESYNC. */
static const struct {
	uint32_t asked[8];
	uint32_t again[8];
} cases[] = {
	{ { 0 }, { 0 } },			/* nothing asked: nothing */
	{ { MIN }, { MIN } },
	{ { MAX, MIN }, { MIN } },
	{ { MIN, UP, UP, DOWN }, { MIN, UP } },
	{ { MIN, DOWN, DOWN, UP }, { MIN, UP } },	/* DOWN at MIN: none */
	{ { MAX, UP, DOWN, DOWN }, { MAX, DOWN, DOWN } },	/* UP at MAX */
	{ { UP, UP, DOWN }, { UP } },		/* from where the host is */
	{ { TON, DOWN }, { TON, DOWN } },
	{ { TON, TOFF }, { MAX } },
	{ { TON, DOWN, DOWN, TOFF }, { MAX, DOWN } },
	{ { TON, MIN, UP }, { TON, MIN, UP } },
	{ { TON, MIN, TOFF, UP }, { MIN, UP } },
};

/* Write a RESYNC and poll until the library has read it (a pty hands
 * bytes over through a work queue: not at once). */
static int
resync(struct test_port *p, unsigned int lcore)
{
	struct vmp_guest_channel_stats st = { 0 };
	int i;

	TEST_ASSERT_EQUAL(test_port_reply(p, &resync_msg), 0, "");
	for (i = 0; i < test_slow_ms(1000) && st.resyncs == 0; i++) {
		TEST_ASSERT(vmp_guest_channel_poll(lcore) >= 0, "");
		TEST_ASSERT_EQUAL(vmp_guest_channel_stats(lcore, &st), 0, "");
		if (st.resyncs == 0)
			usleep(1000);
	}
	TEST_ASSERT_EQUAL(st.resyncs, 1, "RESYNC not read");
	return TEST_SUCCESS;
}

/* Open lcore @lcore on a fresh port; its CONNECT says it takes RESYNC. */
static int
open_port(struct test_port *p, unsigned int lcore)
{
	struct vmp_proto_packet pkt;

	TEST_ASSERT_EQUAL(test_port_create(p, lcore, 300, 300), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(lcore), 0, "");
	TEST_ASSERT_EQUAL(test_port_read(p, &pkt, 1000), 0, "CONNECT");
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CONNECT, "");
	TEST_ASSERT_EQUAL(pkt.unit, VMP_PROTO_CONNECT_VMPOWER, "");
	return TEST_SUCCESS;
}

static int
check_case(unsigned int c)
{
	struct vmp_guest_channel_stats st;
	struct vmp_proto_packet pkt;
	struct test_port p;
	unsigned int i;

	TEST_RUN(open_port(&p, 1));
	for (i = 0; i < RTE_DIM(cases[c].asked) && cases[c].asked[i]; i++) {
		TEST_ASSERT_EQUAL(vmp_guest_channel_send(1,
			cases[c].asked[i]), 0, "case %u", c);
		TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
	}
	/* Nothing is sent again unasked. */
	TEST_ASSERT(vmp_guest_channel_poll(1) >= 0, "");
	TEST_ASSERT_EQUAL(test_port_pending(&p), 0, "case %u", c);
	TEST_RUN(resync(&p, 1));
	for (i = 0; i < RTE_DIM(cases[c].again) && cases[c].again[i]; i++) {
		TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0,
			"case %u: request %u missing", c, i);
		TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CPU_POWER, "");
		TEST_ASSERT_EQUAL(pkt.unit, cases[c].again[i],
			"case %u, request %u", c, i);
		TEST_ASSERT_EQUAL(pkt.resource_id, 1, "");
	}
	usleep(10000);
	TEST_ASSERT(vmp_guest_channel_poll(1) >= 0, "");
	TEST_ASSERT_EQUAL(test_port_pending(&p), 0, "case %u: more sent", c);
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(1, &st), 0, "");
	TEST_ASSERT_EQUAL(st.resyncs, 1, "");
	/* RESYNC answers no request: nothing lost or unexpected. */
	TEST_ASSERT_EQUAL(st.unexpected + st.lost, 0, "");
	vmp_guest_channel_close(1);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}

static int
test_guest_resync(void)
{
	unsigned int c;

	for (c = 0; c < RTE_DIM(cases); c++)
		TEST_RUN(check_case(c));
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_resync, test_guest_resync);

/* Steps past any frequency table are not replayed one by one. */
static int
test_guest_resync_bounded(void)
{
	struct vmp_proto_packet pkt;
	struct test_port p;
	unsigned int i, ups = 0;

	TEST_RUN(open_port(&p, 2));
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(2, MIN), 0, "");
	TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
	for (i = 0; i < 200; i++) {
		TEST_ASSERT_EQUAL(vmp_guest_channel_send(2, UP), 0, "");
		TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
	}
	TEST_RUN(resync(&p, 2));
	TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
	TEST_ASSERT_EQUAL(pkt.unit, MIN, "");
	/* A pty holds a few packets: what a full port stopped, the next
	 * poll sends on. */
	for (i = 0; i < 200; i++) {
		while (test_port_pending(&p) >= (int)sizeof(pkt)) {
			TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 100), 0, "");
			TEST_ASSERT_EQUAL(pkt.unit, UP, "");
			ups++;
		}
		TEST_ASSERT(vmp_guest_channel_poll(2) >= 0, "");
		usleep(1000);
	}
	TEST_ASSERT_EQUAL(ups, 64, "");
	vmp_guest_channel_close(2);
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_resync_bounded, test_guest_resync_bounded);

/* A request the host refused moved no vote: it is not sent again; a
 * RESYNC between a request and its reply leaves the pairing intact. */
static int
test_guest_resync_sync(void)
{
	struct vmp_guest_channel_stats st;
	struct test_peer peer = { 0 };
	struct test_port p;
	int i;

	TEST_RUN(open_port(&p, 0));
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, MIN), VMP_PROTO_ACK,
		"");
	peer.nack = 1;
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, MAX), VMP_PROTO_NACK,
		"");
	peer.nack = 0;
	/* Answered at once, the MIN's ACK then comes before DOWN's. */
	TEST_RUN(resync(&p, 0));
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, DOWN), VMP_PROTO_ACK,
		"");
	for (i = 0; i < test_slow_ms(100) && peer.replies < 4; i++)
		usleep(10000);
	TEST_ASSERT_EQUAL(peer.units[MIN], 2, "MIN again");
	TEST_ASSERT_EQUAL(peer.units[MAX], 1, "refused MAX not again");
	TEST_ASSERT_EQUAL(peer.units[DOWN], 1, "");
	TEST_ASSERT(vmp_guest_channel_poll(0) >= 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.acks, 3, "");
	TEST_ASSERT_EQUAL(st.unexpected + st.lost, 0, "");
	test_peer_stop(&peer);
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_resync_sync, test_guest_resync_sync);
