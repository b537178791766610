/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_PROTOCOL_H
#define VMP_PROTOCOL_H

/**
 * @file
 * The guest <-> host power channel wire format.
 *
 * Owns: the byte layout of every packet that crosses a power channel, the
 * names of commands, units and replies, and the rules that decide whether a
 * request is acceptable. Used by the guest library, the guest CLI and the
 * host daemon; nothing here does I/O.
 *
 * The layout is byte-compatible with DPDK 22.11's
 * struct rte_power_channel_packet and its reply structs on x86_64, so stock
 * DPDK guests and hosts interoperate with ours. It is written with
 * fixed-width types and explicit padding; app/test checks every field's
 * offset and size against DPDK's installed header.
 *
 * Stream rules (a channel is a byte stream, not a datagram socket):
 * - every request is one struct vmp_proto_packet (464 bytes);
 * - every reply starts with the same 16-byte head, and its command says its
 *   size (vmp_proto_reply_size()): ACK/NACK (and RESYNC) are a whole
 *   vmp_proto_packet,
 *   FREQ_LIST and FREQ_AVAIL a vmp_proto_freq_list, CAPS_LIST a
 *   vmp_proto_caps_list;
 * - CONNECT gets no reply; every other request gets exactly one, in order;
 * - the host sends one unasked message, RESYNC (a whole vmp_proto_packet),
 *   and only to a guest whose CONNECT carried VMP_PROTO_CONNECT_VMPOWER:
 *   stock DPDK guests read fixed-size replies in order, so any unasked
 *   packet would shift their stream.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the VM name field; not necessarily NUL-terminated on the wire. */
#define VMP_PROTO_NAME_SZ	32
/** Entries in a reply's per-vCPU arrays. */
#define VMP_PROTO_LIST_SZ	8

/* Requests (packet.command), DPDK's numbers. */
/** Change the frequency of vCPU resource_id; unit says how. ACK or NACK. */
#define VMP_PROTO_CPU_POWER		1
/**
 * First packet on a channel; no reply. Stock guests leave every other
 * field uninitialised; ours put VMP_PROTO_CONNECT_VMPOWER in unit.
 */
#define VMP_PROTO_CONNECT		2
/**
 * CONNECT's unit from a guest that takes RESYNC (vmpower extension):
 * "vmp1". Any other value, a stock guest's stack garbage included, means
 * the guest must never get an unasked packet.
 */
#define VMP_PROTO_CONNECT_VMPOWER	0x766d7031u
/**
 * DPDK policy request: the host manages the vCPUs of vcpu_to_control by
 * itself, by policy_to_use, until the next policy or CPU_POWER of such a
 * vCPU (see vmp_proto_policy_check() for the fields). ACK or NACK.
 */
#define VMP_PROTO_POLICY		3
/** DPDK policy removal: every policy of the sender goes. ACK. */
#define VMP_PROTO_POLICY_REMOVE		4
/** Current frequency of vCPUs 0-7 of the sender: a FREQ_LIST reply. */
#define VMP_PROTO_QUERY_FREQ_LIST	7
/** Current frequency of vCPU resource_id: a FREQ_LIST reply. */
#define VMP_PROTO_QUERY_FREQ		8
/** Turbo and priority of vCPUs 0-7 of the sender: a CAPS_LIST reply. */
#define VMP_PROTO_QUERY_CAPS_LIST	9
/** Turbo and priority of vCPU resource_id: a CAPS_LIST reply. */
#define VMP_PROTO_QUERY_CAPS		10
/**
 * vmpower extension: the frequencies a vCPU may run at, 8 a reply.
 * resource_id is the vCPU, unit the index of the first entry wanted; the
 * reply is a FREQ_AVAIL freq_list whose unit is the total count and whose
 * num_vcpu is the number of entries it carries. Stock DPDK hosts do not
 * answer it.
 */
#define VMP_PROTO_QUERY_FREQ_AVAIL	256

/* Units of CPU_POWER (packet.unit), DPDK's numbers. */
/** One frequency step up (not into turbo unless turbo is enabled). */
#define VMP_PROTO_SCALE_UP		1
/** One frequency step down. */
#define VMP_PROTO_SCALE_DOWN		2
/** The highest frequency (turbo once enabled). */
#define VMP_PROTO_SCALE_MAX		3
/** The lowest frequency. */
#define VMP_PROTO_SCALE_MIN		4
/** Allow turbo and move to the turbo frequency. */
#define VMP_PROTO_ENABLE_TURBO		5
/** Forbid turbo again, moving off it. */
#define VMP_PROTO_DISABLE_TURBO		6

/* Replies (command of the reply), DPDK's numbers plus our extension. */
/** CPU_POWER applied: a whole vmp_proto_packet, the request echoed. */
#define VMP_PROTO_ACK			1
/** Request refused: a whole vmp_proto_packet, the request echoed. */
#define VMP_PROTO_NACK			2
/** Answer to QUERY_FREQ and QUERY_FREQ_LIST: a vmp_proto_freq_list. */
#define VMP_PROTO_FREQ_LIST		3
/** Answer to QUERY_CAPS and QUERY_CAPS_LIST: a vmp_proto_caps_list. */
#define VMP_PROTO_CAPS_LIST		4
/** Answer to QUERY_FREQ_AVAIL (vmpower extension): a vmp_proto_freq_list. */
#define VMP_PROTO_FREQ_AVAIL		256
/**
 * vmpower extension, host to guest, unasked: "I have no votes from you,
 * tell me again". A whole vmp_proto_packet, all but command zero. Sent
 * when a channel of a guest that sent CONNECT with
 * VMP_PROTO_CONNECT_VMPOWER (re)connects: after a daemon restart or a
 * reconnect. The guest answers nothing to it; it repeats each lcore's
 * last level as ordinary CPU_POWER requests, which get ACK/NACK.
 */
#define VMP_PROTO_RESYNC		257

/* packet.core_type */
/** resource_id is a vCPU of the sender: the only kind accepted. */
#define VMP_PROTO_CORE_VIRTUAL		0
/** resource_id is a host CPU: always refused. */
#define VMP_PROTO_CORE_PHYSICAL		1

/* POLICY: policy_to_use, DPDK's enum rte_power_policy. */
/** Packets/s of the VM's NICs named by vfid[] against traffic_policy[]. */
#define VMP_PROTO_POLICY_TRAFFIC	0
/** Busy hours max, quiet hours min, traffic hours by TRAFFIC. */
#define VMP_PROTO_POLICY_TIME		1
/** workload HIGH/MEDIUM/LOW: max/medium/min. */
#define VMP_PROTO_POLICY_WORKLOAD	2
/** Branch misses over branches on the vCPUs' pCPUs. */
#define VMP_PROTO_POLICY_BRANCH_RATIO	3

/* POLICY: workload, DPDK's enum rte_power_workload_level. */
#define VMP_PROTO_WL_HIGH		0	/**< the highest frequency */
#define VMP_PROTO_WL_MEDIUM		1	/**< the middle of the list */
#define VMP_PROTO_WL_LOW		2	/**< the lowest frequency */

/** POLICY: vCPUs one policy packet may name (vcpu_to_control). */
#define VMP_PROTO_POLICY_VCPUS		8
/** POLICY: MACs one policy packet may name (vfid). */
#define VMP_PROTO_POLICY_MACS		10
/** POLICY: entries of each hour list of timer_policy. */
#define VMP_PROTO_HOURS			24
/** timer_policy[]: where the busy hours start. */
#define VMP_PROTO_BUSY_HOURS		0
/** timer_policy[]: where the quiet hours start. */
#define VMP_PROTO_QUIET_HOURS		24
/** timer_policy[]: where the traffic hours start. */
#define VMP_PROTO_TRAFFIC_HOURS		48
/** An unused entry of an hour list (stock DPDK guests leave 0 there). */
#define VMP_PROTO_HOUR_UNUSED		(-1)
/** traffic_policy[]: the lowest packets/s threshold (not decisive) */
#define VMP_PROTO_TRAFFIC_MIN		0
/** traffic_policy[]: packets/s from which the middle frequency */
#define VMP_PROTO_TRAFFIC_AVG_MAX	1
/** traffic_policy[]: packets/s from which the highest frequency */
#define VMP_PROTO_TRAFFIC_MAX_MAX	2

/** A request, and the ACK/NACK reply: DPDK's rte_power_channel_packet. */
struct vmp_proto_packet {
	uint64_t resource_id;		/**< the guest's vCPU index */
	uint32_t unit;			/**< VMP_PROTO_SCALE_* etc. */
	uint32_t command;		/**< VMP_PROTO_CPU_POWER etc. */
	/** Sender's VM name, optional; not NUL-terminated when 32 bytes */
	char vm_name[VMP_PROTO_NAME_SZ];
	/** POLICY: MACs of the VM's NICs, each in the low 6 bytes (wire
	 * order, byte 0 first in memory); the top 2 bytes are ignored */
	uint64_t vfid[VMP_PROTO_POLICY_MACS];
	int32_t nb_mac_to_monitor;	/**< POLICY: entries of vfid used */
	/** POLICY: packets/s, VMP_PROTO_TRAFFIC_MIN etc.: min <= avg <= max */
	uint32_t traffic_policy[3];
	/** POLICY: the sender's vCPUs the policy manages */
	uint8_t vcpu_to_control[VMP_PROTO_POLICY_VCPUS];
	uint8_t num_vcpu;		/**< POLICY: entries used, 1 to 8 */
	uint8_t pad0[3];		/**< padding, zero */
	/** POLICY: busy, quiet and traffic hour lists, 24 entries each
	 * (VMP_PROTO_BUSY_HOURS etc.): 0-23 or VMP_PROTO_HOUR_UNUSED */
	int32_t timer_policy[3 * VMP_PROTO_HOURS];
	uint8_t core_type;		/**< VMP_PROTO_CORE_*; a C bool in DPDK */
	uint8_t pad1[3];		/**< padding, zero */
	uint32_t workload;		/**< POLICY: VMP_PROTO_WL_* */
	uint32_t policy_to_use;		/**< POLICY: VMP_PROTO_POLICY_* */
	uint8_t turbo_status;		/**< C bool in DPDK */
	uint8_t pad2[7];		/**< padding, zero */
};

/** FREQ_LIST and FREQ_AVAIL replies: DPDK's ..._packet_freq_list. */
struct vmp_proto_freq_list {
	uint64_t resource_id;	/**< the request's resource_id */
	/** FREQ_LIST: the request's unit; FREQ_AVAIL: total frequencies */
	uint32_t unit;
	uint32_t command;	/**< VMP_PROTO_FREQ_LIST or _FREQ_AVAIL */
	char vm_name[VMP_PROTO_NAME_SZ];	/**< zero */
	uint32_t freq_list[VMP_PROTO_LIST_SZ];	/**< kHz */
	/** FREQ_LIST: the sender's vCPUs (8 at most); FREQ_AVAIL: entries */
	uint8_t num_vcpu;
	uint8_t pad0[7];	/**< padding, zero */
};

/** CAPS_LIST replies: DPDK's ..._packet_caps_list. */
struct vmp_proto_caps_list {
	uint64_t resource_id;	/**< the request's resource_id */
	uint32_t unit;		/**< zero */
	uint32_t command;	/**< VMP_PROTO_CAPS_LIST */
	char vm_name[VMP_PROTO_NAME_SZ];	/**< zero */
	uint64_t turbo[VMP_PROTO_LIST_SZ];	/**< 1: the vCPU has turbo */
	/** 1: the vCPU runs on a priority core (SST-BF) */
	uint64_t priority[VMP_PROTO_LIST_SZ];
	uint8_t num_vcpu;	/**< the sender's vCPUs, 8 at most */
	uint8_t pad0[7];	/**< padding, zero */
};

_Static_assert(sizeof(struct vmp_proto_packet) == 464, "packet size");
_Static_assert(sizeof(struct vmp_proto_freq_list) == 88, "freq_list size");
_Static_assert(sizeof(struct vmp_proto_caps_list) == 184, "caps_list size");

/** Bytes every packet and reply starts with: resource_id, unit, command. */
#define VMP_PROTO_HEAD_SZ	offsetof(struct vmp_proto_packet, vm_name)
/** The largest reply, for receive buffers. */
#define VMP_PROTO_MAX_SZ	sizeof(struct vmp_proto_packet)

/** Why a packet is refused; vmp_proto_verdict_str() names each. */
enum vmp_proto_verdict {
	VMP_PROTO_VALID = 0,		/**< the request may be served */
	VMP_PROTO_BAD_COMMAND,		/**< command not known */
	VMP_PROTO_BAD_UNIT,		/**< CPU_POWER with an unknown unit */
	VMP_PROTO_BAD_VCPU,		/**< resource_id >= the VM's vCPUs */
	VMP_PROTO_PHYSICAL_CORE,	/**< core_type asks for a host core */
	VMP_PROTO_FOREIGN_VM,		/**< vm_name names another VM */
	/** POLICY with a field out of range */
	VMP_PROTO_BAD_POLICY,
	VMP_PROTO_VERDICT_MAX		/**< number of verdicts */
};

/**
 * Decide whether a request from a guest may be served.
 *
 * Never reads outside @p pkt and never crashes, whatever its 464 bytes.
 * CONNECT is accepted on its command alone (stock guests leave the other
 * fields uninitialised). For CPU_POWER, POLICY and POLICY_REMOVE, a
 * non-empty vm_name must equal @p own_name and core_type be virtual;
 * queries ignore vm_name, they are always about the sender. A POLICY's
 * own fields are checked too (vmp_proto_policy_check(), an internal
 * function of vmpower's programs).
 *
 * @param pkt       the received packet
 * @param nb_vcpus  vCPUs of the sending VM
 * @param own_name  the sending VM's name, or NULL to skip the name check
 * @return VMP_PROTO_VALID or the reason for refusal
 */
enum vmp_proto_verdict vmp_proto_check(const struct vmp_proto_packet *pkt,
		uint32_t nb_vcpus, const char *own_name);

/**
 * Short text for a verdict.
 * @param v  a verdict of vmp_proto_check()
 * @return e.g. "vCPU out of range"; never NULL
 */
const char *vmp_proto_verdict_str(enum vmp_proto_verdict v);

/**
 * Name of a request command.
 * @param command  a VMP_PROTO_* request number
 * @return e.g. "CPU_POWER", or NULL if unknown
 */
const char *vmp_proto_command_str(uint32_t command);

/**
 * Name of a CPU_POWER unit.
 * @param unit  a VMP_PROTO_SCALE_* or _TURBO number
 * @return "up", "down", "max", "min", "enable_turbo", "disable_turbo",
 *   or NULL if unknown
 */
const char *vmp_proto_unit_str(uint32_t unit);

/**
 * Size of a reply, or of the host's unasked RESYNC.
 * @param command  the command field of a reply
 * @return its size in bytes, or 0 if @p command is not a reply
 */
size_t vmp_proto_reply_size(uint32_t command);

/**
 * Zero @p pkt and fill in a request.
 *
 * @param pkt      the packet to fill
 * @param command  VMP_PROTO_CPU_POWER, a query, ...
 * @param unit     for CPU_POWER a VMP_PROTO_SCALE_* or _TURBO unit
 * @param vcpu     the vCPU (resource_id)
 * @param name  VM name to carry, or NULL to leave it empty
 */
void vmp_proto_request(struct vmp_proto_packet *pkt, uint32_t command,
		uint32_t unit, uint64_t vcpu, const char *name);

/**
 * Slot of a single-vCPU query's answer in a reply's 8-entry arrays.
 * DPDK hosts answer vCPU v at index v; we keep that for v < 8 and wrap
 * beyond, the reply's resource_id saying which vCPU it is.
 * @param vcpu  the vCPU asked about
 * @return its index in freq_list, turbo and priority: @p vcpu % 8
 */
static inline unsigned int
vmp_proto_slot(uint64_t vcpu)
{
	return (unsigned int)(vcpu % VMP_PROTO_LIST_SZ);
}

#ifdef __cplusplus
}
#endif

#endif /* VMP_PROTOCOL_H */
