/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "vmp_guest_channel.h"
#include "vmp_guest_channel_private.h"

RTE_LOG_REGISTER(vmp_guest_logtype, vmpower.guest_channel, INFO);

#define DEFAULT_TIMEOUT_MS	1000
/* Replies awaited at once; past this the oldest is taken as lost. */
#define PENDING_MAX		64
/* Longest sleep between CONNECT attempts: a port's POLLOUT may not wake. */
#define CONNECT_RETRY_MS	20
/* UP/DOWN steps remembered since the last absolute level: more than any
 * cpufreq table has entries. */
#define STEPS_MAX		64

/*
 * An lcore's last level, as the host must rebuild it from nothing: an
 * absolute request (anchor), then steps. Ends the host clamps at are
 * clamped here too (DOWN at MIN, UP at MAX change nothing).
 */
enum anchor { ANCHOR_NONE, ANCHOR_MIN, ANCHOR_MAX };
struct level {
	enum anchor anchor;
	int turbo;		/* ENABLE_TURBO in force */
	int steps;		/* UP minus DOWN since the anchor */
};

struct pending {
	uint32_t command;
	uint64_t seq;
};

struct channel {
	int fd;
	int host_absent;	/* logged EAGAIN, not yet recovered */
	uint32_t vcpu;
	char path[PATH_MAX];
	struct vmp_proto_packet req;	/* request template, reused */
	struct level level;		/* what a RESYNC replays */
	int resync;			/* RESYNC read, replay not done */
	unsigned int replayed;		/* replay requests already sent */
	union {
		union vmp_guest_reply reply;
		uint8_t bytes[VMP_PROTO_MAX_SZ];
	} rx;
	size_t rx_len;
	/* Tail of a packet the port took in part (a pty does; virtio not). */
	uint8_t tx[sizeof(struct vmp_proto_packet)];
	size_t tx_len;
	struct pending pend[PENDING_MAX];
	unsigned int pend_head;
	unsigned int pend_count;
	uint64_t next_seq;
	uint64_t wait_seq;		/* sync caller's request, 0: none */
	int wait_result;		/* reply command, or -errno */
	union vmp_guest_reply *wait_reply;
	struct vmp_guest_channel_stats stats;
};

/* The lcore_id of DPDK's power API is below RTE_MAX_LCORE by contract. */
static struct {
	struct channel *chan[RTE_MAX_LCORE];
	char prefix[PATH_MAX];
	char vm_name[VMP_PROTO_NAME_SZ + 1];
	unsigned int connect_timeout_ms;
	unsigned int reply_timeout_ms;
	unsigned int power_wait_ack;
} ctx = {
	.prefix = VMP_GUEST_DEFAULT_PREFIX,
	.connect_timeout_ms = DEFAULT_TIMEOUT_MS,
	.reply_timeout_ms = DEFAULT_TIMEOUT_MS,
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
vmp_guest_channel_configure(const struct vmp_guest_channel_conf *conf)
{
	const char *prefix = VMP_GUEST_DEFAULT_PREFIX;
	const char *name = "";

	if (conf != NULL && conf->path_prefix != NULL)
		prefix = conf->path_prefix;
	if (conf != NULL && conf->vm_name != NULL)
		name = conf->vm_name;
	/* Leave room for ".<lcore>". */
	if (prefix[0] == '\0' || strlen(prefix) + 12 >= sizeof(ctx.prefix)) {
		GUEST_LOG(ERR, "channel path prefix '%s' is empty or too long",
			prefix);
		return -EINVAL;
	}
	if (strlen(name) > VMP_PROTO_NAME_SZ) {
		GUEST_LOG(ERR, "VM name '%s' is longer than %d bytes",
			name, VMP_PROTO_NAME_SZ);
		return -EINVAL;
	}
	/* Both measured above: they fit with their terminators. */
	memcpy(ctx.prefix, prefix, strlen(prefix) + 1);
	memcpy(ctx.vm_name, name, strlen(name) + 1);
	ctx.connect_timeout_ms = DEFAULT_TIMEOUT_MS;
	ctx.reply_timeout_ms = DEFAULT_TIMEOUT_MS;
	ctx.power_wait_ack = 0;
	if (conf != NULL) {
		if (conf->connect_timeout_ms != 0)
			ctx.connect_timeout_ms = conf->connect_timeout_ms;
		if (conf->reply_timeout_ms != 0)
			ctx.reply_timeout_ms = conf->reply_timeout_ms;
		ctx.power_wait_ack = conf->power_wait_ack;
	}
	return 0;
}

unsigned int
vmp_guest_power_wait_ack(void)
{
	return ctx.power_wait_ack;
}

/* The open channel of an lcore; logs and fails for a bad or closed one. */
static struct channel *
lookup(unsigned int lcore_id, int *err)
{
	if (lcore_id >= RTE_MAX_LCORE) {
		GUEST_LOG(ERR, "lcore %u is out of range (max %d)",
			lcore_id, RTE_MAX_LCORE - 1);
		*err = -EINVAL;
		return NULL;
	}
	if (ctx.chan[lcore_id] == NULL) {
		GUEST_LOG(ERR, "channel of lcore %u is not open", lcore_id);
		*err = -ENOTCONN;
		return NULL;
	}
	return ctx.chan[lcore_id];
}

static int
reply_matches(uint32_t request, uint32_t reply)
{
	switch (reply) {
	case VMP_PROTO_NACK:
		return 1;
	case VMP_PROTO_ACK:
		return request == VMP_PROTO_CPU_POWER ||
			request == VMP_PROTO_POLICY ||
			request == VMP_PROTO_POLICY_REMOVE;
	case VMP_PROTO_FREQ_LIST:
		return request == VMP_PROTO_QUERY_FREQ ||
			request == VMP_PROTO_QUERY_FREQ_LIST;
	case VMP_PROTO_CAPS_LIST:
		return request == VMP_PROTO_QUERY_CAPS ||
			request == VMP_PROTO_QUERY_CAPS_LIST;
	case VMP_PROTO_FREQ_AVAIL:
		return request == VMP_PROTO_QUERY_FREQ_AVAIL;
	default:
		return 0;
	}
}

/*
 * Hand one whole reply to the request it answers. Replies come in request
 * order; a pending request the reply cannot answer was skipped by the host
 * (stock hosts do not answer a failed query), so it is dropped as lost.
 */
static void
dispatch(struct channel *ch, const union vmp_guest_reply *r, size_t size)
{
	uint32_t cmd = r->ack.command;

	while (ch->pend_count > 0) {
		struct pending p = ch->pend[ch->pend_head];
		int match = reply_matches(p.command, cmd);

		ch->pend_head = (ch->pend_head + 1) % PENDING_MAX;
		ch->pend_count--;
		if (match) {
			if (cmd == VMP_PROTO_ACK)
				ch->stats.acks++;
			else if (cmd == VMP_PROTO_NACK)
				ch->stats.nacks++;
			else
				ch->stats.replies++;
			if (p.seq == ch->wait_seq) {
				memcpy(ch->wait_reply, r, size);
				ch->wait_result = (int)cmd;
			} else if (cmd == VMP_PROTO_NACK) {
				GUEST_LOG(DEBUG, "%s: host refused %s",
					ch->path,
					vmp_proto_command_str(p.command));
			}
			return;
		}
		ch->stats.lost++;
		if (p.seq == ch->wait_seq)
			ch->wait_result = -ENOMSG;
	}
	ch->stats.unexpected++;
	GUEST_LOG(DEBUG, "%s: reply %u answers no request", ch->path, cmd);
}

/* Take every complete reply out of the receive buffer. */
static void
parse_replies(struct channel *ch)
{
	while (ch->rx_len >= VMP_PROTO_HEAD_SZ) {
		union vmp_guest_reply r;
		uint32_t cmd;
		size_t size;

		memcpy(&cmd, ch->rx.bytes +
			offsetof(struct vmp_proto_packet, command), sizeof(cmd));
		size = vmp_proto_reply_size(cmd);
		if (size == 0) {
			/* No framing to recover from: drop what we hold. */
			GUEST_LOG(WARNING, "%s: garbage reply (command %u), "
				"%zu bytes dropped", ch->path, cmd, ch->rx_len);
			ch->stats.unexpected++;
			ch->rx_len = 0;
			return;
		}
		if (ch->rx_len < size)
			return;
		memcpy(&r, ch->rx.bytes, size);
		ch->rx_len -= size;
		memmove(ch->rx.bytes, ch->rx.bytes + size, ch->rx_len);
		if (cmd == VMP_PROTO_RESYNC) {
			/* Unasked: answers no request. */
			ch->stats.resyncs++;
			ch->resync = 1;
			ch->replayed = 0;
			continue;
		}
		dispatch(ch, &r, size);
	}
}

static void replay(struct channel *ch);

/* Read all that is waiting, and answer a RESYNC found in it.
 * @return 0, or -EPIPE if the peer is gone. */
static int
read_replies(struct channel *ch)
{
	for (;;) {
		ssize_t n = read(ch->fd, ch->rx.bytes + ch->rx_len,
			sizeof(ch->rx.bytes) - ch->rx_len);

		if (n > 0) {
			ch->rx_len += (size_t)n;
			parse_replies(ch);
			continue;
		}
		/* 0: a virtio port whose host side is not connected. */
		if (n == 0 || errno == EAGAIN) {
			if (ch->resync)
				replay(ch);
			return 0;
		}
		if (errno == EINTR)
			continue;
		GUEST_LOG(ERR, "%s: read failed: %s", ch->path,
			strerror(errno));
		return errno == EIO ? -EPIPE : -errno;
	}
}

static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now = now_ms();
	int ret;

	if (now >= deadline)
		return 0;
	ret = poll(&pfd, 1, (int)RTE_MIN(deadline - now, (uint64_t)INT_MAX));
	/* A signal: wait again, for what is left of the same deadline. */
	if (ret < 0 && errno == EINTR)
		return 0;
	return ret < 0 ? -errno : ret;
}

static int
write_error(struct channel *ch, int err)
{
	if (err == EAGAIN) {
		ch->stats.eagain++;
		if (!ch->host_absent)
			GUEST_LOG(WARNING, "%s: host daemon is not attached to "
				"this port, or not reading it", ch->path);
		ch->host_absent = 1;
		return -EAGAIN;
	}
	if (err == EIO) {
		GUEST_LOG(ERR, "%s: host side of the port is gone: %s",
			ch->path, strerror(err));
		return -EPIPE;
	}
	GUEST_LOG(ERR, "%s: write failed: %s", ch->path, strerror(err));
	return -err;
}

/* Push out the tail of a packet sent in part. @return 0 once it is out. */
static int
flush_tail(struct channel *ch)
{
	while (ch->tx_len > 0) {
		ssize_t n = write(ch->fd, ch->tx, ch->tx_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return write_error(ch, n < 0 ? errno : EAGAIN);
		ch->tx_len -= (size_t)n;
		memmove(ch->tx, ch->tx + n, ch->tx_len);
	}
	return 0;
}

/* One write of one packet; @expect_reply queues it for its answer. */
static int
send_packet(struct channel *ch, const struct vmp_proto_packet *pkt,
		int expect_reply, uint64_t *seq)
{
	ssize_t n;
	int ret;

	/* A new packet may only follow a whole one. */
	ret = flush_tail(ch);
	if (ret < 0)
		return ret;
	do {
		n = write(ch->fd, pkt, sizeof(*pkt));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return write_error(ch, errno);
	/* Keep the rest: it goes out before anything else. */
	ch->tx_len = sizeof(*pkt) - (size_t)n;
	memcpy(ch->tx, (const uint8_t *)pkt + n, ch->tx_len);
	if (ch->host_absent)
		GUEST_LOG(INFO, "%s: host daemon attached again", ch->path);
	ch->host_absent = 0;
	ch->stats.sent++;
	if (!expect_reply)
		return 0;
	if (ch->pend_count == PENDING_MAX) {
		ch->pend_head = (ch->pend_head + 1) % PENDING_MAX;
		ch->pend_count--;
		ch->stats.lost++;
	}
	ch->pend[(ch->pend_head + ch->pend_count) % PENDING_MAX] =
		(struct pending){ .command = pkt->command,
				  .seq = ++ch->next_seq };
	ch->pend_count++;
	if (seq != NULL)
		*seq = ch->next_seq;
	return 0;
}

/* Remember what the host must be told again after a RESYNC. */
static void
note_level(struct level *lv, uint32_t unit)
{
	switch (unit) {
	case VMP_PROTO_SCALE_MIN:
		*lv = (struct level){ .anchor = ANCHOR_MIN, .turbo = lv->turbo };
		break;
	case VMP_PROTO_SCALE_MAX:
		*lv = (struct level){ .anchor = ANCHOR_MAX, .turbo = lv->turbo };
		break;
	case VMP_PROTO_ENABLE_TURBO:
		*lv = (struct level){ .anchor = ANCHOR_MAX, .turbo = 1 };
		break;
	case VMP_PROTO_DISABLE_TURBO:
		/* The host moves a vote on turbo to the top without it; a
		 * vote below turbo stays, one step nearer that top. */
		if (lv->turbo && lv->anchor == ANCHOR_MAX)
			lv->steps = RTE_MIN(lv->steps + 1, 0);
		lv->turbo = 0;
		break;
	case VMP_PROTO_SCALE_UP:
		if (lv->anchor != ANCHOR_MAX || lv->steps < 0)
			lv->steps = RTE_MIN(lv->steps + 1, STEPS_MAX);
		break;
	case VMP_PROTO_SCALE_DOWN:
		if (lv->anchor != ANCHOR_MIN || lv->steps > 0)
			lv->steps = RTE_MAX(lv->steps - 1, -STEPS_MAX);
		break;
	default:
		break;
	}
}

/* Request @i of those that rebuild @lv on a host with no vote; 0: done. */
static uint32_t
replay_unit(const struct level *lv, unsigned int i)
{
	if (lv->turbo && i-- == 0)
		return VMP_PROTO_ENABLE_TURBO;	/* also MAX with turbo */
	if ((lv->anchor == ANCHOR_MIN ||
			(lv->anchor == ANCHOR_MAX && !lv->turbo)) && i-- == 0)
		return lv->anchor == ANCHOR_MIN ? VMP_PROTO_SCALE_MIN :
			VMP_PROTO_SCALE_MAX;
	if (i < (unsigned int)abs(lv->steps))
		return lv->steps > 0 ? VMP_PROTO_SCALE_UP :
			VMP_PROTO_SCALE_DOWN;
	return 0;
}

/* Answer a RESYNC: the lcore's level again, from where a full port
 * stopped the last attempt. */
static void
replay(struct channel *ch)
{
	struct vmp_proto_packet pkt = ch->req;
	uint32_t unit;

	pkt.command = VMP_PROTO_CPU_POWER;
	while ((unit = replay_unit(&ch->level, ch->replayed)) != 0) {
		pkt.unit = unit;
		if (send_packet(ch, &pkt, 1, NULL) < 0)
			return;	/* full or gone: the next read goes on */
		ch->replayed++;
	}
	GUEST_LOG(DEBUG, "%s: host lost our level: %u requests sent again",
		ch->path, ch->replayed);
	ch->resync = 0;
	ch->replayed = 0;
}

/* Send @pkt and wait for its own reply, skipping older ones. */
static int
transact(struct channel *ch, const struct vmp_proto_packet *pkt,
		union vmp_guest_reply *reply)
{
	uint64_t deadline;
	uint64_t seq;
	int ret;

	ret = read_replies(ch);
	if (ret < 0)
		return ret;
	ret = send_packet(ch, pkt, 1, &seq);
	if (ret < 0)
		return ret;
	ch->wait_seq = seq;
	ch->wait_reply = reply;
	ch->wait_result = 0;
	deadline = now_ms() + ctx.reply_timeout_ms;
	while (ch->wait_result == 0) {
		ret = read_replies(ch);
		if (ret < 0)
			break;
		if (ch->wait_result != 0)
			break;
		ret = flush_tail(ch);
		if (ret < 0 && ret != -EAGAIN)
			break;
		ret = wait_fd(ch->fd, ch->tx_len ? POLLIN | POLLOUT : POLLIN,
			deadline);
		if (ret < 0)
			break;
		if (ret == 0 && now_ms() >= deadline) {
			ret = -ETIMEDOUT;
			GUEST_LOG(ERR, "%s: no reply to %s in %u ms", ch->path,
				vmp_proto_command_str(pkt->command),
				ctx.reply_timeout_ms);
			break;
		}
	}
	if (ch->wait_result != 0)
		ret = ch->wait_result;
	if (ret == -ENOMSG)
		GUEST_LOG(ERR, "%s: host skipped the reply to %s", ch->path,
			vmp_proto_command_str(pkt->command));
	/* A late reply finds no waiter and is counted, not delivered. */
	ch->wait_seq = 0;
	ch->wait_reply = NULL;
	return ret;
}

/* The single CPU an lcore is pinned to is the vCPU the host must scale. */
static uint32_t
default_vcpu(unsigned int lcore_id)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore_id);
	unsigned int cpu;

	if (CPU_COUNT(&set) != 1)
		return lcore_id;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return lcore_id;
}

static int
connect_host(struct channel *ch)
{
	struct vmp_proto_packet pkt = ch->req;
	uint64_t deadline = now_ms() + ctx.connect_timeout_ms;
	int ret;

	pkt.command = VMP_PROTO_CONNECT;
	/* We take RESYNC: without this the host never sends it. */
	pkt.unit = VMP_PROTO_CONNECT_VMPOWER;
	for (;;) {
		ret = send_packet(ch, &pkt, 0, NULL);
		if (ret != -EAGAIN || now_ms() >= deadline)
			break;
		ret = wait_fd(ch->fd, POLLOUT,
			RTE_MIN(deadline, now_ms() + CONNECT_RETRY_MS));
		if (ret < 0)
			break;
	}
	if (ret == -EAGAIN)
		GUEST_LOG(ERR, "%s: host daemon is not attached to this port: "
			"no room to send CONNECT in %u ms", ch->path,
			ctx.connect_timeout_ms);
	return ret;
}

int
vmp_guest_channel_open(unsigned int lcore_id)
{
	struct channel *ch;
	int ret;

	if (lcore_id >= RTE_MAX_LCORE) {
		GUEST_LOG(ERR, "lcore %u is out of range (max %d)",
			lcore_id, RTE_MAX_LCORE - 1);
		return -EINVAL;
	}
	if (ctx.chan[lcore_id] != NULL) {
		GUEST_LOG(ERR, "%s: already open for lcore %u",
			ctx.chan[lcore_id]->path, lcore_id);
		return -EALREADY;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return -ENOMEM;
	if (snprintf(ch->path, sizeof(ch->path), "%s.%u", ctx.prefix,
			lcore_id) >= (int)sizeof(ch->path)) {
		GUEST_LOG(ERR, "%s.%u: path too long", ctx.prefix, lcore_id);
		free(ch);
		return -ENAMETOOLONG;
	}
	ch->fd = open(ch->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (ch->fd < 0) {
		ret = -errno;
		GUEST_LOG(ERR, "%s: cannot open power channel of lcore %u: %s",
			ch->path, lcore_id, strerror(errno));
		free(ch);
		return ret;
	}
	/* virtio ports allow one opener; a pty or file needs the lock. */
	if (flock(ch->fd, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		GUEST_LOG(ERR, "%s: channel is held by another opener", ch->path);
		goto fail;
	}
	ch->vcpu = default_vcpu(lcore_id);
	vmp_proto_request(&ch->req, VMP_PROTO_CPU_POWER, 0, ch->vcpu,
		ctx.vm_name);
	/* Replies meant for an earlier opener would answer our requests. */
	ret = read_replies(ch);
	if (ret < 0)
		goto fail;
	ch->rx_len = 0;
	ch->stats.unexpected = 0;
	ret = connect_host(ch);
	if (ret < 0)
		goto fail;
	ctx.chan[lcore_id] = ch;
	GUEST_LOG(DEBUG, "%s: open for lcore %u, vCPU %u", ch->path, lcore_id,
		ch->vcpu);
	return 0;
fail:
	close(ch->fd);
	free(ch);
	return ret;
}

int
vmp_guest_channel_close(unsigned int lcore_id)
{
	struct channel *ch;

	if (lcore_id >= RTE_MAX_LCORE) {
		GUEST_LOG(ERR, "lcore %u is out of range (max %d)",
			lcore_id, RTE_MAX_LCORE - 1);
		return -EINVAL;
	}
	ch = ctx.chan[lcore_id];
	if (ch == NULL) {
		GUEST_LOG(ERR, "channel of lcore %u is not open", lcore_id);
		return -ENOTCONN;
	}
	ctx.chan[lcore_id] = NULL;
	close(ch->fd);
	free(ch);
	return 0;
}

int
vmp_guest_channel_is_open(unsigned int lcore_id)
{
	return lcore_id < RTE_MAX_LCORE && ctx.chan[lcore_id] != NULL;
}

int
vmp_guest_channel_set_vcpu(unsigned int lcore_id, uint32_t vcpu)
{
	int err = 0;
	struct channel *ch = lookup(lcore_id, &err);

	if (ch == NULL)
		return err;
	ch->vcpu = vcpu;
	ch->req.resource_id = vcpu;
	return 0;
}

int64_t
vmp_guest_channel_get_vcpu(unsigned int lcore_id)
{
	int err = 0;
	struct channel *ch = lookup(lcore_id, &err);

	return ch == NULL ? err : (int64_t)ch->vcpu;
}

/* The channel of @lcore_id with a CPU_POWER @unit in its template. */
static struct channel *
power_request(unsigned int lcore_id, uint32_t unit, int *err)
{
	struct channel *ch = lookup(lcore_id, err);

	if (ch == NULL)
		return NULL;
	if (vmp_proto_unit_str(unit) == NULL) {
		GUEST_LOG(ERR, "%s: unknown CPU_POWER unit %u", ch->path,
			unit);
		*err = -EINVAL;
		return NULL;
	}
	ch->req.command = VMP_PROTO_CPU_POWER;
	ch->req.unit = unit;
	return ch;
}

int
vmp_guest_channel_send(unsigned int lcore_id, uint32_t unit)
{
	int ret = 0;
	struct channel *ch = power_request(lcore_id, unit, &ret);

	if (ch == NULL)
		return ret;
	ret = read_replies(ch);
	if (ret < 0)
		return ret;
	ret = send_packet(ch, &ch->req, 1, NULL);
	if (ret == 0)
		note_level(&ch->level, unit);
	return ret;
}

int
vmp_guest_channel_request(unsigned int lcore_id, uint32_t unit)
{
	union vmp_guest_reply reply;
	int ret = 0;
	struct channel *ch = power_request(lcore_id, unit, &ret);
	uint64_t sent;

	if (ch == NULL)
		return ret;
	sent = ch->stats.sent;
	ret = transact(ch, &ch->req, &reply);
	/* Refused, or never sent: the host's vote did not move. */
	if (ret != VMP_PROTO_NACK && ch->stats.sent != sent)
		note_level(&ch->level, unit);
	return ret;
}

int
vmp_guest_channel_query(unsigned int lcore_id, uint32_t command,
		uint32_t arg, union vmp_guest_reply *reply)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	switch (command) {
	case VMP_PROTO_QUERY_FREQ:
	case VMP_PROTO_QUERY_FREQ_LIST:
	case VMP_PROTO_QUERY_CAPS:
	case VMP_PROTO_QUERY_CAPS_LIST:
	case VMP_PROTO_QUERY_FREQ_AVAIL:
		break;
	default:
		GUEST_LOG(ERR, "%s: command %u is not a query", ch->path,
			command);
		return -EINVAL;
	}
	if (reply == NULL)
		return -EINVAL;
	ch->req.command = command;
	ch->req.unit = arg;
	return transact(ch, &ch->req, reply);
}

int
vmp_guest_channel_send_packet(unsigned int lcore_id,
		const struct vmp_proto_packet *pkt)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	if (pkt == NULL || vmp_proto_command_str(pkt->command) == NULL) {
		GUEST_LOG(ERR, "%s: refusing to send a packet with unknown "
			"command %u", ch->path, pkt == NULL ? 0 : pkt->command);
		return -EINVAL;
	}
	ret = read_replies(ch);
	if (ret < 0)
		return ret;
	ret = send_packet(ch, pkt, pkt->command != VMP_PROTO_CONNECT, NULL);
	if (ret == 0 && pkt->command == VMP_PROTO_CPU_POWER)
		note_level(&ch->level, pkt->unit);
	return ret;
}

int
vmp_guest_channel_poll(unsigned int lcore_id)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);
	uint64_t before;

	if (ch == NULL)
		return ret;
	before = ch->stats.acks + ch->stats.nacks + ch->stats.replies +
		ch->stats.unexpected;
	/* The rest of a packet a full port held back: without it the host
	 * never sees a fire-and-forget sender's last request. */
	ret = flush_tail(ch);
	if (ret < 0 && ret != -EAGAIN)
		return ret;
	ret = read_replies(ch);
	if (ret < 0)
		return ret;
	return (int)(ch->stats.acks + ch->stats.nacks + ch->stats.replies +
		ch->stats.unexpected - before);
}

int
vmp_guest_channel_stats(unsigned int lcore_id,
		struct vmp_guest_channel_stats *stats)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	if (stats == NULL)
		return -EINVAL;
	*stats = ch->stats;
	return 0;
}
