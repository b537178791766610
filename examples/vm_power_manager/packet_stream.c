/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <string.h>

#include "packet_stream.h"

#define PKT_SZ	sizeof(struct vmp_proto_packet)

size_t
pkt_stream_feed(struct pkt_stream *s, const uint8_t *buf, size_t len,
		pkt_stream_fn fn, void *arg)
{
	struct vmp_proto_packet p;
	size_t off = 0, n = 0;

	if (len == 0)
		return 0;
	/* Finish the packet that began in an earlier read. */
	if (s->rx_len > 0) {
		size_t take = PKT_SZ - s->rx_len < len ?
			PKT_SZ - s->rx_len : len;

		memcpy(s->rx + s->rx_len, buf, take);
		s->rx_len += take;
		off = take;
		if (s->rx_len < PKT_SZ)
			return 0;
		memcpy(&p, s->rx, PKT_SZ);
		s->rx_len = 0;
		fn(&p, arg);
		n++;
	}
	/* Whole packets from the buffer, copied: it need not be aligned. */
	while (len - off >= PKT_SZ) {
		memcpy(&p, buf + off, PKT_SZ);
		off += PKT_SZ;
		fn(&p, arg);
		n++;
	}
	memcpy(s->rx, buf + off, len - off);
	s->rx_len = len - off;
	return n;
}
