/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_OPTIONS_UPSTREAM_H
#define L3FWD_OPTIONS_UPSTREAM_H

/**
 * @file
 * Upstream dpdk-l3fwd-power's options that are not ours too, with
 * upstream's meaning (its modes and their tuning), and the ones this
 * program refuses, each with the reason or the replacement (e.g. 22.11's
 * empty-poll mode, gone since 23.03). Called by options.c only; the table
 * upstream vs ours is in doc/guides/l3fwd_power_options.rst.
 */

#include <getopt.h>

#include "options.h"

/** getopt values of the upstream options; below are options.c's own. */
enum {
	OPT_UP_LEGACY = 512,
	OPT_UP_INTERRUPT_ONLY,
	OPT_UP_TELEMETRY,
	OPT_UP_PMD_MGMT,
	OPT_UP_MAX_EMPTY_POLLS,
	OPT_UP_PAUSE_DURATION,
	OPT_UP_SCALE_FREQ_MIN,
	OPT_UP_SCALE_FREQ_MAX,
	OPT_UP_PARSE_PTYPE,
	OPT_UP_CPU_RESUME_LATENCY,
	OPT_UP_EMPTY_POLL,
	OPT_UP_HIGH_PERF_CORES,
	OPT_UP_PERF_CONFIG,
	OPT_UP_ETH_LINK_SPEED,
	OPT_UP_END
};

/** The getopt_long entries, to be put in options.c's table. */
#define OPTIONS_UPSTREAM_LONG \
	{ "legacy", no_argument, NULL, OPT_UP_LEGACY }, \
	{ "interrupt-only", no_argument, NULL, OPT_UP_INTERRUPT_ONLY }, \
	{ "telemetry", no_argument, NULL, OPT_UP_TELEMETRY }, \
	{ "pmd-mgmt", required_argument, NULL, OPT_UP_PMD_MGMT }, \
	{ "max-empty-polls", required_argument, NULL, \
		OPT_UP_MAX_EMPTY_POLLS }, \
	{ "pause-duration", required_argument, NULL, \
		OPT_UP_PAUSE_DURATION }, \
	{ "scale-freq-min", required_argument, NULL, OPT_UP_SCALE_FREQ_MIN }, \
	{ "scale-freq-max", required_argument, NULL, OPT_UP_SCALE_FREQ_MAX }, \
	{ "parse-ptype", no_argument, NULL, OPT_UP_PARSE_PTYPE }, \
	{ "cpu-resume-latency", required_argument, NULL, \
		OPT_UP_CPU_RESUME_LATENCY }, \
	{ "empty-poll", required_argument, NULL, OPT_UP_EMPTY_POLL }, \
	{ "high-perf-cores", required_argument, NULL, \
		OPT_UP_HIGH_PERF_CORES }, \
	{ "perf-config", required_argument, NULL, OPT_UP_PERF_CONFIG }, \
	{ "eth-link-speed", required_argument, NULL, OPT_UP_ETH_LINK_SPEED }

/** Upstream's short options after options.c's "p:Ph". */
#define OPTIONS_UPSTREAM_SHORT "uUi:l:m:"

/** The usage text of these options. */
extern const char options_upstream_usage[];

/**
 * Parse one upstream option (short letter or OPT_UP_*).
 * @return 0; -EINVAL for a bad value (the caller says which); -ENOTSUP
 *   refused, having printed why.
 */
int options_upstream_parse(int opt, const char *arg, struct app_options *o);

/** Checks across options once all are read. @return 0 or -EINVAL, said. */
int options_upstream_check(const struct app_options *o);

/** "vmpower", "legacy", "interrupt-only", "telemetry", "pmd-mgmt". */
const char *options_mode_str(enum app_mode m);

/** "baseline", "monitor", "pause", "scale". */
const char *options_pmd_mgmt_str(enum pmd_mgmt m);

#endif /* L3FWD_OPTIONS_UPSTREAM_H */
