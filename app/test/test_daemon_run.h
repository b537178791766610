/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_DAEMON_RUN_H
#define VMP_TEST_DAEMON_RUN_H

/*
 * The real vm_power_mgr for tests: started with pipes on its standard
 * input and output (its CLI), its telemetry socket, and socat playing
 * QEMU between a guest port (a pty) and the daemon's channel socket.
 * Its path comes from $VM_POWER_MGR; the guest CLI's from $GUEST_CLI.
 */

#include <stddef.h>
#include <sys/types.h>

struct daemon {
	pid_t pid;
	int in;			/* its stdin */
	int out;		/* its stdout and stderr */
	char buf[65536];	/* what it said, not yet matched */
	size_t len;
	char prefix[32];	/* EAL --file-prefix: its telemetry socket */
	char state_dir[32];	/* its --state-dir (crash records, lock) */
	const char *const *env;	/* "K=V" more in its environment */
	int journal;		/* its stderr is systemd's journal stream */
	/* In its child, just before exec (e.g. enter a container). */
	void (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

/* Start vm_power_mgr with @extra options after "--" (NULL-terminated). */
int daemon_start(struct daemon *d, const char *const *extra);
/* The same with @env ("K=V", NULL-terminated) added to its environment,
 * and with @journal, $JOURNAL_STREAM naming its stderr as systemd does. */
int daemon_start_env(struct daemon *d, const char *const *env, int journal,
	const char *const *extra);
/* The same with EAL's lcores given as @lcores ({"--lcores", "0@1"}). */
int daemon_start_lcores(struct daemon *d, const char *const lcores[2],
	const char *const *extra);
/* The same for the guest CLI ($GUEST_CLI), talking to a test port. */
int guest_cli_start(struct daemon *d, const char *const *extra);
/* The same with EAL's lcores given as @lcores ({"-l", "0-1"}). */
int guest_cli_start_lcores(struct daemon *d, const char *const lcores[2],
	const char *const *extra);
/* The guest CLI with @pre_exec(@arg) run in its child before exec. */
int guest_cli_start_in(struct daemon *d, const char *const lcores[2],
	const char *const *extra, void (*pre_exec)(void *arg), void *arg);
/* Wait until the daemon has said @text; consume up to it. */
int daemon_expect(struct daemon *d, const char *text, int ms);
/* Type @cmd and wait for @answer. */
int daemon_cmd(struct daemon *d, const char *cmd, const char *answer);
/* Wait for its exit (5 s, then SIGKILL). @return exit status or -1. */
int daemon_wait(struct daemon *d);
void daemon_close(struct daemon *d);

#define CMD(d, cmd, answer) \
	TEST_ASSERT_EQUAL(daemon_cmd(d, cmd, answer), 0, "%s", cmd)

/* socat as QEMU: listen at @dir/qemu/<name>, guest port at @dir/<port>. */
pid_t test_socat_bridge(const char *dir, const char *name, const char *port);
/* One telemetry command of the daemon with EAL file prefix @prefix. */
int test_telemetry(const char *prefix, const char *cmd, char *out, size_t len);
/* Wait up to 5 s for @path to exist. */
int test_wait_file(const char *path);

#endif /* VMP_TEST_DAEMON_RUN_H */
