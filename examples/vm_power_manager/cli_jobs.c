/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "channel_manager.h"
#include "cli_jobs.h"
#include "power_manager.h"

const char *const cli_ops[6] = {
	[POWER_MGR_UP] = "up", [POWER_MGR_DOWN] = "down",
	[POWER_MGR_MIN] = "min", [POWER_MGR_MAX] = "max",
	[POWER_MGR_TURBO_ON] = "enable_turbo",
	[POWER_MGR_TURBO_OFF] = "disable_turbo",
};

static const char *
plural(uint32_t n)
{
	return n == 1 ? "" : "s";
}

void
cli_job_add_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;

	j->ret = chmgr_add_vm(monitor_chmgr(mon), j->snap);
	if (j->ret == -EEXIST)
		fprintf(j->out, "VM %s is already added\n", j->vm);
	else if (j->ret == -EINVAL)
		fprintf(j->out, "cannot add VM %s: a VM name must not be "
			"empty or hold '/' or control characters\n", j->vm);
	else if (j->ret < 0)
		fprintf(j->out, "cannot add VM %s: %s\n", j->vm,
			strerror(-j->ret));
	else
		fprintf(j->out, "VM %s added: %u vCPUs, %u channels in its "
			"XML\n", j->vm, j->snap->nb_vcpus,
			j->snap->nb_channels);
}

void
cli_job_rm_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;

	j->ret = chmgr_rm_vm(monitor_chmgr(mon), j->vm);
	fprintf(j->out, j->ret < 0 ? "VM %s is not added\n" :
		"VM %s removed\n", j->vm);
}

void
cli_job_update_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;

	j->ret = chmgr_update_vm(monitor_chmgr(mon), j->snap);
}

void
cli_job_vm_vcpus(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), j->vm);

	j->ret = vm == NULL ? -ENOENT : 0;
	j->nb_vcpus = vm == NULL ? 0 : vm->nb_vcpus;
	if (vm == NULL)
		fprintf(j->out, "VM %s is not added (add_vm %s first)\n",
			j->vm, j->vm);
}

/* Declared (XML or directory), then connected, then enabled. */
static void
print_vm(FILE *out, const struct chmgr *m, const struct vm *vm, int detail)
{
	uint32_t i, up = 0, on = 0, declared;
	const char *where;
	char cpus[256];

	for (i = 0; i < vm->nb_channels; i++) {
		up += vm->channels[i]->fd >= 0;
		on += vm->channels[i]->enabled != 0;
	}
	declared = chmgr_nb_declared(m, vm, &where);
	fprintf(out, "VM %s: %s, %u vCPUs, channels: %u declared (%s), "
		"%u connected, %u enabled\n", vm->name,
		vm->running ? "running" : "not running", vm->nb_vcpus,
		declared, where, up, on);
	if (!detail)
		return;
	for (i = 0; i < vm->nb_vcpus; i++) {
		if (cpu_list_format(&vm->pcpus[i], cpus, sizeof(cpus)) < 0)
			strcpy(cpus, "(too many to show)");
		fprintf(out, "  vCPU %u -> pCPU %s\n", i, cpus);
	}
	for (i = 0; i < vm->nb_channels; i++) {
		const struct vm_channel *ch = vm->channels[i];

		fprintf(out, "  channel %u: %s, %s, %s, requests %" PRIu64
			" ack %" PRIu64 " nack %" PRIu64 " errors %" PRIu64
			"\n", ch->index, ch->path,
			ch->fd >= 0 ? "connected" : "disconnected",
			ch->enabled ? "enabled" : "disabled",
			ch->stats.requests, ch->stats.acks, ch->stats.nacks,
			ch->stats.errors);
	}
}

void
cli_job_show_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct chmgr *m = monitor_chmgr(mon);
	uint32_t i;

	j->ret = 0;
	if (j->vm == NULL) {
		for (i = 0; i < chmgr_nb_vms(m); i++) {
			print_vm(j->out, m, chmgr_vm_at(m, i), 0);
			cli_print_policies(j->out, monitor_policies(mon),
				chmgr_vm_at(m, i));
		}
		if (chmgr_nb_vms(m) == 0)
			fprintf(j->out, "no VMs added\n");
		return;
	}
	if (chmgr_find_vm(m, j->vm) == NULL) {
		fprintf(j->out, "VM %s is not added\n", j->vm);
		j->ret = -ENOENT;
		return;
	}
	print_vm(j->out, m, chmgr_find_vm(m, j->vm), 1);
	cli_print_policies(j->out, monitor_policies(mon),
		chmgr_find_vm(m, j->vm));
}

/* Each channel's outcome, under the summary (kept in memory till then). */
struct channel_report {
	FILE *lines;
	char *text;
	size_t len;
	uint32_t tried;
	uint32_t ok;
};

static void
report_channel(void *opaque, uint32_t index, int ret, int kept,
		const char *why)
{
	struct channel_report *r = opaque;

	r->tried++;
	r->ok += ret == 0;
	if (r->lines == NULL)
		return;
	if (ret == 0)
		fprintf(r->lines, "  channel %u: %s\n", index, why);
	else
		fprintf(r->lines, "  channel %u: not connected: %s%s\n", index,
			why, kept ? "; kept: it connects when the VM starts" :
			"");
}

void
cli_job_channels(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct channel_report r = { 0 };
	char err[512] = "";

	if (j->enabled >= 0) {
		j->ret = chmgr_set_channel_status(monitor_chmgr(mon), j->vm,
			j->list, j->enabled, err, sizeof(err));
		if (j->ret < 0)
			fprintf(j->out, "error: %s\n", err);
		else
			fprintf(j->out, "VM %s: %d channel%s %s\n", j->vm,
				j->ret, plural((uint32_t)j->ret),
				j->enabled ? "enabled" : "disabled");
		return;
	}
	r.lines = open_memstream(&r.text, &r.len);
	j->ret = chmgr_add_channels_report(monitor_chmgr(mon), j->vm,
		j->list, report_channel, &r, err, sizeof(err));
	if (r.lines != NULL)
		fclose(r.lines);
	if (r.tried == 0)
		fprintf(j->out, "error: %s\n", err);
	else if (j->ret >= 0)
		fprintf(j->out, "VM %s: %d channel%s connected\n", j->vm,
			j->ret, plural((uint32_t)j->ret));
	else
		fprintf(j->out, "error: VM %s: %u of %u channels connected\n",
			j->vm, r.ok, r.tried);
	if (r.text != NULL)
		fputs(r.text, j->out);
	free(r.text);
}

void
cli_job_check_pcpus(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct power_mgr *pm = monitor_power(mon);
	struct power_mgr_core_info info;
	int c;

	j->ret = 0;
	if (pm == NULL)
		return;
	for (c = cpu_list_next(j->cpus, 0); c >= 0;
			c = cpu_list_next(j->cpus, (unsigned int)c + 1)) {
		if (power_mgr_core_info(pm, (unsigned int)c, &info) < 0 ||
				info.state == POWER_MGR_CORE_NONE) {
			fprintf(j->out, "CPU %d is not in this host's sysfs "
				"(%u CPUs)\n", c, power_mgr_nb_cpus(pm));
			j->ret = -ENODEV;
		} else if (info.state == POWER_MGR_CORE_EXCLUDED) {
			fprintf(j->out, "CPU %d is outside the CPUs this "
				"daemon may touch (--cpus)\n", c);
			j->ret = -EPERM;
		}
	}
}
void
cli_job_show_cores(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct power_mgr *pm = monitor_power(mon);
	struct power_mgr_core_info info;
	int c;

	j->ret = 0;
	for (c = cpu_list_next(j->cpus, 0); c >= 0;
			c = cpu_list_next(j->cpus, (unsigned int)c + 1)) {
		if (pm == NULL ||
				power_mgr_core_info(pm, (unsigned int)c, &info) < 0) {
			fprintf(j->out, "core %d: no such CPU\n", c);
			j->ret = -ENODEV;
			continue;
		}
		if (info.state != POWER_MGR_CORE_READY) {
			fprintf(j->out, "core %d: not controllable (%s)\n", c,
				power_mgr_core_state_str(info.state));
			j->ret = -ENODEV;
			continue;
		}
		fprintf(j->out, "core %d: %u kHz, index %u of %u, votes %u",
			c, info.cur_khz, info.cur_idx, info.nb_freqs,
			info.nb_votes);
		if (info.manual_idx >= 0)
			fprintf(j->out, ", manual index %d", info.manual_idx);
		fprintf(j->out, "%s", info.turbo ? ", turbo" : "");
		if (info.nb_siblings > 1) {
			struct cpu_list sib;
			char buf[128];
			unsigned int k;

			if (cpu_list_init(&sib, info.siblings[
					info.nb_siblings - 1] + 1) == 0) {
				for (k = 0; k < info.nb_siblings; k++)
					cpu_list_add(&sib, info.siblings[k]);
				if (cpu_list_format(&sib, buf, sizeof(buf)) >= 0)
					fprintf(j->out, ", policy %s", buf);
				cpu_list_free(&sib);
			}
		}
		if (info.offline)
			fprintf(j->out, ", offline (votes kept)");
		if (info.controlled)
			fprintf(j->out, ", controlled (%s)\n", info.backend);
		else
			fprintf(j->out, ", free\n");
	}
}

void
cli_job_set_cores(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct power_mgr *pm = monitor_power(mon);
	int c;

	if (pm == NULL) {
		fprintf(j->out, "error: no frequency control on this host\n");
		j->ret = -ENODEV;
		return;
	}
	if (j->op >= 0) {
		j->ret = power_mgr_request_set(pm, POWER_MGR_CLI, j->cpus,
			(enum power_mgr_op)j->op, 0);
		if (j->ret < 0) {
			fprintf(j->out, "error: %s refused: %s\n", cli_ops[j->op],
				strerror(-j->ret));
			return;
		}
		/* Said done only once written (the setting stands, retried
		 * at the next change, as a guest's vote). */
		monitor_flush(mon);
		for (c = cpu_list_next(j->cpus, 0); c >= 0;
				c = cpu_list_next(j->cpus, (unsigned int)c + 1))
			if (power_mgr_cpu_written(pm, (unsigned int)c) ==
					-EIO) {
				fprintf(j->out, "error: core %d: the frequency "
					"could not be written (the log says "
					"why)\n", c);
				j->ret = -EIO;
			}
		return;
	}
	j->ret = 0;
	for (c = cpu_list_next(j->cpus, 0); c >= 0;
			c = cpu_list_next(j->cpus, (unsigned int)c + 1))
		if (power_mgr_release(pm, POWER_MGR_CLI, (unsigned int)c) < 0)
			j->ret = -ENODEV;
}

