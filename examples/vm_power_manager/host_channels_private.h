/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_HOST_CHANNELS_PRIVATE_H
#define VMP_HOST_CHANNELS_PRIVATE_H

/*
 * Shared by host_channels.c (socket, connections, I/O),
 * host_requests.c (what a peer's packet does) and host_upstream.c
 * (upstream's JSON and FIFOs) only.
 */

#include <stdint.h>
#include <sys/types.h>

#include <rte_log.h>

#include "channel_monitor_private.h"
#include "cpu_list.h"
#include "host_channels.h"
#include "packet_stream.h"
#include "peer_cpuset.h"

extern int vmp_host_logtype;

#define HOST_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_host_logtype, \
		"HOST_CHANNELS: " fmt "\n", ##__VA_ARGS__)

/* What a peer writes, decided by its first byte ('{': JSON). */
enum host_format { HOST_FMT_UNKNOWN, HOST_FMT_BINARY, HOST_FMT_JSON };

struct host_peer {
	int fd;
	enum host_format format;
	char *jbuf;		/* JSON: an object not yet whole */
	size_t jlen;
	int fifo_cpu;		/* a FIFO's CPU (no writer known), or -1 */
	char *fifo;		/* its path, removed at close */
	uint32_t id;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char cgroup[256];	/* as of the last look */
	char cpuset[64];
	struct pkt_stream rx;
	struct reply_queue txq;	/* its replies; in the touched list */
	struct cpu_list voted;	/* CPUs it votes on */
	struct vm *pol_vm;	/* its policies' owner (host_policies.c) */
	struct rate_limit rate;
	uint32_t garbage;	/* invalid packets in a row */
	struct log_limit log;
	uint32_t events;	/* registered with epoll */
	int hup;		/* gone: close after this pass */
	struct host_peer *prev, *next;	/* every peer, oldest first */
	uint64_t requests, acks, nacks, refused, dropped;
};

struct host_channels {
	struct monitor *mon;
	int lfd;		/* listening socket */
	char path[108];		/* sun_path */
	struct peer_cpuset_mounts mounts;
	unsigned int max_peers;
	unsigned int nb_peers;
	uint32_t next_id;
	uint64_t refused_conns;	/* over max_peers */
	uint64_t log_ms;	/* the listener's own log limit */
	struct host_peer *first, *last;
	struct reply_queue *touched;	/* peers this pass touched */
	struct host_pending {	/* CPU_POWER whose answer waits for its write */
		struct host_peer *p;
		struct vmp_proto_packet req;
	} *pending;
	unsigned int nb_pending;
	unsigned int cap_pending;
};

int host_log_ok(struct host_peer *p);

#define PEER_LOG(p, level, fmt, ...) do {				\
	if (host_log_ok(p)) {						\
		HOST_LOG(level, "pid %d (uid %u, cgroup %s): " fmt "%s",	\
			(int)(p)->pid, (unsigned int)(p)->uid, (p)->cgroup,	\
			##__VA_ARGS__, (p)->log.skipped ?		\
			" (more like it not logged)" : "");		\
		(p)->log.skipped = 0;					\
	}								\
} while (0)

/* host_channels.c */
/* Queue a reply (counted); a JSON peer gets it as a text line, with
 * @why for a NACK; a FIFO, none. */
void host_queue_reply(struct host_channels *hc, struct host_peer *p,
		const void *reply, const char *why);
/* Queue bytes as they are. */
void host_queue_bytes(struct host_channels *hc, struct host_peer *p,
		const void *data, size_t len);
/* The epoll tag of a peer; put it among the peers. */
void *host_peer_tag(struct host_peer *p);
void host_peer_link(struct host_channels *hc, struct host_peer *p);

/* host_upstream.c */
void host_json_feed(struct host_channels *hc, struct host_peer *p,
		const uint8_t *buf, size_t len);
void host_json_answer(struct host_channels *hc, struct host_peer *p,
		uint32_t command, const char *why);
/* DIR/fifo<N> for each CPU under control. @return 0 or -errno, logged */
int host_fifos_create(struct host_channels *hc, const char *dir, gid_t gid);

/* host_requests.c */
void host_handle_packet(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req);
/* A request that is not one (bad JSON): NACK with @why, counted as
 * garbage. */
void host_refuse_text(struct host_channels *hc, struct host_peer *p,
		const char *why);
/* Drop every vote of @p (it is going). */
void host_drop_votes(struct host_channels *hc, struct host_peer *p);

/* host_policies.c: a peer's policies, on the CPUs its cpuset holds (the
 * caller checked them). */
/* POLICY or POLICY_REMOVE: @return 0, or -errno with @why for the NACK */
int host_policy_handle(struct host_channels *hc, struct host_peer *p,
		const struct vmp_proto_packet *req, char *why, size_t len);
/* Its CPU_POWER on @cpu: the policy there stops voting. */
void host_policy_override(struct host_channels *hc, struct host_peer *p,
		unsigned int cpu);
/* Its cpuset is now @cpus: policies on CPUs outside go. */
void host_policy_cpus_left(struct host_channels *hc, struct host_peer *p,
		const struct cpu_list *cpus);
/* It is going: every policy and its vote go, the owner is freed. */
void host_policy_drop(struct host_channels *hc, struct host_peer *p);
/* "CPU:TYPE:decision,..." for the CLI and telemetry, "" for none. */
int host_policy_format(const struct host_channels *hc,
		const struct host_peer *p, char *buf, size_t len);

#endif /* VMP_HOST_CHANNELS_PRIVATE_H */
