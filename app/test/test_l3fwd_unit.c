/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * l3fwd-power's parts tested in this process: the heuristic, the command
 * line, and the frequency ladder of power.c against a host on a test port.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_log.h>

#include <vmp_guest_channel.h>

#include "heuristic.h"
#include "options.h"
#include "power.h"
#include "test.h"
#include "test_l3fwd_host.h"
#include "test_port.h"
#include "vmscale.h"

/* The application's log type, registered by its main.c otherwise. */
RTE_LOG_REGISTER(l3fwd_logtype, vmpower.l3fwd_power, DEBUG);

static const uint32_t khz6[] = {
	2600000, 2400000, 2000000, 1800000, 1400000, 1000000,
};

static struct heur_period
period(uint64_t polls, uint64_t busy, uint64_t sleep_pct)
{
	return (struct heur_period){ .polls = polls, .busy_polls = busy,
		.cycles = 1000, .sleep_cycles = sleep_pct * 10 };
}

static int
test_l3fwd_heuristic(void)
{
	struct heur_conf c;
	struct heur_state s = { 0 };
	struct heur_period p;

	heur_conf_default(&c);
	TEST_ASSERT_EQUAL(heur_conf_check(&c), 0, "");
	/* Backlog in a quarter of the polls: up, max on the third. */
	p = period(100, 25, 0);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_UP, "");
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_UP, "");
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_MAX, "");
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_MAX, "still busy");
	/* Some backlog but less: hold, and the busy run starts over. */
	p = period(100, 24, 90);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_HOLD, "");
	p = period(100, 50, 0);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_UP, "run reset");
	/* A full ring goes to max at once. */
	s.busy_run = 0;
	p = period(100, 0, 0);
	p.queue_full = 1;
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_MAX, "");
	/* No backlog: down once a quarter of the period was asleep. */
	p = period(100, 0, 25);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_DOWN, "");
	p = period(100, 0, 24);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_HOLD, "");
	/* A period without polls (lcore asleep all along) can step down. */
	p = period(0, 0, 100);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_DOWN, "");
	c.up_pct = 0;
	TEST_ASSERT(heur_conf_check(&c) < 0, "");
	return TEST_SUCCESS;
}
REGISTER_TEST(l3fwd_heuristic, test_l3fwd_heuristic);

/*
 * Periods recorded at the top level (2401 MHz) from ours on the bench's
 * medium trace (status lines every 10 ms): polls, polls with a full
 * burst, deep, us asleep of 10000. A little backlog, far from busy
 * (25 %), and most of the time asleep: shallow.
 */
static const uint64_t shallow_rec[][4] = {
	{ 614, 3, 0, 8645 }, { 2896, 12, 0, 10000 }, { 305, 2, 0, 6873 },
	{ 304, 3, 0, 10000 }, { 309, 1, 0, 10000 },
};
/* And one with a deep queue, from the same run. */
static const uint64_t deep_rec[4] = { 3889, 19, 1, 7293 };

static struct heur_period
recorded(const uint64_t r[4])
{
	return (struct heur_period){ .polls = r[0], .busy_polls = r[1],
		.queue_full = (int)r[2], .sleep_cycles = r[3],
		.cycles = 10000 };
}

/* Feed @n shallow periods; @return the 1-based one that was not HOLD
 * (its hint in @h), or 0. */
static unsigned int
play_shallow(const struct heur_conf *c, struct heur_state *s,
		unsigned int n, enum heur_hint *h)
{
	unsigned int i;
	struct heur_period p;

	for (i = 0; i < n; i++) {
		p = recorded(shallow_rec[i % RTE_DIM(shallow_rec)]);
		*h = heur_decide(c, s, &p);
		if (*h != HEUR_HOLD)
			return i + 1;
	}
	return 0;
}

/*
 * The step-down probe, on recorded periods. Without it (--probe-after 0,
 * the rule before) a shallow backlog holds the top level for ever; with
 * it, one step down after 10 such periods; a deep period then goes to
 * max at once and doubles the next wait; a probe that held as long as
 * it waited brings the wait back.
 */
static int
test_l3fwd_heuristic_probe(void)
{
	struct heur_state s = { 0 };
	struct heur_period p;
	struct heur_conf c;
	enum heur_hint h;
	unsigned int i;

	heur_conf_default(&c);
	c.probe_after = 0;
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 0u, "held for ever");
	heur_conf_default(&c);
	TEST_ASSERT_EQUAL(c.probe_after, 10u, "default");
	memset(&s, 0, sizeof(s));
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 10u, "");
	TEST_ASSERT_EQUAL(h, HEUR_DOWN, "a probe");
	/* Too low: the queue goes deep; max, and the next probe waits 20. */
	p = recorded(deep_rec);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_MAX, "");
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 20u, "backed off");
	TEST_ASSERT_EQUAL(h, HEUR_DOWN, "");
	p = recorded(deep_rec);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_MAX, "");
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 40u, "again");
	/* This one holds for 40 periods: back to 10 after. */
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 40u, "");
	TEST_ASSERT_EQUAL(s.probe_wait, 10u, "the wait is back");
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 10u, "");
	/* Backing off stops at 32 times. */
	for (h = HEUR_HOLD; s.probe_wait < 320; ) {
		p = recorded(deep_rec);
		heur_decide(&c, &s, &p);
		TEST_ASSERT(play_shallow(&c, &s, 1000, &h) > 0, "");
	}
	p = recorded(deep_rec);
	heur_decide(&c, &s, &p);
	TEST_ASSERT_EQUAL(play_shallow(&c, &s, 1000, &h), 320u, "capped");
	/* No backlog at all still steps down at once, as before. */
	p = period(100, 0, 30);
	TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_DOWN, "");
	/* Not enough asleep: no probe however long it lasts. */
	memset(&s, 0, sizeof(s));
	p = period(1000, 5, 20);
	for (i = 0; i < 1000; i++)
		TEST_ASSERT_EQUAL(heur_decide(&c, &s, &p), HEUR_HOLD, "%u", i);
	return TEST_SUCCESS;
}
REGISTER_TEST(l3fwd_heuristic_probe, test_l3fwd_heuristic_probe);

static int
parse(struct app_options *o, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return options_parse(argc, argv, o);
}

static int
test_l3fwd_options(void)
{
	char *good[] = { "l3fwd-power", "-p", "0x5", "-P", "--config",
		"(0,0,1),( 2 ,1, 3),(2,0,1)", "--eth-dest",
		"2,0a:0b:0c:0d:0e:0f", "--env", "vm", "--channel-prefix",
		"/tmp/x/port", "--period-us", "5000", "--up-pct", "40",
		"--no-interrupts", "--stats-interval", "0", NULL };
	char *no_mask[] = { "l3fwd-power", "--env", "host", NULL };
	char *bad_config[] = { "l3fwd-power", "-p", "1", "--config",
		"(0,0)", NULL };
	char *bad_env[] = { "l3fwd-power", "-p", "1", "--env", "kvm", NULL };
	char *bad_idle[] = { "l3fwd-power", "-p", "1", "--sleep-us", "500",
		"--max-sleep-us", "100", NULL };
	char *help[] = { "l3fwd-power", "--help", NULL };
	struct app_options o;

	TEST_ASSERT_EQUAL(parse(&o, good), 0, "");
	TEST_ASSERT_EQUAL(o.portmask, 5, "");
	TEST_ASSERT_EQUAL(o.promiscuous, 1, "");
	TEST_ASSERT_EQUAL(o.nb_rxq, 3, "");
	TEST_ASSERT_EQUAL(o.rxq[1].port, 2, "");
	TEST_ASSERT_EQUAL(o.rxq[1].queue, 1, "");
	TEST_ASSERT_EQUAL(o.rxq[1].lcore, 3, "");
	TEST_ASSERT_EQUAL(o.nb_dest, 1, "");
	TEST_ASSERT_EQUAL(o.dest[0].port, 2, "");
	TEST_ASSERT_EQUAL(o.dest[0].mac.addr_bytes[5], 0x0f, "");
	TEST_ASSERT_EQUAL(o.env, POWER_ENV_VM, "");
	TEST_ASSERT_STR(o.channel_prefix, "/tmp/x/port");
	TEST_ASSERT_EQUAL(o.heur.period_us, 5000, "");
	TEST_ASSERT_EQUAL(o.heur.up_pct, 40, "");
	TEST_ASSERT_EQUAL(o.heur.down_pct, HEUR_DEFAULT_DOWN_PCT, "");
	TEST_ASSERT_EQUAL(o.idle.interrupts, 0, "");
	TEST_ASSERT_EQUAL(o.stats_ms, 0, "");
	TEST_ASSERT_EQUAL(o.burst, OPT_DEFAULT_BURST, "");
	options_free(&o);
	TEST_ASSERT(parse(&o, no_mask) < 0, "the mask is required");
	TEST_ASSERT(parse(&o, bad_config) < 0, "");
	TEST_ASSERT(parse(&o, bad_env) < 0, "");
	TEST_ASSERT(parse(&o, bad_idle) < 0, "");
	TEST_ASSERT_EQUAL(parse(&o, help), 1, "usage, no error");
	return TEST_SUCCESS;
}
REGISTER_TEST(l3fwd_options, test_l3fwd_options);

static void
nap_ms(unsigned int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* Give hints; wait for the host to see @expect (their units, in order). */
static int
hints(struct l3fwd_host *h, struct power_lcore *pl, const char *hs,
		const char *expect)
{
	char seq[512];
	int ms;

	for (; *hs != '\0'; hs++)
		power_lcore_hint(pl, *hs == 'u' ? HEUR_UP : *hs == 'd' ?
			HEUR_DOWN : *hs == 'm' ? HEUR_MAX : HEUR_HOLD);
	for (ms = 0; ms < 3000; ms += 5) {
		power_lcore_poll(pl);
		if (strcmp(l3fwd_host_seq_str(h, seq, sizeof(seq)),
				expect) == 0)
			return TEST_SUCCESS;
		nap_ms(5);
	}
	printf("host saw \"%s\", expected \"%s\"\n", seq, expect);
	return TEST_FAILED;
}

/* A test port, a host on it, and power.c's lcore 0 in VM mode. */
struct vm_fixture {
	struct test_port p;
	struct l3fwd_host h;
	struct power_lcore pl;
};

static int
vm_start(struct vm_fixture *f)
{
	char *argv[] = { "l3fwd-power", "-p", "1", "--env", "vm",
		"--channel-prefix", f->p.prefix, "--channel-timeout", "500",
		NULL };
	struct app_options o;
	unsigned int lcore = 0;

	TEST_ASSERT_EQUAL(parse(&o, argv), 0, "");
	TEST_ASSERT_EQUAL(power_select(&o, &lcore, 1), POWER_MODE_VM, "");
	options_free(&o);
	power_lcore_init(&f->pl, 0, POWER_MODE_VM);
	TEST_ASSERT_EQUAL(f->pl.mode, POWER_MODE_VM, "");
	return TEST_SUCCESS;
}

/* Run @body with a fixture whose host is @host; clean up whatever happens. */
static int
with_vm(const struct l3fwd_host *host, int (*body)(struct vm_fixture *))
{
	struct vm_fixture f;
	int ret;

	memset(&f, 0, sizeof(f));
	f.h.khz = host->khz;
	f.h.nb_khz = host->nb_khz;
	f.h.start_level = host->start_level;
	f.h.list_nack = host->list_nack;
	TEST_ASSERT_EQUAL(test_port_create(&f.p, 0, 500, 500), 0, "");
	ret = l3fwd_host_start(&f.h, &f.p);
	if (ret == 0) {
		ret = vm_start(&f);
		if (ret == TEST_SUCCESS)
			ret = body(&f);
		power_lcore_release(&f.pl);
		l3fwd_host_stop(&f.h);
	}
	test_port_destroy(&f.p);
	vmp_guest_channel_configure(NULL);
	return ret == TEST_SUCCESS ? ret : TEST_FAILED;
}

/* Each hint asks for a new level or sends nothing; release goes back. */
static int
ladder(struct vm_fixture *f)
{
	struct power_lcore *pl = &f->pl;
	struct l3fwd_host *h = &f->h;

	TEST_ASSERT_EQUAL(pl->nb_levels, 6, "the host's list");
	TEST_ASSERT_EQUAL(pl->initial, 3, "the host's current frequency");
	TEST_ASSERT_EQUAL(pl->c.khz, 1800000, "");
	/* Down to min (its last step a MIN), then nothing more. */
	TEST_RUN(hints(h, pl, "dddd", "down min"));
	TEST_ASSERT_EQUAL(pl->c.level, 5, "");
	/* Up step by step, the last step a MAX, then nothing more. */
	TEST_RUN(hints(h, pl, "uuuuumh", "down min up up up up max"));
	TEST_ASSERT_EQUAL(pl->c.khz, 2600000, "");
	TEST_RUN(hints(h, pl, "m", "down min up up up up max"));
	power_lcore_release(pl);
	TEST_ASSERT_EQUAL(l3fwd_host_level(h), 3, "back at the start level");
	TEST_RUN(hints(h, pl, "",
		"down min up up up up max down down down"));
	TEST_ASSERT_EQUAL(h->redundant, 0, "no request for the same level");
	TEST_ASSERT_EQUAL(pl->c.req[POWER_REQ_DOWN], 4, "");
	TEST_ASSERT_EQUAL(pl->c.ack, 10, "every request answered");
	TEST_ASSERT(!vmp_guest_channel_is_open(0), "released");
	return TEST_SUCCESS;
}

static int
test_l3fwd_power_ladder(void)
{
	struct l3fwd_host h = { .khz = khz6, .nb_khz = 6, .start_level = 3 };

	return with_vm(&h, ladder);
}
REGISTER_TEST(l3fwd_power_ladder, test_l3fwd_power_ladder);

/* A host that lists no frequencies: a guessed ladder, ends by MAX/MIN. */
static int
guess(struct vm_fixture *f)
{
	struct power_lcore *pl = &f->pl;
	struct l3fwd_host *h = &f->h;

	TEST_ASSERT_EQUAL(pl->nb_levels, 4, "assumed");
	TEST_ASSERT_EQUAL(pl->initial, -1, "unknown");
	TEST_ASSERT_EQUAL((int64_t)pl->c.level, -1, "unknown");
	/* Unknown level: up says max, and from there the ladder is known. */
	TEST_RUN(hints(h, pl, "u", "max"));
	TEST_RUN(hints(h, pl, "ddddd", "max down down min"));
	TEST_RUN(hints(h, pl, "uuuu", "max down down min up up max"));
	TEST_ASSERT_EQUAL(l3fwd_host_level(h), 0, "");
	TEST_ASSERT_EQUAL(h->redundant, 0, "");
	/* Start level unknown: nothing to restore. */
	power_lcore_release(pl);
	TEST_RUN(hints(h, pl, "", "max down down min up up max"));
	return TEST_SUCCESS;
}

static int
test_l3fwd_power_guess(void)
{
	struct l3fwd_host h = { .khz = khz6, .nb_khz = 6, .start_level = 2,
		.list_nack = 1 };

	return with_vm(&h, guess);
}
REGISTER_TEST(l3fwd_power_guess, test_l3fwd_power_guess);

/* NACKs and an absent host change nothing but counters. */
static int
refused(struct vm_fixture *f)
{
	struct power_lcore *pl = &f->pl;
	struct l3fwd_host *h = &f->h;
	int ms;

	test_log_capture();
	atomic_store(&h->nack, 1);
	TEST_RUN(hints(h, pl, "d", "down"));
	for (ms = 0; ms < 2000 && pl->c.nack == 0; ms += 5) {
		power_lcore_poll(pl);
		nap_ms(5);
	}
	TEST_ASSERT_EQUAL(pl->c.nack, 1, "");
	TEST_ASSERT_LOG("the host refused a frequency change");
	/* Not asked again: the next hint asks for the next level. */
	TEST_RUN(hints(h, pl, "d", "down down"));
	atomic_store(&h->nack, 0);
	/* Host gone: the request fails, the ladder stays. */
	atomic_store(&h->paused, 1);
	nap_ms(30);
	TEST_ASSERT(l3fwd_port_fill(&f->p) > 0, "");
	power_lcore_hint(pl, HEUR_DOWN);
	TEST_ASSERT_EQUAL(pl->c.fail, 1, "");
	TEST_ASSERT_EQUAL(pl->c.level, 2, "unchanged");
	TEST_ASSERT_LOG("host daemon is not attached");
	test_port_drain(&f->p);
	atomic_store(&h->paused, 0);
	/* Back: the same step goes out (it never went before). */
	TEST_RUN(hints(h, pl, "d", "down down down"));
	TEST_ASSERT_EQUAL(pl->c.level, 3, "");
	power_lcore_release(pl);
	TEST_RUN(hints(h, pl, "", "down down down max"));
	return TEST_SUCCESS;
}

static int
test_l3fwd_power_refused(void)
{
	struct l3fwd_host h = { .khz = khz6, .nb_khz = 6, .start_level = 0 };

	return with_vm(&h, refused);
}
REGISTER_TEST(l3fwd_power_refused, test_l3fwd_power_refused);

/*
 * DPDK's scale rule (clb_scale_freq with 22.11..25.11's queue_can_sleep
 * and lcore_can_sleep) as vmscale applies it, on two queues with
 * --max-empty-polls 3: traffic on either asks for max; min only once
 * both had more than 3 empty polls in a row, then again on each round
 * where both were polled empty once more.
 */
static int
test_l3fwd_vmscale_rule(void)
{
	static const uint16_t ports[] = { 0, 1 }, queues[] = { 0, 0 };
	struct vmscale_lcore l;
	unsigned int i;

	TEST_ASSERT_EQUAL(vmscale_init(&l, ports, queues, 2, 3), 0, "");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 32), VMSCALE_MAX, "");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 1), VMSCALE_MAX, "");
	for (i = 0; i < 3; i++) {
		TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 0), VMSCALE_NONE, "%u", i);
		TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 0), VMSCALE_NONE, "%u", i);
	}
	/* The 4th empty poll: queue 0 ready, queue 1 not yet. */
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 0), VMSCALE_NONE, "");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 0), VMSCALE_NONE, "counted once");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 0), VMSCALE_MIN, "both ready");
	/* Every round after: min again (the power side sends it once). */
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 0), VMSCALE_NONE, "");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 0), VMSCALE_MIN, "");
	/* Traffic on one queue: max, and that queue counts again. */
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 0), VMSCALE_NONE, "");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 5), VMSCALE_MAX, "");
	TEST_ASSERT_EQUAL(l.n_ready, 1u, "queue 1 left the round");
	for (i = 0; i < 3; i++)
		TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 0), VMSCALE_NONE, "%u", i);
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 1, 0), VMSCALE_MIN, "");
	vmscale_fini(&l);
	/* --max-empty-polls 0: the first empty poll of the only queue. */
	TEST_ASSERT_EQUAL(vmscale_init(&l, ports, queues, 1, 0), 0, "");
	TEST_ASSERT_EQUAL(vmscale_rx(&l, 0, 0), VMSCALE_MIN, "");
	vmscale_fini(&l);
	return TEST_SUCCESS;
}
REGISTER_TEST(l3fwd_vmscale_rule, test_l3fwd_vmscale_rule);
