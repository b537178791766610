/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_SERVICE_H
#define VMP_SERVICE_H

/*
 * The daemon as a systemd service (Type=notify), through libsystemd:
 * readiness and stopping (sd_notify READY=1, STOPPING=1), the watchdog
 * (WATCHDOG=1 while the event loop answers, when the unit sets
 * WatchdogSec) and log priorities for the journal (rte_log lines get
 * "<N>" prefixes when stderr is the journal's stream). Outside systemd
 * every call is a no-op.
 *
 * Owns: the watchdog thread and the log stream. Called by main.c only.
 */

struct monitor;

/* Before anything logs: the journal's priorities on stderr. */
void service_log_init(void);

/* Everything is up: READY=1 with @status; the watchdog starts pinging
 * (each ping waits for @mon's loop, so a stuck loop gets no ping). */
void service_ready(struct monitor *mon, const char *status);

/* The daemon is stopping: STOPPING=1; the watchdog thread ends. */
void service_stopping(void);

#endif /* VMP_SERVICE_H */
