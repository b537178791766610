/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vmp_l3fwd_gen: the traffic of ./run.sh bench l3fwd. A DPDK process on
 * one port (a net_memif client facing l3fwd-power's server) that offers
 * IPv4 frames to 1.1.1.5 (port 0 in upstream's table, so they come back
 * on the same port) at the rate a trace asks, paced on the TSC, and
 * counts what comes back:
 *
 *   vmp_l3fwd_gen [EAL] -- --trace low|medium|high|bursty --ms N
 *       [--low PPS] [--medium PPS] [--high PPS]
 *
 * bursty: bursts as fast as the port takes them, of 1, 10 and 100 ms,
 * each followed by 300 ms at a tenth of --low. A frame the port refuses
 * (l3fwd-power's rx ring full) or that never comes back is lost.
 *
 * Latency: each frame carries the TSC of its tx burst in its payload
 * (after the IPv4 header, behind a magic word; forwarding rewrites only
 * the Ethernet header, TTL and checksum), and this process, its own sink,
 * reads it back on rx: forwarding latency (memif both ways included) into
 * a histogram of 100 ns buckets up to 10 ms, 10 us buckets up to 1 s.
 * Prints one JSON line with p50, p99 and the maximum, in us.
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define BURST		32
#define DRAIN_MS	300
#define GAP_MS		300
#define RATE_MAX	UINT64_MAX

/* The stamp: behind the IPv4 header, where a UDP header would end. */
#define STAMP_OFF	(sizeof(struct rte_ether_hdr) + \
			sizeof(struct rte_ipv4_hdr) + 8)
#define STAMP_MAGIC	0x766d7074u	/* "vmpt" */
#define FINE_NS		100		/* bucket, up to FINE_END_NS */
#define FINE_END_NS	10000000ULL
#define COARSE_NS	10000		/* bucket, up to COARSE_END_NS */
#define COARSE_END_NS	1000000000ULL
#define NB_FINE		(FINE_END_NS / FINE_NS)
#define NB_BUCKETS	(NB_FINE + (COARSE_END_NS - FINE_END_NS) / COARSE_NS)

struct stamp {
	uint32_t magic;
	uint64_t tsc;
} __attribute__((packed));

/* Latency histogram; one past the end counts what is over a second. */
static uint64_t hist[NB_BUCKETS + 1];
static uint64_t hist_n, hist_max_ns;

struct trace {
	const char *name;
	uint64_t low, medium, high;	/* packets per second */
	uint64_t ms;
};

static void
build(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	memset(eth, 0, sizeof(*eth) + sizeof(*ip) + 26);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(46);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x01010105);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->data_len = 60;
	m->pkt_len = 60;
}

static void
stamp_set(struct rte_mbuf *m, uint64_t tsc)
{
	struct stamp st = { STAMP_MAGIC, tsc };

	memcpy(rte_pktmbuf_mtod_offset(m, char *, STAMP_OFF), &st,
		sizeof(st));
}

static void
stamp_read(struct rte_mbuf *m, uint64_t now, uint64_t hz)
{
	struct stamp st;
	uint64_t ns, b;

	if (rte_pktmbuf_data_len(m) < STAMP_OFF + sizeof(st))
		return;
	memcpy(&st, rte_pktmbuf_mtod_offset(m, char *, STAMP_OFF),
		sizeof(st));
	if (st.magic != STAMP_MAGIC || st.tsc > now)
		return;
	ns = (now - st.tsc) * 1000000000ULL / hz;
	if (ns < FINE_END_NS)
		b = ns / FINE_NS;
	else if (ns < COARSE_END_NS)
		b = NB_FINE + (ns - FINE_END_NS) / COARSE_NS;
	else
		b = NB_BUCKETS;
	hist[b]++;
	hist_n++;
	hist_max_ns = RTE_MAX(hist_max_ns, ns);
}

/* Upper end of the bucket holding the @pct percentile, in us. */
static double
percentile_us(double pct)
{
	uint64_t want = (uint64_t)(pct / 100 * (double)hist_n + 0.999999);
	uint64_t sum = 0, b;

	if (hist_n == 0)
		return -1;
	for (b = 0; b <= NB_BUCKETS; b++) {
		sum += hist[b];
		if (sum >= want && sum > 0)
			break;
	}
	if (b < NB_FINE)
		return (double)((b + 1) * FINE_NS) / 1000;
	if (b < NB_BUCKETS)
		return (double)(FINE_END_NS + (b - NB_FINE + 1) * COARSE_NS) /
			1000;
	return (double)hist_max_ns / 1000;
}

/* The rate the trace asks for at @t_us. */
static uint64_t
rate_at(const struct trace *t, uint64_t t_us)
{
	static const uint64_t burst_ms[] = { 1, 10, 100 };
	uint64_t cycle = 0, at;
	unsigned int i;

	if (strcmp(t->name, "low") == 0)
		return t->low;
	if (strcmp(t->name, "medium") == 0)
		return t->medium;
	if (strcmp(t->name, "high") == 0)
		return t->high;
	for (i = 0; i < RTE_DIM(burst_ms); i++)
		cycle += (burst_ms[i] + GAP_MS) * 1000;
	at = t_us % cycle;
	for (i = 0; i < RTE_DIM(burst_ms); i++) {
		if (at < burst_ms[i] * 1000)
			return RATE_MAX;
		at -= burst_ms[i] * 1000;
		if (at < GAP_MS * 1000)
			break;
		at -= GAP_MS * 1000;
	}
	return t->low / 10;
}

static int
port_up(struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(0, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(0, 0, 1024, 0, NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(0, 0, 1024, 0, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(0);
	return ret;
}

static void
run(const struct trace *t, struct rte_mempool *mp)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), now, end, last;
	uint64_t offered = 0, refused = 0, back = 0, credit = 0, r, tsc;
	struct rte_mbuf *pkts[BURST];
	uint16_t i, n;

	end = start + hz / 1000 * t->ms;
	last = start;
	for (now = start; now < end + hz / 1000 * DRAIN_MS; now = rte_rdtsc()) {
		n = rte_eth_rx_burst(0, 0, pkts, BURST);
		back += n;
		tsc = n > 0 ? rte_rdtsc() : now;
		for (i = 0; i < n; i++)
			stamp_read(pkts[i], tsc, hz);
		rte_pktmbuf_free_bulk(pkts, n);
		if (now >= end)
			continue;
		/* Credit in packets x hz: nothing rounded away. */
		r = rate_at(t, (now - start) * 1000000 / hz);
		credit = r == RATE_MAX ? BURST * hz :
			RTE_MIN(credit + (now - last) * r, 4 * BURST * hz);
		last = now;
		if (credit < BURST * hz ||
				rte_pktmbuf_alloc_bulk(mp, pkts, BURST) != 0)
			continue;
		for (i = 0; i < BURST; i++)
			build(pkts[i]);
		tsc = rte_rdtsc();
		for (i = 0; i < BURST; i++)
			stamp_set(pkts[i], tsc);
		n = rte_eth_tx_burst(0, 0, pkts, BURST);
		offered += BURST;
		refused += BURST - n;
		rte_pktmbuf_free_bulk(pkts + n, BURST - n);
		credit -= BURST * hz;
	}
	printf("{\"trace\": \"%s\", \"ms\": %" PRIu64 ", \"offered\": %" PRIu64
		", \"refused\": %" PRIu64 ", \"back\": %" PRIu64 ", \"lost\": %"
		PRIu64 ", \"stamped\": %" PRIu64 ", \"p50_us\": %.1f, "
		"\"p99_us\": %.1f, \"max_us\": %.1f}\n", t->name, t->ms,
		offered, refused, back, offered > back ? offered - back : 0,
		hist_n, percentile_us(50), percentile_us(99),
		(double)hist_max_ns / 1000);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "ms", required_argument, NULL, 'd' },
		{ "low", required_argument, NULL, 'l' },
		{ "medium", required_argument, NULL, 'm' },
		{ "high", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct trace t = { "low", 20000, 100000, 250000, 3000 };
	struct rte_mempool *mp;
	int ret, opt;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			t.name = optarg;
			break;
		case 'd':
			t.ms = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			t.low = strtoull(optarg, NULL, 10);
			break;
		case 'm':
			t.medium = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			t.high = strtoull(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	mp = rte_pktmbuf_pool_create("gen", 8192, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL || rte_eth_dev_count_avail() < 1 || port_up(mp) < 0) {
		fprintf(stderr, "vmp_l3fwd_gen: no port\n");
		return 1;
	}
	/* memif's connection comes up a little after start. */
	rte_delay_ms(500);
	run(&t, mp);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
