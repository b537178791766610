/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CHANNEL_MONITOR_PRIVATE_H
#define VMP_CHANNEL_MONITOR_PRIVATE_H

/*
 * Shared by the monitor's files only: channel_monitor.c (the loop and
 * channel I/O), channel_monitor_jobs.c (work handed to the loop) and
 * channel_requests.c (what a packet does), and the host channels
 * (host_channels.c, host_requests.c), which share the loop's passes,
 * limits and counters, and channel_requests.c's answers.
 */

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#include <rte_log.h>

#include <vmp_protocol.h>

#include "channel_monitor.h"
#include "packet_stream.h"
#include "policy.h"
#include "power_manager.h"
#include "reply_queue.h"

extern int vmp_monitor_logtype;

#define MON_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_monitor_logtype, \
		"CHANNEL_MONITOR: " fmt "\n", ##__VA_ARGS__)

#define PKT_SZ		sizeof(struct vmp_proto_packet)
#define READ_PKTS	64	/* packets read per read() */
/* Reads per channel per pass: a flooding guest cannot starve the others;
 * level-triggered epoll brings it back for the rest. */
#define READS_PER_PASS	16
#define EVENTS		64	/* epoll events per wake-up */
#define STALL_MS	1000	/* a guest this late on its replies reads none */

/* Per connected channel; lives from channel_up to channel_down. */
/*
 * A sender's limits, the same for a VM channel and a host peer: packets a
 * second (monitor_rate_take(): the monitor's rate, as many in a burst, on
 * its clock) and log lines (monitor_log_take(): MONITOR_LOG_BURST, then
 * one a second, so a flood cannot fill the disk).
 */
struct rate_limit {
	uint64_t tokens;	/* packets allowed, x1000 */
	uint64_t tokens_ms;	/* when they were last refilled */
};
struct log_limit {
	uint64_t ms;		/* last refill of tokens */
	uint32_t tokens;
	uint32_t skipped;
};
#define MONITOR_LOG_BURST	8

/* A full bucket, now. */
void monitor_rate_init(struct monitor *mon, struct rate_limit *r);
/* One packet's worth: 1 if within the rate (or no limit), else 0. */
int monitor_rate_take(struct monitor *mon, struct rate_limit *r);
/* One log line's worth: 1, or 0 and counted as skipped. */
int monitor_log_take(struct log_limit *l);

struct chan_state {
	struct vm_channel *ch;
	struct pkt_stream rx;	/* an incomplete packet */
	struct reply_queue txq;	/* its replies, up to the monitor's tx_cap;
				 * in the monitor's touched list */
	uint32_t garbage;	/* invalid packets in a row */
	struct cpu_list voted;	/* vCPUs that voted through this channel */
	struct log_limit log;
	uint32_t events;	/* registered with epoll */
	uint64_t stall_since;	/* not read: replies have no room */
	int deaf;		/* reads no replies: they are dropped */
	struct rate_limit rate;
	int hup;		/* peer gone: close after this pass */
	uint64_t stale_ms;	/* last time it named an unknown vCPU */
};

struct job {
	monitor_fn fn;
	void *arg;
	sem_t *done;
	struct job *next;
};

struct monitor {
	int epfd;
	int evfd;		/* jobs and stop requests */
	int sigfd;
	int tfd;		/* stalled channels' deadline */
	struct cpu_hotplug *hp;	/* CPU uevents, NULL: not followed */
	int timer_armed;
	int quit;
	int closed;		/* loop ended: no more jobs (jobs_lock) */
	pid_t tid;
	struct chmgr *chmgr;
	struct power_mgr *pm;
	struct policy_set *pol;	/* guests' policies (policy.h) */
	struct host_channels *hc;	/* host peers; NULL: off */
	size_t tx_cap;		/* a connection's reply backlog, bytes */
	uint64_t rate;		/* packets a second a channel, 0: no limit */
	uint64_t (*clock_ms)(void *arg);	/* the rate limiter's clock */
	void (*stale_hook)(void *arg);	/* a vCPU unknown: read the VMs */
	void *stale_arg;
	void *clock_arg;
	unsigned int max_pin_set;	/* larger vCPU pin sets: unpinned */
	char *state_dir;	/* RESYNC marks for the next daemon; NULL */
	pthread_mutex_t jobs_lock;	/* guards the job list only */
	struct job *jobs;
	struct job **jobs_tail;
	struct monitor_stats st;
	struct reply_queue *touched;	/* channels this pass touched */
	uint64_t pass_requests;		/* CPU_POWER applied, uncommitted */
	/* CPU_POWER requests whose ACK waits for their write (commit). */
	struct pending_ack {
		struct chan_state *s;
		struct vmp_proto_packet req;
	} *pending;
	unsigned int nb_pending;
	unsigned int cap_pending;
	uint8_t buf[READ_PKTS * PKT_SZ];
};

/* Log lines per channel: a burst, then one a second (flood-proof). */
int monitor_log_ok(struct chan_state *s);

#define CHAN_LOG(s, level, fmt, ...) do {				\
	if (monitor_log_ok(s)) {						\
		MON_LOG(level, "VM %s channel %u: " fmt "%s",		\
			(s)->ch->vm->name, (s)->ch->index, ##__VA_ARGS__,\
			(s)->log.skipped ? " (more like it not logged)" : "");\
		(s)->log.skipped = 0;					\
	}								\
} while (0)

uint64_t monitor_now_ms(void);
/* The rate limiter's time: the injected clock, or monitor_now_ms(). */
uint64_t monitor_rate_ms(const struct monitor *mon);
/* Queue a reply (its size from its command) for the end of the pass. */
void monitor_queue_reply(struct monitor *mon, struct chan_state *s,
		const void *reply);

/* channel_requests.c */
void monitor_handle_packet(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req);
/* Write what the pass decided so far; then requests vote only again. */
void monitor_commit(struct monitor *mon);
void monitor_defer(struct monitor *mon);
/* What a CPU_POWER's unit asks of the power manager: 0, or -EINVAL. */
int monitor_unit_op(uint32_t unit, enum power_mgr_op *op);

/* The answers to queries, the same for a VM and a host peer (on CPUs
 * the caller checked). FREQ_AVAIL: @cpu's frequencies (@nb_freqs, more
 * than req->unit) from index req->unit; 0, or -ENOMEM. */
int monitor_freq_avail(struct monitor *mon, unsigned int cpu,
		uint32_t nb_freqs, const struct vmp_proto_packet *req,
		struct vmp_proto_freq_list *r);
/* The other queries' FREQ_LIST or CAPS_LIST, a slot a CPU. begin()
 * commits the pass first: the answer is of what is written. */
union monitor_list {
	struct vmp_proto_freq_list f;
	struct vmp_proto_caps_list c;
};
void monitor_list_begin(struct monitor *mon,
		const struct vmp_proto_packet *req, union monitor_list *r);
void monitor_list_put(union monitor_list *r,
		const struct vmp_proto_packet *req, unsigned int slot,
		const struct power_mgr_core_info *info);
void monitor_list_end(union monitor_list *r,
		const struct vmp_proto_packet *req, unsigned int nb);

/* channel_resync.c: a CONNECT says whether its guest takes RESYNC; a
 * channel (re)connected asks such a guest for its levels; a VM that
 * stopped forgets it. */
void monitor_resync_connect(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req);
void monitor_resync_up(struct monitor *mon, struct chan_state *s);
void monitor_resync_forget(struct monitor *mon, struct vm *vm);

/* channel_monitor_jobs.c: on the loop, run every queued job. */
void monitor_jobs_run(struct monitor *mon);
/* The loop is over: refuse new jobs, run those queued (each frees what
 * it owns). Idempotent; on the loop's thread or after it ended. */
void monitor_jobs_close(struct monitor *mon);

#endif /* VMP_CHANNEL_MONITOR_PRIVATE_H */
