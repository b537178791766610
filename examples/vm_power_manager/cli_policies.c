/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The CLI's policy commands, as jobs on the monitor's loop (cli_jobs.h):
 * each vCPU's policy in show_vm, set_query, clear_policy.
 */

#include <errno.h>
#include <inttypes.h>

#include "channel_manager.h"
#include "cli_jobs.h"
#include "policy.h"

static const char *const workloads[] = { "HIGH", "MEDIUM", "LOW" };

void
cli_print_policies(FILE *out, struct policy_set *ps, const struct vm *vm)
{
	struct policy_info in;
	uint32_t i;

	if (vm->queries_off)
		fprintf(out, "  queries: disabled (set_query)\n");
	for (i = 0; policy_get(ps, vm, i, &in) == 0; i++) {
		fprintf(out, "  vCPU %u policy: %s", in.vcpu,
			policy_type_str(in.type));
		if (in.type == VMP_PROTO_POLICY_WORKLOAD && in.workload < 3)
			fprintf(out, " %s", workloads[in.workload]);
		if (in.type == VMP_PROTO_POLICY_TIME && in.hour >= 0)
			fprintf(out, ", hour %d", in.hour);
		if (in.type == VMP_PROTO_POLICY_BRANCH_RATIO)
			fprintf(out, ", misses %.4f %% of branches", in.ratio);
		if (in.overridden)
			fprintf(out, ": overridden by the vCPU's CPU_POWER\n");
		else
			fprintf(out, ": %s\n", policy_level_str(in.decision));
	}
}

void
cli_job_set_query(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), j->vm);

	if (vm == NULL) {
		fprintf(j->out, "VM %s is not added\n", j->vm);
		j->ret = -ENOENT;
		return;
	}
	vm->queries_off = !j->enabled;
	fprintf(j->out, "VM %s: queries %s\n", j->vm,
		j->enabled ? "enabled" : "disabled: they get NACK");
	j->ret = 0;
}

void
cli_job_clear_policy(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), j->vm);
	int n;

	if (vm == NULL) {
		fprintf(j->out, "VM %s is not added\n", j->vm);
		j->ret = -ENOENT;
		return;
	}
	if (j->vcpu >= (int64_t)vm->nb_vcpus) {
		fprintf(j->out, "VM %s has %u vCPUs: no vCPU %" PRId64 "\n",
			j->vm, vm->nb_vcpus, j->vcpu);
		j->ret = -ERANGE;
		return;
	}
	n = policy_remove(monitor_policies(mon), vm, j->vcpu);
	fprintf(j->out, "VM %s: %d polic%s cleared\n", j->vm, n,
		n == 1 ? "y" : "ies");
	j->ret = 0;
}
