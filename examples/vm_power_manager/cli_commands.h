/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CLI_COMMANDS_H
#define VMP_CLI_COMMANDS_H

/**
 * @file
 * The daemon's commands: their syntax (librte_cmdline tokens), their
 * checks and answers, and the jobs they hand to the monitor's loop.
 *
 * Owns: the command set. It never touches the daemon's state itself:
 * a command runs on the thread of the input that read it, calls libvirt
 * there (slow), and reaches the state only through monitor_call(), so a
 * command never stalls packet processing and the loop stays the owner.
 *
 * Inputs (the terminal or pipe of vm_power_cli.c, the control socket)
 * each make their own struct cmdline with cli_commands_new() and run
 * whole lines with cli_commands_run(); several inputs may run commands
 * at once, each on its own thread.
 *
 * Called by: vm_power_cli.c, control_socket.c; main.c (init).
 */

#include <stdio.h>

struct cmdline;
struct monitor;
struct virt_adapter;

/** Where a command's answer goes, and what became of it. */
struct cli_session {
	FILE *out;	/**< the answer, in words */
	int ret;	/**< the last command: 0 or a negative errno */
	int quit;	/**< `quit` was run */
};

/** The daemon's state and libvirt, for every command. */
void cli_commands_init(struct monitor *mon, struct virt_adapter *va);

/**
 * A cmdline over the command set, writing to @p out_fd where cmdline
 * itself writes (completion lists on a terminal). NULL: out of memory.
 */
struct cmdline *cli_commands_new(int in_fd, int out_fd);

/**
 * Parse and run one line (with or without its newline) read by @p cl,
 * its answer to @p s->out: what was done, or what was wrong and the
 * expected syntax. Empty lines and # comments do nothing.
 * @return 0 when it ran and succeeded, or a negative errno (also in
 * s->ret; the answer says why).
 */
int cli_commands_run(struct cmdline *cl, struct cli_session *s,
		const char *line);

#endif /* VMP_CLI_COMMANDS_H */
