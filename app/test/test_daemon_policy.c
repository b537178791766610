/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Policies through the real programs: guest_cli's send_policy (DPDK's
 * options) to vm_power_mgr, show_vm, set_query, clear_policy and
 * telemetry's /vmpower/policies.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_daemon_run.h"
#include "test_virt.h"

static const char *const node_xml = daemon_vm_xml;

/* guest_cli with @policy options; it sends and quits. */
static int
send_policy(const char *port, const char *const *policy, const char *answer)
{
	const char *extra[24] = { "--channel-path", port, "--channels", "0",
		"--timeout", "3000", "--vm-name", "vm0" };
	unsigned int i, n = 8;
	struct daemon g;

	for (i = 0; policy[i] != NULL && n < RTE_DIM(extra) - 1; i++)
		extra[n++] = policy[i];
	extra[n] = NULL;
	TEST_ASSERT_EQUAL(guest_cli_start(&g, extra), 0, "");
	CMD(&g, "send_policy now", answer);
	CMD(&g, "quit", "");
	daemon_wait(&g);
	daemon_close(&g);
	return TEST_SUCCESS;
}

static int
session(void *arg)
{
	static const char *const high[] = { "--policy", "WORKLOAD",
		"--workload", "HIGH", "--vcpu-list", "0-1", NULL };
	static const char *const medium[] = { "--policy", "WORKLOAD",
		"--workload", "MEDIUM", "--vcpu-list", "1", NULL };
	static const char *const foreign[] = { "--policy", "WORKLOAD",
		"--vcpu-list", "0,5", NULL };
	static const char *const branch[] = { "--policy", "BRANCH_RATIO",
		"--vcpu-list", "0", NULL };
	/* This VM has no PMU: BRANCH_RATIO counts software events. */
	static const char *const more[] = { "--branch-events", "software",
		"--branch-period", "20000", "--branch-threshold", "50", NULL };
	const char *gextra[] = { "--channel-path", NULL, "--channels", "0",
		"--timeout", "3000", NULL };
	struct daemon_vm w;
	struct daemon *const d = &w.d;
	const char *const port = w.port;
	struct daemon g;
	char json[4096];

	(void)arg;
	TEST_RUN(daemon_vm_start(&w, node_xml, "vm0", "vm0.0", more));

	TEST_RUN(send_policy(port, high, "ACK"));
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(3), 2400000, "");
	TEST_RUN(send_policy(port, medium, "ACK"));
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), 2000000, "the middle of 5");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "vCPU 0 keeps HIGH");
	CMD(d, "show_vm vm0", "vCPU 1 policy: WORKLOAD MEDIUM: medium");
	TEST_RUN(send_policy(port, foreign, "NACK"));
	TEST_ASSERT_EQUAL(daemon_expect(d, "refused: vCPU 5: the VM has 2",
		3000), 0, "");
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/policies", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"count\":2") != NULL, "%s", json);
	TEST_ASSERT(strstr(json, "\"vm\":\"vm0\",\"vcpu\":1,\"type\":"
		"\"WORKLOAD\",\"workload\":1,\"decision\":\"medium\"") != NULL,
		"%s", json);

	/* set_query disable: the VM's queries get NACK; requests do not. */
	gextra[1] = port;
	TEST_ASSERT_EQUAL(guest_cli_start(&g, gextra), 0, "");
	CMD(d, "set_query vm0 disable", "VM vm0: queries disabled");
	CMD(&g, "query_cpu_freq 0", "NACK");
	CMD(d, "show_vm vm0", "queries: disabled");
	CMD(d, "set_query vm0 enable", "VM vm0: queries enabled");
	CMD(&g, "query_cpu_freq 0", "vCPU 0: 2400000 kHz");
	CMD(&g, "quit", "");
	daemon_wait(&g);
	daemon_close(&g);

	CMD(d, "clear_policy vm0 1", "VM vm0: 1 policy cleared");
	CMD(d, "clear_policy vm0 7", "VM vm0 has 2 vCPUs: no vCPU 7");
	CMD(d, "clear_policy vm0", "VM vm0: 1 policy cleared");
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/policies", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"count\":0") != NULL, "%s", json);
	/* BRANCH_RATIO from guest_cli: its ratio in show_vm and
	 * telemetry; the daemon's exit closes its counters. */
	TEST_RUN(send_policy(port, branch, "ACK"));
	CMD(d, "show_vm vm0", "vCPU 0 policy: BRANCH_RATIO, misses ");
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/policies", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"type\":\"BRANCH_RATIO\",\"miss_ppm\":")
		!= NULL, "%s", json);
	CMD(d, "help clear_policy", "clear_policy <vm> [<vcpu>]");
	CMD(d, "quit", "restoring cores");
	/* clear_policy of vCPU 7 failed, on purpose: exit status 3. */
	TEST_ASSERT_EQUAL(daemon_wait(d), 3, "daemon exit");
	daemon_close(d);
	TEST_ASSERT_STR(sandbox_governor(1), "powersave");
	daemon_vm_fini(&w);
	return TEST_SUCCESS;
}

static int
test_daemon_policy(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, session, NULL);
}
REGISTER_TEST(daemon_policy, test_daemon_policy);

#define STOCK_DIR	"/dev/virtio-ports"

/*
 * DPDK 22.11's own guest_cli (built from dpdk-doc's sources) sends its
 * policy as it always did: WORKLOAD LOW for vCPU 0, with its TIME lists
 * zero-filled and no MAC (no ethdev port). Its port is where it looks,
 * /dev/virtio-ports/..., a tmpfs of this test's mount namespace there.
 * It sends policies on lcore 1's channel: port .1, which is our vm0's
 * channel 0 (the VM is known by its channel, not by the index).
 */
static int
stock(void *arg)
{
	static const char *const policy[] = { "--vm-name", "vm0",
		"--vcpu-list", "0", "--policy", "WORKLOAD", NULL };
	static const char *const lcores[2] = { "-l", "0-1" };
	struct daemon_vm w;
	struct daemon *const d = &w.d;
	struct daemon g;
	char port[200];

	(void)arg;
	/* This process's mount namespace only: gone with it. */
	TEST_ASSERT_EQUAL(mount("vmp_test", STOCK_DIR, "tmpfs", 0, NULL), 0,
		"");
	TEST_RUN(daemon_vm_start(&w, node_xml, "vm0", "vm0.0", NULL));
	snprintf(port, sizeof(port), "%s.0", w.port);
	TEST_ASSERT_EQUAL(symlink(port, STOCK_DIR
		"/virtio.serial.port.poweragent.1"), 0, "");

	setenv("GUEST_CLI", getenv("STOCK_GUEST_CLI"), 1);
	TEST_ASSERT_EQUAL(guest_cli_start_lcores(&g, lcores, policy), 0, "");
	/* It waits 10 ms for the answer (DPDK's guest channel), then says
	 * "No confirmation for sent policy received": which it prints
	 * depends on the machine's load, so the daemon is asked instead. */
	CMD(&g, "send_policy now", "for sent policy received");
	TEST_ASSERT_EQUAL(daemon_expect(d, "VM vm0 channel 0: WORKLOAD "
		"policy for 1 vCPUs accepted", 5000), 0, "");
	/* Logged before the pass writes it: show_vm comes after. */
	CMD(d, "show_vm vm0", "vCPU 0 policy: WORKLOAD LOW: min");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1200000, "WORKLOAD LOW: min");
	TEST_ASSERT_STR(sandbox_governor(1), "userspace");	/* its vote */
	CMD(&g, "quit", "");
	daemon_wait(&g);
	daemon_close(&g);
	CMD(d, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(d), 0, "daemon exit");
	daemon_close(d);
	daemon_vm_fini(&w);
	return TEST_SUCCESS;
}

static int
test_daemon_stock_guest_policy(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	int made, ret;

	if (getenv("STOCK_GUEST_CLI") == NULL)
		TEST_SKIP("STOCK_GUEST_CLI: no DPDK 22.11 guest_cli built");
	/* The mount point, made here and given back whatever the child
	 * did (its tmpfs went with its namespace). */
	made = mkdir(STOCK_DIR, 0755) == 0;
	TEST_ASSERT(made || errno == EEXIST, "%s: %s", STOCK_DIR,
		strerror(errno));
	ret = sandbox_run(&shape, stock, NULL);
	if (made)
		rmdir(STOCK_DIR);
	return ret;
}
REGISTER_TEST(daemon_stock_guest_policy, test_daemon_stock_guest_policy);
