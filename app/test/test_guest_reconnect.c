/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The host socket transport when its daemon goes away and comes back
 * (a restart): the library connects again at the next call, says
 * CONNECT and the lcore's level again, as it answers a RESYNC in a VM.
 * The test plays the daemon with a real listening socket.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vmp_guest_channel.h>

#include "test.h"
#include "test_virt.h"

#define LCORE	3

enum { UP = VMP_PROTO_SCALE_UP, MAX = VMP_PROTO_SCALE_MAX,
	MIN = VMP_PROTO_SCALE_MIN };

/* The next packet on @c: its command and unit; -1 if none in @ms. */
static int
next(int c, int ms, uint32_t *unit)
{
	struct vmp_proto_packet p;
	struct pollfd pf = { .fd = c, .events = POLLIN };
	size_t got = 0;

	while (got < sizeof(p)) {
		ssize_t n;

		if (poll(&pf, 1, test_slow_ms(ms)) != 1)
			return -1;
		n = read(c, (char *)&p + got, sizeof(p) - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	*unit = p.unit;
	return (int)p.command;
}

/* CONNECT, then exactly the CPU_POWER units @want (0-terminated). */
static int
expect_units(int c, const uint32_t *want)
{
	uint32_t unit;
	unsigned int i;

	TEST_ASSERT_EQUAL(next(c, 1000, &unit), VMP_PROTO_CONNECT, "");
	TEST_ASSERT_EQUAL(unit, VMP_PROTO_CONNECT_VMPOWER, "takes RESYNC");
	for (i = 0; want[i] != 0; i++) {
		TEST_ASSERT_EQUAL(next(c, 1000, &unit), VMP_PROTO_CPU_POWER,
			"request %u", i);
		TEST_ASSERT_EQUAL(unit, want[i], "request %u", i);
	}
	TEST_ASSERT_EQUAL(next(c, 50, &unit), -1, "more: unit %u", unit);
	return TEST_SUCCESS;
}

/* A daemon that reads one request, then closes without answering. */
static void *
read_then_close(void *arg)
{
	int c = *(int *)arg;
	uint32_t unit;

	next(c, 5000, &unit);
	close(c);
	return NULL;
}

static int
reconnect_steps(const char *sock, int *l, int *c)
{
	static const uint32_t min_up[] = { MIN, UP, 0 };
	struct vmp_guest_channel_stats st;
	pthread_t t;

	TEST_ASSERT_EQUAL(vmp_guest_channel_open(LCORE), 0, "");
	*c = test_virt_accept(*l);
	TEST_ASSERT(*c >= 0, "");
	TEST_ASSERT_EQUAL(expect_units(*c, (const uint32_t[]){ 0 }), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(LCORE, MIN), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(LCORE, UP), 0, "");

	/* The daemon stops: its connection and socket go. The replies owed
	 * are lost; each call fails with -EPIPE while none listens. */
	close(*c);
	close(*l);
	*c = *l = -1;
	TEST_ASSERT_EQUAL(unlink(sock), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(LCORE), -EPIPE, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(LCORE), -EPIPE, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(LCORE, MAX), -EPIPE, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(LCORE, &st), 0, "");
	TEST_ASSERT_EQUAL(st.lost, 2, "MIN's and UP's replies");
	TEST_ASSERT_EQUAL(st.resyncs, 0, "");

	/* A new daemon: the next poll connects; MIN and UP again, not the
	 * MAX that was never sent. */
	*l = test_unix_listen(sock);
	TEST_ASSERT(*l >= 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(LCORE), 0, "");
	*c = test_virt_accept(*l);
	TEST_ASSERT(*c >= 0, "no connection again");
	TEST_RUN(expect_units(*c, min_up));
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(LCORE, &st), 0, "");
	TEST_ASSERT_EQUAL(st.resyncs, 1, "counted as a resync");

	/* A request in flight when the daemon closes: -EPIPE, and the
	 * level sent again is without it (the new daemon has not seen it;
	 * the caller may ask again). */
	TEST_ASSERT_EQUAL(pthread_create(&t, NULL, read_then_close, c), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(LCORE, MAX), -EPIPE, "");
	pthread_join(t, NULL);
	*c = test_virt_accept(*l);
	TEST_ASSERT(*c >= 0, "no connection again");
	TEST_RUN(expect_units(*c, min_up));
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(LCORE, &st), 0, "");
	TEST_ASSERT_EQUAL(st.resyncs, 2, "");
	/* Nor is it in the level kept for the next time. */
	close(*c);
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(LCORE), 0, "");
	*c = test_virt_accept(*l);
	TEST_ASSERT(*c >= 0, "no connection again");
	TEST_RUN(expect_units(*c, min_up));
	return TEST_SUCCESS;
}

static int
test_guest_host_reconnect(void)
{
	char dir[] = "/tmp/vmp_grc.XXXXXX", sock[64];
	int l, c = -1, ret;

	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	snprintf(sock, sizeof(sock), "%s/vmpower.sock", dir);
	l = test_unix_listen(sock);
	TEST_ASSERT(l >= 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_host_socket(sock), 0, "");
	ret = reconnect_steps(sock, &l, &c);
	vmp_guest_channel_close(LCORE);
	vmp_guest_channel_set_host_socket(NULL);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	return ret;
}
REGISTER_TEST(guest_host_reconnect, test_guest_host_reconnect);
