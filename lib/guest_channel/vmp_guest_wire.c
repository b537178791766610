/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "vmp_guest_channel.h"
#include "vmp_guest_channel_private.h"

/*
 * A port's bytes: one packet a write (finishing a tail a pty took in
 * part), replies read, matched to their requests in order, and a host's
 * RESYNC answered with the lcore's level again. The lcore table and the
 * public API are in vmp_guest_channel.c.
 */

uint64_t
gc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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

/*
 * The host daemon closed a host socket connection (restarted, upgraded,
 * stopped): what was in flight is lost. The next call connects again
 * (host_reconnect()).
 */
void
gc_host_lost(struct channel *ch)
{
	GUEST_LOG(WARNING, "%s: the host daemon closed the connection; "
		"connecting again at the next request or poll", ch->path);
	close(ch->fd);
	ch->fd = -1;
	while (ch->pend_count > 0) {
		if (ch->pend[ch->pend_head].seq == ch->wait_seq)
			ch->wait_result = -EPIPE;
		ch->pend_head = (ch->pend_head + 1) % PENDING_MAX;
		ch->pend_count--;
		ch->stats.lost++;
	}
	ch->rx_len = 0;
	ch->tx_len = 0;
}

/*
 * Connect again after gc_host_lost(). A new daemon has no vote of ours:
 * CONNECT, then the lcore's level, as for a RESYNC (counted as one).
 * A virtio port never needs this: QEMU keeps it, the daemon sends RESYNC.
 * @return 0 once connected, -EPIPE while no daemon listens.
 */
static int
host_reconnect(struct channel *ch)
{
	struct vmp_proto_packet pkt = ch->req;
	int fd = ch->tp->reconnect(ch);

	if (fd < 0)
		return -EPIPE;
	ch->fd = fd;
	pkt.command = VMP_PROTO_CONNECT;
	pkt.unit = VMP_PROTO_CONNECT_VMPOWER;
	if (gc_send_packet(ch, &pkt, 0, NULL) < 0) {
		close(ch->fd);
		ch->fd = -1;
		return -EPIPE;
	}
	GUEST_LOG(INFO, "%s: connected to the host daemon again; sending "
		"the lcore's level again", ch->path);
	ch->stats.resyncs++;
	ch->resync = 1;
	ch->replayed = 0;
	return 0;
}

/* Read all that is waiting, and answer a RESYNC found in it.
 * @return 0, or -EPIPE if the peer is gone. */
int
gc_read_replies(struct channel *ch)
{
	if (ch->fd < 0 && host_reconnect(ch) < 0)
		return -EPIPE;
	for (;;) {
		ssize_t n = read(ch->fd, ch->rx.bytes + ch->rx_len,
			sizeof(ch->rx.bytes) - ch->rx_len);

		if (n > 0) {
			ch->rx_len += (size_t)n;
			parse_replies(ch);
			continue;
		}
		/* A host socket's end: its daemon closed it. Once connected
		 * again, read on (nothing yet), and replay our level. */
		if (ch->tp->reconnect != NULL &&
				(n == 0 || errno == ECONNRESET)) {
			gc_host_lost(ch);
			if (host_reconnect(ch) < 0)
				return -EPIPE;
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

int
gc_wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now = gc_now_ms();
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
	if (ch->tp->reconnect != NULL && (err == EPIPE || err == ECONNRESET)) {
		gc_host_lost(ch);
		return -EPIPE;
	}
	GUEST_LOG(ERR, "%s: write failed: %s", ch->path, strerror(err));
	return -err;
}

/* Push out the tail of a packet sent in part. @return 0 once it is out. */
int
gc_flush_tail(struct channel *ch)
{
	while (ch->tx_len > 0) {
		ssize_t n = ch->tp->write(ch->fd, ch->tx, ch->tx_len);

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
int
gc_send_packet(struct channel *ch, const struct vmp_proto_packet *pkt,
		int expect_reply, uint64_t *seq)
{
	ssize_t n;
	int ret;

	if (ch->fd < 0)
		return -EPIPE;	/* a host connection lost, not yet back */
	/* A new packet may only follow a whole one. */
	ret = gc_flush_tail(ch);
	if (ret < 0)
		return ret;
	do {
		n = ch->tp->write(ch->fd, pkt, sizeof(*pkt));
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
void
gc_note_level(struct level *lv, uint32_t unit)
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
		if (gc_send_packet(ch, &pkt, 1, NULL) < 0)
			return;	/* full or gone: the next read goes on */
		ch->replayed++;
	}
	GUEST_LOG(DEBUG, "%s: host lost our level: %u requests sent again",
		ch->path, ch->replayed);
	ch->resync = 0;
	ch->replayed = 0;
}

int
gc_transact(struct channel *ch, const struct vmp_proto_packet *pkt,
		union vmp_guest_reply *reply, unsigned int timeout_ms)
{
	uint64_t deadline;
	uint64_t seq = 0;
	int ret;

	ret = gc_read_replies(ch);
	if (ret < 0)
		return ret;
	ret = gc_send_packet(ch, pkt, 1, &seq);
	if (ret < 0)
		return ret;
	ch->wait_seq = seq;
	ch->wait_reply = reply;
	ch->wait_result = 0;
	deadline = gc_now_ms() + timeout_ms;
	while (ch->wait_result == 0) {
		ret = gc_read_replies(ch);
		if (ret < 0)
			break;
		if (ch->wait_result != 0)
			break;
		ret = gc_flush_tail(ch);
		if (ret < 0 && ret != -EAGAIN)
			break;
		ret = gc_wait_fd(ch->fd, ch->tx_len ? POLLIN | POLLOUT : POLLIN,
			deadline);
		if (ret < 0)
			break;
		if (ret == 0 && gc_now_ms() >= deadline) {
			ret = -ETIMEDOUT;
			GUEST_LOG(ERR, "%s: no reply to %s in %u ms", ch->path,
				vmp_proto_command_str(pkt->command),
				timeout_ms);
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
