/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * l3fwd-power forwarding, end to end: crafted frames in a pcap file go
 * through the built binary (net_pcap vdevs, no power control); the output
 * pcaps and the final status lines are checked.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "test.h"
#include "test_l3fwd_app.h"
#include "test_l3fwd_pcap.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* What happens to a frame: forwarded to a port, or dropped for a reason. */
struct expect {
	uint32_t id;
	int port;		/* -1: dropped */
	const char *reason;
	uint8_t ttl_in;
	uint8_t len;
};

struct case_set {
	struct expect *e;
	unsigned int nb;
	unsigned int next_id;
};

static int
add(struct case_set *s, FILE *f, uint8_t *frame, size_t len, int port,
		const char *reason)
{
	struct expect *grown = realloc(s->e, (s->nb + 1) * sizeof(*grown));

	if (grown == NULL || l3fwd_pcap_add(f, frame, len) < 0)
		return -1;
	s->e = grown;
	s->e[s->nb++] = (struct expect){ .id = l3fwd_frame_id(frame, len),
		.port = port, .reason = reason,
		.ttl_in = frame[L3FWD_OFF_TTL], .len = (uint8_t)len };
	return 0;
}

/* Every kind of frame, to a route or to a reason to drop it. */
static int
write_cases(const char *path, struct case_set *s)
{
	uint8_t fr[L3FWD_FRAME_MAX];
	FILE *f = l3fwd_pcap_create(path);
	size_t len;
	int ret = 0, i;

	if (f == NULL)
		return -1;
	for (i = 0; i < 4; i++) {
		len = l3fwd_frame_build(fr, IP(198, 18, 0, 5 + i), 64,
			s->next_id++, 0);
		ret |= add(s, f, fr, len, 0, NULL);
	}
	len = l3fwd_frame_build(fr, IP(198, 18, 1, 9), 64, s->next_id++, 0);
	ret |= add(s, f, fr, len, 1, NULL);
	/* TTL 2 leaves with 1; IP options are kept. */
	len = l3fwd_frame_build(fr, IP(198, 18, 1, 10), 2, s->next_id++, 0);
	ret |= add(s, f, fr, len, 1, NULL);
	len = l3fwd_frame_build(fr, IP(198, 18, 1, 11), 30, s->next_id++, 2);
	ret |= add(s, f, fr, len, 1, NULL);
	/* Short: cut inside the IP header; total length beyond the frame. */
	len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 64, s->next_id++, 0);
	ret |= add(s, f, fr, L3FWD_ETH_LEN + 10, -1, "short");
	len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 64, s->next_id++, 0);
	fr[L3FWD_OFF_IP + 3] += 40;
	l3fwd_frame_fix_cksum(fr);
	ret |= add(s, f, fr, len, -1, "short");
	/* Checksum. */
	for (i = 0; i < 3; i++) {
		len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 64,
			s->next_id++, 0);
		fr[L3FWD_OFF_CKSUM] ^= (uint8_t)(1 + i);
		ret |= add(s, f, fr, len, -1, "checksum");
	}
	/* Version 6 in an IPv4 frame; header length 16 bytes. */
	len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 64, s->next_id++, 0);
	fr[L3FWD_OFF_IP] = 0x65;
	l3fwd_frame_fix_cksum(fr);
	ret |= add(s, f, fr, len, -1, "header");
	len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 64, s->next_id++, 0);
	fr[L3FWD_OFF_IP] = 0x44;
	ret |= add(s, f, fr, len, -1, "header");
	/* TTL 1 and 0 would expire here. */
	len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 1, s->next_id++, 0);
	ret |= add(s, f, fr, len, -1, "ttl");
	len = l3fwd_frame_build(fr, IP(198, 18, 1, 1), 0, s->next_id++, 0);
	ret |= add(s, f, fr, len, -1, "ttl");
	/* No route; a route to a port not in the mask is no route either. */
	len = l3fwd_frame_build(fr, IP(10, 1, 2, 3), 64, s->next_id++, 0);
	ret |= add(s, f, fr, len, -1, "no_route");
	len = l3fwd_frame_build(fr, IP(198, 18, 2, 1), 64, s->next_id++, 0);
	ret |= add(s, f, fr, len, -1, "no_route");
	/* ARP. */
	len = l3fwd_frame_build(fr, IP(198, 18, 0, 1), 64, s->next_id++, 0);
	fr[L3FWD_OFF_TYPE + 1] = 0x06;
	ret |= add(s, f, fr, len, -1, "not_ipv4");
	ret |= l3fwd_pcap_close(f);
	return ret;
}

static const struct expect *
find(const struct case_set *s, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < s->nb; i++)
		if (s->e[i].id == id)
			return &s->e[i];
	return NULL;
}

/* The MAC l3fwd-power printed for @port ("port=N mac=..."). */
static int
port_mac(const struct l3fwd_app *a, unsigned int port, uint8_t mac[6])
{
	char *out = l3fwd_app_output(a), head[32], *p;
	unsigned int m[6], i;
	int ret = -1;

	snprintf(head, sizeof(head), "port=%u mac=", port);
	p = out != NULL ? strstr(out, head) : NULL;
	if (p != NULL && sscanf(p + strlen(head), "%x:%x:%x:%x:%x:%x",
			&m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
		for (i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		ret = 0;
	}
	free(out);
	return ret;
}

/* Every frame of @pcap is one we sent to @port, rewritten. */
static int
check_output(const struct l3fwd_app *a, const struct case_set *s,
		unsigned int port, const char *pcap, const uint8_t dst[6])
{
	struct l3fwd_frames fr;
	uint8_t src[6];
	unsigned int i, want = 0;
	char path[PATH_MAX];

	for (i = 0; i < s->nb; i++)
		want += s->e[i].port == (int)port;
	TEST_ASSERT_EQUAL(port_mac(a, port, src), 0, "port %u MAC", port);
	TEST_ASSERT_EQUAL(l3fwd_pcap_read(l3fwd_app_file(a, pcap, path,
		sizeof(path)), &fr), 0, "%s", pcap);
	TEST_ASSERT_EQUAL(fr.nb, want, "frames out of port %u", port);
	for (i = 0; i < fr.nb; i++) {
		const uint8_t *d = fr.f[i].data;
		const struct expect *e = find(s, l3fwd_frame_id(d,
			fr.f[i].len));

		TEST_ASSERT(e != NULL, "port %u frame %u: unknown id", port,
			i);
		TEST_ASSERT_EQUAL(e->port, port, "id %u", e->id);
		TEST_ASSERT_EQUAL(fr.f[i].len, e->len, "id %u", e->id);
		TEST_ASSERT(memcmp(d, dst, 6) == 0, "id %u: destination MAC",
			e->id);
		TEST_ASSERT(memcmp(d + 6, src, 6) == 0, "id %u: source MAC",
			e->id);
		TEST_ASSERT_EQUAL(d[L3FWD_OFF_TTL], e->ttl_in - 1, "id %u",
			e->id);
		TEST_ASSERT(l3fwd_frame_cksum_ok(d), "id %u: checksum",
			e->id);
	}
	l3fwd_frames_free(&fr);
	return TEST_SUCCESS;
}

static int
check_drops(struct l3fwd_app *a, const struct case_set *s)
{
	static const char *const reasons[] = { "short", "header",
		"checksum", "ttl", "no_route", "not_ipv4" };
	unsigned int i, r;
	int64_t v;

	for (r = 0; r < RTE_DIM(reasons); r++) {
		unsigned int want = 0;

		for (i = 0; i < s->nb; i++)
			want += s->e[i].reason != NULL &&
				strcmp(s->e[i].reason, reasons[r]) == 0;
		TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, reasons[r], &v),
			0, "%s", reasons[r]);
		TEST_ASSERT_EQUAL(v, want, "port 0 drops for %s", reasons[r]);
	}
	return TEST_SUCCESS;
}

static int
run_forward(struct l3fwd_app *a, struct case_set *s)
{
	static const uint8_t dst0[6] = { 2, 0, 0, 0, 0, 0 };
	static const uint8_t dst1[6] = { 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	char in[PATH_MAX], o0[PATH_MAX], o1[PATH_MAX];
	int64_t v;

	TEST_ASSERT_EQUAL(write_cases(l3fwd_app_file(a, "in.pcap", in,
		sizeof(in)), s), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=%s --vdev net_pcap1,tx_pcap=%s -- -p 0x3 --env none "
		"--eth-dest 1,0a:0b:0c:0d:0e:0f --stats-interval 50", in,
		l3fwd_app_file(a, "out0.pcap", o0, sizeof(o0)),
		l3fwd_app_file(a, "out1.pcap", o1, sizeof(o1))), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "port", 0, "rx", s->nb,
		10000), 0, "all frames read");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGINT, 5000), 0, "exit code");
	TEST_ASSERT(l3fwd_app_count(a, "# final status") == 1, "");
	TEST_RUN(check_drops(a, s));
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, "tx", &v), 0, "");
	TEST_ASSERT_EQUAL(v, 4, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 1, "tx", &v), 0, "");
	TEST_ASSERT_EQUAL(v, 3, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, "dropped", &v), 0, "");
	TEST_ASSERT_EQUAL(v, s->nb - 7, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "lcore", 0, "rx", &v), 0, "");
	TEST_ASSERT_EQUAL(v, s->nb, "");
	TEST_RUN(check_output(a, s, 0, "out0.pcap", dst0));
	TEST_RUN(check_output(a, s, 1, "out1.pcap", dst1));
	return TEST_SUCCESS;
}

static int
test_l3fwd_forward(void)
{
	struct case_set s = { .next_id = 1000 };
	struct l3fwd_app a;
	int ret;

	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	ret = run_forward(&a, &s);
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	free(s.e);
	return ret;
}
REGISTER_TEST(l3fwd_forward, test_l3fwd_forward);

/* Routes from a file: longest prefix wins, the built-in table is gone. */
static int
run_routes(struct l3fwd_app *a)
{
	static const struct { uint32_t dst; int port; } cases[] = {
		{ IP(10, 9, 9, 9), 1 },
		{ IP(10, 1, 9, 9), 0 },
		{ IP(10, 1, 2, 200), 1 },
		{ IP(10, 1, 2, 5), 0 },
		{ IP(198, 18, 1, 1), 0 },
		{ IP(192, 0, 2, 99), -1 },
	};
	char in[PATH_MAX], routes[PATH_MAX], path[PATH_MAX];
	uint8_t fr[L3FWD_FRAME_MAX];
	struct l3fwd_frames out[2];
	unsigned int i, p, n[2] = { 0, 0 };
	FILE *f;
	int64_t v;

	f = fopen(l3fwd_app_file(a, "routes.txt", routes, sizeof(routes)),
		"w");
	TEST_ASSERT(f != NULL, "");
	fprintf(f, "# test routes\n10.0.0.0/8 1\n\n  10.1.0.0/16   0 # more "
		"specific\n10.1.2.128/25 1\n198.18.0.0/16 0\n");
	fclose(f);
	f = l3fwd_pcap_create(l3fwd_app_file(a, "in.pcap", in, sizeof(in)));
	TEST_ASSERT(f != NULL, "");
	for (i = 0; i < RTE_DIM(cases); i++) {
		size_t len = l3fwd_frame_build(fr, cases[i].dst, 9, i, 0);

		TEST_ASSERT_EQUAL(l3fwd_pcap_add(f, fr, len), 0, "");
	}
	TEST_ASSERT_EQUAL(l3fwd_pcap_close(f), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=%s/out0.pcap --vdev net_pcap1,tx_pcap=%s/out1.pcap -- "
		"-p 3 --env none --route-file %s --stats-interval 50", in,
		a->dir, a->dir, routes), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "port", 0, "rx",
		RTE_DIM(cases), 10000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGTERM, 5000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, "no_route", &v), 0, "");
	TEST_ASSERT_EQUAL(v, 1, "");
	for (p = 0; p < 2; p++) {
		snprintf(path, sizeof(path), "%s/out%u.pcap", a->dir, p);
		TEST_ASSERT_EQUAL(l3fwd_pcap_read(path, &out[p]), 0, "");
		for (i = 0; i < out[p].nb; i++) {
			uint32_t id = l3fwd_frame_id(out[p].f[i].data,
				out[p].f[i].len);

			TEST_ASSERT(id < RTE_DIM(cases), "");
			TEST_ASSERT_EQUAL(cases[id].port, p, "case %u", id);
			n[p]++;
		}
		l3fwd_frames_free(&out[p]);
	}
	TEST_ASSERT_EQUAL(n[0], 3, "");
	TEST_ASSERT_EQUAL(n[1], 2, "");
	/* A bad route file stops it before forwarding. */
	f = fopen(routes, "w");
	TEST_ASSERT(f != NULL, "");
	fprintf(f, "10.0.0.0/8 0\n10.0.0.0/33 0\n");
	fclose(f);
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_null0 -- -p 1 "
		"--env none --route-file %s", routes), 0, "");
	TEST_ASSERT(l3fwd_app_stop(a, 0, 5000) > 0, "fails");
	TEST_ASSERT(l3fwd_app_count(a, "routes.txt:2: expected") == 1, "");
	return TEST_SUCCESS;
}

static int
test_l3fwd_routes(void)
{
	struct l3fwd_app a;
	int ret;

	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	ret = run_routes(&a);
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	return ret;
}
REGISTER_TEST(l3fwd_routes, test_l3fwd_routes);
