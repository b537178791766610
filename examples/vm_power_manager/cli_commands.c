/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_common.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "cli_commands.h"
#include "libvirt_adapter.h"
#include "power_manager.h"

/* What every command may use; set once before any input starts. */
static struct {
	struct monitor *mon;
	struct virt_adapter *va;
} cli;

/*
 * The session of the line being run on this thread: cmdline callbacks
 * have no user pointer, and each input runs its lines on its own thread.
 */
static _Thread_local struct cli_session *cur;

/* An answer line to the session's output. */
static void __rte_format_printf(1, 2)
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(cur->out, fmt, ap);
	va_end(ap);
	fflush(cur->out);
}

/* What a command asks of the loop, and what the loop answers. */
struct cli_job {
	const char *vm;
	const char *list;
	const struct virt_vm *snap;
	const struct cpu_list *cpus;
	int op;			/* enum power_mgr_op, or -1: release */
	int enabled;
	uint32_t nb_vcpus;
	FILE *out;		/* the answer, in words */
	int ret;
};

static const char * const ops[] = {
	[POWER_MGR_UP] = "up", [POWER_MGR_DOWN] = "down",
	[POWER_MGR_MIN] = "min", [POWER_MGR_MAX] = "max",
	[POWER_MGR_TURBO_ON] = "enable_turbo",
	[POWER_MGR_TURBO_OFF] = "disable_turbo",
};

/* Run @fn on the loop and print what it wrote. */
static int
ask_loop(monitor_fn fn, struct cli_job *j)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	j->out = open_memstream(&text, &len);
	if (j->out == NULL)
		return -ENOMEM;
	ret = monitor_call(cli.mon, fn, j);
	fclose(j->out);
	if (ret < 0)
		say("the daemon is shutting down\n");
	else if (len > 0)
		say("%s", text);
	free(text);
	return ret < 0 ? ret : j->ret;
}

/* Jobs: they run on the loop and may use the daemon's state. */

static void
job_add_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;

	j->ret = chmgr_add_vm(monitor_chmgr(mon), j->snap);
	if (j->ret == -EEXIST)
		fprintf(j->out, "VM %s is already added\n", j->vm);
	else if (j->ret < 0)
		fprintf(j->out, "cannot add VM %s: %s\n", j->vm,
			strerror(-j->ret));
	else
		fprintf(j->out, "VM %s added: %u vCPUs, %u channels in its "
			"XML\n", j->vm, j->snap->nb_vcpus,
			j->snap->nb_channels);
}

static void
job_rm_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;

	j->ret = chmgr_rm_vm(monitor_chmgr(mon), j->vm);
	fprintf(j->out, j->ret < 0 ? "VM %s is not added\n" :
		"VM %s removed\n", j->vm);
}

static void
job_update_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;

	j->ret = chmgr_update_vm(monitor_chmgr(mon), j->snap);
}

static void
job_vm_vcpus(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), j->vm);

	j->ret = vm == NULL ? -ENOENT : 0;
	j->nb_vcpus = vm == NULL ? 0 : vm->nb_vcpus;
	if (vm == NULL)
		fprintf(j->out, "VM %s is not added (add_vm %s first)\n",
			j->vm, j->vm);
}

static void
print_vm(FILE *out, const struct vm *vm, int detail)
{
	uint32_t i, up = 0;
	char cpus[256];

	for (i = 0; i < vm->nb_channels; i++)
		up += vm->channels[i]->fd >= 0;
	fprintf(out, "VM %s: %s, %u vCPUs, %u/%u channels connected\n",
		vm->name, vm->running ? "running" : "not running",
		vm->nb_vcpus, up, vm->nb_channels);
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

static void
job_show_vm(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct chmgr *m = monitor_chmgr(mon);
	uint32_t i;

	if (j->vm == NULL) {
		for (i = 0; i < chmgr_nb_vms(m); i++)
			print_vm(j->out, chmgr_vm_at(m, i), 0);
		if (chmgr_nb_vms(m) == 0)
			fprintf(j->out, "no VMs added\n");
		j->ret = 0;
		return;
	}
	if (chmgr_find_vm(m, j->vm) == NULL) {
		fprintf(j->out, "VM %s is not added\n", j->vm);
		j->ret = -ENOENT;
		return;
	}
	print_vm(j->out, chmgr_find_vm(m, j->vm), 1);
	j->ret = 0;
}

static void
job_channels(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	char err[512] = "";

	if (j->enabled < 0)
		j->ret = chmgr_add_channels(monitor_chmgr(mon), j->vm, j->list,
			err, sizeof(err));
	else
		j->ret = chmgr_set_channel_status(monitor_chmgr(mon), j->vm,
			j->list, j->enabled, err, sizeof(err));
	if (j->ret < 0)
		fprintf(j->out, "error: %s\n", err);
	else if (j->enabled < 0)
		fprintf(j->out, "VM %s: %d channels connected\n", j->vm,
			j->ret);
	else
		fprintf(j->out, "VM %s: %d channels %s\n", j->vm, j->ret,
			j->enabled ? "enabled" : "disabled");
}

static void
job_show_cores(struct monitor *mon, void *arg)
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

static void
job_set_cores(struct monitor *mon, void *arg)
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
		if (j->ret < 0)
			fprintf(j->out, "error: %s refused: %s\n", ops[j->op],
				strerror(-j->ret));
		return;
	}
	j->ret = 0;
	for (c = cpu_list_next(j->cpus, 0); c >= 0;
			c = cpu_list_next(j->cpus, (unsigned int)c + 1))
		if (power_mgr_release(pm, POWER_MGR_CLI, (unsigned int)c) < 0)
			j->ret = -ENODEV;
}

/* Commands: they run on the CLI thread. */

struct cmd_res {
	cmdline_fixed_string_t cmd;
	cmdline_fixed_string_t a;
	cmdline_fixed_string_t b;
	cmdline_fixed_string_t c;
	uint32_t n;
};

/* User words for what the libvirt adapter returned. */
static const char *
virt_error(int ret)
{
	switch (ret) {
	case -ENOENT: return "no such domain in libvirt";
	case -ENOTCONN: return "libvirt is not reachable";
	case -EPERM: return "libvirt refused it (see the log)";
	case -ERANGE: return "CPU list does not fit the host";
	default: return strerror(-ret);
	}
}

static void
cmd_vm_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cli_job j = { .vm = r->a };
	struct virt_vm snap;
	int ret;

	(void)cl;
	if (data == (void *)job_rm_vm || data == (void *)job_show_vm) {
		ask_loop((monitor_fn)data, &j);
		return;
	}
	ret = cli.va == NULL ? -ENOTCONN :
		virt_adapter_get_vm(cli.va, r->a, &snap);
	if (ret < 0) {
		say("cannot add VM %s: %s\n", r->a,
			virt_error(ret));
		return;
	}
	j.snap = &snap;
	ask_loop(job_add_vm, &j);
	virt_vm_free(&snap);
}

static void
cmd_list_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cli_job j = { .vm = NULL };

	(void)parsed;
	(void)cl;
	(void)data;
	ask_loop(job_show_vm, &j);
}

static void
cmd_channels_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cli_job j = { .vm = r->a, .list = r->b, .enabled = -1 };

	(void)cl;
	if (data != NULL)
		j.enabled = strcmp(r->c, "enabled") == 0;
	ask_loop(job_channels, &j);
}

static void
cmd_set_pcpu_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cli_job j = { .vm = r->a };
	struct cpu_list cpus = { 0 };
	struct virt_vm snap;
	char err[128];
	int ret, nb_host;

	(void)cl;
	(void)data;
	if (ask_loop(job_vm_vcpus, &j) < 0)
		return;
	if (r->n >= j.nb_vcpus) {
		say("VM %s has %u vCPUs: no vCPU %u\n",
			r->a, j.nb_vcpus, r->n);
		return;
	}
	nb_host = cli.va == NULL ? -ENOTCONN : virt_adapter_host_cpus(cli.va);
	if (nb_host <= 0) {
		say("cannot pin: %s\n", virt_error(nb_host));
		return;
	}
	if (cpu_list_parse(&cpus, r->b, (unsigned int)nb_host - 1, err,
			sizeof(err)) < 0) {
		say("bad CPU list: %s\n", err);
		return;
	}
	ret = virt_adapter_pin(cli.va, r->a, r->n, &cpus);
	cpu_list_free(&cpus);
	if (ret < 0) {
		say("cannot pin vCPU %u of VM %s: %s\n",
			r->n, r->a, virt_error(ret));
		return;
	}
	ret = virt_adapter_get_vm(cli.va, r->a, &snap);
	if (ret == 0) {
		j.snap = &snap;
		ask_loop(job_update_vm, &j);
		virt_vm_free(&snap);
	}
	say("VM %s: vCPU %u pinned to %s\n", r->a, r->n,
		r->b);
}

/* A core number or a CPU list, checked against the host's CPUs. */
static int
parse_cores(const char *text, struct cpu_list *cpus)
{
	char err[128];
	unsigned int nb = 1;
	struct power_mgr *pm = monitor_power(cli.mon);

	/* The number of CPUs never changes after start: safe to read. */
	if (pm != NULL && power_mgr_nb_cpus(pm) > 0)
		nb = power_mgr_nb_cpus(pm);
	if (cpu_list_parse(cpus, text, nb - 1, err, sizeof(err)) < 0) {
		say("bad core list: %s (cores 0-%u)\n", err,
			nb - 1);
		return -EINVAL;
	}
	return 0;
}

static void
cmd_show_freq_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cpu_list cpus = { 0 };
	struct cli_job j = { .cpus = &cpus };

	(void)cl;
	(void)data;
	if (parse_cores(r->a, &cpus) < 0)
		return;
	ask_loop(job_show_cores, &j);
	cpu_list_free(&cpus);
}

static void
cmd_set_freq_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cpu_list cpus = { 0 };
	struct cli_job j = { .cpus = &cpus, .op = -1 };
	unsigned int i;

	(void)cl;
	(void)data;
	for (i = 0; i < RTE_DIM(ops); i++)
		if (strcmp(r->b, ops[i]) == 0)
			j.op = (int)i;
	if (parse_cores(r->a, &cpus) < 0)
		return;
	/* Written at the end of the loop's pass: show it after. */
	if (ask_loop(job_set_cores, &j) == 0)
		ask_loop(job_show_cores, &j);
	cpu_list_free(&cpus);
}

static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	(void)parsed;
	(void)data;
	cur->quit = 1;
	cmdline_quit(cl);
}

#define TOK_CMD(name, word) \
	static cmdline_parse_token_string_t name = \
		TOKEN_STRING_INITIALIZER(struct cmd_res, cmd, word)
#define TOK_A(name, words) \
	static cmdline_parse_token_string_t name = \
		TOKEN_STRING_INITIALIZER(struct cmd_res, a, words)
#define TOK_B(name, words) \
	static cmdline_parse_token_string_t name = \
		TOKEN_STRING_INITIALIZER(struct cmd_res, b, words)
#define TOK_C(name, words) \
	static cmdline_parse_token_string_t name = \
		TOKEN_STRING_INITIALIZER(struct cmd_res, c, words)

TOK_CMD(t_add_vm, "add_vm");
TOK_CMD(t_rm_vm, "rm_vm");
TOK_CMD(t_show_vm, "show_vm");
TOK_CMD(t_list_vms, "list_vms");
TOK_CMD(t_add_ch, "add_channels");
TOK_CMD(t_set_ch, "set_channel_status");
TOK_CMD(t_set_pcpu, "set_pcpu");
TOK_CMD(t_show_freq, "show_cpu_freq");
TOK_CMD(t_show_freq_mask, "show_cpu_freq_mask");
TOK_CMD(t_set_freq, "set_cpu_freq");
TOK_CMD(t_set_freq_mask, "set_cpu_freq_mask");
TOK_CMD(t_quit, "quit");
TOK_A(t_any_a, NULL);
TOK_B(t_any_b, NULL);
TOK_B(t_unit, "up#down#min#max#enable_turbo#disable_turbo#auto");
TOK_C(t_status, "enabled#disabled");
static cmdline_parse_token_num_t t_vcpu =
	TOKEN_NUM_INITIALIZER(struct cmd_res, n, RTE_UINT32);

#define INST(name, fn, data_, help, ...) \
	static cmdline_parse_inst_t name = { \
		.f = fn, .data = (void *)(data_), .help_str = help, \
		.tokens = { __VA_ARGS__, NULL }, \
	}

INST(c_add_vm, cmd_vm_parsed, NULL,
	"add_vm <name>: serve the libvirt domain <name>",
	(void *)&t_add_vm, (void *)&t_any_a);
INST(c_rm_vm, cmd_vm_parsed, job_rm_vm,
	"rm_vm <name>: stop serving <name>, dropping its votes",
	(void *)&t_rm_vm, (void *)&t_any_a);
INST(c_show_vm, cmd_vm_parsed, job_show_vm,
	"show_vm <name>: state, vCPU pinning, channels and counters",
	(void *)&t_show_vm, (void *)&t_any_a);
INST(c_list_vms, cmd_list_parsed, NULL, "list_vms: the VMs served",
	(void *)&t_list_vms);
INST(c_add_ch, cmd_channels_parsed, NULL,
	"add_channels <vm> all|<list>: connect the VM's power channels",
	(void *)&t_add_ch, (void *)&t_any_a, (void *)&t_any_b);
INST(c_set_ch, cmd_channels_parsed, (void *)1,
	"set_channel_status <vm> all|<list> enabled|disabled",
	(void *)&t_set_ch, (void *)&t_any_a, (void *)&t_any_b, (void *)&t_status);
INST(c_set_pcpu, cmd_set_pcpu_parsed, NULL,
	"set_pcpu <vm> <vcpu> <cpu-list>: pin a vCPU (libvirt and model)",
	(void *)&t_set_pcpu, (void *)&t_any_a, (void *)&t_vcpu, (void *)&t_any_b);
INST(c_show_freq, cmd_show_freq_parsed, NULL,
	"show_cpu_freq <core>: a host core's frequency and votes",
	(void *)&t_show_freq, (void *)&t_any_a);
INST(c_show_freq_mask, cmd_show_freq_parsed, NULL,
	"show_cpu_freq_mask <cpu-list>: the same for a list of cores",
	(void *)&t_show_freq_mask, (void *)&t_any_a);
INST(c_set_freq, cmd_set_freq_parsed, NULL,
	"set_cpu_freq <core> up|down|min|max|enable_turbo|disable_turbo|"
	"auto: set by hand (overrides the VMs until auto)",
	(void *)&t_set_freq, (void *)&t_any_a, (void *)&t_unit);
INST(c_set_freq_mask, cmd_set_freq_parsed, NULL,
	"set_cpu_freq_mask <cpu-list> up|down|min|max|enable_turbo|"
	"disable_turbo|auto: the same for a list of cores",
	(void *)&t_set_freq_mask, (void *)&t_any_a, (void *)&t_unit);
INST(c_quit, cmd_quit_parsed, NULL, "quit: stop the daemon", (void *)&t_quit);

static cmdline_parse_ctx_t commands[] = {
	&c_add_vm, &c_rm_vm, &c_show_vm, &c_list_vms, &c_add_ch, &c_set_ch,
	&c_set_pcpu, &c_show_freq, &c_show_freq_mask, &c_set_freq,
	&c_set_freq_mask, &c_quit, NULL,
};


void
cli_commands_init(struct monitor *mon, struct virt_adapter *va)
{
	cli.mon = mon;
	cli.va = va;
}

void *
cli_commands_ctx(void)
{
	return commands;
}

struct cmdline *
cli_commands_new(int in_fd, int out_fd)
{
	return cmdline_new(commands, "", in_fd, out_fd);
}

void
cli_commands_enter(struct cli_session *s)
{
	cur = s;
}

int
cli_commands_run(struct cmdline *cl, struct cli_session *s, const char *line)
{
	int ret;

	cur = s;
	s->ret = 0;
	ret = cmdline_parse(cl, line);
	if (ret == CMDLINE_PARSE_AMBIGUOUS)
		say("Ambiguous command\n");
	else if (ret == CMDLINE_PARSE_NOMATCH)
		say("Command not found\n");
	else if (ret == CMDLINE_PARSE_BAD_ARGS)
		say("Bad arguments\n");
	if (ret < 0)
		s->ret = -EINVAL;
	return s->ret;
}
