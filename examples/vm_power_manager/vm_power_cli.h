/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_VM_POWER_CLI_H
#define VMP_VM_POWER_CLI_H

/**
 * @file
 * The daemon's CLI on standard input (librte_cmdline, with completion and
 * help on a terminal).
 *
 * Owns: the input side: its thread, the terminal or the pipe it reads,
 * cutting it into lines, and when it stops. The commands themselves are
 * cli_commands.h's, run on this thread.
 *
 * A terminal gets line editing, completion and history (rdline, driven
 * here so that no lock is held while a command runs), and log lines are
 * printed above the prompt, which is drawn again with what was typed
 * (rte_log's stream goes through this component while it runs).
 * Ctrl-C, Ctrl-D on an empty line and `quit` stop the daemon. A pipe or
 * file is read line by line, with no prompt; `quit` or its end stops the
 * daemon, and its failed commands are counted for the exit status.
 *
 * Called by: main.c only.
 */

struct monitor;

/**
 * Start the CLI thread on standard input/output (cli_commands_init()
 * done). @return 0 or a negative errno.
 */
int vm_power_cli_start(struct monitor *mon);

/** Stop the CLI thread (if it still runs), give the terminal back. */
void vm_power_cli_stop(void);

/** Commands read from a pipe or file that failed (for the exit status). */
unsigned int vm_power_cli_failures(void);

#endif /* VMP_VM_POWER_CLI_H */
