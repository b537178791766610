/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_GUEST_CHANNEL_PRIVATE_H
#define VMP_GUEST_CHANNEL_PRIVATE_H

/* Shared by the files of lib/guest_channel only. */

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_log.h>

#include "vmp_guest_channel.h"

extern int vmp_guest_logtype;

#define GUEST_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_guest_logtype, \
		"GUEST_CHANNEL: " fmt "\n", ##__VA_ARGS__)

/* Whether the power backend waits for ACK/NACK (configuration). */
unsigned int vmp_guest_power_wait_ack(void);

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

struct channel;

/*
 * A way to the host (vmp_guest_transport.c): how an lcore's channel is
 * opened, written to, and which CPU id its requests carry.
 */
struct gc_transport {
	const char *name;
	/* Open @lcore_id's channel at @where (the port prefix, or the
	 * socket); ch->fd and ch->path set. @return 0 or -errno, logged */
	int (*open)(struct channel *ch, unsigned int lcore_id,
		const char *where);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	/* Connect again to ch->path after the peer closed (NULL: a port
	 * that stays, as virtio's does). Silent: @return fd or -errno. */
	int (*reconnect)(const struct channel *ch);
	uint32_t (*resource)(unsigned int lcore_id);
	uint8_t core_type;	/* of requests: VMP_PROTO_CORE_* */
};

extern const struct gc_transport gc_virtio;
extern const struct gc_transport gc_host;

/* The transport of the next open: host socket if configured or in the
 * environment, else the virtio port (@prefix). NULL: bad environment. */
const struct gc_transport *gc_transport_pick(const char **where,
		const char *prefix);

struct channel {
	const struct gc_transport *tp;
	int fd;
	int host_absent;	/* logged EAGAIN, not yet recovered */
	/* fd is -1: the host daemon closed our connection (reconnect). */
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

/* vmp_guest_wire.c: the port's bytes, for vmp_guest_channel.c. */
uint64_t gc_now_ms(void);
/* Read all that is waiting, answer a RESYNC in it. @return 0 or -errno */
int gc_read_replies(struct channel *ch);
void gc_host_lost(struct channel *ch);
/* Until @fd has @events or @deadline (ms) passes. @return >0, 0, -errno */
int gc_wait_fd(int fd, short events, uint64_t deadline);
/* Push out the tail of a packet sent in part. @return 0 once it is out */
int gc_flush_tail(struct channel *ch);
/* One write of one packet; @expect_reply queues it for its answer
 * (its sequence number in *seq). @return 0 or -errno */
int gc_send_packet(struct channel *ch, const struct vmp_proto_packet *pkt,
		int expect_reply, uint64_t *seq);
/* A CPU_POWER @unit went out: remember it for a RESYNC's replay. */
void gc_note_level(struct level *lv, uint32_t unit);
/* Send @pkt and wait up to @timeout_ms for its own reply, skipping older
 * ones. @return the reply's command, or -errno */
int gc_transact(struct channel *ch, const struct vmp_proto_packet *pkt,
		union vmp_guest_reply *reply, unsigned int timeout_ms);

#endif /* VMP_GUEST_CHANNEL_PRIVATE_H */
