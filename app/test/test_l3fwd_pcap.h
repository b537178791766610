/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_L3FWD_PCAP_H
#define VMP_TEST_L3FWD_PCAP_H

/*
 * Crafted frames and pcap files for the l3fwd-power tests: Ethernet +
 * IPv4 (valid checksum) + a payload whose first 4 bytes carry an id, so an
 * output frame can be matched to the input it came from.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define L3FWD_ETH_LEN		14
#define L3FWD_PAYLOAD_LEN	26	/* id + padding: a 60-byte frame */
#define L3FWD_FRAME_MAX		128

/* Offsets in a frame. */
#define L3FWD_OFF_TYPE		12
#define L3FWD_OFF_IP		L3FWD_ETH_LEN
#define L3FWD_OFF_TTL		(L3FWD_OFF_IP + 8)
#define L3FWD_OFF_CKSUM		(L3FWD_OFF_IP + 10)

struct l3fwd_frame {
	uint8_t *data;
	uint32_t len;
};

struct l3fwd_frames {
	struct l3fwd_frame *f;
	unsigned int nb;
};

/*
 * Build a frame to @dst (host order, e.g. 0xc6120005) with @ttl, @id and
 * @opt_words 4-byte words of IP options (NOPs). @return its length.
 */
size_t l3fwd_frame_build(uint8_t *buf, uint32_t dst, uint8_t ttl,
		uint32_t id, unsigned int opt_words);

/* Recompute the IP header checksum after changing a header field. */
void l3fwd_frame_fix_cksum(uint8_t *frame);

/* Whether the IP header checksum of @frame is right. */
int l3fwd_frame_cksum_ok(const uint8_t *frame);

/* The id in the payload, or UINT32_MAX. */
uint32_t l3fwd_frame_id(const uint8_t *frame, size_t len);

/* pcap files (microsecond, Ethernet). */
FILE *l3fwd_pcap_create(const char *path);
int l3fwd_pcap_add(FILE *f, const uint8_t *frame, size_t len);
/* Write @count copies of one frame, the id bumped in each. */
int l3fwd_pcap_add_many(FILE *f, const uint8_t *frame, size_t len,
		unsigned int count);
int l3fwd_pcap_close(FILE *f);

/* Read every frame of a pcap file. @return 0 or -errno. */
int l3fwd_pcap_read(const char *path, struct l3fwd_frames *out);
void l3fwd_frames_free(struct l3fwd_frames *fr);

#endif /* VMP_TEST_L3FWD_PCAP_H */
