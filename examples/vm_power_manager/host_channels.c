/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The host channel socket and its connections: accept, identify (its
 * credentials), read, answer, close. What a packet does is
 * host_requests.c's.
 */

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>

#include "channel_manager.h"
#include "host_channels_private.h"
#include "power_manager.h"

RTE_LOG_REGISTER(vmp_host_logtype, vmpower.host, INFO);

/*
 * Epoll tags: a peer's pointer with its low bit set (malloc'ed, so
 * aligned), apart from the monitor's own tags and channels, whose low
 * bit is clear.
 */
#define PEER_TAG(p)	((void *)((uintptr_t)(p) | 1u))
#define TAG_PEER(t)	((struct host_peer *)((uintptr_t)(t) & ~(uintptr_t)1))
#define IS_PEER_TAG(t)	(((uintptr_t)(t) & 1u) != 0)

int
host_log_ok(struct host_peer *p)
{
	return monitor_log_take(&p->log);
}

static void
set_events(struct host_channels *hc, struct host_peer *p)
{
	struct monitor *mon = hc->mon;
	struct epoll_event ev = { .data.ptr = PEER_TAG(p) };
	/* Replies have no room: read no more until the peer takes some. */
	int full = p->txq.len + PKT_SZ > mon->tx_cap;

	ev.events = EPOLLRDHUP | (full ? 0 : EPOLLIN) |
		(p->txq.len > 0 ? EPOLLOUT : 0);
	if (ev.events != p->events &&
			epoll_ctl(mon->epfd, EPOLL_CTL_MOD, p->fd, &ev) == 0)
		p->events = ev.events;
}

void
host_queue_bytes(struct host_channels *hc, struct host_peer *p,
		const void *data, size_t len)
{
	struct monitor *mon = hc->mon;

	if (reply_queue_add(&hc->touched, &p->txq, data, len,
			mon->tx_cap) < 0) {
		mon->st.dropped++;
		p->dropped++;
		PEER_LOG(p, WARNING, "not reading replies, dropping "
			"one (backlog full)");
	}
}

void
host_queue_reply(struct host_channels *hc, struct host_peer *p,
		const void *reply, const char *why)
{
	struct monitor *mon = hc->mon;
	const struct vmp_proto_packet *head = reply;

	if (head->command == VMP_PROTO_ACK) {
		mon->st.acks++;
		p->acks++;
	} else if (head->command == VMP_PROTO_NACK) {
		mon->st.nacks++;
		p->nacks++;
	}
	/* A FIFO is one way: upstream's writers read nothing. */
	if (p->fifo_cpu >= 0)
		return;
	if (p->format == HOST_FMT_JSON)
		host_json_answer(hc, p, head->command, why);
	else
		host_queue_bytes(hc, p, reply,
			vmp_proto_reply_size(head->command));
}

static void
flush_peer(struct host_channels *hc, struct host_peer *p)
{
	if (reply_queue_flush(&p->txq, p->fd) < 0) {
		/* Gone: its replies are lost. */
		hc->mon->st.errors++;
		p->hup = 1;
	}
	if (!p->hup)
		set_events(hc, p);
}

struct feed_ctx {
	struct host_channels *hc;
	struct host_peer *p;
};

static void
feed_packet(const struct vmp_proto_packet *pkt, void *arg)
{
	struct feed_ctx *c = arg;

	host_handle_packet(c->hc, c->p, pkt);
}

/* A connection's first byte says what it speaks: '{' upstream's JSON,
 * anything else our binary packet. */
static void
feed(struct host_channels *hc, struct host_peer *p, const uint8_t *buf,
		size_t len)
{
	struct feed_ctx ctx = { .hc = hc, .p = p };

	if (p->format == HOST_FMT_UNKNOWN)
		p->format = buf[0] == '{' ? HOST_FMT_JSON : HOST_FMT_BINARY;
	if (p->format == HOST_FMT_JSON)
		host_json_feed(hc, p, buf, len);
	else
		pkt_stream_feed(&p->rx, buf, len, feed_packet, &ctx);
}

/* As much as the replies have room for, READS_PER_PASS reads at most;
 * level-triggered epoll brings a busy peer back next pass. */
static void
read_peer(struct host_channels *hc, struct host_peer *p, int hup)
{
	struct monitor *mon = hc->mon;
	size_t limit = sizeof(mon->buf) * READS_PER_PASS, got = 0;

	if (!hup) {
		size_t room = reply_queue_room(&p->txq, mon->tx_cap);

		if (room <= p->rx.rx_len) {
			set_events(hc, p);
			return;
		}
		limit = RTE_MIN(limit, room - p->rx.rx_len);
	}
	while (got < limit && !p->hup) {
		/* read(): a FIFO is no socket (the fd is non-blocking). */
		ssize_t n = read(p->fd, mon->buf,
			RTE_MIN(sizeof(mon->buf), limit - got));

		if (n == 0) {
			p->hup = 1;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				mon->st.errors++;
				p->hup = 1;
			}
			break;
		}
		got += (size_t)n;
		feed(hc, p, mon->buf, (size_t)n);
	}
	if (got > 0 && p->rx.rx_len > 0)
		mon->st.partial++;
	reply_queue_touch(&hc->touched, &p->txq);
}

static void
close_peer(struct host_channels *hc, struct host_peer *p)
{
	unsigned int i;

	epoll_ctl(hc->mon->epfd, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	host_policy_drop(hc, p);
	host_drop_votes(hc, p);
	/* Answers it will never read (a pass that failed to commit). */
	for (i = 0; i < hc->nb_pending; i++)
		if (hc->pending[i].p == p)
			hc->pending[i].p = NULL;
	if (p->fifo != NULL) {
		unlink(p->fifo);
		free(p->fifo);
	} else {
		HOST_LOG(INFO, "pid %d (cgroup %s) disconnected: %" PRIu64
			" requests, its votes dropped", (int)p->pid, p->cgroup,
			p->requests);
	}
	free(p->jbuf);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		hc->first = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		hc->last = p->prev;
	hc->nb_peers--;
	cpu_list_free(&p->voted);
	reply_queue_free(&p->txq);
	free(p);
}

void
host_channels_end_pass(struct host_channels *hc)
{
	struct reply_queue *q;
	struct host_peer *p;

	if (hc == NULL)
		return;
	for (q = hc->touched; q != NULL; q = q->next)
		if (q->len > 0)
			flush_peer(hc, container_of(q, struct host_peer, txq));
	while ((q = reply_queue_pop(&hc->touched)) != NULL) {
		p = container_of(q, struct host_peer, txq);
		if (p->hup)
			close_peer(hc, p);
	}
}

static void
accept_peer(struct host_channels *hc)
{
	struct monitor *mon = hc->mon;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct host_peer *p;
	struct cpu_list cpus;
	int fd, confined;

	fd = accept4(hc->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			mon->st.errors++;
		return;
	}
	if (hc->nb_peers >= hc->max_peers) {
		uint64_t t = monitor_now_ms();

		hc->refused_conns++;
		if (t - hc->log_ms >= 1000) {
			hc->log_ms = t;
			HOST_LOG(WARNING, "%u connections open, the limit: "
				"new ones closed (%" PRIu64 " so far)",
				hc->nb_peers, hc->refused_conns);
		}
		close(fd);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || cpu_list_init(&p->voted, 1) < 0 ||
			getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		HOST_LOG(ERR, "cannot take a connection: %s",
			p == NULL ? "out of memory" : strerror(errno));
		if (p != NULL)
			cpu_list_free(&p->voted);
		free(p);
		close(fd);
		return;
	}
	p->fd = fd;
	p->fifo_cpu = -1;
	p->id = hc->next_id++ & 0x7fffffffu;
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->log.tokens = MONITOR_LOG_BURST;
	p->log.ms = monitor_now_ms();
	monitor_rate_init(mon, &p->rate);
	if (peer_cpuset_read(&hc->mounts, p->pid, p->cgroup,
			sizeof(p->cgroup), &cpus, &confined) == 0) {
		if (!confined)
			snprintf(p->cpuset, sizeof(p->cpuset), "*");
		else if (cpu_list_format(&cpus, p->cpuset,
				sizeof(p->cpuset)) < 0)
			snprintf(p->cpuset, sizeof(p->cpuset), "...");
		cpu_list_free(&cpus);
	}
	ev.data.ptr = PEER_TAG(p);
	p->events = ev.events;
	if (epoll_ctl(mon->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		HOST_LOG(ERR, "epoll: %s", strerror(errno));
		cpu_list_free(&p->voted);
		free(p);
		close(fd);
		return;
	}
	host_peer_link(hc, p);
	HOST_LOG(INFO, "pid %d (uid %u, cgroup %s, cpuset %s) connected",
		(int)p->pid, (unsigned int)p->uid, p->cgroup, p->cpuset);
}

void *
host_peer_tag(struct host_peer *p)
{
	return PEER_TAG(p);
}

void
host_peer_link(struct host_channels *hc, struct host_peer *p)
{
	p->prev = hc->last;
	if (hc->last != NULL)
		hc->last->next = p;
	else
		hc->first = p;
	hc->last = p;
	hc->nb_peers++;
}

int
host_channels_event(struct host_channels *hc, void *tag, uint32_t events)
{
	struct host_peer *p;
	int i;

	if (hc == NULL)
		return 0;
	if (tag == (void *)&hc->lfd) {
		/* A few a pass: a connection flood cannot starve requests. */
		for (i = 0; i < 16; i++)
			accept_peer(hc);
		return 1;
	}
	if (!IS_PEER_TAG(tag))
		return 0;
	p = TAG_PEER(tag);
	if (events & EPOLLOUT)
		flush_peer(hc, p);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR))
		read_peer(hc, p, (events & (EPOLLHUP | EPOLLRDHUP |
			EPOLLERR)) != 0);
	reply_queue_touch(&hc->touched, &p->txq);
	return 1;
}

/* The socket's group: a name, or a number. */
static int
group_id(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long v;

	if (g != NULL) {
		*gid = g->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno != 0 || end == name || *end != '\0')
		return -ENOENT;
	*gid = (gid_t)v;
	return 0;
}

/* A socket file left by a daemon that died; anything else stays. */
static int
clear_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	return unlink(path) < 0 ? -errno : 0;
}

int
host_channels_create(struct monitor *mon,
		const struct host_channels_conf *conf, struct host_channels **out)
{
	struct host_channels *hc = calloc(1, sizeof(*hc));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int mode = conf->mode ? conf->mode : HOST_CHANNELS_MODE;
	gid_t gid = (gid_t)-1;
	int ret;

	if (hc == NULL)
		return -ENOMEM;
	hc->mon = mon;
	hc->lfd = -1;
	hc->next_id = 1;
	hc->max_peers = conf->max_peers ? conf->max_peers :
		HOST_CHANNELS_MAX_PEERS;
	if (conf->group != NULL && group_id(conf->group, &gid) < 0) {
		HOST_LOG(ERR, "--host-channels-group %s: no such group",
			conf->group);
		ret = -EINVAL;
		goto fail;
	}
	if (snprintf(hc->path, sizeof(hc->path), "%s/%s", conf->dir,
			HOST_CHANNELS_SOCKET) >= (int)sizeof(hc->path)) {
		HOST_LOG(ERR, "%s: host channel directory path too long",
			conf->dir);
		ret = -ENAMETOOLONG;
		goto fail;
	}
	/* Nobody else may write there: the socket is made, then its mode
	 * set, by path (as the VM channel directory, made if missing). */
	ret = chmgr_check_dir(conf->dir);
	if (ret < 0)
		goto fail;
	ret = clear_stale(hc->path);
	if (ret < 0) {
		HOST_LOG(ERR, "%s: cannot take the place: %s", hc->path,
			ret == -EEXIST ? "a file that is not a socket is there" :
			strerror(-ret));
		goto fail;
	}
	ret = peer_cpuset_init(&hc->mounts, NULL);
	if (ret < 0)
		HOST_LOG(WARNING, "cannot read the mount table (%s): no "
			"peer is confined to a cpuset", strerror(-ret));
	hc->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		0);
	memcpy(addr.sun_path, hc->path, strlen(hc->path) + 1);
	if (hc->lfd < 0 || bind(hc->lfd, (struct sockaddr *)&addr,
			sizeof(addr)) < 0)
		goto fail_errno;
	/* The mode and group are the access control: set before listen. */
	if (chmod(hc->path, mode) < 0 ||
			(gid != (gid_t)-1 && chown(hc->path, (uid_t)-1, gid) < 0))
		goto fail_unlink;
	if (listen(hc->lfd, 64) < 0)
		goto fail_unlink;
	ev.data.ptr = &hc->lfd;
	if (epoll_ctl(mon->epfd, EPOLL_CTL_ADD, hc->lfd, &ev) < 0)
		goto fail_unlink;
	if (conf->fifo_dir != NULL) {
		ret = host_fifos_create(hc, conf->fifo_dir, gid);
		if (ret < 0) {
			/* The FIFOs made so far go with their peers. */
			while (hc->first != NULL)
				close_peer(hc, hc->first);
			epoll_ctl(mon->epfd, EPOLL_CTL_DEL, hc->lfd, NULL);
			unlink(hc->path);
			goto fail;
		}
	}
	HOST_LOG(INFO, "listening on %s (mode %04o%s%s), cgroup v1 cpuset %s, "
		"v2 %s", hc->path, mode, conf->group ? ", group " : "",
		conf->group ? conf->group : "",
		hc->mounts.v1[0] ? hc->mounts.v1 : "none",
		hc->mounts.v2[0] ? hc->mounts.v2 : "none");
	*out = hc;
	return 0;
fail_unlink:
	ret = -errno;
	unlink(hc->path);
	HOST_LOG(ERR, "%s: %s", hc->path, strerror(-ret));
	goto fail;
fail_errno:
	ret = -errno;
	HOST_LOG(ERR, "%s: %s", hc->path, strerror(-ret));
fail:
	if (hc->lfd >= 0)
		close(hc->lfd);
	free(hc);
	return ret;
}

void
host_channels_destroy(struct host_channels *hc)
{
	if (hc == NULL)
		return;
	while (hc->first != NULL)
		close_peer(hc, hc->first);
	epoll_ctl(hc->mon->epfd, EPOLL_CTL_DEL, hc->lfd, NULL);
	close(hc->lfd);
	unlink(hc->path);
	free(hc->pending);
	free(hc);
}

const char *
host_channels_path(const struct host_channels *hc)
{
	return hc->path;
}

unsigned int
host_channels_count(const struct host_channels *hc)
{
	return hc == NULL ? 0 : hc->nb_peers;
}

void
host_channels_foreach(struct host_channels *hc,
		void (*fn)(const struct host_channel_info *info, void *arg),
		void *arg)
{
	struct host_channel_info info;
	struct host_peer *p;
	char votes[256], pols[512];

	if (hc == NULL)
		return;
	for (p = hc->first; p != NULL; p = p->next) {
		if (cpu_list_count(&p->voted) == 0)
			votes[0] = '\0';
		else if (cpu_list_format(&p->voted, votes, sizeof(votes)) < 0)
			snprintf(votes, sizeof(votes), "...");
		host_policy_format(hc, p, pols, sizeof(pols));
		info = (struct host_channel_info){
			.id = p->id, .pid = (int)p->pid,
			.uid = (unsigned int)p->uid,
			.gid = (unsigned int)p->gid,
			.cgroup = p->cgroup, .cpuset = p->cpuset,
			.votes = votes, .policies = pols, .requests = p->requests,
			.acks = p->acks, .nacks = p->nacks,
			.refused = p->refused, .dropped = p->dropped,
			.fifo = p->fifo,
			.json = p->format == HOST_FMT_JSON,
		};
		fn(&info, arg);
	}
}
