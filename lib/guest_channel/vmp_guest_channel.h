/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_GUEST_CHANNEL_H
#define VMP_GUEST_CHANNEL_H

/**
 * @file
 * Guest side of the power channels.
 *
 * Owns: one virtio-serial port per lcore
 * ("<prefix>.<lcore>", default prefix VMP_GUEST_DEFAULT_PREFIX), opened
 * non-blocking and exclusive, and the stream of replies on it.
 *
 * Callers: a guest application, the guest CLI, and the librte_power backend
 * in vmp_guest_power.h. An lcore's channel is used by that lcore only: open,
 * use and close it from one thread at a time (no locks are taken). The
 * configuration is process-wide and is read when a channel opens.
 *
 * Errors are negative errno values, logged once by this library under the
 * log type "vmpower.guest_channel" with the port's path:
 * -EINVAL bad argument or lcore, -ENOTCONN channel not open, -EBUSY port
 * held by another opener, -EAGAIN host not attached or not reading,
 * -EPIPE peer closed the port, -ETIMEDOUT no reply in time.
 */

#include <stdint.h>

#include <vmp_abi.h>
#include <vmp_protocol.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where lcore N's port is, with ".N" added: the virtio-serial port
 * named virtio.serial.port.poweragent.N in the domain XML. */
#define VMP_GUEST_DEFAULT_PREFIX \
	"/dev/virtio-ports/virtio.serial.port.poweragent"

/** Process-wide settings; zero fields take the defaults. */
struct vmp_guest_channel_conf {
	/** Channel path is "<path_prefix>.<lcore>"; NULL: default prefix. */
	const char *path_prefix;
	/** How long open retries when the host is not attached; 0: 1000. */
	unsigned int connect_timeout_ms;
	/** How long a synchronous request waits for its reply; 0: 1000. */
	unsigned int reply_timeout_ms;
	/**
	 * Name carried in requests; NULL: left empty. vm_power_mgr ignores
	 * it; DPDK's own daemon answers queries only when it names the VM.
	 */
	const char *vm_name;
	/**
	 * Non-zero: the rte_power_freq_* calls of vmp_guest_power.h wait for
	 * the host's ACK (1) or NACK (0). Zero: they return 1 once the
	 * request is sent, as DPDK's own VM backend does.
	 */
	unsigned int power_wait_ack;
};

/** Counters of one channel. */
struct vmp_guest_channel_stats {
	uint64_t sent;		/**< requests written whole */
	uint64_t acks;		/**< ACK replies read */
	uint64_t nacks;		/**< NACK replies read */
	uint64_t replies;	/**< query replies read */
	uint64_t eagain;	/**< requests refused: host absent or full */
	uint64_t lost;		/**< expected replies that never came */
	uint64_t unexpected;	/**< replies matching no request, or garbage */
	uint64_t resyncs;	/**< RESYNCs from the host, and reconnections
				 * to a restarted daemon on the host socket,
				 * each answered by sending the lcore's last
				 * level again */
};

/** A reply of any kind, as read from the channel. */
union vmp_guest_reply {
	struct vmp_proto_packet ack;		/**< ACK or NACK */
	struct vmp_proto_freq_list freq;	/**< FREQ_LIST, FREQ_AVAIL */
	struct vmp_proto_caps_list caps;	/**< CAPS_LIST */
};

/**
 * Set the process-wide configuration; channels opened later use it.
 * Strings are copied. Passing NULL restores the defaults.
 * @param conf  the settings, or NULL
 * @return 0, or -EINVAL for a prefix or name that does not fit.
 */
int vmp_guest_channel_configure(const struct vmp_guest_channel_conf *conf);

/**
 * Open the channel of @p lcore_id and send CONNECT.
 * @param lcore_id  the lcore whose port ("<prefix>.<lcore_id>") to open
 *
 * Retries CONNECT for up to connect_timeout_ms while the host is not
 * attached, then fails with -EAGAIN. The vCPU carried in requests is the
 * single CPU the lcore is pinned to, else @p lcore_id; see
 * vmp_guest_channel_set_vcpu().
 *
 * @return 0; -EINVAL, -EALREADY (open in this process), -EBUSY (held by
 *   another opener), -ENOENT (no such port), -EAGAIN, or another -errno.
 */
int vmp_guest_channel_open(unsigned int lcore_id);

/**
 * Close the channel of @p lcore_id.
 * @param lcore_id  the lcore
 * @return 0, -EINVAL or -ENOTCONN.
 */
int vmp_guest_channel_close(unsigned int lcore_id);

/**
 * Whether the channel of @p lcore_id is open.
 * @param lcore_id  the lcore
 * @return 1 if open, else 0
 */
int vmp_guest_channel_is_open(unsigned int lcore_id);

/**
 * Carry @p vcpu as resource_id in this lcore's requests.
 * @param lcore_id  the lcore, whose channel is open
 * @param vcpu      the vCPU the host is to scale
 * @return 0, -EINVAL or -ENOTCONN
 */
int vmp_guest_channel_set_vcpu(unsigned int lcore_id, uint32_t vcpu);

/**
 * The vCPU this lcore's requests carry.
 * @param lcore_id  the lcore, whose channel is open
 * @return the vCPU, or -EINVAL or -ENOTCONN
 */
int64_t vmp_guest_channel_get_vcpu(unsigned int lcore_id);

/**
 * Send a CPU_POWER request with @p unit and do not wait.
 *
 * Replies already waiting are read and counted first, so unread replies
 * never pile up. One write(2) of one packet; no allocation.
 * @param lcore_id  the lcore, whose channel is open
 * @param unit      VMP_PROTO_SCALE_UP, _DOWN, _MAX, _MIN, _ENABLE_TURBO
 *   or _DISABLE_TURBO
 * @return 0 when the whole packet was written, or a negative errno.
 */
int vmp_guest_channel_send(unsigned int lcore_id, uint32_t unit);

/**
 * Send a CPU_POWER request with @p unit and wait for its ACK or NACK.
 * @param lcore_id  the lcore, whose channel is open
 * @param unit      as for vmp_guest_channel_send()
 * @return VMP_PROTO_ACK or VMP_PROTO_NACK, or a negative errno
 *   (-ETIMEDOUT after reply_timeout_ms).
 */
int vmp_guest_channel_request(unsigned int lcore_id, uint32_t unit);

/**
 * Send a query and wait for its reply.
 *
 * @param lcore_id  the lcore, whose channel is open
 * @param command  VMP_PROTO_QUERY_FREQ, _FREQ_LIST, _CAPS, _CAPS_LIST or
 *   _FREQ_AVAIL
 * @param arg      the entry to start at for _FREQ_AVAIL (goes in unit),
 *   else 0
 * @param reply    filled with the reply
 * @return the reply's command (FREQ_LIST, CAPS_LIST, FREQ_AVAIL, or NACK
 *   when the host refused), or a negative errno.
 */
int vmp_guest_channel_query(unsigned int lcore_id, uint32_t command,
		uint32_t arg, union vmp_guest_reply *reply);

/**
 * Send a packet built by the caller (e.g. a POLICY from a CLI), no wait.
 * Only for requests the host answers in order; see vmp_protocol.h.
 * @param lcore_id  the lcore, whose channel is open
 * @param pkt       the packet, with a known command
 * @return 0 when the whole packet was written, or a negative errno
 */
__vmp_experimental
int vmp_guest_channel_send_packet(unsigned int lcore_id,
		const struct vmp_proto_packet *pkt);

/**
 * A host-side power policy (PKT_POLICY), filled by the application: the
 * host then manages the named vCPUs by itself until the next policy, or
 * until one of them sends CPU_POWER (which outvotes its policy).
 */
struct vmp_guest_policy {
	uint32_t type;		/**< VMP_PROTO_POLICY_TRAFFIC, _TIME, ... */
	uint32_t nb_vcpus;	/**< 1 to VMP_PROTO_POLICY_VCPUS */
	/** This VM's vCPUs the policy manages (a VM with more than 8
	 * sends several policies) */
	uint8_t vcpus[VMP_PROTO_POLICY_VCPUS];
	uint32_t workload;	/**< WORKLOAD: VMP_PROTO_WL_HIGH, ... */
	uint32_t busy_hours;	/**< TIME: bit h set, hour h is max */
	uint32_t quiet_hours;	/**< TIME: bit h set, hour h is min */
	uint32_t traffic_hours;	/**< TIME: bit h set, TRAFFIC decides */
	/** TRAFFIC: packets/s thresholds, min <= avg_max <= max_max */
	uint32_t min_pps;
	uint32_t avg_max_pps;	/**< TRAFFIC: from here the middle freq. */
	uint32_t max_max_pps;	/**< TRAFFIC: from here the highest */
	uint32_t nb_macs;	/**< 0 to VMP_PROTO_POLICY_MACS */
	/** TRAFFIC: MACs of this VM's NICs whose packets count */
	uint8_t macs[VMP_PROTO_POLICY_MACS][6];
};

/** The environment variable naming the host channel socket. */
#define VMP_GUEST_HOST_SOCKET_ENV	"VMPOWER_HOST_SOCKET"

/**
 * Reach the host daemon through its host channel socket instead of
 * virtio-serial ports: for a DPDK application on the host itself, e.g.
 * in a container (the daemon's --host-channels; the socket is
 * DIR/vmpower.sock, with DIR mounted into the container).
 *
 * The transport is chosen when a channel opens: the path set here if
 * any; else $VMPOWER_HOST_SOCKET if set and not empty; else the virtio
 * port "<path_prefix>.<lcore>". On the host socket each lcore's channel
 * is a connection of its own, its requests name the lcore's CPU
 * (rte_lcore_to_cpu_id()) with core_type physical, and the daemon honours
 * only CPUs of the process's cpuset. Requests, ACK/NACK and queries work
 * as in a VM. When the daemon closes the connection (a restart), the
 * channel's next call connects again and sends the lcore's level again,
 * as for a RESYNC (counted in resyncs); until a daemon listens, calls
 * fail with -EPIPE. Channels already open keep their transport.
 * (A function, not a field of vmp_guest_channel_conf: that struct's size
 * is part of the stable ABI.)
 * @param path  the socket, or NULL / "" to go back to the environment
 *   and the virtio ports
 * @return 0, or -ENAMETOOLONG (longer than a socket address holds)
 */
__vmp_experimental
int vmp_guest_channel_set_host_socket(const char *path);

/**
 * Send a policy on @p lcore_id's channel and wait for its ACK or NACK.
 * The packet carries the configured vm_name; a policy the host would
 * refuse for its own fields (hours, thresholds, counts) is not sent.
 * The host's reason for a NACK is in its log.
 * @param lcore_id  the lcore, whose channel is open
 * @param pol       the policy
 * @return VMP_PROTO_ACK or VMP_PROTO_NACK, or a negative errno (-EINVAL:
 *   a field out of range, logged).
 */
__vmp_experimental
int vmp_guest_channel_send_policy(unsigned int lcore_id,
		const struct vmp_guest_policy *pol);

/**
 * Read waiting replies without blocking, and push out the rest of a
 * packet that a full port took only in part.
 *
 * A host that lost this lcore's vote (daemon restart, reconnect) sends
 * RESYNC; every call that reads the port (this one, and each request)
 * answers it by sending the lcore's last level again: the last MIN, MAX
 * or ENABLE_TURBO, then the UP/DOWN steps taken since (at most 64), as
 * ordinary CPU_POWER requests. An idle application calls this now and
 * then so that its host converges to what it asked for without traffic.
 * @param lcore_id  the lcore, whose channel is open
 * @return how many were read, or a negative errno
 */
__vmp_experimental
int vmp_guest_channel_poll(unsigned int lcore_id);

/**
 * Copy the counters of @p lcore_id.
 * @param lcore_id  the lcore, whose channel is open
 * @param stats     filled with the counters
 * @return 0 or a negative errno.
 */
int vmp_guest_channel_stats(unsigned int lcore_id,
		struct vmp_guest_channel_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* VMP_GUEST_CHANNEL_H */
