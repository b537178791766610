/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CLI_JOBS_H
#define VMP_CLI_JOBS_H

/**
 * @file
 * What the commands do on the monitor's loop: the jobs they hand it with
 * monitor_call(), which read and change the daemon's state and write the
 * answer, in words, to cli_job.out.
 *
 * Owns: nothing past a call; each job runs on the loop thread only.
 * Called by: cli_commands.c (through monitor_call()).
 */

#include <stdint.h>
#include <stdio.h>

#include "channel_monitor.h"

struct cpu_list;
struct virt_vm;

/** What a command asks of the loop, and what the loop answers. */
struct cli_job {
	const char *vm;
	const char *list;
	const struct virt_vm *snap;
	const struct cpu_list *cpus;
	int op;			/**< enum power_mgr_op, or -1: release */
	int enabled;		/**< channels: 1/0 to set, -1 to add */
	uint32_t nb_vcpus;
	int64_t vcpu;		/**< clear_policy: one vCPU, -1: all */
	FILE *out;		/**< the answer, in words */
	int ret;		/**< 0 or a negative errno */
};

/** The units of set_cpu_freq, by enum power_mgr_op. */
extern const char *const cli_ops[6];

void cli_job_add_vm(struct monitor *mon, void *arg);
void cli_job_rm_vm(struct monitor *mon, void *arg);
void cli_job_update_vm(struct monitor *mon, void *arg);
/** nb_vcpus of VM vm, or -ENOENT said. */
void cli_job_vm_vcpus(struct monitor *mon, void *arg);
/** One VM (vm), or every VM (vm NULL), with channels counted. */
void cli_job_show_vm(struct monitor *mon, void *arg);
/** add_channels (enabled -1) or set_channel_status, per channel. */
void cli_job_channels(struct monitor *mon, void *arg);
/** Whether the daemon may touch every CPU of cpus (--cpus, sysfs). */
void cli_job_check_pcpus(struct monitor *mon, void *arg);
void cli_job_show_cores(struct monitor *mon, void *arg);
void cli_job_set_cores(struct monitor *mon, void *arg);

/* cli_policies.c */
struct policy_set;
struct vm;
/** show_vm's lines for @p vm's policies and its query switch. */
void cli_print_policies(FILE *out, struct policy_set *ps,
		const struct vm *vm);
/** set_query: enabled 1 or 0 for VM vm. */
void cli_job_set_query(struct monitor *mon, void *arg);
/** clear_policy: vCPU vcpu of VM vm, or all (-1). */
void cli_job_clear_policy(struct monitor *mon, void *arg);

/* cli_host.c */
/** list_host_channels: every host channel peer. */
void cli_job_list_host_channels(struct monitor *mon, void *arg);

#endif /* VMP_CLI_JOBS_H */
