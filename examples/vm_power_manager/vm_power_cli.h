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
 * cli_commands.h's, run on this thread. Works the same from a terminal
 * and from a pipe or file; `quit` or end of input stops the daemon.
 *
 * Called by: main.c only.
 */

struct monitor;
struct virt_adapter;

/**
 * Start the CLI thread on standard input/output.
 * @return 0 or a negative errno.
 */
int vm_power_cli_start(struct monitor *mon, struct virt_adapter *va);

/** Stop the CLI thread (if it still runs) and free it. */
void vm_power_cli_stop(void);

#endif /* VMP_VM_POWER_CLI_H */
