/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CHANNEL_MONITOR_H
#define VMP_CHANNEL_MONITOR_H

/**
 * @file
 * The daemon's event loop: turns guest packets into frequency changes.
 *
 * Owns: the epoll loop and the thread that runs it, which is the one owner
 * of the daemon's state (the channel manager's VMs and channels, and the
 * power manager's votes); each connected channel's receive remainder and
 * reply backlog; the daemon-wide counters.
 *
 * Other threads never touch that state: they hand work to the loop with
 * monitor_call() (run a function on the loop, wait for it) or
 * monitor_post() (run it later), both woken through an eventfd. The loop
 * sleeps in epoll_wait() without a timeout: no wake-up when idle.
 *
 * Requests. A packet is validated (vmp_proto_check()) against the VM that
 * owns the channel: resource_id is that VM's vCPU, never a host CPU. A
 * CPU_POWER request becomes that vCPU's vote on every pCPU it is pinned
 * to; it is answered ACK once applied, NACK when refused or when nothing
 * could change (disabled channel, no cpufreq, invalid packet). Requests
 * read in one pass of the loop are applied together: a pCPU's frequency is
 * written once per pass, for its final value; the answers follow.
 *
 * Queries are about the sender's own vCPUs, whatever vm_name says, and
 * need no per-VM enabling (DPDK's set_query); a disabled channel
 * refuses them like any request. QUERY_FREQ_LIST and QUERY_CAPS_LIST
 * carry vCPUs 0-7 (the reply holds 8): a VM with more asks for each with
 * QUERY_FREQ / QUERY_CAPS, whose reply puts vCPU v in slot v % 8 with
 * resource_id = v. CONNECT is accepted on its command alone and gets no
 * answer; a POLICY or POLICY_REMOVE goes to the VM's host-side
 * policies (policy.h), which check it and vote.
 * RESYNC. A guest whose CONNECT said it takes RESYNC (vmp_protocol.h)
 * gets one each time its channel connects again (a reconnect, or a
 * daemon restarted with the same state directory, for the same QEMU
 * process): it answers with its levels, so votes lost with the old
 * connection come back without any traffic. Stock guests never get it.
 *
 * Misbehaving peers: a channel's packets are rate limited (a token
 * bucket, monitor_conf.rate_limit a second and as many in a burst; past
 * it they get NACK), so a flooding guest costs the others nothing; every
 * refusal is counted and logged, at most 8 lines
 * in a burst and then one a second per channel. A channel whose last GARBAGE_LIMIT packets were all
 * invalid is disabled (as set_channel_status would) until the operator
 * enables it again. Replies a guest does not read wait in a bounded
 * backlog; past it they are dropped and counted, and the loop never
 * blocks on a channel.
 *
 * CPU hotplug. With a power manager the loop also watches the kernel's
 * CPU uevents (cpu_hotplug.h) and tells the power manager, in the pass
 * they arrive in: a CPU going offline keeps its votes, which count again
 * when it returns. Only CPU online/offline uevents wake the loop.
 * Requests for an offline pCPU are recorded and ACKed: they are applied
 * when it comes back.
 */

#include <signal.h>
#include <stdint.h>

#include "channel_manager.h"
#include "policy.h"

struct power_mgr;
struct host_channels;
struct host_channels_conf;
struct monitor;

/** Daemon-wide counters. */
struct monitor_stats {
	uint64_t packets;	/**< whole packets read */
	/** channel reads that ended inside a packet, its start kept */
	uint64_t partial;
	uint64_t requests;	/**< CPU_POWER requests */
	uint64_t queries;
	uint64_t acks;
	uint64_t nacks;
	uint64_t rejected;	/**< invalid packets (subset of nacks) */
	uint64_t limited;	/**< over the rate limit (subset of nacks) */
	uint64_t writes;	/**< frequency changes applied */
	uint64_t coalesced;	/**< requests whose write another one replaced */
	uint64_t dropped;	/**< replies dropped: guest not reading */
	uint64_t errors;	/**< socket errors */
	uint64_t wakeups;	/**< epoll_wait returns */
	uint64_t hotplug;	/**< CPU online/offline uevents taken */
	uint64_t hotplug_ignored;	/**< uevents dropped or stale */
	uint64_t resyncs;	/**< uevents lost: online CPUs read again */
	uint64_t resync_sent;	/**< RESYNCs sent: guests asked again */
};

struct monitor_conf {
	struct power_mgr *pm;	/**< NULL: no cpufreq, requests get NACK */
	/** Channel directory; NULL: CHMGR_DEFAULT_DIR. */
	const char *channel_dir;
	/** Replies kept per channel for a guest not reading; 0: 64. */
	unsigned int backlog;
	/** Stop on SIGINT/SIGTERM (the caller has blocked them). */
	int signals;
	/**
	 * Packets a channel may send per second, with as many in a burst;
	 * beyond, they get NACK. 0: MONITOR_DEFAULT_RATE; <0: no limit.
	 */
	int rate_limit;
	/**
	 * A vCPU pinned to more pCPUs than this (unpinned: every host CPU)
	 * has its requests refused: it must be pinned. 0:
	 * MONITOR_DEFAULT_PIN_SET.
	 */
	unsigned int max_pin_set;
	/** Auto-serving of libvirt domains; NULL: none (chmgr_conf). */
	const struct chmgr_auto *auto_serve;
	/**
	 * CPU hotplug (with pm): 0 follows it; >0 too, with a uevent
	 * receive queue of this many bytes (tests overrun a small one);
	 * <0 does not.
	 */
	int hotplug_rcvbuf;
	/**
	 * Where to record which guests take RESYNC, so that the next daemon
	 * asks them for their levels (channel_resync.c); NULL: kept in
	 * memory only, for reconnects.
	 */
	const char *state_dir;
	/**
	 * The rate limiter's clock, in ms (tests drive it: logical time);
	 * NULL: CLOCK_MONOTONIC. Called on the loop only.
	 */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;	/**< for clock_ms */
	/** Seconds added to the wall clock that TIME policies read (tests
	 * and the daemon's --policy-time-offset); 0: the real time. */
	int64_t policy_time_offset_s;
	/** libvirt URI the TRAFFIC sampler opens (its own connection, on
	 * its own thread); NULL: libvirt's default. */
	const char *libvirt_uri;
	/** TRAFFIC policies' sampling period in ms; 0: 100. */
	unsigned int traffic_period_ms;
	/** BRANCH_RATIO policies' sampling period in us; 0: 100. */
	unsigned int branch_period_us;
	/** BRANCH_RATIO's threshold in percent; 0: 0.1. */
	double branch_threshold;
	/** BRANCH_RATIO's events: hardware; software in tests. */
	enum policy_branch_events branch_events;
	/** Host channels (host_channels.h): processes on the host, e.g.
	 * in containers; NULL or a NULL dir: none. */
	const struct host_channels_conf *host;
};

/** Larger pCPU sets than this are a vCPU left unpinned, not a choice. */
#define MONITOR_DEFAULT_PIN_SET	4u

/** A guest sending more than this a second is flooding (its own lcores
 * ask a few times a second at most). */
#define MONITOR_DEFAULT_RATE	1000

/** Consecutive invalid packets after which a channel is disabled. */
#define MONITOR_GARBAGE_LIMIT	64

/**
 * Create the monitor and its channel manager. @return 0 with @p out, or a
 * negative errno (logged: e.g. an unsafe channel directory).
 */
int monitor_create(const struct monitor_conf *conf, struct monitor **out);

/**
 * The signals that stop the daemon cleanly (SIGINT, SIGTERM, SIGHUP of a
 * lost terminal, SIGQUIT), which monitor_conf.signals takes on the loop:
 * the caller blocks them before any thread starts.
 */
void monitor_stop_signals(sigset_t *set);

/** Free everything; the loop must have returned. */
void monitor_destroy(struct monitor *mon);

/** Run the loop on the calling thread until monitor_stop(). @return 0 */
int monitor_run(struct monitor *mon);

/** Make monitor_run() return; any thread, async-signal-safe. */
void monitor_stop(struct monitor *mon);

typedef void (*monitor_fn)(struct monitor *mon, void *arg);

/**
 * Run @p fn on the loop thread and wait until it ran (called before the
 * loop runs, wait for it to start: monitor_run() must follow).
 * @return 0, or -ESHUTDOWN once the loop has ended (fn not run).
 */
int monitor_call(struct monitor *mon, monitor_fn fn, void *arg);

/**
 * Run @p fn on the loop thread later. Once queued, @p fn runs exactly
 * once: on the loop, when the loop ends, or at the latest in
 * monitor_destroy() (a loop that never ran or failed), so a job that owns
 * @p arg frees it on every path.
 * @return 0, -ENOMEM, or -ESHUTDOWN (fn will not run: free arg yourself)
 */
int monitor_post(struct monitor *mon, monitor_fn fn, void *arg);

/**
 * On the loop, for a job that must report what its votes did: write now
 * what was decided so far (power_mgr_cpu_written() then tells), and
 * defer again for the rest of the job.
 */
void monitor_flush(struct monitor *mon);

/**
 * On the loop (or before it runs): call @p fn(@p arg), on the loop, when
 * a running VM's request names a vCPU it is not known to have: libvirt
 * sends no event for a vCPU hot-plug (setvcpus), so the caller reads the
 * VMs again (vm_sync: virt_adapter_resync()). At most once a second a
 * channel. NULL: no hook.
 */
void monitor_set_stale_hook(struct monitor *mon, void (*fn)(void *arg),
		void *arg);

/** For functions run on the loop: the state they may use. */
/** The guests' policies (policy.h): on the loop only. */
struct policy_set *monitor_policies(struct monitor *mon);

struct chmgr *monitor_chmgr(struct monitor *mon);
/** The host channels, or NULL when off. */
struct host_channels *monitor_host_channels(struct monitor *mon);
struct power_mgr *monitor_power(struct monitor *mon);
void monitor_get_stats(const struct monitor *mon, struct monitor_stats *st);

/** The loop thread's id, once monitor_run() started (for tests). */
int monitor_tid(const struct monitor *mon);

#endif /* VMP_CHANNEL_MONITOR_H */
