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

#include "test_virt.h"

struct daemon {
	pid_t pid;
	int in;			/* its stdin */
	int out;		/* its stdout and stderr */
	char buf[65536];	/* what it said, not yet matched */
	size_t len;
	char prefix[48];	/* EAL --file-prefix: its telemetry socket */
	char state_dir[32];	/* its --state-dir (crash records, lock) */
	char chdir[48];		/* its --channel-dir when the test gave none */
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
/*
 * Unless @extra names a channel directory (--channel-dir, --config),
 * put "--channel-dir <state-dir>/channels" in @opts: a test's daemon
 * never creates or serves the host's /tmp/powermonitor.
 * @return how many options were put (0 or 2).
 */
int daemon_own_channel_dir(struct daemon *d, const char *const *extra,
	const char **opts);
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

/*
 * The daemon tests' common world: a libvirt test-driver node (@node_xml,
 * test_virt_init()), socat playing QEMU for the VM's channel @chan
 * ("vm0.0": <dir>/qemu/<chan>, guest side <dir>/port.0), and the daemon
 * on it (--libvirt-uri, --channel-dir, then @more) with VM @vm added and
 * its channels connected. What the guest CLI takes as --channel-path is
 * in @port. The daemon is the test's to stop (its exit status is part of
 * the test); daemon_vm_fini() then stops socat and removes the world.
 */
struct daemon_vm {
	struct test_virt v;
	struct daemon d;
	pid_t socat;
	char port[160];		/* <dir>/port: the guest's channel path */
};

/* The usual node: VM vm0, vCPU 0 pinned to pCPU 1 and vCPU 1 to 2-3, one
 * channel (vm0.0, virtio.serial.port.poweragent.0), 4 host CPUs. */
extern const char daemon_vm_xml[];

int daemon_vm_start(struct daemon_vm *w, const char *node_xml,
	const char *vm, const char *chan, const char *const *more);
void daemon_vm_fini(struct daemon_vm *w);

/* socat as QEMU: listen at @dir/qemu/<name>, guest port at @dir/<port>. */
pid_t test_socat_bridge(const char *dir, const char *name, const char *port);
/* One telemetry command of the daemon with EAL file prefix @prefix. */
int test_telemetry(const char *prefix, const char *cmd, char *out, size_t len);
/* Wait up to 5 s for @path to exist. */
int test_wait_file(const char *path);

#endif /* VMP_TEST_DAEMON_RUN_H */
