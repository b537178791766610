/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "options.h"
#include "options_upstream.h"

static const char usage_text[] =
"usage: %s [EAL options] -- -p PORTMASK [options]\n"
"\n"
"Forwarding:\n"
"  -p PORTMASK            hex mask of the ports to use (required)\n"
"  -P                     promiscuous mode on every port\n"
"  -h, --help             this text\n"
"  --config (port,queue,lcore)[,(port,queue,lcore)...]\n"
"                         rx queues and the lcores polling them; default:\n"
"                         queue 0 of each port, lcores taken in turn\n"
"  --route-file FILE      routes \"A.B.C.D/LEN PORT\" a line ('#' comments)\n"
"                         instead of the built-in table\n"
"  --routes rfc2544|upstream  built-in table: 198.18.N.0/24 -> port N in\n"
"                         the mask (rfc2544, default), or upstream\n"
"                         l3fwd-power's 1.1.1.0/24 -> 0 ... 8.1.1.0/24 -> 7\n"
"  --route-miss drop|reflect  no route, or a route to a port not in the\n"
"                         mask: drop and count no_route (default), or send\n"
"                         back out the input port (upstream's behaviour)\n"
"  --max-pkt-len N        largest frame, 64..9600 (jumbo frames): sets the\n"
"                         ports' MTU and sizes mbufs to hold one whole\n"
"  --no-numa              one mbuf pool and route table on socket 0, not\n"
"                         one per socket of the forwarding lcores\n"
"  --eth-dest PORT,MAC    destination MAC on PORT (default 02:00:00:00:00:PP)\n"
"  --burst N              rx/tx burst size (32)\n"
"  --rx-desc N, --tx-desc N  ring sizes (1024, 1024)\n"
"\n"
"Power:\n"
"  --env auto|host|vm|none  frequency control: host = librte_power's\n"
"                         cpufreq drivers, vm = the host daemon over the\n"
"                         virtio-serial channels (or $VMPOWER_HOST_SOCKET),\n"
"                         auto = vm if VMPOWER_HOST_SOCKET is set or the\n"
"                         channel of an lcore exists, else host (auto)\n"
"  --channel-prefix PATH  channel of lcore N is PATH.N (default\n"
"                         /dev/virtio-ports/virtio.serial.port.poweragent)\n"
"  --channel-timeout MS   VM: wait for the host at start and for query\n"
"                         replies (1000)\n"
"  --period-us N          decision period (10000)\n"
"  --up-pct N             step up when N %% of a period's polls found a\n"
"                         backlog (a full burst) (25)\n"
"  --max-after N          go to max after N such periods in a row (3)\n"
"  --deep-queue N         go to max at once, within the poll, when an rx\n"
"                         queue holds N descriptors or more after a full\n"
"                         burst (96, upstream's 3 bursts); measured by rx\n"
"                         queue count, else descriptor status, and by\n"
"                         N/burst full bursts in a row (logged at start);\n"
"                         0: off\n"
"  --down-pct N           step down when a period without backlog was\n"
"                         N %% pauses and sleeps (25); the last step is min\n"
"  --probe-after N        with a shallow backlog (neither --up-pct busy nor\n"
"                         deep) and as much asleep, step down once after N\n"
"                         such periods in a row (10); a probe that proves\n"
"                         too low doubles the wait, up to 32 N; 0: off\n"
"  --pause-after N        empty polls before pausing (10)\n"
"  --sleep-after N        empty polls before sleeping (300)\n"
"  --pause-us N           one pause (1)\n"
"  --sleep-us N, --max-sleep-us N  first sleep, longest sleep: sleeps\n"
"                         double from one to the other (100, 1000)\n"
"  --no-interrupts        never sleep on rx interrupts\n"
"\n"
"Mode: ours, unless one of upstream's below is named. -h is help, as\n"
"--help (22.11's -h N, an empty-poll threshold, is gone upstream too).\n"
"\n"
"Status:\n"
"  --stats-interval MS    print per-port and per-lcore status every MS\n"
"                         (1000; 0: only at exit); also in telemetry under\n"
"                         /l3fwd_power/...\n";

enum {
	OPT_CONFIG = 256,
	OPT_ROUTE_FILE,
	OPT_ROUTES,
	OPT_ROUTE_MISS,
	OPT_MAX_PKT_LEN,
	OPT_NO_NUMA,
	OPT_ETH_DEST,
	OPT_BURST,
	OPT_RX_DESC,
	OPT_TX_DESC,
	OPT_ENV,
	OPT_CHANNEL_PREFIX,
	OPT_CHANNEL_TIMEOUT,
	OPT_STATS_INTERVAL,
	OPT_PERIOD_US,
	OPT_UP_PCT,
	OPT_MAX_AFTER,
	OPT_DEEP_QUEUE,
	OPT_DOWN_PCT,
	OPT_PROBE_AFTER,
	OPT_PAUSE_AFTER,
	OPT_SLEEP_AFTER,
	OPT_PAUSE_US,
	OPT_SLEEP_US,
	OPT_MAX_SLEEP_US,
	OPT_NO_INTERRUPTS,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "route-file", required_argument, NULL, OPT_ROUTE_FILE },
	{ "routes", required_argument, NULL, OPT_ROUTES },
	{ "route-miss", required_argument, NULL, OPT_ROUTE_MISS },
	{ "max-pkt-len", required_argument, NULL, OPT_MAX_PKT_LEN },
	{ "no-numa", no_argument, NULL, OPT_NO_NUMA },
	{ "eth-dest", required_argument, NULL, OPT_ETH_DEST },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "rx-desc", required_argument, NULL, OPT_RX_DESC },
	{ "tx-desc", required_argument, NULL, OPT_TX_DESC },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "channel-prefix", required_argument, NULL, OPT_CHANNEL_PREFIX },
	{ "channel-timeout", required_argument, NULL, OPT_CHANNEL_TIMEOUT },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "period-us", required_argument, NULL, OPT_PERIOD_US },
	{ "up-pct", required_argument, NULL, OPT_UP_PCT },
	{ "max-after", required_argument, NULL, OPT_MAX_AFTER },
	{ "deep-queue", required_argument, NULL, OPT_DEEP_QUEUE },
	{ "down-pct", required_argument, NULL, OPT_DOWN_PCT },
	{ "probe-after", required_argument, NULL, OPT_PROBE_AFTER },
	{ "pause-after", required_argument, NULL, OPT_PAUSE_AFTER },
	{ "sleep-after", required_argument, NULL, OPT_SLEEP_AFTER },
	{ "pause-us", required_argument, NULL, OPT_PAUSE_US },
	{ "sleep-us", required_argument, NULL, OPT_SLEEP_US },
	{ "max-sleep-us", required_argument, NULL, OPT_MAX_SLEEP_US },
	{ "no-interrupts", no_argument, NULL, OPT_NO_INTERRUPTS },
	{ "help", no_argument, NULL, OPT_HELP },
	OPTIONS_UPSTREAM_LONG,
	{ NULL, 0, NULL, 0 },
};

static const char *const env_names[] = {
	[POWER_ENV_AUTO] = "auto",
	[POWER_ENV_HOST] = "host",
	[POWER_ENV_VM] = "vm",
	[POWER_ENV_NONE] = "none",
};

const char *
options_env_str(enum power_env env)
{
	return (unsigned int)env < RTE_DIM(env_names) ? env_names[env] : "?";
}

int
options_parse_uint(const char *s, unsigned long min, unsigned long max,
		unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t *out)
{
	unsigned long v;

	if (options_parse_uint(s, min, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_u16(const char *s, uint16_t min, uint16_t *out)
{
	unsigned long v;

	if (options_parse_uint(s, min, UINT16_MAX, &v) < 0)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_portmask(const char *s, uint64_t *mask)
{
	char *end;

	errno = 0;
	*mask = strtoull(s, &end, 16);
	return errno != 0 || *end != '\0' || end == s || *mask == 0 ?
		-EINVAL : 0;
}

/* One "(port,queue,lcore)" at *p; advances *p past it. */
static int
parse_triple(const char **p, struct rxq_assign *a)
{
	unsigned long v[3];
	const char *s = *p;
	char *end;
	int i;

	if (*s++ != '(')
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		while (isspace((unsigned char)*s))
			s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		/* Upstream's base: 0x1f and 010 (octal) as well. */
		v[i] = strtoul(s, &end, 0);
		if (errno != 0)
			return -EINVAL;
		s = end;
		while (isspace((unsigned char)*s))
			s++;
		if (*s++ != (i < 2 ? ',' : ')'))
			return -EINVAL;
	}
	if (v[0] > UINT16_MAX || v[1] > UINT16_MAX || v[2] >= RTE_MAX_LCORE)
		return -EINVAL;
	a->port = (uint16_t)v[0];
	a->queue = (uint16_t)v[1];
	a->lcore = (unsigned int)v[2];
	*p = s;
	return 0;
}

static int
parse_config(const char *s, struct app_options *o)
{
	while (*s != '\0') {
		struct rxq_assign a, *grown;

		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (parse_triple(&s, &a) < 0)
			return -EINVAL;
		grown = realloc(o->rxq, (o->nb_rxq + 1) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		o->rxq = grown;
		o->rxq[o->nb_rxq++] = a;
	}
	return o->nb_rxq > 0 ? 0 : -EINVAL;
}

static int
parse_eth_dest(const char *s, struct app_options *o)
{
	const char *comma = strchr(s, ',');
	struct eth_dest d, *grown;
	char port[8];

	if (comma == NULL || (size_t)(comma - s) >= sizeof(port))
		return -EINVAL;
	memcpy(port, s, (size_t)(comma - s));
	port[comma - s] = '\0';
	if (parse_u16(port, 0, &d.port) < 0 ||
			rte_ether_unformat_addr(comma + 1, &d.mac) < 0)
		return -EINVAL;
	grown = realloc(o->dest, (o->nb_dest + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	o->dest = grown;
	o->dest[o->nb_dest++] = d;
	return 0;
}

static int
parse_env(const char *s, enum power_env *env)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(env_names); i++)
		if (strcmp(s, env_names[i]) == 0) {
			*env = (enum power_env)i;
			return 0;
		}
	return -EINVAL;
}

/* One of two words: 0 for the first, 1 for the second. */
static int
parse_word(const char *s, const char *w0, const char *w1, unsigned int *v)
{
	if (strcmp(s, w0) == 0)
		*v = 0;
	else if (strcmp(s, w1) == 0)
		*v = 1;
	else
		return -EINVAL;
	return 0;
}

uint16_t
options_mbuf_size(const struct app_options *o)
{
	uint32_t room = o->max_pkt_len + RTE_PKTMBUF_HEADROOM;

	return (uint16_t)RTE_MAX(room, (uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE);
}

static void
defaults(struct app_options *o)
{
	memset(o, 0, sizeof(*o));
	o->burst = OPT_DEFAULT_BURST;
	o->rx_desc = OPT_DEFAULT_RX_DESC;
	o->tx_desc = OPT_DEFAULT_TX_DESC;
	o->env = POWER_ENV_AUTO;
	o->channel_timeout_ms = OPT_DEFAULT_CHANNEL_MS;
	o->stats_ms = OPT_DEFAULT_STATS_MS;
	heur_conf_default(&o->heur);
	idle_conf_default(&o->idle);
	o->max_empty_polls = PMD_MGMT_DEFAULT_MAX_EMPTY_POLLS;
	o->pause_duration = PMD_MGMT_DEFAULT_PAUSE_US;
	o->cpu_resume_latency = -1;
}

static int
parse_one(int opt, const char *arg, struct app_options *o)
{
	struct heur_conf *h = &o->heur;
	struct idle_conf *i = &o->idle;
	unsigned int v;

	switch (opt) {
	case 'p':
		return parse_portmask(arg, &o->portmask);
	case 'P':
		o->promiscuous = 1;
		return 0;
	case OPT_CONFIG:
		return parse_config(arg, o);
	case OPT_ROUTE_FILE:
		o->route_file = arg;
		return 0;
	case OPT_ROUTES:
		return parse_word(arg, "rfc2544", "upstream", &v) < 0 ? -EINVAL :
			(o->routes = (enum route_set)v, 0);
	case OPT_ROUTE_MISS:
		return parse_word(arg, "drop", "reflect", &v) < 0 ? -EINVAL :
			(o->route_miss = (enum route_miss)v, 0);
	case OPT_MAX_PKT_LEN:
		return parse_u32(arg, PKT_LEN_MIN, &o->max_pkt_len) < 0 ||
			o->max_pkt_len > PKT_LEN_MAX ? -EINVAL : 0;
	case OPT_NO_NUMA:
		o->no_numa = 1;
		return 0;
	case OPT_ETH_DEST:
		return parse_eth_dest(arg, o);
	case OPT_BURST:
		return parse_u16(arg, 1, &o->burst);
	case OPT_RX_DESC:
		return parse_u16(arg, 1, &o->rx_desc);
	case OPT_TX_DESC:
		return parse_u16(arg, 1, &o->tx_desc);
	case OPT_ENV:
		return parse_env(arg, &o->env);
	case OPT_CHANNEL_PREFIX:
		o->channel_prefix = arg;
		return arg[0] != '\0' ? 0 : -EINVAL;
	case OPT_CHANNEL_TIMEOUT:
		return parse_u32(arg, 1, &o->channel_timeout_ms);
	case OPT_STATS_INTERVAL:
		return parse_u32(arg, 0, &o->stats_ms);
	case OPT_PERIOD_US:
		return parse_u32(arg, 1, &h->period_us);
	case OPT_UP_PCT:
		return parse_u32(arg, 1, &h->up_pct);
	case OPT_MAX_AFTER:
		return parse_u32(arg, 1, &h->max_after);
	case OPT_DEEP_QUEUE:
		return parse_u32(arg, 0, &h->deep_queue);
	case OPT_DOWN_PCT:
		return parse_u32(arg, 1, &h->down_pct);
	case OPT_PROBE_AFTER:
		return parse_u32(arg, 0, &h->probe_after);
	case OPT_PAUSE_AFTER:
		return parse_u32(arg, 0, &i->pause_after);
	case OPT_SLEEP_AFTER:
		return parse_u32(arg, 0, &i->sleep_after);
	case OPT_PAUSE_US:
		return parse_u32(arg, 0, &i->pause_us);
	case OPT_SLEEP_US:
		return parse_u32(arg, 1, &i->sleep_us);
	case OPT_MAX_SLEEP_US:
		return parse_u32(arg, 1, &i->max_sleep_us);
	case OPT_NO_INTERRUPTS:
		i->interrupts = 0;
		return 0;
	default:
		return options_upstream_parse(opt, arg, o);
	}
}

int
options_parse(int argc, char **argv, struct app_options *o)
{
	const char *prog = argc > 0 ? argv[0] : "l3fwd-power";
	int opt, idx, ret;

	defaults(o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:Ph" OPTIONS_UPSTREAM_SHORT,
			long_opts, &idx)) != -1) {
		if (opt == '?')
			goto usage;
		if (opt == 'h' || opt == OPT_HELP) {
			printf(usage_text, prog);
			fputs(options_upstream_usage, stdout);
			options_free(o);
			return 1;
		}
		ret = parse_one(opt, optarg, o);
		if (ret == -ENOMEM)
			return ret;
		if (ret == -ENOTSUP) {
			options_free(o);
			return -EINVAL;
		}
		if (ret < 0) {
			if (opt < 256)
				fprintf(stderr, "invalid -%c '%s'\n", opt,
					optarg ? optarg : "");
			else
				fprintf(stderr, "invalid --%s '%s'\n",
					long_opts[idx].name,
					optarg ? optarg : "");
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	if (o->route_file != NULL && o->routes != ROUTES_RFC2544) {
		fprintf(stderr, "--route-file and --routes: one table only\n");
		goto usage;
	}
	if (o->portmask == 0) {
		fprintf(stderr, "-p PORTMASK is required\n");
		goto usage;
	}
	if (heur_conf_check(&o->heur) < 0 ||
			idle_conf_check(&o->idle) < 0 ||
			options_upstream_check(o) < 0)
		goto usage;
	return 0;
usage:
	fprintf(stderr, usage_text, prog);
	fputs(options_upstream_usage, stderr);
	options_free(o);
	return -EINVAL;
}

int
options_default_config(struct app_options *o)
{
	unsigned int lcore = rte_get_main_lcore();
	unsigned int port;

	for (port = 0; port < PORTMASK_BITS; port++) {
		struct rxq_assign *grown;

		if (!portmask_has(o->portmask, port))
			continue;
		grown = realloc(o->rxq, (o->nb_rxq + 1) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		o->rxq = grown;
		o->rxq[o->nb_rxq++] = (struct rxq_assign){
			.port = (uint16_t)port, .queue = 0, .lcore = lcore };
		lcore = rte_get_next_lcore(lcore, 0, 1);
	}
	return 0;
}

void
options_free(struct app_options *o)
{
	free(o->rxq);
	free(o->dest);
	o->rxq = NULL;
	o->dest = NULL;
	o->nb_rxq = 0;
	o->nb_dest = 0;
}
