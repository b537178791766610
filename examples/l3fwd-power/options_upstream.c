/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include "vmp_dpdk_compat.h"

#include "options_upstream.h"

const char options_upstream_usage[] =
"\n"
"Upstream dpdk-l3fwd-power's modes (one at most; default: ours above):\n"
"  --legacy               upstream's legacy heuristic: max when an rx queue\n"
"                         holds more than 96, a step up on a rising trend,\n"
"                         a step down each 100 ms spent idle or under 32\n"
"                         packets a poll\n"
"  --interrupt-only       no frequency scaling; sleep on rx interrupts\n"
"  --telemetry            busy poll, no scaling; /l3fwd_power/stats gives\n"
"                         empty_poll, full_poll, busy_percent\n"
"  --pmd-mgmt baseline|monitor|pause|scale  DPDK's rte_power_pmd_mgmt on\n"
"                         each rx queue (baseline: busy poll only)\n"
"  --max-empty-polls N    pmd-mgmt: empty polls before it acts (512)\n"
"  --pause-duration US    pmd-mgmt pause: one pause (1)\n"
"  --scale-freq-min KHZ, --scale-freq-max KHZ  pmd-mgmt scale: bounds\n"
"Other upstream options:\n"
"  --parse-ptype          accepted; headers are always parsed in software\n"
"  --cpu-resume-latency US  PM QoS resume latency of the lcores (DPDK\n"
"                         24.11 and later), restored at exit\n"
"  --eth-link-speed MBPS  fixed link speed (not 10 or 100)\n"
"  -u, -U                 uncore at its lowest, highest frequency (bare\n"
"                         metal; refused in a VM), put back at exit\n"
"  -i INDEX               uncore at its INDEX-th frequency, highest first\n"
"Refused, with the reason: --high-perf-cores, --perf-config, and 22.11's\n"
"empty-poll mode (--empty-poll, -l, -m).\n";

static const char *const mode_names[] = {
	[APP_MODE_VMPOWER] = "vmpower",
	[APP_MODE_LEGACY] = "legacy",
	[APP_MODE_INTERRUPT] = "interrupt-only",
	[APP_MODE_TELEMETRY] = "telemetry",
	[APP_MODE_PMD_MGMT] = "pmd-mgmt",
};

static const char *const pmd_mgmt_names[] = {
	[PMD_MGMT_BASELINE] = "baseline",
	[PMD_MGMT_MONITOR] = "monitor",
	[PMD_MGMT_PAUSE] = "pause",
	[PMD_MGMT_SCALE] = "scale",
};

const char *
options_mode_str(enum app_mode m)
{
	return (unsigned int)m < RTE_DIM(mode_names) ? mode_names[m] : "?";
}

const char *
options_pmd_mgmt_str(enum pmd_mgmt m)
{
	return (unsigned int)m < RTE_DIM(pmd_mgmt_names) ?
		pmd_mgmt_names[m] : "?";
}

static int
refuse(const char *what, const char *why)
{
	fprintf(stderr, "%s: refused: %s\n", what, why);
	return -ENOTSUP;
}

/* Upstream's modes exclude each other, and ours is the default. */
static int
set_mode(struct app_options *o, enum app_mode m)
{
	if (o->mode != APP_MODE_VMPOWER && o->mode != m) {
		fprintf(stderr, "--%s: mutually exclusive with --%s\n",
			mode_names[m], mode_names[o->mode]);
		return -ENOTSUP;
	}
	o->mode = m;
	/* Upstream's idle loop: 1 us pauses after 10 empty polls, rx
	 * interrupts after 300 (ours sleeps where the PMD has none). */
	if (m == APP_MODE_LEGACY || m == APP_MODE_INTERRUPT) {
		o->idle.pause_after = 10;
		o->idle.pause_us = 1;
		o->idle.sleep_after = 300;
	}
	return 0;
}

static int
parse_pmd_mgmt(const char *arg, struct app_options *o)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(pmd_mgmt_names); i++) {
		if (strcmp(arg, pmd_mgmt_names[i]) != 0)
			continue;
		ret = set_mode(o, APP_MODE_PMD_MGMT);
		if (ret == 0)
			o->pmd_mgmt = (enum pmd_mgmt)i;
		return ret;
	}
	return -EINVAL;
}

static int
parse_u32_max(const char *arg, unsigned long max, uint32_t *out)
{
	unsigned long v;

	if (options_parse_uint(arg, 0, max, &v) < 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_link_speed(const char *arg, struct app_options *o)
{
	uint32_t speed;

	if (parse_u32_max(arg, UINT32_MAX, &speed) < 0 ||
			rte_eth_speed_bitflag(speed, 0) == 0)
		return -EINVAL;
	/* Upstream's: a fixed 10 or 100 Mb/s needs a duplex it has not. */
	if (speed == RTE_ETH_SPEED_NUM_10M || speed == RTE_ETH_SPEED_NUM_100M)
		return refuse("--eth-link-speed", "unsupported fixed speed "
			"(10 and 100 Mb/s), as upstream");
	o->link_speed = speed;
	return 0;
}

static const char empty_poll_gone[] = "22.11's empty-poll mode (removed "
	"upstream in 23.03): use --pmd-mgmt pause|monitor|scale, or leave "
	"out the mode for ours";

static const char perf_why[] = "Intel SST-BF high/regular core bins are "
	"not done by this l3fwd-power: put the high-priority lcores in "
	"--config yourself";

int
options_upstream_parse(int opt, const char *arg, struct app_options *o)
{
	unsigned long v;

	switch (opt) {
	case OPT_UP_LEGACY:
		return set_mode(o, APP_MODE_LEGACY);
	case OPT_UP_INTERRUPT_ONLY:
		return set_mode(o, APP_MODE_INTERRUPT);
	case OPT_UP_TELEMETRY:
		return set_mode(o, APP_MODE_TELEMETRY);
	case OPT_UP_PMD_MGMT:
		return parse_pmd_mgmt(arg, o);
	case OPT_UP_MAX_EMPTY_POLLS:
		return parse_u32_max(arg, UINT32_MAX, &o->max_empty_polls);
	case OPT_UP_PAUSE_DURATION:
		return parse_u32_max(arg, UINT32_MAX, &o->pause_duration);
	case OPT_UP_SCALE_FREQ_MIN:
		return parse_u32_max(arg, UINT32_MAX, &o->scale_freq_min);
	case OPT_UP_SCALE_FREQ_MAX:
		return parse_u32_max(arg, UINT32_MAX, &o->scale_freq_max);
	case OPT_UP_PARSE_PTYPE:
		o->parse_ptype = 1;
		return 0;
	case OPT_UP_CPU_RESUME_LATENCY:
		if (!VMP_HAS_POWER_QOS) {
			fprintf(stderr, "--cpu-resume-latency: refused: PM QoS "
				"is in DPDK 24.11 and later (rte_power_qos.h); "
				"this build has %d.%02d\n", RTE_VER_YEAR,
				RTE_VER_MONTH);
			return -ENOTSUP;
		}
		if (options_parse_uint(arg, 0, INT_MAX, &v) < 0)
			return -EINVAL;
		o->cpu_resume_latency = (int64_t)v;
		return 0;
	case OPT_UP_ETH_LINK_SPEED:
		return parse_link_speed(arg, o);
	case OPT_UP_EMPTY_POLL:
		return refuse("--empty-poll", empty_poll_gone);
	case 'l':
	case 'm':
		return refuse(opt == 'l' ? "-l" : "-m", empty_poll_gone);
	case 'u':
		o->uncore = UNCORE_MIN;
		return 0;
	case 'U':
		o->uncore = UNCORE_MAX;
		return 0;
	case 'i':
		o->uncore = UNCORE_IDX;
		return parse_u32_max(arg, UINT32_MAX, &o->uncore_idx);
	case OPT_UP_HIGH_PERF_CORES:
		return refuse("--high-perf-cores", perf_why);
	case OPT_UP_PERF_CONFIG:
		return refuse("--perf-config", perf_why);
	default:
		return -EINVAL;
	}
}

int
options_upstream_check(const struct app_options *o)
{
	int own = o->mode == APP_MODE_INTERRUPT ||
		o->mode == APP_MODE_TELEMETRY || (o->mode ==
		APP_MODE_PMD_MGMT && o->pmd_mgmt != PMD_MGMT_SCALE);

	if (own && (o->env == POWER_ENV_VM || o->env == POWER_ENV_HOST)) {
		fprintf(stderr, "--%s does no frequency control of its own: "
			"--env %s has no meaning with it\n",
			mode_names[o->mode], options_env_str(o->env));
		return -EINVAL;
	}
	return 0;
}
