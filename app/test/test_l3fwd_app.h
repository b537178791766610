/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_L3FWD_APP_H
#define VMP_TEST_L3FWD_APP_H

/*
 * Running the built l3fwd-power binary from a test: a private directory
 * for its files, its output (stdout and stderr) in <dir>/out.txt, its
 * "key=value" status lines read back, telemetry queries, and cleanup that
 * leaves no process, file or EAL runtime directory behind.
 */

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

struct l3fwd_app {
	char dir[PATH_MAX];	/* private directory */
	char out[PATH_MAX];	/* <dir>/out.txt */
	char prefix[64];	/* EAL --file-prefix */
	pid_t pid;		/* 0 when not running */
	int status;		/* wait status once it exited */
	/* In its child, just before exec (e.g. enter a container). */
	void (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

/* The binary: $L3FWD_POWER, else next to the test binary's build tree. */
const char *l3fwd_app_path(void);

/* Make the private directory. @return 0 or -errno. */
int l3fwd_app_init(struct l3fwd_app *a);

/* "<dir>/<name>" into @buf. */
const char *l3fwd_app_file(const struct l3fwd_app *a, const char *name,
		char *buf, size_t size);

/*
 * Start l3fwd-power with the common EAL options (--no-huge --no-pci -m 128
 * --no-shconf, a file prefix of its own, -l 0) and the blank-separated
 * arguments from the format (EAL ones, "--", then the application's).
 */
int l3fwd_app_start(struct l3fwd_app *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Its output so far (NUL-terminated, caller frees), or NULL. */
char *l3fwd_app_output(const struct l3fwd_app *a);

/* How many times @text appears in the output. */
int l3fwd_app_count(const struct l3fwd_app *a, const char *text);

/* Wait until the output holds @text. @return 0, -ETIMEDOUT, -ECHILD. */
int l3fwd_app_wait_text(struct l3fwd_app *a, const char *text, int ms);

/*
 * Value of @key in the last status line of "<kind>=<id>" (kind "port" or
 * "lcore"). @return 0, or -ENOENT.
 */
int l3fwd_app_stat(const struct l3fwd_app *a, const char *kind,
		unsigned int id, const char *key, int64_t *val);

/* Wait until that value is >= @min. @return 0, -ETIMEDOUT, -ECHILD. */
int l3fwd_app_wait_stat(struct l3fwd_app *a, const char *kind,
		unsigned int id, const char *key, int64_t min, int ms);

/* Ask telemetry @cmd; the JSON answer goes to @buf. @return 0 or -errno. */
int l3fwd_app_telemetry(const struct l3fwd_app *a, const char *cmd,
		char *buf, size_t size);

/*
 * Send @sig and wait up to @ms for the exit (SIGKILL after).
 * @return the exit code, or -1 if it did not exit by itself.
 */
int l3fwd_app_stop(struct l3fwd_app *a, int sig, int ms);

/* Print the output (for failures), kill a running app, remove its files. */
void l3fwd_app_cleanup(struct l3fwd_app *a, int show_output);

#endif /* VMP_TEST_L3FWD_APP_H */
