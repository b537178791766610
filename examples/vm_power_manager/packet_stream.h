/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_PACKET_STREAM_H
#define VMP_PACKET_STREAM_H

/**
 * @file
 * A channel's byte stream cut into whole request packets.
 *
 * Owns: the bytes of a packet that has begun but not ended (fewer than
 * one packet's worth, whatever the guest writes). Pure: no I/O, no
 * allocation; the channel monitor feeds it what each read returned, and
 * the fuzzer (fuzz/fuzz_stream.c) feeds it arbitrary chunks.
 */

#include <stddef.h>
#include <stdint.h>

#include <vmp_protocol.h>

struct pkt_stream {
	uint8_t rx[sizeof(struct vmp_proto_packet)];	/**< a partial packet */
	size_t rx_len;			/**< always < sizeof(rx) */
};

/** Called once per whole packet, in stream order. */
typedef void (*pkt_stream_fn)(const struct vmp_proto_packet *pkt,
		void *arg);

/**
 * Append @p len bytes of @p buf to the stream and hand on every packet
 * they complete. What is left over waits for the next call.
 * @return the number of packets handed on
 */
size_t pkt_stream_feed(struct pkt_stream *s, const uint8_t *buf, size_t len,
		pkt_stream_fn fn, void *arg);

#endif /* VMP_PACKET_STREAM_H */
