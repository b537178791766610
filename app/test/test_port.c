/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <vmp_guest_channel.h>

#include "test.h"
#include "test_port.h"

int
test_port_create(struct test_port *p, unsigned int lcore,
		unsigned int connect_ms, unsigned int reply_ms)
{
	struct vmp_guest_channel_conf conf = {
		.connect_timeout_ms = connect_ms,
		.reply_timeout_ms = reply_ms,
	};
	struct termios tio;

	memset(p, 0, sizeof(*p));
	strcpy(p->dir, "/tmp/vmp_test_port.XXXXXX");
	if (mkdtemp(p->dir) == NULL)
		return -errno;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->master < 0 || grantpt(p->master) < 0 ||
			unlockpt(p->master) < 0 ||
			ptsname_r(p->master, p->slave, sizeof(p->slave)) != 0)
		return -errno;
	/* Binary packets: no line discipline on the way. */
	if (tcgetattr(p->master, &tio) < 0)
		return -errno;
	cfmakeraw(&tio);
	if (tcsetattr(p->master, TCSANOW, &tio) < 0)
		return -errno;
	snprintf(p->prefix, sizeof(p->prefix), "%s/port", p->dir);
	conf.path_prefix = p->prefix;
	if (vmp_guest_channel_configure(&conf) < 0)
		return -EINVAL;
	return test_port_alias(p, lcore);
}

int
test_port_alias(struct test_port *p, unsigned int lcore)
{
	char link[PATH_MAX + 16];

	snprintf(link, sizeof(link), "%s.%u", p->prefix, lcore);
	return symlink(p->slave, link) < 0 ? -errno : 0;
}

void
test_port_destroy(struct test_port *p)
{
	char cmd[PATH_MAX + 16];

	if (p->master > 0)
		close(p->master);
	p->master = -1;
	if (p->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
		if (system(cmd) != 0)
			printf("cannot remove %s\n", p->dir);
	}
	p->dir[0] = '\0';
}

static int
wait_in(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms);
}

int
test_port_read(struct test_port *p, struct vmp_proto_packet *pkt, int ms)
{
	size_t got = 0;

	while (got < sizeof(*pkt)) {
		ssize_t n = read(p->master, (uint8_t *)pkt + got,
			sizeof(*pkt) - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -errno;
		/* @ms bounds the wait for a packet. Its rest, once it began,
		 * comes when the guest writes again (a full port takes part
		 * of a packet): under load that is not within a poll period
		 * of the peer's, and giving up there lost the packet's
		 * start, then the peer. */
		if (wait_in(p->master, got == 0 || ms > test_slow_ms(2000) ?
				ms : test_slow_ms(2000)) <= 0)
			return got == 0 ? -ETIMEDOUT : -EPROTO;
	}
	return 0;
}

int
test_port_reply(struct test_port *p, const void *reply)
{
	const struct vmp_proto_packet *head = reply;
	size_t size = vmp_proto_reply_size(head->command), off = 0;

	while (off < size) {
		ssize_t n = write(p->master, (const uint8_t *)reply + off,
			size - off);
		struct pollfd pfd = { .fd = p->master, .events = POLLOUT };

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -errno;
		/* The guest is not reading: give up rather than hang. */
		if (poll(&pfd, 1, test_slow_ms(2000)) <= 0)
			return -ETIMEDOUT;
	}
	return 0;
}

size_t
test_port_fill(struct test_port *p)
{
	uint8_t junk[512] = { 0 };
	size_t total = 0;
	int fd = open(p->slave, O_WRONLY | O_NONBLOCK | O_NOCTTY);
	ssize_t n;

	size_t round;

	if (fd < 0)
		return 0;
	/* A pty moves data between its two buffers behind our back: fill
	 * until a pause frees no more room. */
	do {
		round = 0;
		while ((n = write(fd, junk, sizeof(junk))) > 0)
			round += (size_t)n;
		total += round;
		usleep(20000);
	} while (round > 0);
	close(fd);
	return total;
}

int
test_port_pending(struct test_port *p)
{
	int n = 0;

	return ioctl(p->master, FIONREAD, &n) < 0 ? -errno : n;
}

size_t
test_port_drain(struct test_port *p)
{
	uint8_t buf[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = read(p->master, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	return total;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int
answer(struct test_peer *peer, const struct vmp_proto_packet *req)
{
	union vmp_guest_reply r;
	unsigned int slot = vmp_proto_slot(req->resource_id), i;

	memset(&r, 0, sizeof(r));
	r.ack.resource_id = req->resource_id;
	switch (req->command) {
	case VMP_PROTO_CONNECT:
		peer->connects++;
		return 0;
	case VMP_PROTO_CPU_POWER:
		if (req->unit < 16)
			peer->units[req->unit]++;
		r.ack = *req;
		r.ack.command = peer->nack ? VMP_PROTO_NACK : VMP_PROTO_ACK;
		break;
	case VMP_PROTO_QUERY_FREQ:
		r.freq.command = VMP_PROTO_FREQ_LIST;
		r.freq.freq_list[slot] = peer->cur_khz;
		r.freq.num_vcpu = 1;
		break;
	case VMP_PROTO_QUERY_FREQ_AVAIL:
		r.freq.command = VMP_PROTO_FREQ_AVAIL;
		r.freq.unit = peer->nb_freqs;
		for (i = 0; i < VMP_PROTO_LIST_SZ &&
				req->unit + i < peer->nb_freqs; i++)
			r.freq.freq_list[i] = peer->freqs[req->unit + i];
		r.freq.num_vcpu = (uint8_t)i;
		break;
	case VMP_PROTO_QUERY_CAPS:
		r.caps.command = VMP_PROTO_CAPS_LIST;
		r.caps.turbo[slot] = peer->turbo;
		r.caps.priority[slot] = peer->priority;
		r.caps.num_vcpu = 1;
		break;
	default:
		r.ack = *req;
		r.ack.command = VMP_PROTO_NACK;
		break;
	}
	if (peer->nack && req->command != VMP_PROTO_CPU_POWER) {
		r.ack = *req;
		r.ack.command = VMP_PROTO_NACK;
	}
	if (peer->delay_ms)
		sleep_ms(peer->delay_ms);
	/* A reply exactly as late as the test wants, not a guess of time. */
	while (peer->hold && !peer->stop)
		sleep_ms(1);
	if (test_port_reply(peer->port, &r) < 0)
		return -1;
	peer->replies++;
	return 0;
}

static void *
peer_main(void *arg)
{
	struct test_peer *peer = arg;
	struct vmp_proto_packet req;

	while (!peer->stop) {
		int ret = test_port_read(peer->port, &req, 20);

		if (ret == -ETIMEDOUT)
			continue;
		if (ret < 0)
			break;
		peer->requests++;
		peer->last = req;
		if (!peer->silent && answer(peer, &req) < 0)
			break;
	}
	return NULL;
}

int
test_peer_start(struct test_peer *peer, struct test_port *port)
{
	peer->port = port;
	peer->stop = 0;
	return -pthread_create(&peer->thread, NULL, peer_main, peer);
}

void
test_peer_stop(struct test_peer *peer)
{
	peer->stop = 1;
	pthread_join(peer->thread, NULL);
}
