/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * guest_cli: ask the host's power daemon, from inside a VM, to change or
 * report the frequency of this VM's vCPUs, one command a line, from a
 * terminal or from a script.
 */

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_rdline.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <vmp_guest_channel.h>

#include "guest_cli.h"

RTE_LOG_REGISTER(guest_cli_logtype, vmpower.guest_cli, INFO);

#define PROMPT		"vmpower-guest> "
/* Longest script line; cmdline words are shorter still. */
#define LINE_MAX_LEN	1024
#define TIMEOUT_MAX_MS	3600000u

struct cli_state cli = {
	.prefix = VMP_GUEST_DEFAULT_PREFIX,
	.timeout_ms = 1000,
};

struct options {
	const char *vm_name;
	int have_list;			/* --channels given */
	uint8_t want[RTE_MAX_LCORE];	/* channels to open */
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
		"  --channel-path PREFIX  the channel of lcore N is PREFIX.N\n"
		"                         (default %s)\n"
		"  --vm-name NAME         VM name carried in requests "
		"(default: none)\n"
		"  --timeout MS           how long to wait for the host to "
		"attach to a channel\n"
		"                         and to answer a request "
		"(default 1000)\n"
		"  --channels LIST        channels to open, e.g. 0,2-3 "
		"(default: one per EAL\n"
		"                         lcore); others open with "
		"channel_open\n"
		"  -h, --help             this text\n"
		"The policy 'send_policy now' sends (DPDK guest_cli's "
		"options):\n"
		"  --policy TRAFFIC|TIME|WORKLOAD|BRANCH_RATIO  (default "
		"TIME)\n"
		"  --vcpu-list LIST       this VM's vCPUs it manages, 8 at "
		"most (default 0,1)\n"
		"  --busy-hours LIST      TIME: hours at max (default 3-5)\n"
		"  --quiet-hours LIST     TIME: hours at min (default 11-13)\n"
		"  --traffic-hours LIST   TIME: hours TRAFFIC decides "
		"(default 8,10)\n"
		"  --workload HIGH|MEDIUM|LOW  WORKLOAD: max, medium, min\n"
		"  --thresholds MIN,AVG_MAX,MAX_MAX  TRAFFIC: packets/s "
		"(default\n"
		"                         96000,1800000,2000000)\n"
		"  --port-list LIST       TRAFFIC: the MACs of these ethdev "
		"ports\n"
		"  --macs MAC,...         TRAFFIC: these MACs (10 at most in "
		"all)\n"
		"Commands come from stdin, one a line: from a terminal with "
		"line editing\nand TAB completion, or from a pipe or file "
		"('#' starts a comment).\nEach answer is printed at once; "
		"'quit' or end of input leaves. Type 'help'\nfor the "
		"commands. The lcore of a command names its channel; the "
		"request\nis for the vCPU that lcore runs on.\n",
		prog, VMP_GUEST_DEFAULT_PREFIX);
}

/* --help after "--" must work where the EAL cannot start. */
static int
wants_help(int argc, char **argv)
{
	int i, app = 0;

	for (i = 1; i < argc; i++) {
		if (app && (strcmp(argv[i], "-h") == 0 ||
				strcmp(argv[i], "--help") == 0))
			return 1;
		if (strcmp(argv[i], "--") == 0)
			app = 1;
	}
	return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 &&
		*v <= max ? 0 : -EINVAL;
}

/* "0,2-3" into @want. */
static int
parse_list(const char *arg, uint8_t *want)
{
	char buf[256], *tok, *save = NULL;
	unsigned long lo, hi;
	unsigned int nb = 0;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');

		if (dash != NULL)
			*dash = '\0';
		if (parse_uint(tok, RTE_MAX_LCORE - 1, &lo) < 0 ||
				parse_uint(dash != NULL ? dash + 1 : tok,
					RTE_MAX_LCORE - 1, &hi) < 0 || hi < lo)
			return -EINVAL;
		while (lo <= hi)
			want[lo++] = 1;
		nb++;
	}
	return nb == 0 ? -EINVAL : 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "channel-path", required_argument, NULL, 'p' },
		{ "vm-name", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "channels", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		/* The policy, with DPDK guest_cli's names (policy.c). */
		{ "vcpu-list", required_argument, NULL, 'P' },
		{ "busy-hours", required_argument, NULL, 'P' },
		{ "quiet-hours", required_argument, NULL, 'P' },
		{ "traffic-hours", required_argument, NULL, 'P' },
		{ "port-list", required_argument, NULL, 'P' },
		{ "macs", required_argument, NULL, 'P' },
		{ "policy", required_argument, NULL, 'P' },
		{ "workload", required_argument, NULL, 'P' },
		{ "thresholds", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int idx = 0;
	unsigned long v;
	int opt;

	/* The EAL ran getopt first: start over. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		switch (opt) {
		case 'P':
			if (cli_policy_option(longopts[idx].name, optarg) < 0)
				return -EINVAL;
			break;
		case 'p':
			cli.prefix = optarg;
			break;
		case 'n':
			o->vm_name = optarg;
			break;
		case 't':
			if (parse_uint(optarg, TIMEOUT_MAX_MS, &v) < 0 ||
					v == 0) {
				CLI_LOG(ERR, "--timeout '%s': want 1-%u ms",
					optarg, TIMEOUT_MAX_MS);
				return -EINVAL;
			}
			cli.timeout_ms = (unsigned int)v;
			break;
		case 'c':
			if (parse_list(optarg, o->want) < 0) {
				CLI_LOG(ERR, "--channels '%s': want a list "
					"like 0,2-3 of lcores below %d",
					optarg, RTE_MAX_LCORE);
				return -EINVAL;
			}
			o->have_list = 1;
			break;
		case 'h':
			usage(argv[0]);
			exit(EXIT_SUCCESS);
		default:
			/* getopt said what is wrong. */
			return -EINVAL;
		}
	}
	if (optind < argc) {
		CLI_LOG(ERR, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Open what was asked for; a channel that fails can be retried later. */
static void
open_channels(struct options *o)
{
	unsigned int l, nb = 0, ok = 0;

	if (!o->have_list)
		RTE_LCORE_FOREACH(l)
			o->want[l] = 1;
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		if (!o->want[l])
			continue;
		nb++;
		/* The library logs why one fails. */
		if (vmp_guest_channel_open(l) == 0)
			ok++;
	}
	if (ok < nb)
		CLI_LOG(WARNING, "%u of %u channels did not open; commands "
			"for them fail until channel_open", nb - ok, nb);
}

static void
close_channels(void)
{
	unsigned int l;

	for (l = 0; l < RTE_MAX_LCORE; l++)
		if (vmp_guest_channel_is_open(l))
			vmp_guest_channel_close(l);
}

/* One line, with its end: run it, or say why it cannot run. */
static void
run_line(struct cmdline *cl, const char *line, unsigned int lineno)
{
	int ret = cmdline_parse(cl, line);

	if (ret < 0)
		cli_parse_error(ret, line, lineno);
}

static int
term_write(struct rdline *rdl __rte_unused, char c)
{
	return (int)write(STDOUT_FILENO, &c, 1);
}

static void
term_validate(struct rdline *rdl, const char *buf,
		unsigned int size __rte_unused)
{
	run_line(rdline_get_opaque(rdl), buf, 0);
	fflush(stdout);
}

static int
term_complete(struct rdline *rdl, const char *buf, char *dst,
		unsigned int size, int *state)
{
	return cmdline_complete(rdline_get_opaque(rdl), buf, state, dst, size);
}

/*
 * A terminal: DPDK's line editor (history, TAB and '?' completion) feeds
 * the same line handler as a script, so both answer alike. Not
 * cmdline_stdin_new(): its own handler prints bare "Bad arguments".
 */
static int
run_terminal(struct cmdline *cl)
{
	struct termios old, raw;
	struct rdline *rdl;
	const char *line;
	ssize_t n;
	char c;
	int ret;

	/* Keys one by one to the editor, which echoes them; ^C clears. */
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		goto no_tty;
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		goto no_tty;
	rdl = rdline_new(term_write, term_validate, term_complete, cl);
	if (rdl == NULL) {
		CLI_LOG(ERR, "cannot set up the line editor");
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		return -ENOMEM;
	}
	rdline_newline(rdl, PROMPT);
	while (!cli.quit) {
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ret = rdline_char_in(rdl, c);
		if (ret == RDLINE_RES_EOF || ret == RDLINE_RES_EXITED)
			break;
		if (ret != RDLINE_RES_VALIDATED || cli.quit)
			continue;
		line = rdline_get_buffer(rdl);
		if (line[0] != '\n')
			rdline_add_history(rdl, line);
		rdline_newline(rdl, PROMPT);
	}
	rdline_free(rdl);
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	/* End of input leaves the cursor after the prompt. */
	if (!cli.quit)
		cli_out("\n");
	return 0;
no_tty:
	ret = -errno;
	CLI_LOG(ERR, "cannot set up the terminal: %s", strerror(-ret));
	return ret;
}

/*
 * A pipe or file: whole lines, no echo or prompt, so stdout carries only
 * the answers, and a line that cannot run is named by its number.
 */
static int
run_script(struct cmdline *cl)
{
	char buf[LINE_MAX_LEN + 2], *line = NULL;
	unsigned int lineno = 0;
	size_t cap = 0, len;
	ssize_t n;

	while (!cli.quit && (n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		len = (size_t)n;
		if (len > LINE_MAX_LEN || strlen(line) != len) {
			cli_out("error: line %u: longer than %d bytes or not "
				"text\n", lineno, LINE_MAX_LEN);
			continue;
		}
		memcpy(buf, line, len);
		/* cmdline_parse() takes a line only with its end. */
		if (len == 0 || buf[len - 1] != '\n')
			buf[len++] = '\n';
		buf[len] = '\0';
		run_line(cl, buf, lineno);
	}
	free(line);
	return 0;
}

/*
 * Commands from stdin until quit or its end. @return 1 when a command of
 * a pipe or file failed, 0, or a negative errno.
 */
static int
run(void)
{
	/* Parses and completes only: no fd of its own, no prompt. */
	struct cmdline *cl = cmdline_new(cli_ctx, "", -1, -1);
	int ret;

	if (cl == NULL) {
		CLI_LOG(ERR, "cannot set up the command parser");
		return -ENOMEM;
	}
	if (isatty(STDIN_FILENO))
		ret = run_terminal(cl);
	else
		ret = run_script(cl) < 0 ? -EIO : cli.failed;
	cmdline_free(cl);
	return ret;
}

int
main(int argc, char **argv)
{
	struct vmp_guest_channel_conf conf = { 0 };
	struct options o;
	int ret;

	/* Answers go out as they come, even into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wants_help(argc, argv)) {
		usage(argv[0]);
		return EXIT_SUCCESS;
	}
	rte_set_application_usage_hook(usage);
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "cannot start the EAL: %s\n",
			rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	memset(&o, 0, sizeof(o));
	ret = parse_args(argc, argv, &o);
	if (ret == 0) {
		conf.path_prefix = cli.prefix;
		conf.vm_name = o.vm_name;
		conf.connect_timeout_ms = cli.timeout_ms;
		conf.reply_timeout_ms = cli.timeout_ms;
		/* The library says which value does not fit. */
		ret = vmp_guest_channel_configure(&conf);
	}
	if (ret < 0) {
		fprintf(stderr, "see %s -- --help\n", argv[0]);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	open_channels(&o);
	ret = run();
	close_channels();
	rte_eal_cleanup();
	/* A script learns that one of its commands failed. */
	return ret < 0 ? EXIT_FAILURE : ret > 0 ? 3 : EXIT_SUCCESS;
}
