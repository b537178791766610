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
#include "host_channels.h"
#include "power_manager.h"
#include "policy.h"
#include "power_telemetry.h"

/*
 * DPDK's JSON writer (22.11 to 25.11) takes bytes above 0x7f for control
 * characters and drops or mangles them: names are shown with those bytes,
 * control bytes and '%' percent-encoded ("d%C3%A9mo"), and looked up in
 * either form.
 */
static const char *
tel_name(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in != '\0' && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c > 0x7e || c == '%') {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* The name a percent-encoded parameter stands for. */
static void
tel_unname(const char *in, char *out, size_t len)
{
	size_t o = 0;
	unsigned int v;

	for (; *in != '\0' && o + 1 < len; in++) {
		if (in[0] == '%' && sscanf(in + 1, "%2x", &v) == 1 &&
				in[1] != '\0' && in[2] != '\0') {
			out[o++] = (char)v;
			in += 2;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

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
	char name[RTE_TEL_MAX_STRING_LEN];
	uint32_t i;

	rte_tel_data_start_array(j->d, RTE_TEL_STRING_VAL);
	for (i = 0; i < chmgr_nb_vms(m); i++)
		if (rte_tel_data_add_array_string(j->d, tel_name(
				chmgr_vm_at(m, i)->name, name,
				sizeof(name))) != 0)
			break;
	/* More VMs than an array holds: an error, never a short list. */
	j->ret = i < chmgr_nb_vms(m) ? -E2BIG : 0;
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
	struct rte_tel_data *pins;
	char buf[RTE_TEL_MAX_STRING_LEN];
	struct vm *vm;
	uint32_t i;

	tel_unname(j->params, buf, sizeof(buf));
	vm = chmgr_find_vm(monitor_chmgr(mon), buf);
	j->ret = -ENOENT;
	if (vm == NULL)
		return;
	pins = rte_tel_data_alloc();
	if (pins == NULL) {
		j->ret = -ENOMEM;
		return;
	}
	rte_tel_data_start_dict(j->d);
	rte_tel_data_add_dict_string(j->d, "name", tel_name(vm->name, buf,
		sizeof(buf)));
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

/*
 * Telemetry holds at most RTE_TEL_MAX_ARRAY_ENTRIES values an array: the
 * cores come in pages of that many, from the CPU given as parameter;
 * "next" says where the following page starts (-1: none).
 */
static void
job_cores(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct power_mgr *pm = monitor_power(mon);
	struct power_mgr_core_info info;
	struct rte_tel_data *cpus, *khz, *ctl;
	unsigned int c, n = 0, first = j->params != NULL ?
		(unsigned int)strtoul(j->params, NULL, 10) : 0;
	int next = -1;

	cpus = rte_tel_data_alloc();
	khz = rte_tel_data_alloc();
	ctl = rte_tel_data_alloc();
	j->ret = -ENOMEM;
	if (cpus == NULL || khz == NULL || ctl == NULL)
		goto fail;
	rte_tel_data_start_array(cpus, RTE_TEL_UINT_VAL);
	rte_tel_data_start_array(khz, RTE_TEL_UINT_VAL);
	rte_tel_data_start_array(ctl, RTE_TEL_UINT_VAL);
	for (c = first; pm != NULL && c < power_mgr_nb_cpus(pm); c++) {
		if (power_mgr_core_info(pm, c, &info) < 0 ||
				info.state != POWER_MGR_CORE_READY)
			continue;
		if (n == RTE_TEL_MAX_ARRAY_ENTRIES) {
			next = (int)c;
			break;
		}
		if (rte_tel_data_add_array_uint(cpus, c) < 0 ||
				rte_tel_data_add_array_uint(khz,
					info.cur_khz) < 0 ||
				rte_tel_data_add_array_uint(ctl,
					info.controlled) < 0)
			goto fail;
		n++;
	}
	rte_tel_data_start_dict(j->d);
	if (rte_tel_data_add_dict_uint(j->d, "first", first) < 0 ||
			rte_tel_data_add_dict_int(j->d, "next", next) < 0 ||
			rte_tel_data_add_dict_container(j->d, "cpus", cpus, 0) < 0)
		goto fail_dict;
	cpus = NULL;
	if (rte_tel_data_add_dict_container(j->d, "khz", khz, 0) < 0)
		goto fail_dict;
	khz = NULL;
	if (rte_tel_data_add_dict_container(j->d, "controlled", ctl, 0) < 0)
		goto fail_dict;
	j->ret = 0;
	return;
fail_dict:
	j->ret = -E2BIG;
fail:
	rte_tel_data_free(cpus);
	rte_tel_data_free(khz);
	rte_tel_data_free(ctl);
}

/* "vm0/1" for a vCPU's vote, "cli" for the manual setting. */
static void
requester_name(struct chmgr *m, uint64_t req, char *buf, size_t len)
{
	uint32_t i, id = (uint32_t)(req >> 32);
	char name[RTE_TEL_MAX_STRING_LEN];

	if (req == POWER_MGR_CLI) {
		snprintf(buf, len, "cli");
		return;
	}
	for (i = 0; i < chmgr_nb_vms(m); i++)
		if (chmgr_vm_at(m, i)->id == id) {
			snprintf(buf, len, "%s/%u", tel_name(
				chmgr_vm_at(m, i)->name, name, sizeof(name)),
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
	struct rte_tel_data *v, *vk;
	int truncated = 0;
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
	rte_tel_data_add_dict_string(j->d, "hotplug", info.offline ? "offline" :
		"online");
	rte_tel_data_add_dict_uint(j->d, "khz", info.cur_khz);
	rte_tel_data_add_dict_uint(j->d, "writes", info.changes);
	rte_tel_data_add_dict_int(j->d, "manual_index", info.manual_idx);
	/* Voters are values, not keys: any VM name libvirt takes fits. */
	n = power_mgr_votes(pm, cpu, NULL, 0);
	rte_tel_data_add_dict_int(j->d, "nb_votes", n);
	v = rte_tel_data_alloc();
	vk = rte_tel_data_alloc();
	votes = calloc(n > 0 ? (size_t)n : 1, sizeof(*votes));
	khz = calloc(info.nb_freqs ? info.nb_freqs : 1, sizeof(*khz));
	if (v == NULL || vk == NULL || votes == NULL || khz == NULL) {
		j->ret = -ENOMEM;
		rte_tel_data_free(v);
		rte_tel_data_free(vk);
		goto out;
	}
	n = power_mgr_votes(pm, cpu, votes, (unsigned int)n);
	power_mgr_freqs(pm, cpu, khz, info.nb_freqs);
	rte_tel_data_start_array(v, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(vk, RTE_TEL_UINT_VAL);
	for (i = 0; i < n && i < RTE_TEL_MAX_ARRAY_ENTRIES; i++) {
		requester_name(monitor_chmgr(mon), votes[i].requester,
			name, sizeof(name));
		if (rte_tel_data_add_array_string(v, name) != 0 ||
				rte_tel_data_add_array_uint(vk,
					votes[i].idx < info.nb_freqs ?
					khz[votes[i].idx] : 0) < 0)
			truncated = 1;
	}
	/* Never silently short: say so when not every vote is shown. */
	rte_tel_data_add_dict_int(j->d, "votes_truncated", truncated || i < n);
	if (rte_tel_data_add_dict_container(j->d, "voters", v, 0) < 0)
		rte_tel_data_free(v);
	if (rte_tel_data_add_dict_container(j->d, "vote_khz", vk, 0) < 0)
		rte_tel_data_free(vk);
out:
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
	rte_tel_data_add_dict_uint(j->d, "hotplug_events", st.hotplug);
	rte_tel_data_add_dict_uint(j->d, "hotplug_resyncs", st.resyncs);
	j->ret = 0;
}

/*
 * Policies, a dict each under "<n>" (telemetry nests one level): its VM,
 * vCPU, type, inputs and decision. Pages of 64 from the index given;
 * "next" is where the following page starts (-1: none).
 */
#define POLICY_PAGE	64

static void
job_policies(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct policy_set *ps = monitor_policies(mon);
	char key[16], name[RTE_TEL_MAX_STRING_LEN];
	struct policy_info in;
	uint32_t i, first = 0;

	if (j->params != NULL && j->params[0] != '\0')
		first = (uint32_t)strtoul(j->params, NULL, 10);
	rte_tel_data_start_dict(j->d);
	rte_tel_data_add_dict_uint(j->d, "count", policy_count(ps));
	for (i = first; i < first + POLICY_PAGE &&
			policy_get(ps, NULL, i, &in) == 0; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL) {
			j->ret = -ENOMEM;
			return;
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "vm", tel_name(in.vm->name,
			name, sizeof(name)));
		rte_tel_data_add_dict_uint(c, "vcpu", in.vcpu);
		rte_tel_data_add_dict_string(c, "type",
			policy_type_str(in.type));
		if (in.type == VMP_PROTO_POLICY_WORKLOAD)
			rte_tel_data_add_dict_uint(c, "workload", in.workload);
		if (in.type == VMP_PROTO_POLICY_TIME)
			rte_tel_data_add_dict_int(c, "hour", in.hour);
		if (in.type == VMP_PROTO_POLICY_TRAFFIC)
			rte_tel_data_add_dict_uint(c, "pps", in.pps);
		/* Telemetry has no floating point: misses per million
		 * branches (0.1 % is 1000). */
		if (in.type == VMP_PROTO_POLICY_BRANCH_RATIO)
			rte_tel_data_add_dict_uint(c, "miss_ppm",
				(uint64_t)(in.ratio * 10000.0 + 0.5));
		rte_tel_data_add_dict_string(c, "decision", in.overridden ?
			"overridden" : policy_level_str(in.decision));
		snprintf(key, sizeof(key), "%u", i);
		rte_tel_data_add_dict_container(j->d, key, c, 0);
	}
	rte_tel_data_add_dict_int(j->d, "next",
		i < policy_count(ps) ? (int)i : -1);
	j->ret = 0;
}

/* Host channel peers, a dict each under "<n>", 64 a page as policies. */
struct host_page {
	struct tel_job *j;
	uint32_t i, first;
};

static void
host_peer_dict(const struct host_channel_info *in, void *arg)
{
	struct host_page *pg = arg;
	struct rte_tel_data *c;
	char key[16], text[RTE_TEL_MAX_STRING_LEN];

	if (pg->i < pg->first || pg->i >= pg->first + POLICY_PAGE ||
			pg->j->ret < 0) {
		pg->i++;
		return;
	}
	c = rte_tel_data_alloc();
	if (c == NULL) {
		pg->j->ret = -ENOMEM;
		return;
	}
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_int(c, "pid", in->pid);
	rte_tel_data_add_dict_uint(c, "uid", in->uid);
	rte_tel_data_add_dict_string(c, "cgroup", tel_name(in->cgroup, text,
		sizeof(text)));
	rte_tel_data_add_dict_string(c, "cpuset", in->cpuset);
	rte_tel_data_add_dict_string(c, "votes", in->votes);
	rte_tel_data_add_dict_uint(c, "requests", in->requests);
	rte_tel_data_add_dict_uint(c, "acks", in->acks);
	rte_tel_data_add_dict_uint(c, "nacks", in->nacks);
	rte_tel_data_add_dict_uint(c, "refused", in->refused);
	rte_tel_data_add_dict_uint(c, "dropped", in->dropped);
	rte_tel_data_add_dict_string(c, "policies", tel_name(in->policies,
		text, sizeof(text)));
	snprintf(key, sizeof(key), "%u", pg->i++);
	rte_tel_data_add_dict_container(pg->j->d, key, c, 0);
}

static void
job_host(struct monitor *mon, void *arg)
{
	struct tel_job *j = arg;
	struct host_channels *hc = monitor_host_channels(mon);
	struct host_page pg = { .j = j };
	unsigned int n = host_channels_count(hc);

	if (j->params != NULL && j->params[0] != '\0')
		pg.first = (uint32_t)strtoul(j->params, NULL, 10);
	j->ret = 0;
	rte_tel_data_start_dict(j->d);
	rte_tel_data_add_dict_string(j->d, "path", hc != NULL ?
		host_channels_path(hc) : "");
	rte_tel_data_add_dict_uint(j->d, "count", n);
	host_channels_foreach(hc, host_peer_dict, &pg);
	rte_tel_data_add_dict_int(j->d, "next",
		pg.first + POLICY_PAGE < n ? (int)(pg.first + POLICY_PAGE) : -1);
}

static int
tel_host(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params != NULL && params[0] != '\0' &&
			strspn(params, "0123456789") != strlen(params))
		return -EINVAL;
	return ask(job_host, params, d);
}

static int
tel_policies(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params != NULL && params[0] != '\0' &&
			strspn(params, "0123456789") != strlen(params))
		return -EINVAL;
	return ask(job_policies, params, d);
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
	if (params != NULL && params[0] != '\0' &&
			strspn(params, "0123456789") != strlen(params))
		return -EINVAL;
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
			"Every controllable core: frequency (kHz), controlled "
			"or free; 512 a page. Parameter: first cpu (0)") < 0 ||
			rte_telemetry_register_cmd("/vmpower/core", tel_core,
			"A core's frequency, writes and votes. Parameter: "
			"cpu") < 0 ||
			rte_telemetry_register_cmd("/vmpower/stats", tel_stats,
			"Daemon-wide request counters. No parameters") < 0 ||
			rte_telemetry_register_cmd("/vmpower/policies",
			tel_policies, "Guests' policies: VM, vCPU, type, "
			"inputs, decision; 64 a page. Parameter: first (0)")
			< 0 ||
			rte_telemetry_register_cmd("/vmpower/host_channels",
			tel_host, "Host channel peers: pid, uid, cgroup, "
			"cpuset, votes, counters; 64 a page. Parameter: first "
			"(0)") < 0)
		return -EINVAL;
	return 0;
}
