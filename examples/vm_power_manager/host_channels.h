/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_HOST_CHANNELS_H
#define VMP_HOST_CHANNELS_H

/**
 * @file
 * Host channels: power requests from processes on the host itself (DPDK
 * in containers), on one AF_UNIX stream socket, <dir>/vmpower.sock.
 *
 * Owns: the listening socket (created at host_channels_create(), its
 * file removed at destroy) and every connection on it: each peer's
 * credentials, receive remainder, reply backlog, counters and votes.
 *
 * The wire is the VM channels' binary packet, unchanged, but
 * resource_id names a host CPU (core_type physical or virtual, both
 * taken). Each peer is identified once, at connect, by SO_PEERCRED (pid,
 * uid, gid); at every request its cgroup and that cgroup's effective
 * cpuset are read again (peer_cpuset.h), and a CPU outside the cpuset is
 * refused (NACK and a log line naming pid, cgroup and CPU). So a cpuset
 * changed at run time counts from the next request, and the peer's votes
 * on CPUs that left it are dropped then. A process in no cpuset
 * hierarchy (or in the root cpuset) may name any CPU: the socket's mode
 * and group are then the only access control, as upstream's FIFOs.
 *
 * Votes: a peer votes as a VM's vCPU does (power_manager.h), requester
 * HOST_CHANNELS_REQUESTER(peer, cpu), so VMs and containers sharing a CPU
 * are arbitrated together. A peer's votes go when its connection closes
 * (exit, kill or close). Queries are answered as for a VM, about host
 * CPUs: QUERY_FREQ_LIST and QUERY_CAPS_LIST fill slots 0-7 for CPUs 0-7
 * of the peer's cpuset (others 0). CONNECT gets no answer.
 *
 * Policies (host_policies.c): POLICY names host CPUs in core_list, each
 * checked against the cpuset as a request is; WORKLOAD, TIME (no MACs)
 * and BRANCH_RATIO are host-side policies (policy.h) of a synthetic,
 * never-listed owner per peer whose "vCPU" N is host CPU N, so they vote
 * as the peer does (HOST_CHANNELS_REQUESTER(peer, N)): its CPU_POWER on
 * N overrides until its next POLICY, POLICY_REMOVE removes them all, and
 * they go with the connection, or with a CPU that left the cpuset (at
 * the next request). TRAFFIC (and TIME with MACs) is refused: it counts
 * a VM's NICs through libvirt. A FIFO's policies live until destroy or
 * the daemon's exit.
 *
 * Upstream's JSON (host_json.h): a connection whose first byte is '{'
 * speaks it; each object is turned into the same packet (naming its CPU
 * with "resource_id") and answered with one line, {"result":"ACK"} or
 * {"result":"NACK","reason":"..."}. Upstream's FIFOs (fifo_dir): one per
 * CPU under control, mode 0660, JSON for that CPU only, no answer; a
 * FIFO's writers cannot be known (no credentials on a FIFO), so the
 * file's mode and group are its only access control, as upstream's, and
 * its votes stay until the daemon stops. JSON policies are policies as
 * above.
 *
 * Hostile peers cost the others nothing, by the VM channels' rules
 * (channel_monitor.h): the rate limit and reply backlog of the monitor,
 * log lines rate limited per peer, a bounded read per pass; a peer whose
 * last MONITOR_GARBAGE_LIMIT packets were all invalid is disconnected;
 * past max_peers connections new ones are closed at once.
 *
 * Runs on the channel monitor's loop only (its epoll, its passes): the
 * monitor's files call it; the CLI and telemetry reach it through
 * monitor_call() and host_channels_foreach().
 */

#include <stdint.h>
#include <sys/types.h>

struct monitor;
struct host_channels;

/** The socket's name in the host channel directory. */
#define HOST_CHANNELS_SOCKET	"vmpower.sock"
/** Default file mode of the socket: owner and group may connect. */
#define HOST_CHANNELS_MODE	0660
/** Default limit of connections at once. */
#define HOST_CHANNELS_MAX_PEERS	1024

/** A host peer's requester id for the power manager. */
#define HOST_CHANNELS_REQUESTER(peer, cpu) \
	(((uint64_t)(0x80000000u | (uint32_t)(peer)) << 32) | (uint32_t)(cpu))

struct host_channels_conf {
	/** created (0755) if missing; refused if a symlink, another
	 * user's or writable by others (chmgr_check_dir()) */
	const char *dir;
	unsigned int mode;	/**< socket file mode; 0: HOST_CHANNELS_MODE */
	const char *group;	/**< socket's group, name or gid; NULL: ours */
	unsigned int max_peers;	/**< 0: HOST_CHANNELS_MAX_PEERS */
	/** Upstream's FIFOs: <fifo_dir>/fifo<N> for each CPU under
	 * control, mode 0660 (group as the socket's); NULL: none. */
	const char *fifo_dir;
};

/** One connection, for the CLI and telemetry. */
struct host_channel_info {
	uint32_t id;		/**< the peer's number, from 1 */
	int pid;		/**< SO_PEERCRED, as of connect */
	unsigned int uid;
	unsigned int gid;
	const char *cgroup;	/**< as of its last request (or connect) */
	const char *cpuset;	/**< "0-3", "" empty, "*" unconfined */
	const char *votes;	/**< CPUs it votes on, "" for none */
	/** Its policies, "CPU:TYPE:decision,...", "" for none */
	const char *policies;
	uint64_t requests;	/**< packets read */
	uint64_t acks;
	uint64_t nacks;
	uint64_t refused;	/**< CPUs outside its cpuset (in nacks) */
	uint64_t dropped;	/**< replies dropped: not reading */
	const char *fifo;	/**< a FIFO's path (pid 0), or NULL */
	int json;		/**< it speaks upstream's JSON */
};

/**
 * Listen on <dir>/vmpower.sock, registered with @p mon's epoll.
 * @return 0 and @p out; -errno, logged (unsafe path, bad group...).
 */
int host_channels_create(struct monitor *mon,
		const struct host_channels_conf *conf, struct host_channels **out);

/** Close every connection (dropping votes), remove the socket file. */
void host_channels_destroy(struct host_channels *hc);

/**
 * An epoll event of the monitor's: handle it if it is ours.
 * @return 1 if it was (listener or a peer), else 0.
 */
int host_channels_event(struct host_channels *hc, void *tag,
		uint32_t events);

/** After the power manager's flush: ACK/NACK the requests it wrote. */
void host_channels_commit(struct host_channels *hc);

/** End of a pass: send replies, close the connections that ended. */
void host_channels_end_pass(struct host_channels *hc);

/** The socket's path. */
const char *host_channels_path(const struct host_channels *hc);

/** Connections open. */
unsigned int host_channels_count(const struct host_channels *hc);

/** Call @p fn for each connection, oldest first. On the loop only. */
void host_channels_foreach(struct host_channels *hc,
		void (*fn)(const struct host_channel_info *info, void *arg),
		void *arg);

#endif /* VMP_HOST_CHANNELS_H */
