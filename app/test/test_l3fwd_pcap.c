/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_l3fwd_pcap.h"

#define PCAP_MAGIC	0xa1b2c3d4
#define PCAP_MAGIC_NS	0xa1b23c4d	/* what DPDK's net_pcap writes */
#define LINKTYPE_ETH	1

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t
sum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static size_t
ihl_of(const uint8_t *frame)
{
	return (size_t)(frame[L3FWD_OFF_IP] & 0x0f) * 4;
}

void
l3fwd_frame_fix_cksum(uint8_t *frame)
{
	uint8_t *ip = frame + L3FWD_OFF_IP;

	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~sum16(ip, ihl_of(frame)));
}

int
l3fwd_frame_cksum_ok(const uint8_t *frame)
{
	return sum16(frame + L3FWD_OFF_IP, ihl_of(frame)) == 0xffff;
}

size_t
l3fwd_frame_build(uint8_t *buf, uint32_t dst, uint8_t ttl, uint32_t id,
		unsigned int opt_words)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0xee,		/* dst: anything, rewritten */
		0x02, 0, 0, 0, 0, 0xff };	/* src */
	size_t ihl = 20 + 4 * opt_words;
	uint8_t *ip = buf + L3FWD_OFF_IP;
	size_t len = L3FWD_ETH_LEN + ihl + L3FWD_PAYLOAD_LEN;

	memset(buf, 0, len);
	memcpy(buf, macs, sizeof(macs));
	put16(buf + L3FWD_OFF_TYPE, 0x0800);
	ip[0] = (uint8_t)(0x40 | (ihl / 4));
	put16(ip + 2, (uint16_t)(ihl + L3FWD_PAYLOAD_LEN));
	put16(ip + 4, (uint16_t)id);
	ip[8] = ttl;
	ip[9] = 17;
	put32(ip + 12, 0xc0000201);		/* 192.0.2.1 */
	put32(ip + 16, dst);
	memset(ip + 20, 1, ihl - 20);		/* NOP options */
	put32(ip + ihl, id);
	l3fwd_frame_fix_cksum(buf);
	return len;
}

uint32_t
l3fwd_frame_id(const uint8_t *frame, size_t len)
{
	size_t off = L3FWD_OFF_IP + ihl_of(frame);
	const uint8_t *p = frame + off;

	if (len < off + 4)
		return UINT32_MAX;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

FILE *
l3fwd_pcap_create(const char *path)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC, .major = 2, .minor = 4,
		.snaplen = 65535, .linktype = LINKTYPE_ETH,
	};
	FILE *f = fopen(path, "wb");

	if (f != NULL && fwrite(&h, sizeof(h), 1, f) != 1) {
		fclose(f);
		f = NULL;
	}
	return f;
}

int
l3fwd_pcap_add(FILE *f, const uint8_t *frame, size_t len)
{
	struct pcap_rec_hdr r = { 0, 0, (uint32_t)len, (uint32_t)len };

	if (fwrite(&r, sizeof(r), 1, f) != 1 ||
			fwrite(frame, len, 1, f) != 1)
		return -EIO;
	return 0;
}

int
l3fwd_pcap_add_many(FILE *f, const uint8_t *frame, size_t len,
		unsigned int count)
{
	uint8_t copy[L3FWD_FRAME_MAX];
	size_t off = L3FWD_OFF_IP + ihl_of(frame);
	unsigned int i;

	if (len > sizeof(copy))
		return -EINVAL;
	memcpy(copy, frame, len);
	for (i = 0; i < count; i++) {
		put32(copy + off, l3fwd_frame_id(frame, len) + i);
		if (l3fwd_pcap_add(f, copy, len) < 0)
			return -EIO;
	}
	return 0;
}

int
l3fwd_pcap_close(FILE *f)
{
	return fclose(f) == 0 ? 0 : -EIO;
}

int
l3fwd_pcap_read(const char *path, struct l3fwd_frames *out)
{
	FILE *f = fopen(path, "rb");
	struct pcap_file_hdr h;
	struct pcap_rec_hdr r;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return -errno;
	if (fread(&h, sizeof(h), 1, f) != 1 || (h.magic != PCAP_MAGIC &&
			h.magic != PCAP_MAGIC_NS)) {
		fclose(f);
		return -EPROTO;
	}
	while (fread(&r, sizeof(r), 1, f) == 1) {
		struct l3fwd_frame *grown = realloc(out->f,
			(out->nb + 1) * sizeof(*grown));
		uint8_t *data = malloc(r.caplen ? r.caplen : 1);

		if (grown == NULL || data == NULL) {
			free(data);
			if (grown != NULL)
				out->f = grown;
			ret = -ENOMEM;
			break;
		}
		out->f = grown;
		if (fread(data, r.caplen, 1, f) != 1 && r.caplen > 0) {
			free(data);
			ret = -EPROTO;
			break;
		}
		out->f[out->nb++] = (struct l3fwd_frame){ data, r.caplen };
	}
	fclose(f);
	return ret;
}

void
l3fwd_frames_free(struct l3fwd_frames *fr)
{
	unsigned int i;

	for (i = 0; i < fr->nb; i++)
		free(fr->f[i].data);
	free(fr->f);
	memset(fr, 0, sizeof(*fr));
}
