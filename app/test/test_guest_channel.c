/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include <vmp_guest_channel.h>

#include "test.h"
#include "test_port.h"

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Open lcore @lcore on a fresh port and consume its CONNECT. */
static int
open_port(struct test_port *p, unsigned int lcore, unsigned int reply_ms)
{
	struct vmp_proto_packet pkt;

	TEST_ASSERT_EQUAL(test_port_create(p, lcore, 300, reply_ms), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(lcore), 0, "");
	TEST_ASSERT_EQUAL(test_port_read(p, &pkt, 1000), 0, "CONNECT");
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CONNECT, "");
	return TEST_SUCCESS;
}

/* Frames are whole 464-byte packets with the fields the host needs. */
static int
test_guest_frame(void)
{
	struct vmp_guest_channel_conf conf = { .vm_name = "guest-7" };
	struct test_port p;
	struct vmp_proto_packet pkt;
	uint32_t unit;

	TEST_ASSERT_EQUAL(test_port_create(&p, 3, 300, 300), 0, "");
	conf.path_prefix = p.prefix;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(3), 0, "");
	TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CONNECT, "");
	TEST_ASSERT_STR(pkt.vm_name, "guest-7");
	/* Without EAL the lcore's CPU is unknown: lcore id stands in. */
	TEST_ASSERT_EQUAL(vmp_guest_channel_get_vcpu(3), 3, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_vcpu(3, 5), 0, "");
	for (unit = VMP_PROTO_SCALE_UP; unit <= VMP_PROTO_DISABLE_TURBO;
			unit++) {
		TEST_ASSERT_EQUAL(vmp_guest_channel_send(3, unit), 0, "");
		TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
		TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CPU_POWER, "");
		TEST_ASSERT_EQUAL(pkt.unit, unit, "");
		TEST_ASSERT_EQUAL(pkt.resource_id, 5, "");
		TEST_ASSERT_EQUAL(pkt.core_type, VMP_PROTO_CORE_VIRTUAL, "");
		TEST_ASSERT_STR(pkt.vm_name, "guest-7");
		TEST_ASSERT_EQUAL(vmp_proto_check(&pkt, 6, "guest-7"),
			VMP_PROTO_VALID, "");
	}
	/* Nothing more than the six whole packets went out. */
	usleep(20000);
	TEST_ASSERT_EQUAL(test_port_pending(&p), 0, "");
	vmp_guest_channel_close(3);
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_frame, test_guest_frame);

/* A second opener of a port gets a clear error. */
static int
test_guest_exclusive(void)
{
	struct test_port p;

	TEST_RUN(open_port(&p, 0, 300));
	test_log_capture();
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(0), -EALREADY, "");
	TEST_ASSERT_LOG("already open for lcore 0");
	/* Same port under another lcore's name: the lock refuses it. */
	TEST_ASSERT_EQUAL(test_port_alias(&p, 1), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(1), -EBUSY, "");
	TEST_ASSERT_LOG("port.1: channel is held by another opener");
	TEST_ASSERT(!vmp_guest_channel_is_open(1), "");
	/* Once released it can be taken. */
	TEST_ASSERT_EQUAL(vmp_guest_channel_close(0), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(1), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_close(1), 0, "");
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_exclusive, test_guest_exclusive);

/* A channel the host does not read reports EAGAIN, never blocks. */
static int
test_guest_eagain(void)
{
	struct vmp_guest_channel_stats st;
	struct test_port p;
	uint64_t t0;
	size_t drained;
	int ret = 0, sent = 0;

	TEST_RUN(open_port(&p, 0, 300));
	test_log_capture();
	t0 = ms_now();
	while (sent < 10000 &&
			(ret = vmp_guest_channel_send(0, VMP_PROTO_SCALE_UP)) == 0)
		sent++;
	TEST_ASSERT_EQUAL(ret, -EAGAIN, "after %d requests", sent);
	TEST_ASSERT(ms_now() - t0 < 1000, "sending blocked");
	TEST_ASSERT_LOG("host daemon is not attached to this port, or not "
		"reading it");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.eagain, 1, "");
	TEST_ASSERT_EQUAL(st.sent, sent + 1, "CONNECT and the requests");
	/*
	 * A pty may take the last packet in part; the library keeps the tail
	 * and sends it first once there is room, so the host sees whole
	 * packets only.
	 */
	drained = test_port_drain(&p);
	TEST_ASSERT(drained > (size_t)(sent - 1) * 464, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(0, VMP_PROTO_SCALE_UP), 0,
		"once the host reads again");
	TEST_ASSERT_LOG("host daemon attached again");
	drained += test_port_drain(&p);
	TEST_ASSERT_EQUAL(drained, (size_t)(sent + 1) * 464, "");
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_eagain, test_guest_eagain);

struct drain {
	struct test_port *p;
	size_t bytes;
};

/* The host attaches late: it takes exactly the filler, nothing after. */
static void *
drain_later(void *arg)
{
	struct drain *d = arg;
	uint8_t buf[512];
	size_t left = d->bytes;

	usleep(150000);
	while (left > 0) {
		ssize_t n = read(d->p->master, buf, RTE_MIN(left, sizeof(buf)));

		if (n > 0)
			left -= (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			break;
	}
	return NULL;
}

/* Open retries for a bounded time while the host is absent. */
static int
test_guest_connect_timeout(void)
{
	struct vmp_proto_packet pkt;
	struct test_port p;
	struct drain d = { .p = &p };
	struct vmp_guest_channel_conf conf = { .connect_timeout_ms = 5000 };
	pthread_t th;
	uint64_t t0, spent;

	TEST_ASSERT_EQUAL(test_port_create(&p, 2, 250, 300), 0, "");
	d.bytes = test_port_fill(&p);
	TEST_ASSERT(d.bytes > 0, "");
	test_log_capture();
	t0 = ms_now();
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(2), -EAGAIN, "");
	spent = ms_now() - t0;
	TEST_ASSERT(spent >= 250 && spent < 2000, "gave up after %llu ms",
		(unsigned long long)spent);
	TEST_ASSERT_LOG("port.2: host daemon is not attached to this port: "
		"no room to send CONNECT in 250 ms");
	TEST_ASSERT(!vmp_guest_channel_is_open(2), "");

	/* The host attaches while open is retrying: open succeeds. A longer
	 * bound here keeps a loaded machine from failing the test. */
	conf.path_prefix = p.prefix;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(pthread_create(&th, NULL, drain_later, &d), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(2), 0, "");
	pthread_join(th, NULL);
	TEST_ASSERT_EQUAL(test_port_read(&p, &pkt, 1000), 0, "");
	TEST_ASSERT_EQUAL(pkt.command, VMP_PROTO_CONNECT, "");
	vmp_guest_channel_close(2);
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_connect_timeout, test_guest_connect_timeout);

/* The synchronous request tells ACK from NACK. */
static int
test_guest_ack_nack(void)
{
	struct vmp_guest_channel_stats st;
	struct test_peer peer = { 0 };
	struct test_port p;

	TEST_RUN(open_port(&p, 0, 1000));
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_MAX),
		VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(peer.units[VMP_PROTO_SCALE_MAX], 1, "");
	peer.nack = 1;
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_MIN),
		VMP_PROTO_NACK, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.acks, 1, "");
	TEST_ASSERT_EQUAL(st.nacks, 1, "");
	TEST_ASSERT_EQUAL(st.lost + st.unexpected, 0, "");
	test_peer_stop(&peer);
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_ack_nack, test_guest_ack_nack);

/* An ACK that comes after its request timed out does not answer the next
 * query. */
/* Until the peer has written @n replies (what the guest then reads). */
static int
wait_replies(struct test_peer *peer, unsigned int n)
{
	int i;

	for (i = 0; i < test_slow_ms(10000) && peer->replies < n; i++)
		usleep(1000);
	return peer->replies == n ? 0 : -ETIMEDOUT;
}

/*
 * Replies that come after their request timed out are matched in order,
 * never to the next request. The peer holds each late reply until the
 * test lets it go: the order is logical, the 1 s timeout only bounds
 * the prompt answers.
 */
static int
test_guest_late_ack(void)
{
	struct vmp_guest_channel_stats st;
	union vmp_guest_reply r;
	struct test_peer peer = { 0 };
	struct test_port p;

	TEST_RUN(open_port(&p, 0, 1000));
	peer.hold = 1;
	peer.cur_khz = 2100000;
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	test_log_capture();
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_UP),
		-ETIMEDOUT, "");
	TEST_ASSERT_LOG("no reply to CPU_POWER in 1000 ms");
	/* The late ACK is out before the query goes. */
	peer.hold = 0;
	TEST_ASSERT_EQUAL(wait_replies(&peer, 1), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(0, VMP_PROTO_QUERY_FREQ, 0,
		&r), VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.freq.freq_list[0], 2100000, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.acks, 1, "the late ACK is counted");
	TEST_ASSERT_EQUAL(st.replies, 1, "");
	TEST_ASSERT_EQUAL(st.unexpected + st.lost, 0, "");

	/* A late ACK, then the query's own reply late too: the ACK is not
	 * taken for the answer. */
	peer.hold = 1;
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_DOWN),
		-ETIMEDOUT, "");
	peer.cur_khz = 1800000;
	peer.hold = 0;
	TEST_ASSERT_EQUAL(wait_replies(&peer, 3), 0, "");
	peer.hold = 1;
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(0, VMP_PROTO_QUERY_FREQ, 0,
		&r), -ETIMEDOUT, "the ACK came, the query reply is late");
	peer.hold = 0;
	TEST_ASSERT_EQUAL(wait_replies(&peer, 4), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(0), 1, "late FREQ_LIST");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(0, VMP_PROTO_QUERY_FREQ, 0,
		&r), VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.freq.freq_list[0], 1800000, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.acks, 2, "");
	TEST_ASSERT_EQUAL(st.replies, 3, "");
	test_peer_stop(&peer);
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_late_ack, test_guest_late_ack);

static void
on_alarm(int sig)
{
	RTE_SET_USED(sig);
}

/*
 * A signal while a synchronous request waits (poll() fails with EINTR)
 * resumes the wait for the rest of its timeout: the ACK that comes
 * after the signal is the answer, not an error.
 */
static int
test_guest_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct test_peer peer = { 0 };
	sigset_t alrm;
	struct test_port p;
	int ret;

	TEST_RUN(open_port(&p, 0, 3000));
	peer.delay_ms = 300;
	/* The peer's thread must not take the signal: only this one waits. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	sigaction(SIGALRM, &sa, &old);	/* no SA_RESTART: poll() fails */
	ualarm(50000, 0);
	ret = vmp_guest_channel_request(0, VMP_PROTO_SCALE_UP);
	sigaction(SIGALRM, &old, NULL);
	TEST_ASSERT_EQUAL(ret, VMP_PROTO_ACK, "resumed after the signal");
	test_peer_stop(&peer);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_eintr, test_guest_eintr);

/*
 * Fire-and-forget: the guest never asks for replies, yet they never pile
 * up. A pty holds only a few KiB of replies, so the peer could not have
 * written 2,000 ACKs unless the library kept reading them.
 */
static int
test_guest_no_pileup(void)
{
	struct vmp_guest_channel_stats st;
	struct test_peer peer = { 0 };
	struct test_port p;
	uint64_t end;
	int i, ret;

	TEST_RUN(open_port(&p, 0, 300));
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	/* A full port retried until the peer has read on; bounded: a peer
	 * that gave up (its reply unread for its timeout) is a failure, not
	 * a hang. */
	end = ms_now() + (uint64_t)test_slow_ms(10000);
	for (i = 0; i < 2000; i++) {
		do {
			ret = vmp_guest_channel_send(0, i & 1 ?
				VMP_PROTO_SCALE_UP : VMP_PROTO_SCALE_DOWN);
		} while (ret == -EAGAIN && ms_now() < end);
		TEST_ASSERT_EQUAL(ret, 0, "request %d (peer: %u requests, %u "
			"replies)", i, peer.requests, peer.replies);
	}
	for (i = 0; peer.replies < 2000 && i < test_slow_ms(500); i++) {
		usleep(10000);
		TEST_ASSERT(vmp_guest_channel_poll(0) >= 0, "");
	}
	usleep(20000);
	vmp_guest_channel_poll(0);
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(peer.replies, 2000, "");
	TEST_ASSERT_EQUAL(st.acks, 2000, "");
	TEST_ASSERT_EQUAL(st.lost + st.unexpected, 0, "");
	test_peer_stop(&peer);
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_no_pileup, test_guest_no_pileup);

/* Every public function refuses bad input with a clear error. */
static int
test_guest_errors(void)
{
	struct vmp_guest_channel_conf conf = { 0 };
	struct vmp_guest_channel_stats st;
	union vmp_guest_reply r;
	struct vmp_proto_packet pkt = { 0 };
	struct test_port p;
	char longname[64];

	test_log_capture();
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(RTE_MAX_LCORE), -EINVAL, "");
	TEST_ASSERT_LOG("lcore 128 is out of range");
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(RTE_MAX_LCORE + 5, 1),
		-EINVAL, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_close(7), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(7, 1), -ENOTCONN, "");
	TEST_ASSERT_LOG("channel of lcore 7 is not open");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(7, 1), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(7, VMP_PROTO_QUERY_FREQ, 0,
		&r), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(7, &st), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(7), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_vcpu(7, 1), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_get_vcpu(7), -ENOTCONN, "");

	conf.path_prefix = "";
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), -EINVAL, "");
	TEST_ASSERT_LOG("channel path prefix '' is empty or too long");
	conf.path_prefix = NULL;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	conf.vm_name = longname;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), -EINVAL, "");
	TEST_ASSERT_LOG("is longer than 32 bytes");

	conf.vm_name = NULL;
	conf.path_prefix = "/nonexistent/vmp/port";
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(4), -ENOENT, "");
	TEST_ASSERT_LOG("/nonexistent/vmp/port.4: cannot open power channel "
		"of lcore 4: No such file or directory");

	TEST_RUN(open_port(&p, 4, 300));
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(4, 0), -EINVAL, "");
	TEST_ASSERT_LOG("unknown CPU_POWER unit 0");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(4, 99), -EINVAL, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(4, VMP_PROTO_CPU_POWER, 0,
		&r), -EINVAL, "");
	TEST_ASSERT_LOG("command 1 is not a query");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(4, VMP_PROTO_QUERY_FREQ, 0,
		NULL), -EINVAL, "");
	pkt.command = 77;
	TEST_ASSERT_EQUAL(vmp_guest_channel_send_packet(4, &pkt), -EINVAL, "");
	TEST_ASSERT_LOG("refusing to send a packet with unknown command 77");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(4, NULL), -EINVAL, "");

	/* The host side goes away: requests say so, nothing blocks. */
	close(p.master);
	p.master = -1;
	TEST_ASSERT_EQUAL(vmp_guest_channel_send(4, VMP_PROTO_SCALE_UP),
		-EPIPE, "");
	TEST_ASSERT_LOG("port.4: host side of the port is gone: "
		"Input/output error");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(4, VMP_PROTO_SCALE_UP),
		-EPIPE, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_close(4), 0, "");
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_errors, test_guest_errors);

/* Garbage from the host is dropped and counted; the stream recovers. */
static int
test_guest_garbage_reply(void)
{
	struct vmp_guest_channel_stats st;
	struct vmp_proto_packet junk;
	union vmp_guest_reply r;
	struct test_peer peer = { 0 };
	struct test_port p;

	TEST_RUN(open_port(&p, 0, 500));
	memset(&junk, 0x5a, sizeof(junk));
	TEST_ASSERT_EQUAL(write(p.master, &junk, 100), 100, "");
	/* An unsolicited but well-formed ACK, answering nothing. */
	memset(&junk, 0, sizeof(junk));
	junk.command = VMP_PROTO_ACK;
	test_log_capture();
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(0), 1, "");
	TEST_ASSERT_LOG("garbage reply");
	TEST_ASSERT_EQUAL(test_port_reply(&p, &junk), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_poll(0), 1, "");
	peer.cur_khz = 1200000;
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(0, VMP_PROTO_QUERY_FREQ, 0,
		&r), VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.freq.freq_list[0], 1200000, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.unexpected, 2, "");
	test_peer_stop(&peer);
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_garbage_reply, test_guest_garbage_reply);

/* A host that never answers a failed query (stock DPDK) costs that query
 * only: the next reply still reaches the request it belongs to. */
static int
test_guest_skipped_reply(void)
{
	struct vmp_guest_channel_stats st;
	union vmp_guest_reply r;
	struct test_peer peer = { 0 };
	struct test_port p;

	TEST_RUN(open_port(&p, 0, 150));
	peer.silent = 1;
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(0, VMP_PROTO_QUERY_CAPS, 0,
		&r), -ETIMEDOUT, "");
	peer.silent = 0;
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_UP),
		VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.lost, 1, "the unanswered query");
	TEST_ASSERT_EQUAL(st.acks, 1, "");
	test_peer_stop(&peer);
	vmp_guest_channel_close(0);
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_skipped_reply, test_guest_skipped_reply);
