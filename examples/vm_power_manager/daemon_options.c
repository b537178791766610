/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The daemon's own options, on the command line (after "--") and in the
 * [daemon] section of its configuration file: one table, one function
 * that applies a setting whichever side it comes from. The file is read
 * first, so the command line wins. EAL's side is daemon_eal_args.c.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_common.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "daemon_options_private.h"
#include "policy.h"
#include "host_channels.h"

enum opt_id {
	O_URI = 1, O_CHDIR, O_DRIVER, O_BACKLOG, O_RATE, O_CPUS, O_PIN,
	O_STATE, O_NO_CLI, O_AUTO, O_NO_AUTO, O_VM, O_PATTERN, O_CONTROL,
	O_CONFIG, O_TRAFFIC, O_BRANCH_PERIOD, O_BRANCH_THRESHOLD,
	O_BRANCH_EVENTS, O_HOST, O_HOST_MODE, O_HOST_GROUP, O_HOST_FIFO,
	O_HELP,
};

static const struct option longopts[] = {
	{ "libvirt-uri", required_argument, NULL, O_URI },
	{ "channel-dir", required_argument, NULL, O_CHDIR },
	{ "driver", required_argument, NULL, O_DRIVER },
	{ "backlog", required_argument, NULL, O_BACKLOG },
	{ "rate-limit", required_argument, NULL, O_RATE },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "max-pin-set", required_argument, NULL, O_PIN },
	{ "state-dir", required_argument, NULL, O_STATE },
	{ "no-cli", no_argument, NULL, O_NO_CLI },
	{ "auto", no_argument, NULL, O_AUTO },
	{ "no-auto", no_argument, NULL, O_NO_AUTO },
	{ "vm", required_argument, NULL, O_VM },
	{ "vm-pattern", required_argument, NULL, O_PATTERN },
	{ "control", required_argument, NULL, O_CONTROL },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "traffic-period", required_argument, NULL, O_TRAFFIC },
	{ "branch-period", required_argument, NULL, O_BRANCH_PERIOD },
	{ "branch-threshold", required_argument, NULL, O_BRANCH_THRESHOLD },
	{ "branch-events", required_argument, NULL, O_BRANCH_EVENTS },
	{ "host-channels", required_argument, NULL, O_HOST },
	{ "host-channels-mode", required_argument, NULL, O_HOST_MODE },
	{ "host-channels-group", required_argument, NULL, O_HOST_GROUP },
	{ "host-fifo-compat", required_argument, NULL, O_HOST_FIFO },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

void
daemon_options_usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [EAL options] -- [options]\n"
		"  --config FILE       settings file, INI: [daemon] takes these "
		"options,\n"
		"                      [eal] EAL's; the command line wins "
		"(default\n"
		"                      %s, if it exists)\n"
		"  --libvirt-uri URI   libvirt connection (default: libvirt's "
		"own,\n"
		"                      which honours LIBVIRT_DEFAULT_URI)\n"
		"  --auto              serve every libvirt domain with power "
		"channels,\n"
		"                      running or defined, now and later "
		"(default with\n"
		"                      --no-cli or under systemd)\n"
		"  --no-auto           serve only the VMs added with add_vm\n"
		"  --vm NAME           auto-serve this domain only "
		"(repeatable)\n"
		"  --vm-pattern GLOB   auto-serve domains whose name matches "
		"(repeatable)\n"
		"  --channel-dir DIR   where <vm>.<n> channel sockets are "
		"found\n"
		"                      (default %s)\n"
		"  --driver NAME       cpufreq driver: acpi, pstate, "
		"pstate-passive, cppc,\n"
		"                      amd, amd-epp, a scaling_driver name "
		"(intel_cpufreq...)\n"
		"                      or auto (default)\n"
		"  --cpus LIST         the only host CPUs it may ever touch "
		"(default:\n"
		"                      all); requests for others get NACK\n"
		"  --max-pin-set N     a vCPU pinned to more pCPUs than this is "
		"refused\n"
		"                      as unpinned (default %u)\n"
		"  --state-dir DIR     crash records and the one-daemon lock\n"
		"                      (default %s)\n"
		"  --backlog N         replies kept for a guest that does not "
		"read\n"
		"                      (default 64)\n"
		"  --rate-limit N      packets a second a channel may send "
		"(burst N);\n"
		"                      past it they get NACK; 0: no limit "
		"(default %d)\n"
		"  --control PATH      the control socket for vmpowerctl, "
		"or none\n"
		"                      (default <state-dir>/control)\n"
		"  --traffic-period MS TRAFFIC policies read their NICs' "
		"counters every MS\n"
		"                      (default 100)\n"
		"  --branch-period US  BRANCH_RATIO policies read their pCPUs' "
		"branch\n"
		"                      counters every US microseconds "
		"(default %u)\n"
		"  --branch-threshold PCT\n"
		"                      branch misses over branches above PCT "
		"percent in\n"
		"                      any of the last %u periods: max, else "
		"min (default %g)\n"
		"  --branch-events hardware|software\n"
		"                      software counts page faults instead "
		"of branches:\n"
		"                      for tests on hosts with no PMU "
		"(default hardware)\n"
		"  --host-channels DIR listen at DIR/%s for processes on "
		"the host\n"
		"                      (containers): requests for the CPUs of "
		"their cpuset\n"
		"                      (default: off)\n"
		"  --host-channels-mode MODE  that socket's file mode, octal "
		"(default 0%o)\n"
		"  --host-channels-group GROUP  that socket's group, name or "
		"number\n"
		"                      (default: the daemon's)\n"
		"  --host-fifo-compat DIR  upstream's FIFOs: DIR/fifo<N> per "
		"CPU, mode 0660,\n"
		"                      taking its JSON (with --host-channels; "
		"upstream's\n"
		"                      DIR is /tmp/powermonitor)\n"
		"  --no-cli            no interactive CLI: stop on SIGINT, "
		"SIGTERM,\n"
		"                      SIGHUP or SIGQUIT\n"
		"  -h, --help          this text\n"
		"EAL defaults, each unless the EAL options set it: --no-pci, "
		"--no-huge -m %s,\n"
		"--file-prefix %s, --no-shconf, --lcores 0@(the CPUs it may "
		"run on).\n"
		"Log types: vmpower.main, .monitor, .channel_manager, "
		".libvirt, .sync, .power_manager,\n.hotplug, .policy, .host "
		"(e.g. --log-level=vmpower.monitor:debug among EAL options).\n",
		prog, DAEMON_DEFAULT_CONFIG, CHMGR_DEFAULT_DIR,
		MONITOR_DEFAULT_PIN_SET, DAEMON_DEFAULT_STATE_DIR,
		MONITOR_DEFAULT_RATE, POLICY_BRANCH_PERIOD_US,
		POLICY_BRANCH_WINDOW, POLICY_BRANCH_THRESHOLD,
		HOST_CHANNELS_SOCKET, HOST_CHANNELS_MODE,
		DAEMON_EAL_MEMORY_MB, DAEMON_EAL_PREFIX);
}

char *
dopt_keep(struct daemon_opts *o, const char *s)
{
	char **grown = realloc(o->strs, (o->nb_strs + 1) * sizeof(*grown));
	char *copy = strdup(s);

	if (grown != NULL)
		o->strs = grown;
	if (grown == NULL || copy == NULL) {
		free(copy);
		return NULL;
	}
	o->strs[o->nb_strs++] = copy;
	return copy;
}

/* A decimal number in [min, max]: digits only, no sign, no wraparound. */
static int
parse_number(const char *text, unsigned long min, unsigned long max,
		unsigned long *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(text, &end, 10);
	if (*end != '\0' || errno != 0 || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

int
dopt_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

/* Append @v to a list, which the command line's first entry empties. */
static int
list_add(struct daemon_opts *o, char ***list, unsigned int *n,
		unsigned int *src_of_list, enum dopt_src src, const char *v)
{
	char **grown;
	char *copy;

	if (*src_of_list != src) {
		*n = 0;		/* the command line replaces the file's */
		*src_of_list = src;
	}
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	*list = grown;
	copy = dopt_keep(o, v);
	if (copy == NULL)
		return -ENOMEM;
	(*list)[(*n)++] = copy;
	return 0;
}

/*
 * Apply option @id with value @v (NULL for a flag on the command line;
 * in the file a flag's value is yes or no). @return 0, or -EINVAL with
 * @why filled.
 */
static int
apply(struct daemon_opts *o, int id, const char *v, enum dopt_src src,
		char *why, size_t len)
{
	unsigned long n;
	int b = 1;

	if (v == NULL && id != O_NO_CLI && id != O_AUTO && id != O_NO_AUTO) {
		snprintf(why, len, "needs a value");
		return -EINVAL;
	}
	if (v != NULL && (id == O_NO_CLI || id == O_AUTO ||
			id == O_NO_AUTO)) {
		b = dopt_bool(v);
		if (b < 0) {
			snprintf(why, len, "'%s' is not yes or no", v);
			return -EINVAL;
		}
	}
	switch (id) {
	case O_URI:
		o->uri = dopt_keep(o, v);
		break;
	case O_CHDIR:
		o->channel_dir = dopt_keep(o, v);
		break;
	case O_DRIVER:
		o->driver = dopt_keep(o, v);
		break;
	case O_STATE:
		o->state_dir = dopt_keep(o, v);
		break;
	case O_CONFIG:
		o->config = dopt_keep(o, v);
		break;
	case O_CONTROL:
		o->control = dopt_keep(o, v);
		break;
	case O_HOST:
		if (v[0] != '/') {
			snprintf(why, len, "'%s' is not an absolute path", v);
			return -EINVAL;
		}
		o->host_dir = dopt_keep(o, v);
		break;
	case O_HOST_GROUP:
		o->host_group = dopt_keep(o, v);
		break;
	case O_HOST_FIFO:
		if (v[0] != '/') {
			snprintf(why, len, "'%s' is not an absolute path", v);
			return -EINVAL;
		}
		o->host_fifo_dir = dopt_keep(o, v);
		break;
	case O_HOST_MODE: {
		char *end;

		errno = 0;
		n = strtoul(v, &end, 8);
		if (errno != 0 || end == v || *end != '\0' || n == 0 ||
				n > 0777) {
			snprintf(why, len, "'%s' is not a file mode (octal, "
				"e.g. 0660)", v);
			return -EINVAL;
		}
		o->host_mode = (unsigned int)n;
		return 0;
	}
	case O_BACKLOG:
	case O_PIN:
		if (parse_number(v, 1, 65536, &n) < 0) {
			snprintf(why, len, "'%s' is not a number from 1 to "
				"65536", v);
			return -EINVAL;
		}
		if (id == O_BACKLOG)
			o->backlog = (unsigned int)n;
		else
			o->max_pin_set = (unsigned int)n;
		return 0;
	case O_TRAFFIC:
		if (parse_number(v, 1, 60000, &n) < 0) {
			snprintf(why, len, "'%s' is not a number of ms from 1 "
				"to 60000", v);
			return -EINVAL;
		}
		o->traffic_period_ms = (unsigned int)n;
		return 0;
	case O_BRANCH_PERIOD:
		if (parse_number(v, 10, 10000000, &n) < 0) {
			snprintf(why, len, "'%s' is not a number of us from 10 "
				"to 10000000", v);
			return -EINVAL;
		}
		o->branch_period_us = (unsigned int)n;
		return 0;
	case O_BRANCH_THRESHOLD: {
		char *end;
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !(d > 0) ||
				d > 100) {
			snprintf(why, len, "'%s' is not a percentage above 0, "
				"up to 100", v);
			return -EINVAL;
		}
		o->branch_threshold = d;
		return 0;
	}
	case O_BRANCH_EVENTS:
		if (strcmp(v, "hardware") == 0)
			o->branch_events = POLICY_BRANCH_HARDWARE;
		else if (strcmp(v, "software") == 0)
			o->branch_events = POLICY_BRANCH_SOFTWARE;
		else {
			snprintf(why, len, "'%s' is not hardware or software",
				v);
			return -EINVAL;
		}
		return 0;
	case O_RATE:
		if (parse_number(v, 0, INT_MAX, &n) < 0) {
			snprintf(why, len, "'%s' is not a number of packets a "
				"second (0 to %d)", v, INT_MAX);
			return -EINVAL;
		}
		/* 0 means no limit here, the default in the conf. */
		o->rate_limit = n == 0 ? -1 : (int)n;
		return 0;
	case O_CPUS:
		if (o->have_cpus)
			cpu_list_free(&o->cpus);
		o->have_cpus = 0;
		if (cpu_list_parse(&o->cpus, v, CPU_LIST_MAX_CPU, why,
				len) < 0)
			return -EINVAL;
		o->have_cpus = 1;
		return 0;
	case O_NO_CLI:
		o->no_cli = b;
		return 0;
	case O_AUTO:
	case O_NO_AUTO:
		o->auto_serve = (id == O_AUTO) == b;
		return 0;
	case O_VM:
		if (!chmgr_vm_name_ok(v)) {
			snprintf(why, len, "'%s' cannot name a VM (empty, or "
				"holds '/' or a control character)", v);
			return -EINVAL;
		}
		return list_add(o, &o->vms, &o->nb_vms, &o->vm_src, src, v);
	case O_PATTERN:
		if (v[0] == '\0') {
			snprintf(why, len, "an empty pattern matches no VM");
			return -EINVAL;
		}
		return list_add(o, &o->patterns, &o->nb_patterns,
			&o->pattern_src, src, v);
	default:
		snprintf(why, len, "not an option");
		return -EINVAL;
	}
	return 0;
}

int
dopt_apply_key(struct daemon_opts *o, const char *key, const char *v,
		char *why, size_t len)
{
	unsigned int i;

	for (i = 0; longopts[i].name != NULL; i++)
		if (strcmp(longopts[i].name, key) == 0 &&
				longopts[i].val != O_CONFIG &&
				longopts[i].val != O_HELP)
			return apply(o, longopts[i].val, v, DOPT_FILE, why,
				len);
	snprintf(why, len, "unknown key '%s' (the keys are the long options "
		"of --help, without the dashes)", key);
	return -EINVAL;
}

/* The --config of the command line, if any (read before the rest). */
static int
find_config(struct daemon_opts *o, int argc, char **argv)
{
	int opt;

	opterr = 0;
	optind = 0;	/* GNU getopt: start afresh */
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (opt == O_CONFIG && (o->config = dopt_keep(o, optarg)) ==
				NULL)
			return -ENOMEM;
	opterr = 1;
	return 0;
}

/* The options after "--". @return 0, 1 for --help, or -EINVAL. */
static int
parse_cmdline(struct daemon_opts *o, int argc, char **argv)
{
	char why[160];
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h' || opt == O_HELP)
			return 1;
		if (opt == '?')
			return -EINVAL;
		if (apply(o, opt, optarg, DOPT_CMDLINE, why, sizeof(why)) <
				0) {
			fprintf(stderr, "--%s: %s\n",
				longopts[opt - O_URI].name, why);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int
daemon_options_parse(int argc, char **argv, struct daemon_opts *o)
{
	int eal_argc, app = 0, ret, i;
	char **app_argv;

	memset(o, 0, sizeof(*o));
	o->auto_serve = -1;
	for (eal_argc = 1; eal_argc < argc; eal_argc++)
		if (strcmp(argv[eal_argc], "--") == 0) {
			app = 1;
			break;
		}
	/* getopt wants a program name first, where "--" is. */
	app_argv = app ? argv + eal_argc : NULL;
	if (app)
		app_argv[0] = argv[0];
	if (app && find_config(o, argc - eal_argc, app_argv) < 0)
		return -ENOMEM;
	for (i = 1; app && i < argc - eal_argc; i++)
		if (strcmp(app_argv[i], "-h") == 0 ||
				strcmp(app_argv[i], "--help") == 0)
			return 1;
	ret = dopt_read_config(o, o->config != NULL);
	if (ret < 0)
		return ret;
	if (app) {
		ret = parse_cmdline(o, argc - eal_argc, app_argv);
		if (ret != 0)
			return ret;
	}
	if (o->state_dir == NULL)
		o->state_dir = DAEMON_DEFAULT_STATE_DIR;
	/* Service mode: nobody at a prompt to type add_vm. */
	o->service = o->no_cli || getenv("NOTIFY_SOCKET") != NULL;
	if ((o->nb_vms > 0 || o->nb_patterns > 0) && o->auto_serve == 0) {
		fprintf(stderr, "--vm and --vm-pattern choose among the VMs "
			"--auto serves: not with --no-auto\n");
		return -EINVAL;
	}
	if (o->host_fifo_dir != NULL && o->host_dir == NULL) {
		fprintf(stderr, "--host-fifo-compat needs --host-channels (the "
			"FIFOs are host channels)\n");
		return -EINVAL;
	}
	if (o->auto_serve < 0)
		o->auto_serve = o->service || o->nb_vms > 0 ||
			o->nb_patterns > 0;
	return dopt_eal_args(o, argv[0], eal_argc - 1, argv + 1);
}

void
daemon_options_free(struct daemon_opts *o)
{
	unsigned int i;

	for (i = 0; i < o->nb_strs; i++)
		free(o->strs[i]);
	free(o->strs);
	free(o->vms);
	free(o->patterns);
	free(o->eal_argv);
	free(o->eal_conf);
	if (o->have_cpus)
		cpu_list_free(&o->cpus);
	memset(o, 0, sizeof(*o));
}
