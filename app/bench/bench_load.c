/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The load generator (closed loop over any number of peers, one thread,
 * one epoll), the latency probe (one request at a time, inotify on the
 * pCPU's scaling_setspeed), and the floor server: the least a process
 * must do to answer a request -- wake in epoll, read, write a kHz value
 * to a file, echo -- run against the same generator.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_BURST	64
#define EVENTS		256
#define DRAIN_ID	UINT32_MAX

static uint8_t scratch[256 * 1024];

/* The next request of @p: MIN and MAX in turn, for its vCPU. */
void
peer_request(struct peer *p, struct vmp_proto_packet *pkt)
{
	static struct vmp_proto_packet tmpl;

	if (tmpl.command == 0)
		vmp_proto_request(&tmpl, VMP_PROTO_CPU_POWER,
			VMP_PROTO_SCALE_MIN, 0, NULL);
	*pkt = tmpl;
	pkt->resource_id = p->vcpu;
	pkt->unit = p->seq++ & 1 ? VMP_PROTO_SCALE_MAX : VMP_PROTO_SCALE_MIN;
}

static int
send_burst(struct peer *p, unsigned int burst)
{
	static struct vmp_proto_packet pkts[MAX_BURST];
	size_t len = burst * PKT_SZ, off = 0;
	unsigned int i;

	for (i = 0; i < burst; i++)
		peer_request(p, &pkts[i]);
	while (off < len) {
		ssize_t n = write(p->fd, (uint8_t *)pkts + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	p->out += burst;
	return 0;
}

/* Read what @p has; @return whole replies read, or -1 when it is gone. */
static int
peer_input(struct peer *p, uint64_t *nacks)
{
	ssize_t n = recv(p->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	size_t pos, total;

	if (n <= 0)
		return n < 0 && errno == EAGAIN ? 0 : -1;
	/* Replies are ACK/NACK packets; check those whose head is here. */
	pos = p->rx_off == 0 ? 0 : PKT_SZ - p->rx_off;
	for (; pos + VMP_PROTO_HEAD_SZ <= (size_t)n; pos += PKT_SZ) {
		uint32_t cmd;

		memcpy(&cmd, scratch + pos +
			offsetof(struct vmp_proto_packet, command), sizeof(cmd));
		*nacks += cmd != VMP_PROTO_ACK;
	}
	total = p->rx_off + (size_t)n;
	p->rx_off = (uint32_t)(total % PKT_SZ);
	p->out -= (uint32_t)(total / PKT_SZ);
	return (int)(total / PKT_SZ);
}

static int
epoll_peers(struct peer *p, unsigned int n, int drain_fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int i;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	for (i = 0; epfd >= 0 && i < n; i++) {
		ev.data.u32 = i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, p[i].fd, &ev) < 0)
			goto fail;
	}
	ev.data.u32 = DRAIN_ID;
	if (epfd >= 0 && drain_fd >= 0 &&
			epoll_ctl(epfd, EPOLL_CTL_ADD, drain_fd, &ev) < 0)
		goto fail;
	return epfd;
fail:
	close(epfd);
	return -1;
}

int
load_run(struct peer *p, unsigned int n, const struct load_conf *c,
	struct load_result *r)
{
	struct epoll_event ev[EVENTS];
	struct proc_sample s0 = { 0 }, s1 = { 0 };
	uint64_t replies = 0, nacks = 0, mark = 0, out = 0;
	double t, t0 = 0, t1 = 0, meas, end, stop;
	int epfd, sending = 1, k, i;
	unsigned int j;

	memset(r, 0, sizeof(*r));
	epfd = epoll_peers(p, n, c->drain_fd);
	if (epfd < 0)
		return -errno;
	for (j = 0; j < n; j++)
		if (send_burst(&p[j], c->burst) < 0)
			goto fail;
	t = now_s();
	meas = t + c->warm_s;
	end = meas + c->secs;
	stop = end + 10;
	for (;;) {
		t = now_s();
		if (t0 == 0 && t >= meas) {
			t0 = t;
			mark = replies;
			r->nacks = nacks;
			proc_sample(c->target, &s0);
		}
		if (sending && t >= end) {
			t1 = t;
			r->replies = replies - mark;
			r->nacks = nacks - r->nacks;
			proc_sample(c->target, &s1);
			sending = 0;
			for (j = 0, out = 0; j < n; j++)
				out += p[j].out;
		}
		if (!sending && out == 0)
			break;
		if (t > stop)
			goto fail;	/* answers stopped coming */
		k = epoll_wait(epfd, ev, EVENTS, 100);
		for (i = 0; i < k; i++) {
			struct peer *q;
			int got;

			if (ev[i].data.u32 == DRAIN_ID) {
				while (read(c->drain_fd, scratch,
						sizeof(scratch)) > 0)
					;
				continue;
			}
			q = &p[ev[i].data.u32];
			got = peer_input(q, &nacks);
			if (got < 0)
				goto fail;
			replies += (uint64_t)got;
			if (!sending)
				out -= (uint64_t)got;
			else if (c->window && q->out < c->burst &&
					send_burst(q, c->burst - q->out) < 0)
				goto fail;
			else if (!c->window && q->out == 0 &&
					send_burst(q, c->burst) < 0)
				goto fail;
		}
	}
	close(epfd);
	r->secs = t1 - t0;
	r->rps = r->secs > 0 ? (double)r->replies / r->secs : 0;
	if (r->replies > 0) {
		r->cpu_us_per_req = (double)(s1.cpu_ns - s0.cpu_ns) / 1e3 /
			(double)r->replies;
		r->vcsw_per_req = (double)(s1.vcsw - s0.vcsw) /
			(double)r->replies;
	}
	return 0;
fail:
	fprintf(stderr, "bench: load: a peer failed or answers stopped\n");
	close(epfd);
	return -EIO;
}

int
peers_prime(struct peer *p, unsigned int n)
{
	struct load_conf c = { .burst = 1, .target = getpid(),
		.drain_fd = -1 };
	struct load_result r;

	/* A zero-length run: one burst each, every answer read. */
	return load_run(p, n, &c, &r);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* Whether an IN_MODIFY is waiting on @wfd (all waiting are read). */
static int
inotify_hit(int wfd)
{
	char buf[4096] __attribute__((aligned(8)));
	int hit = 0;

	while (read(wfd, buf, sizeof(buf)) > 0)
		hit = 1;
	return hit;
}

int
latency_run(struct peer *p, const char *watch_path, unsigned int n,
	unsigned int min_gap_us, unsigned int max_gap_us, int drain_fd,
	double *ack_us, double *write_us)
{
	int wfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	unsigned int i, misses = 0;
	uint64_t nacks = 0;

	/* No path: the echo alone is timed. */
	if (wfd < 0 || (watch_path != NULL &&
			inotify_add_watch(wfd, watch_path, IN_MODIFY) < 0)) {
		fprintf(stderr, "bench: inotify on %s: %s\n",
			watch_path ? watch_path : "-", strerror(errno));
		if (wfd >= 0)
			close(wfd);
		return -errno;
	}
	for (i = 0; i < n; i++) {
		struct vmp_proto_packet pkt;
		uint64_t t0, t;
		int acked = 0, written = 0;

		sleep_us(min_gap_us + rand32() % (max_gap_us - min_gap_us + 1));
		inotify_hit(wfd);
		while (drain_fd >= 0 && read(drain_fd, scratch,
				sizeof(scratch)) > 0)
			;
		peer_request(p, &pkt);
		t0 = now_ns();
		if (write(p->fd, &pkt, PKT_SZ) != (ssize_t)PKT_SZ)
			break;
		p->out++;
		write_us[i] = -1;
		while (!acked) {
			struct pollfd pf[2] = {
				{ .fd = p->fd, .events = POLLIN },
				{ .fd = wfd, .events = POLLIN },
			};

			if (poll(pf, 2, 2000) <= 0)
				goto timeout;
			t = now_ns();
			if ((pf[1].revents & POLLIN) && !written &&
					inotify_hit(wfd)) {
				write_us[i] = (double)(t - t0) / 1e3;
				written = 1;
			}
			if ((pf[0].revents & POLLIN) &&
					peer_input(p, &nacks) > 0) {
				ack_us[i] = (double)(t - t0) / 1e3;
				acked = 1;
			}
		}
		/* The write lands before the ACK leaves: none came, none
		 * will (the request changed nothing). */
		misses += watch_path != NULL && !written && !inotify_hit(wfd);
	}
	close(wfd);
	if (misses > 0 || nacks > 0)
		fprintf(stderr, "bench: latency: %u requests wrote nothing, "
			"%" PRIu64 " NACKs\n", misses, nacks);
	return i == n ? 0 : -EIO;
timeout:
	fprintf(stderr, "bench: latency: no answer in 2 s\n");
	close(wfd);
	return -ETIMEDOUT;
}

/* The floor server's loop: serve until every peer has gone. */
static void
floor_serve(int *fds, unsigned int n, int file)
{
	static const char *const khz[2] = { "1200000\n", "2400000\n" };
	struct epoll_event ev[64], e = { .events = EPOLLIN };
	unsigned int left = n, i, flip = 0;
	int epfd = epoll_create1(0), k, j;

	for (i = 0; i < n; i++) {
		e.data.u32 = i;
		epoll_ctl(epfd, EPOLL_CTL_ADD, fds[i], &e);
	}
	while (left > 0) {
		k = epoll_wait(epfd, ev, 64, -1);
		for (j = 0; j < k; j++) {
			int fd = fds[ev[j].data.u32];
			ssize_t got = recv(fd, scratch, 64 * PKT_SZ,
				MSG_DONTWAIT);
			ssize_t pk;

			if (got == 0) {
				close(fd);
				left--;
				continue;
			}
			if (got < 0)
				continue;
			for (pk = 0; file >= 0 && pk < got; pk += PKT_SZ)
				if (pwrite(file, khz[flip ^= 1], 8, 0) != 8)
					_exit(3);
			/* An echoed CPU_POWER is an ACK: the same number. */
			if (send(fd, scratch, (size_t)got, MSG_NOSIGNAL) !=
					got)
				_exit(4);
		}
	}
	_exit(0);
}

/* Accept @n connections on @lfd, then serve them. */
static void
floor_main(int lfd, unsigned int n, int file)
{
	int *fds = calloc(n, sizeof(*fds));
	unsigned int i;

	for (i = 0; fds != NULL && i < n; i++)
		if ((fds[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			_exit(2);
	close(lfd);
	floor_serve(fds, n, file);
}

int
floor_start(struct peer *p, unsigned int n, int cpu, const char *file,
	pid_t *pid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, ffd = -1;
	unsigned int i;

	/* Connected the way the daemon's channels are; abstract name. */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		"vmp_bench_floor_%d", getpid());
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			listen(lfd, 4096) < 0)
		goto fail;
	if (file != NULL && (ffd = open(file, O_WRONLY | O_CLOEXEC)) < 0)
		goto fail;
	fflush(NULL);
	*pid = fork();
	if (*pid == 0) {
		pin_self(cpu);
		floor_main(lfd, n, ffd);
	}
	close(lfd);
	if (ffd >= 0)
		close(ffd);
	memset(p, 0, n * sizeof(*p));
	for (i = 0; *pid > 0 && i < n; i++) {
		p[i].fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (p[i].fd < 0 || connect(p[i].fd, (struct sockaddr *)&sa,
				sizeof(sa)) < 0) {
			fprintf(stderr, "bench: floor: connect: %s\n",
				strerror(errno));
			floor_stop(p, i + (p[i].fd >= 0), *pid);
			return -EIO;
		}
	}
	return *pid > 0 ? 0 : -EIO;
fail:
	fprintf(stderr, "bench: floor: %s\n", strerror(errno));
	if (lfd >= 0)
		close(lfd);
	return -EIO;
}

void
floor_stop(struct peer *p, unsigned int n, pid_t pid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		close(p[i].fd);
	/* It leaves when all its peers have; one still accepting does not. */
	if (pid > 0 && n == 0)
		kill(pid, SIGKILL);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

double
file_write_ns(const char *file, unsigned int count)
{
	static const char *const khz[2] = { "1200000\n", "2400000\n" };
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	unsigned int i;
	uint64_t t0;

	if (fd < 0)
		return -1;
	t0 = now_ns();
	for (i = 0; i < count; i++)
		if (pwrite(fd, khz[i & 1], 8, 0) != 8)
			break;
	t0 = now_ns() - t0;
	close(fd);
	return (double)t0 / count;
}
