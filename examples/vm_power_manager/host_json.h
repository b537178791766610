/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef HOST_JSON_H
#define HOST_JSON_H

/**
 * @file
 * Upstream vm_power_manager's JSON commands, as host processes write them
 * to its FIFOs (/tmp/powermonitor/fifo<N>), turned into our packets.
 *
 * Owns: the JSON syntax (jansson), the keys and values upstream accepts,
 * the framing of objects in a byte stream, and the translation into a
 * struct vmp_proto_packet. Nothing here does I/O, logs or keeps state: the
 * host channel listener (FIFO or socket) calls it from the daemon's loop
 * and logs the reason with the peer it knows; the packet then goes the way
 * of any request (vmp_proto_check(), policy checks, cpuset confinement).
 *
 * Accepted, one top-level object with one key:
 * - {"instruction": {"command": "power", "unit": U}} with U one of
 *   SCALE_UP, SCALE_DOWN, SCALE_MAX, SCALE_MIN, ENABLE_TURBO,
 *   DISABLE_TURBO: a CPU_POWER packet;
 * - {"policy": {"command": "create", ...}}: a POLICY packet, filled as
 *   the guest library fills one (unused hours -1); keys policy_type
 *   (TIME, default, TRAFFIC, WORKLOAD, BRANCH_RATIO), workload (HIGH,
 *   MEDIUM, LOW, default LOW), busy_hours and quiet_hours (0-23, 24 at
 *   most), mac_list (10 at most, "aa:bb:cc:dd:ee:ff" or "aabb:ccdd:eeff"),
 *   avg_packet_thresh, max_packet_thresh (0 to 2^32-1), core_list;
 * - {"policy": {"command": "destroy"}}: a POLICY_REMOVE packet.
 * In both: "name" (a string of 32 bytes at most; accepted and ignored, as
 * upstream ignores it) and "resource_id". Commands may be upper case, as
 * upstream's guide writes them. Every packet has core_type
 * VMP_PROTO_CORE_PHYSICAL: its CPUs are host CPUs.
 *
 * The CPU: a FIFO has one (@p cpu). Then the packet's resource_id is
 * that CPU, and a "resource_id" or "core_list" naming another CPU is
 * refused, so the FIFO's file mode keeps meaning what upstream says. A
 * stream with no CPU of its own passes HOST_JSON_ANY_CPU, and then an
 * instruction must name "resource_id". A policy manages "core_list"
 * (vcpu_to_control, 1 to 8 CPUs below 256, as the packet's field is 8
 * bits), by default the one CPU.
 *
 * Everything else is refused with -EINVAL and a reason naming the key and
 * why: an unknown key, a wrong type, a value out of range, too long, not
 * an object, trailing garbage, several objects, invalid JSON.
 */

#include <stddef.h>
#include <stdint.h>

#include <vmp_protocol.h>

/** The largest object accepted, in bytes (upstream: 1 KiB). */
#define HOST_JSON_MAX	4096

/** @p cpu of a stream with no CPU of its own: JSON must name one. */
#define HOST_JSON_ANY_CPU	UINT32_MAX

/** Room for any reason host_json_*() writes, NUL included. */
#define HOST_JSON_WHY_SZ	160

/**
 * Parse exactly one JSON object into a packet.
 *
 * Whitespace may surround the object; anything else after it is refused
 * (trailing garbage, or several objects).
 *
 * @param buf     the bytes; need not be NUL-terminated
 * @param len     their number, at most HOST_JSON_MAX
 * @param cpu     the stream's host CPU, or HOST_JSON_ANY_CPU
 * @param pkt     filled (zeroed first) on success; undefined on failure
 * @param why     if not NULL, the reason for a refusal
 * @param whylen  size of @p why
 * @return 0, or -EINVAL (refused, @p why says why), -ENOMEM
 */
int host_json_parse(const char *buf, size_t len, uint32_t cpu,
		struct vmp_proto_packet *pkt, char *why, size_t whylen);

/**
 * Find the first complete top-level object in a byte stream.
 *
 * Objects may follow each other with or without whitespace between them,
 * and may arrive in any number of pieces; this finds where the first one
 * ends, without judging its keys (host_json_parse() does).
 *
 * @param buf     the stream's unconsumed bytes
 * @param len     their number (only the first HOST_JSON_MAX are looked at)
 * @param used    set: on 1, the bytes up to the object's end (leading
 *                whitespace included); on 0, the leading whitespace, which
 *                may be dropped; on -EINVAL, @p len: nothing in the buffer
 *                can be trusted any more
 * @param why     if not NULL, the reason for a refusal
 * @param whylen  size of @p why
 * @return 1: an object is complete; 0: more bytes are needed;
 *   -EINVAL: invalid JSON, not an object, or no object ends within
 *   HOST_JSON_MAX bytes; -ENOMEM
 */
int host_json_split(const char *buf, size_t len, size_t *used,
		char *why, size_t whylen);

/**
 * The next request in a byte stream: host_json_split(), then
 * host_json_parse() of the object found.
 *
 * At the end of the stream, bytes left that are not whitespace are an
 * incomplete object: host_json_parse() of them says what is wrong.
 *
 * @param buf     the stream's unconsumed bytes
 * @param len     their number
 * @param cpu     the stream's host CPU, or HOST_JSON_ANY_CPU
 * @param pkt     filled on 1
 * @param used    set: the bytes to drop from the front of @p buf
 *                (the object, refused or not; on 0 leading whitespace;
 *                on invalid JSON all of @p len)
 * @param why     if not NULL, the reason for a refusal
 * @param whylen  size of @p why
 * @return 1: @p pkt holds a request; 0: more bytes are needed;
 *   -EINVAL: the object (or the stream) is refused; -ENOMEM
 */
int host_json_next(const char *buf, size_t len, uint32_t cpu,
		struct vmp_proto_packet *pkt, size_t *used,
		char *why, size_t whylen);

#endif /* HOST_JSON_H */
