/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Upstream l3fwd-power's modes and options: how they parse (in this
 * process), upstream's legacy heuristic decision by decision, and the
 * modes end to end with the built binary on net_pcap ports.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include "vmp_dpdk_compat.h"

#include "legacy.h"
#include "options.h"
#include "test.h"
#include "test_l3fwd_app.h"
#include "test_l3fwd_pcap.h"

static int
parse(struct app_options *o, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return options_parse(argc, argv, o);
}

#define ARGV(...) ((char *[]){ "l3fwd-power", "-p", "1", __VA_ARGS__, NULL })

static int
test_l3fwd_upstream_options(void)
{
	struct app_options o;

	TEST_ASSERT_EQUAL(parse(&o, ARGV("--config", "(0x1,0,0x2),(0,010,1)")),
		0, "upstream's base: hex and octal");
	TEST_ASSERT_EQUAL(o.rxq[0].port, 1, "");
	TEST_ASSERT_EQUAL(o.rxq[0].lcore, 2, "");
	TEST_ASSERT_EQUAL(o.rxq[1].queue, 8, "");
	options_free(&o);
	TEST_ASSERT_EQUAL(parse(&o, ARGV("--help")), 1, "");
	TEST_ASSERT_EQUAL(parse(&o, ARGV("-h")), 1, "-h is help");
	TEST_ASSERT_EQUAL(parse(&o, ARGV("--legacy")), 0, "");
	TEST_ASSERT_EQUAL(o.mode, APP_MODE_LEGACY, "");
	options_free(&o);
	TEST_ASSERT_EQUAL(parse(&o, ARGV("--pmd-mgmt", "scale",
		"--max-empty-polls", "64", "--pause-duration", "5",
		"--scale-freq-min", "1000000", "--scale-freq-max", "2000000",
		"--no-numa", "--parse-ptype", "--max-pkt-len", "9000",
		"--eth-link-speed", "10000")), 0, "");
	TEST_ASSERT_EQUAL(o.mode, APP_MODE_PMD_MGMT, "");
	TEST_ASSERT_EQUAL(o.pmd_mgmt, PMD_MGMT_SCALE, "");
	TEST_ASSERT_EQUAL(o.max_empty_polls, 64, "");
	TEST_ASSERT_EQUAL(o.pause_duration, 5, "");
	TEST_ASSERT_EQUAL(o.scale_freq_min, 1000000, "");
	TEST_ASSERT_EQUAL(o.scale_freq_max, 2000000, "");
	TEST_ASSERT_EQUAL(o.no_numa, 1, "");
	TEST_ASSERT_EQUAL(o.parse_ptype, 1, "");
	TEST_ASSERT_EQUAL(o.max_pkt_len, 9000, "");
	TEST_ASSERT_EQUAL(o.link_speed, 10000, "");
	options_free(&o);
	TEST_ASSERT_EQUAL(parse(&o, ARGV("--pmd-mgmt", "pause")), 0, "");
	TEST_ASSERT_EQUAL(o.max_empty_polls, PMD_MGMT_DEFAULT_MAX_EMPTY_POLLS,
		"upstream's default");
	options_free(&o);
	TEST_ASSERT(parse(&o, ARGV("--pmd-mgmt", "nap")) < 0, "");
	TEST_ASSERT(parse(&o, ARGV("--legacy", "--telemetry")) < 0,
		"modes exclude each other");
	TEST_ASSERT(parse(&o, ARGV("--interrupt-only", "--env", "vm")) < 0,
		"no power control of its own");
	TEST_ASSERT(parse(&o, ARGV("--eth-link-speed", "100")) < 0, "");
	TEST_ASSERT(parse(&o, ARGV("--routes", "upstream", "--route-file",
		"/dev/null")) < 0, "one table");
	/* Refused, each with its reason (printed; the binary's test reads
	 * them). */
	TEST_ASSERT(parse(&o, ARGV("--empty-poll", "0,0,0")) < 0, "");
	TEST_ASSERT(parse(&o, ARGV("-l", "10")) < 0, "");
	TEST_ASSERT(parse(&o, ARGV("-m", "10")) < 0, "");
	TEST_ASSERT_EQUAL(parse(&o, ARGV("-u")), 0, "");
	TEST_ASSERT_EQUAL(o.uncore, UNCORE_MIN, "");
	options_free(&o);
	TEST_ASSERT_EQUAL(parse(&o, ARGV("-U")), 0, "");
	TEST_ASSERT_EQUAL(o.uncore, UNCORE_MAX, "");
	options_free(&o);
	TEST_ASSERT_EQUAL(parse(&o, ARGV("-i", "2")), 0, "");
	TEST_ASSERT_EQUAL(o.uncore, UNCORE_IDX, "");
	TEST_ASSERT_EQUAL(o.uncore_idx, 2, "");
	options_free(&o);
	TEST_ASSERT(parse(&o, ARGV("--high-perf-cores", "1")) < 0, "");
	TEST_ASSERT(parse(&o, ARGV("--perf-config", "(0,0,1,0)")) < 0, "");
	/* PM QoS: where the release has it. */
	if (VMP_HAS_POWER_QOS) {
		TEST_ASSERT_EQUAL(parse(&o, ARGV("--cpu-resume-latency", "0")),
			0, "");
		TEST_ASSERT_EQUAL(o.cpu_resume_latency, 0, "");
		options_free(&o);
	} else {
		TEST_ASSERT(parse(&o, ARGV("--cpu-resume-latency", "0")) < 0,
			"no PM QoS before 24.11");
	}
	return TEST_SUCCESS;
}
REGISTER_TEST(l3fwd_upstream_options, test_l3fwd_upstream_options);

static int
test_l3fwd_legacy(void)
{
	struct legacy_state s = { 0 };
	unsigned int i;

	/* More than 3 bursts queued: max, trend cleared. */
	s.trend = 50;
	TEST_ASSERT_EQUAL(legacy_queue_hint(&s, 97), LEGACY_HIGHEST, "");
	TEST_ASSERT_EQUAL(s.trend, 0, "");
	TEST_ASSERT_EQUAL(legacy_queue_hint(&s, 96), LEGACY_CURRENT, "");
	TEST_ASSERT_EQUAL(s.trend, 100, "more than 64 adds 100");
	TEST_ASSERT_EQUAL(legacy_queue_hint(&s, 33), LEGACY_CURRENT, "");
	TEST_ASSERT_EQUAL(s.trend, 101, "more than 32 adds 1");
	TEST_ASSERT_EQUAL(legacy_queue_hint(&s, 32), LEGACY_CURRENT, "");
	TEST_ASSERT_EQUAL(s.trend, 101, "");
	/* The 100th poll over 64 crosses 10000: one step up. */
	for (i = 0; i < 98; i++)
		TEST_ASSERT_EQUAL(legacy_queue_hint(&s, 65), LEGACY_CURRENT,
			"poll %u", i);
	TEST_ASSERT_EQUAL(legacy_queue_hint(&s, 65), LEGACY_HIGHER, "");
	TEST_ASSERT_EQUAL(s.trend, 0, "");
	/* Upstream's quirk: no rx queue count is "more than 96". */
	TEST_ASSERT_EQUAL(legacy_queue_hint(&s, -ENOTSUP), LEGACY_HIGHEST, "");
	TEST_ASSERT_EQUAL(legacy_idle_hint(299), 1, "");
	TEST_ASSERT_EQUAL(legacy_idle_hint(300), 300, "");
	/* A quarter of 100 ms "asleep": down. */
	s = (struct legacy_state){ .sleep_us = 25000, .rx = 3200,
		.rounds = 100 };
	TEST_ASSERT(legacy_period_down(&s), "");
	TEST_ASSERT_EQUAL(s.sleep_us + s.rx + s.rounds, 0, "next period");
	/* Less, but under 32 packets a round: down too. */
	s = (struct legacy_state){ .sleep_us = 24999, .rx = 3199,
		.rounds = 100 };
	TEST_ASSERT(legacy_period_down(&s), "");
	/* Saturated: hold. */
	s = (struct legacy_state){ .sleep_us = 24999, .rx = 3200,
		.rounds = 100 };
	TEST_ASSERT(!legacy_period_down(&s), "");
	return TEST_SUCCESS;
}
REGISTER_TEST(l3fwd_legacy, test_l3fwd_legacy);

#define FRAMES	20000

static int
write_frames(struct l3fwd_app *a, char *in, size_t size)
{
	uint8_t fr[L3FWD_FRAME_MAX];
	size_t len = l3fwd_frame_build(fr, 0xc6120005, 64, 0, 0);
	FILE *f = l3fwd_pcap_create(l3fwd_app_file(a, "in.pcap", in, size));

	TEST_ASSERT(f != NULL, "");
	TEST_ASSERT_EQUAL(l3fwd_pcap_add_many(f, fr, len, FRAMES), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_pcap_close(f), 0, "");
	return TEST_SUCCESS;
}

/* Start a mode on the pcap, wait for every frame out, stop. */
static int
run_mode(struct l3fwd_app *a, const char *in, const char *mode)
{
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=/dev/null -- -p 1 --stats-interval 50 %s", in, mode),
		0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "port", 0, "tx", FRAMES,
		10000), 0, "%s forwards", mode);
	return TEST_SUCCESS;
}

static int
stat_is(struct l3fwd_app *a, const char *key, int64_t want)
{
	int64_t v = -12345;

	l3fwd_app_stat(a, "lcore", 0, key, &v);
	TEST_ASSERT_EQUAL(v, want, "lcore 0 %s", key);
	return TEST_SUCCESS;
}

static int
run_modes(struct l3fwd_app *a)
{
	char in[PATH_MAX], tel[1024];
	int64_t v = 0;

	TEST_RUN(write_frames(a, in, sizeof(in)));
	/* Telemetry: busy polls, no power control, upstream's stats. */
	TEST_RUN(run_mode(a, in, "--telemetry"));
	TEST_ASSERT_EQUAL(l3fwd_app_telemetry(a, "/l3fwd_power/stats", tel,
		sizeof(tel)), 0, "");
	printf("stats: %s\n", tel);
	TEST_ASSERT(strstr(tel, "\"full_poll\":625") != NULL,
		"20000 frames are 625 full bursts");
	TEST_ASSERT(strstr(tel, "\"empty_poll\":") != NULL, "");
	TEST_ASSERT(strstr(tel, "\"busy_percent\":") != NULL, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGINT, 5000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "mode: telemetry"), 1, "");
	TEST_RUN(stat_is(a, "sleep_us", 0));
	TEST_RUN(stat_is(a, "requests", 0));
	TEST_ASSERT(l3fwd_app_count(a, "lcore=0 power=none") > 0, "");
	/* Interrupt-only: sleeps (timed, net_pcap has no interrupts). */
	TEST_RUN(run_mode(a, in, "--interrupt-only"));
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "lcore", 0, "sleep_us", 1,
		5000), 0, "it sleeps");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGINT, 5000), 0, "");
	TEST_RUN(stat_is(a, "requests", 0));
	/* pmd-mgmt pause: DPDK's callback pauses; our loop does not. */
	TEST_RUN(run_mode(a, in, "--pmd-mgmt pause --max-empty-polls 16"));
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGINT, 5000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "mode: pmd-mgmt pause"), 1, "");
	TEST_RUN(stat_is(a, "sleep_us", 0));
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "lcore", 0, "polls", &v), 0, "");
	/* Refused options: the reason and the replacement, exit 1. */
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_null0 -- -p 1 "
		"--empty-poll 0,0,0"), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, 0, 5000), 1, "refused");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "--empty-poll: refused: 22.11's "
		"empty-poll mode (removed upstream in 23.03): use --pmd-mgmt"),
		1, "");
	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_null0 -- -p 1 "
		"--high-perf-cores 1"), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, 0, 5000), 1, "refused");
	TEST_ASSERT_EQUAL(l3fwd_app_count(a, "--high-perf-cores: refused: "
		"Intel SST-BF"), 1, "");
	return TEST_SUCCESS;
}

static int
test_l3fwd_modes(void)
{
	struct l3fwd_app a;
	int ret;

	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	ret = run_modes(&a);
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	return ret;
}
REGISTER_TEST(l3fwd_modes, test_l3fwd_modes);
