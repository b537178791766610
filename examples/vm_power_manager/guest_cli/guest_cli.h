/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_GUEST_CLI_H
#define VMP_GUEST_CLI_H

/*
 * The guest CLI: main.c owns the options, EAL and the input loop;
 * commands.c owns the commands and every line they print.
 *
 * Output contract, the same from a terminal and from a script: each
 * command prints its answer on stdout as soon as it has it ("ACK",
 * "NACK", "vCPU N: ...", or one "error: ..." line); the library logs the
 * underlying reason on stderr.
 */

#include <stdio.h>

#include <cmdline_parse.h>
#include <rte_log.h>

extern int guest_cli_logtype;

#define CLI_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, guest_cli_logtype, \
		"GUEST_CLI: " fmt "\n", ##__VA_ARGS__)

/* What the commands need from the command line options. */
struct cli_state {
	const char *prefix;		/* channel path prefix */
	unsigned int timeout_ms;	/* reply timeout, for messages */
	int quit;			/* set by the quit command */
	int failed;			/* a command answered error or NACK */
};

extern struct cli_state cli;

/* The instructions, NULL-terminated, for cmdline. */
extern cmdline_parse_ctx_t cli_ctx[];

/* policy.c: an option of the policy (its name without "--"): @return 0,
 * or <0 once said. */
int cli_policy_option(const char *opt, const char *arg);
/* Send the policy; prints the answer. */
void cli_send_policy(void);

/* printf to stdout and flush: a reader of a pipe sees it at once. */
void cli_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Why cmdline_parse() failed on @line (of a script: its @lineno, else 0). */
void cli_parse_error(int ret, const char *line, unsigned int lineno);

#endif /* VMP_GUEST_CLI_H */
