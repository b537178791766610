/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CONTROL_SOCKET_H
#define VMP_CONTROL_SOCKET_H

/**
 * @file
 * The control socket: the CLI's commands for a running service, from
 * vmpowerctl or any client, over a root-only AF_UNIX stream socket
 * (default <state-dir>/control, mode 0600; connections from another
 * user than root or the daemon's are refused by SO_PEERCRED).
 *
 * Protocol (one request, one answer, as many as the client wants on one
 * connection, answered in order):
 *   request: one command line, as typed in the CLI, ending in '\n', at
 *            most CONTROL_LINE_MAX bytes with it;
 *   answer:  "ok <n>\n" or "error <n>\n", then exactly n bytes: the
 *            CLI's answer text, the same words (for `quit`, "stopping").
 * A longer line is answered "error" and skipped up to its newline.
 *
 * Threads: its own (vmp-control), which accepts, reads lines and runs
 * them with cli_commands_run(), so a command calls libvirt there and
 * reaches the daemon's state through monitor_call(), exactly as the CLI
 * on stdin does. Not in the loop's epoll: commands call libvirt, which
 * may take seconds, and monitor_call() from the loop would deadlock.
 * Clients are served one line at a time in turn: a slow or silent
 * client holds no one up (reads never block; a client idle for
 * CONTROL_IDLE_S with half a line, or not reading its answers, is
 * dropped). At most CONTROL_MAX_CLIENTS at once; past it, one is
 * answered "error" and closed.
 *
 * Owns: the socket file, its thread, the clients' connections.
 * Called by: main.c.
 */

struct monitor;

#define CONTROL_LINE_MAX	1024
#define CONTROL_MAX_CLIENTS	64
#define CONTROL_IDLE_S		30

/**
 * Listen at @p path and serve clients (cli_commands_init() done). A
 * path held by a live daemon, or by something not a socket, is refused.
 * @return 0 or a negative errno (logged).
 */
int control_socket_start(struct monitor *mon, const char *path);

/** Stop serving, close every client, remove the socket file. */
void control_socket_stop(void);

#endif /* VMP_CONTROL_SOCKET_H */
