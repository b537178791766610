/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "vmp_dpdk_compat.h"

#include "channel_manager.h"
#include "channel_monitor.h"
#include "power_manager.h"
#include "power_telemetry.h"

/* Telemetry callbacks have no user pointer: the one monitor served. */
static struct monitor *tel_mon;

struct tel_job {
	const char *params;
	struct rte_tel_data *d;
	int ret;
};

static int
ask(monitor_fn fn, const char *params, struct rte_tel_data *d)
{
	struct tel_job j = { .params = params, .d = d };
	int ret = monitor_call(tel_mon, fn, &j);

	return ret < 0 ? ret : j.ret;
}

static void
job_vms(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct chmgr *m = monitor_chmgr(mon);
	uint32_t i;

	rte_tel_data_start_array(j->d, RTE_TEL_STRING_VAL);
	for (i = 0; i < chmgr_nb_vms(m); i++)
		rte_tel_data_add_array_string(j->d, chmgr_vm_at(m, i)->name);
	j->ret = 0;
}

static struct rte_tel_data *
channel_dict(const struct vm_channel *ch)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return NULL;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_uint(c, "index", ch->index);
	rte_tel_data_add_dict_string(c, "path", ch->path);
	rte_tel_data_add_dict_string(c, "status", ch->fd < 0 ?
		"disconnected" : ch->enabled ? "enabled" : "disabled");
	rte_tel_data_add_dict_uint(c, "requests", ch->stats.requests);
	rte_tel_data_add_dict_uint(c, "acks", ch->stats.acks);
	rte_tel_data_add_dict_uint(c, "nacks", ch->stats.nacks);
	rte_tel_data_add_dict_uint(c, "errors", ch->stats.errors);
	return c;
}

static void
job_vm(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), j->params);
	struct rte_tel_data *pins;
	char buf[RTE_TEL_MAX_STRING_LEN];
	uint32_t i;

	j->ret = -ENOENT;
	if (vm == NULL)
		return;
	pins = rte_tel_data_alloc();
	if (pins == NULL) {
		j->ret = -ENOMEM;
		return;
	}
	rte_tel_data_start_dict(j->d);
	rte_tel_data_add_dict_string(j->d, "name", vm->name);
	rte_tel_data_add_dict_string(j->d, "state",
		vm->running ? "running" : "not running");
	rte_tel_data_add_dict_uint(j->d, "vcpus", vm->nb_vcpus);
	rte_tel_data_start_array(pins, RTE_TEL_STRING_VAL);
	for (i = 0; i < vm->nb_vcpus; i++) {
		if (cpu_list_format(&vm->pcpus[i], buf, sizeof(buf)) < 0)
			strcpy(buf, "(too long)");
		rte_tel_data_add_array_string(pins, buf);
	}
	rte_tel_data_add_dict_container(j->d, "pcpus", pins, 0);
	/* Telemetry nests one level only: a dict per channel, by name. */
	for (i = 0; i < vm->nb_channels; i++) {
		struct rte_tel_data *c = channel_dict(vm->channels[i]);

		snprintf(buf, sizeof(buf), "channel%u",
			vm->channels[i]->index);
		if (c != NULL)
			rte_tel_data_add_dict_container(j->d, buf, c, 0);
	}
	j->ret = 0;
}

static void
job_cores(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct power_mgr *pm = monitor_power(mon);
	struct power_mgr_core_info info;
	char key[16];
	unsigned int c;

	rte_tel_data_start_dict(j->d);
	for (c = 0; pm != NULL && c < power_mgr_nb_cpus(pm); c++) {
		if (power_mgr_core_info(pm, c, &info) < 0 ||
				info.state != POWER_MGR_CORE_READY)
			continue;
		snprintf(key, sizeof(key), "%u", c);
		rte_tel_data_add_dict_uint(j->d, key, info.cur_khz);
	}
	j->ret = 0;
}

/* "vm0/1" for a vCPU's vote, "cli" for the manual setting. */
static void
requester_name(struct chmgr *m, uint64_t req, char *buf, size_t len)
{
	uint32_t i, id = (uint32_t)(req >> 32);

	if (req == POWER_MGR_CLI) {
		snprintf(buf, len, "cli");
		return;
	}
	for (i = 0; i < chmgr_nb_vms(m); i++)
		if (chmgr_vm_at(m, i)->id == id) {
			snprintf(buf, len, "%s/%u", chmgr_vm_at(m, i)->name,
				(uint32_t)req);
			return;
		}
	snprintf(buf, len, "vm#%u/%u", id, (uint32_t)req);
}

static void
job_core(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct power_mgr *pm = monitor_power(mon);
	struct power_mgr_core_info info;
	struct power_mgr_vote *votes = NULL;
	struct rte_tel_data *v;
	uint32_t *khz = NULL;
	char name[RTE_TEL_MAX_STRING_LEN];
	unsigned int cpu = (unsigned int)strtoul(j->params, NULL, 10);
	int n, i;

	j->ret = -ENODEV;
	if (pm == NULL || power_mgr_core_info(pm, cpu, &info) < 0)
		return;
	rte_tel_data_start_dict(j->d);
	rte_tel_data_add_dict_uint(j->d, "cpu", cpu);
	rte_tel_data_add_dict_string(j->d, "state",
		power_mgr_core_state_str(info.state));
	j->ret = 0;
	if (info.state != POWER_MGR_CORE_READY)
		return;
	rte_tel_data_add_dict_string(j->d, "control", info.controlled ?
		"controlled" : "free");
	rte_tel_data_add_dict_uint(j->d, "khz", info.cur_khz);
	rte_tel_data_add_dict_uint(j->d, "writes", info.changes);
	rte_tel_data_add_dict_int(j->d, "manual_index", info.manual_idx);
	n = power_mgr_votes(pm, cpu, NULL, 0);
	v = rte_tel_data_alloc();
	votes = calloc(n > 0 ? (size_t)n : 1, sizeof(*votes));
	khz = calloc(info.nb_freqs ? info.nb_freqs : 1, sizeof(*khz));
	if (v != NULL && votes != NULL && khz != NULL) {
		n = power_mgr_votes(pm, cpu, votes, (unsigned int)n);
		power_mgr_freqs(pm, cpu, khz, info.nb_freqs);
		rte_tel_data_start_dict(v);
		for (i = 0; i < n && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
			requester_name(monitor_chmgr(mon), votes[i].requester,
				name, sizeof(name));
			rte_tel_data_add_dict_uint(v, name,
				votes[i].idx < info.nb_freqs ?
				khz[votes[i].idx] : 0);
		}
		rte_tel_data_add_dict_container(j->d, "votes", v, 0);
	} else {
		rte_tel_data_free(v);
	}
	free(votes);
	free(khz);
}

static void
job_stats(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct monitor_stats st;

	monitor_get_stats(mon, &st);
	rte_tel_data_start_dict(j->d);
	rte_tel_data_add_dict_uint(j->d, "packets", st.packets);
	rte_tel_data_add_dict_uint(j->d, "requests", st.requests);
	rte_tel_data_add_dict_uint(j->d, "queries", st.queries);
	rte_tel_data_add_dict_uint(j->d, "acks", st.acks);
	rte_tel_data_add_dict_uint(j->d, "nacks", st.nacks);
	rte_tel_data_add_dict_uint(j->d, "rejected", st.rejected);
	rte_tel_data_add_dict_uint(j->d, "limited", st.limited);
	rte_tel_data_add_dict_uint(j->d, "writes", st.writes);
	rte_tel_data_add_dict_uint(j->d, "coalesced", st.coalesced);
	rte_tel_data_add_dict_uint(j->d, "dropped_replies", st.dropped);
	rte_tel_data_add_dict_uint(j->d, "errors", st.errors);
	j->ret = 0;
}

static int
tel_vms(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return ask(job_vms, params, d);
}

static int
tel_vm(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	return ask(job_vm, params, d);
}

static int
tel_cores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return ask(job_cores, params, d);
}

static int
tel_core(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params == NULL || params[0] < '0' || params[0] > '9')
		return -EINVAL;
	return ask(job_core, params, d);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return ask(job_stats, params, d);
}

int
power_telemetry_init(struct monitor *mon)
{
	tel_mon = mon;
	if (rte_telemetry_register_cmd("/vmpower/vms", tel_vms,
			"The VMs served. No parameters") < 0 ||
			rte_telemetry_register_cmd("/vmpower/vm", tel_vm,
			"A VM's state, pinning and channels. Parameter: name")
			< 0 ||
			rte_telemetry_register_cmd("/vmpower/cores", tel_cores,
			"Frequency (kHz) of every controlled core. No "
			"parameters") < 0 ||
			rte_telemetry_register_cmd("/vmpower/core", tel_core,
			"A core's frequency, writes and votes. Parameter: "
			"cpu") < 0 ||
			rte_telemetry_register_cmd("/vmpower/stats", tel_stats,
			"Daemon-wide request counters. No parameters") < 0)
		return -EINVAL;
	return 0;
}
