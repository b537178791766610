/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_GUEST_CLI_RIG_H
#define VMP_TEST_GUEST_CLI_RIG_H

/*
 * A rig for running the built guest_cli ($GUEST_CLI) end to end: ptys
 * stand in for its virtio ports (test_port.h), linked as <prefix>.<lcore>
 * in one directory, and a fake host thread per port answers as the
 * vmpower host does, list queries included, about one VM:
 *
 *   vCPU 0: 2400000 kHz, turbo 1, priority 0
 *   vCPU 1: 1800000 kHz, turbo 0, priority 1
 *   vCPU 2: 1200000 kHz, turbo 1, priority 0
 *   available: RIG_FREQS frequencies, rig_avail_khz(0..10)
 *
 * The CLI's stdin is a pipe (or a file, or a terminal), its stdout a pipe
 * the test reads line by line, its stderr a file shown on failure.
 * Helpers return TEST_SUCCESS or TEST_FAILED, having said why.
 */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "test_port.h"

#define RIG_MAX_PORTS	4
#define RIG_VCPUS	3
#define RIG_FREQS	11

enum rig_mode {
	RIG_ANSWER,	/* as the vmpower host */
	RIG_NACK,	/* refuse every request */
	RIG_SILENT,	/* read, never answer */
	RIG_GARBLE,	/* lists with a bad count, pages that disagree */
};

struct fake_host {
	struct test_port port;
	pthread_t thread;
	int running;
	atomic_int stop;
	atomic_int mode;		/* enum rig_mode */
	atomic_uint connects;
	atomic_uint requests;		/* all but CONNECT */
	atomic_uint units[8];		/* CPU_POWER requests by unit */
	pthread_mutex_t lock;
	struct vmp_proto_packet last;	/* last request but CONNECT */
};

struct cli_proc {
	pid_t pid;
	int in, out;			/* our ends of its stdin, stdout */
	int tty;			/* in == out: a pty master */
	char prefix[64];		/* EAL --file-prefix */
	unsigned int lineno;		/* lines sent */
	char buf[16384];		/* output not yet taken */
	size_t len;
};

struct rig {
	struct fake_host host[RIG_MAX_PORTS];
	unsigned int lcore[RIG_MAX_PORTS];
	unsigned int nb;
	char prefix[PATH_MAX];		/* --channel-path */
	char errlog[PATH_MAX];		/* the CLI's stderr */
	struct cli_proc cli;
};

/* Frequency @i of the available list, in kHz. */
uint32_t rig_avail_khz(uint32_t i);

/* Make ports for @lcores (ending with -1), run @body, clean up. */
int rig_run(int (*body)(struct rig *), const int *lcores);

/* One more port, for channel @lcore, and its host. */
int rig_add_port(struct rig *r, unsigned int lcore);
/* The host of channel @lcore, or NULL. */
struct fake_host *rig_host(struct rig *r, unsigned int lcore);
/* Stop a host: its port stays, unread. */
void rig_host_stop(struct fake_host *h);
/* The last request the host read. */
struct vmp_proto_packet rig_host_last(struct fake_host *h);

/*
 * Start guest_cli with -l 0 and the usual EAL options, then the
 * blank-separated words of the format (start with "--" for the CLI's
 * own options). Its stdin is a pipe, or the file @script, or with @tty
 * a terminal (which is its stdout too).
 */
int rig_start(struct rig *r, const char *script, int tty,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Write @cmd and a newline to its stdin. @return 0 or -errno. */
int rig_send(struct rig *r, const char *cmd);
/* The next output line must be @want (@what names it on failure). */
int rig_expect_line(struct rig *r, const char *what, const char *want);
/* Send @cmd; the next output line must be @want. */
int rig_expect(struct rig *r, const char *cmd, const char *want);
/* Take output until it holds @text (a terminal's, echo and all). */
int rig_expect_text(struct rig *r, const char *text);

/*
 * Close its stdin (not a terminal's) and wait for the exit; the output
 * left unread must be @rest (NULL: not checked, nor on a terminal).
 * @return its exit code, or -1.
 */
int rig_finish(struct rig *r, const char *rest);

/* Whether the stderr of its last run holds @text. */
int rig_errlog_has(const struct rig *r, const char *text);

#define RIG_EXPECT(r, cmd, want) TEST_RUN(rig_expect(r, cmd, want))
#define RIG_MORE(r, want) TEST_RUN(rig_expect_line(r, "(more)", want))

#endif /* VMP_TEST_GUEST_CLI_RIG_H */
