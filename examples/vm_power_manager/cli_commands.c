/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_common.h>

#include "channel_monitor.h"
#include "cli_commands.h"
#include "cli_jobs.h"
#include "cli_syntax.h"
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

/* Part of the answer, to the session's output. */
static void __rte_format_printf(1, 2)
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(cur->out, fmt, ap);
	va_end(ap);
}

/* The command failed with @ret (a negative errno); the answer said why. */
static void
failed(int ret)
{
	if (ret < 0 && cur->ret == 0)
		cur->ret = ret;
}

/* Run @fn on the loop and print what it wrote. @return its ret. */
static int
ask_loop(monitor_fn fn, struct cli_job *j)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	j->out = open_memstream(&text, &len);
	if (j->out == NULL) {
		say("error: out of memory\n");
		failed(-ENOMEM);
		return -ENOMEM;
	}
	ret = monitor_call(cli.mon, fn, j);
	fclose(j->out);
	if (ret < 0)
		say("the daemon is shutting down\n");
	else if (len > 0)
		say("%s", text);
	free(text);
	ret = ret < 0 ? ret : j->ret;
	failed(ret);
	return ret;
}

/* Commands: they run on the thread of the input that read them. */

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

/* The domains libvirt has whose names are close to @name. */
static void
say_near_domains(const char *name)
{
	char **names = NULL, near[512];
	int n = virt_adapter_list_names(cli.va, &names), i;

	if (n < 0)
		return;
	if (n == 0)
		say("libvirt has no domains at %s\n", virt_adapter_uri(cli.va));
	else if (cli_suggest(name, (const char *const *)names, (size_t)n,
			near, sizeof(near)) > 0)
		say("did you mean %s?\n", near);
	else if (n <= 8) {
		say("libvirt has:");
		for (i = 0; i < n; i++)
			say(" %s", names[i] != NULL ? names[i] : "?");
		say("\n");
	} else {
		say("libvirt has %d domains, none named like it\n", n);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
cmd_vm_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cli_job j = { .vm = r->a };
	struct virt_vm snap;
	int ret;

	(void)cl;
	if (data == (void *)cli_job_rm_vm || data == (void *)cli_job_show_vm) {
		ask_loop((monitor_fn)data, &j);
		return;
	}
	ret = cli.va == NULL ? -ENOTCONN :
		virt_adapter_get_vm(cli.va, r->a, &snap);
	if (ret < 0) {
		say("cannot add VM %s: %s\n", r->a, virt_error(ret));
		if (ret == -ENOENT)
			say_near_domains(r->a);
		failed(ret);
		return;
	}
	j.snap = &snap;
	ask_loop(cli_job_add_vm, &j);
	virt_vm_free(&snap);
}

static void
cmd_list_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cli_job j = { .vm = NULL };

	(void)parsed;
	(void)cl;
	(void)data;
	ask_loop(cli_job_show_vm, &j);
}

static void
cmd_host_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cli_job j = { .vm = NULL };

	(void)parsed;
	(void)cl;
	(void)data;
	ask_loop(cli_job_list_host_channels, &j);
}

static void
cmd_channels_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cli_job j = { .vm = r->a, .list = r->b, .enabled = -1 };

	(void)cl;
	if (data != NULL)
		j.enabled = strcmp(r->c, "enabled") == 0;
	ask_loop(cli_job_channels, &j);
}

static void
cmd_policy_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct cli_job j = { .vm = r->a, .vcpu = -1 };

	(void)cl;
	if (data == (void *)cli_job_set_query)
		j.enabled = strcmp(r->b, "enable") == 0;
	else if (data != NULL)
		j.vcpu = r->n;
	ask_loop(data == (void *)cli_job_set_query ? cli_job_set_query :
		cli_job_clear_policy, &j);
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
	if (ask_loop(cli_job_vm_vcpus, &j) < 0)
		return;
	if (r->n >= j.nb_vcpus) {
		say("VM %s has %u vCPUs: no vCPU %u\n", r->a, j.nb_vcpus,
			r->n);
		failed(-ERANGE);
		return;
	}
	nb_host = cli.va == NULL ? -ENOTCONN : virt_adapter_host_cpus(cli.va);
	if (nb_host <= 0) {
		say("cannot pin: %s\n", virt_error(nb_host));
		failed(nb_host < 0 ? nb_host : -EIO);
		return;
	}
	if (cpu_list_parse(&cpus, r->b, (unsigned int)nb_host - 1, err,
			sizeof(err)) < 0) {
		say("bad CPU list: %s (the host has CPUs 0-%d, as libvirt "
			"reports them)\n", err, nb_host - 1);
		failed(-EINVAL);
		return;
	}
	j.cpus = &cpus;
	if (ask_loop(cli_job_check_pcpus, &j) < 0) {
		say("cannot pin vCPU %u of VM %s to %s: its requests would "
			"get NACK\n", r->n, r->a, r->b);
		cpu_list_free(&cpus);
		return;
	}
	ret = virt_adapter_pin(cli.va, r->a, r->n, &cpus);
	cpu_list_free(&cpus);
	if (ret < 0) {
		say("cannot pin vCPU %u of VM %s: %s\n", r->n, r->a,
			virt_error(ret));
		failed(ret);
		return;
	}
	ret = virt_adapter_get_vm(cli.va, r->a, &snap);
	if (ret == 0) {
		j.snap = &snap;
		ask_loop(cli_job_update_vm, &j);
		virt_vm_free(&snap);
	}
	say("VM %s: vCPU %u pinned to %s\n", r->a, r->n, r->b);
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
		say("bad core list: %s (cores 0-%u)\n", err, nb - 1);
		failed(-EINVAL);
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
	ask_loop(cli_job_show_cores, &j);
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
	for (i = 0; i < RTE_DIM(cli_ops); i++)
		if (strcmp(r->b, cli_ops[i]) == 0)
			j.op = (int)i;
	if (parse_cores(r->a, &cpus) < 0)
		return;
	/* Written at the end of the loop's pass: show it after. */
	if (ask_loop(cli_job_set_cores, &j) == 0)
		ask_loop(cli_job_show_cores, &j);
	cpu_list_free(&cpus);
}

static void
cmd_help_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;

	(void)cl;
	failed(cli_syntax_help(cur->out, data != NULL ? r->a : NULL));
}

static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	(void)parsed;
	(void)cl;
	(void)data;
	cur->quit = 1;
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
TOK_CMD(t_list_host, "list_host_channels");
TOK_CMD(t_add_ch, "add_channels");
TOK_CMD(t_set_ch, "set_channel_status");
TOK_CMD(t_set_pcpu, "set_pcpu");
TOK_CMD(t_show_freq, "show_cpu_freq");
TOK_CMD(t_show_freq_mask, "show_cpu_freq_mask");
TOK_CMD(t_set_freq, "set_cpu_freq");
TOK_CMD(t_set_freq_mask, "set_cpu_freq_mask");
TOK_CMD(t_set_query, "set_query");
TOK_CMD(t_clear_policy, "clear_policy");
TOK_CMD(t_help, "help");
TOK_CMD(t_quit, "quit");
TOK_A(t_any_a, NULL);
TOK_B(t_any_b, NULL);
TOK_B(t_unit, "up#down#min#max#enable_turbo#disable_turbo#auto");
TOK_C(t_status, "enabled#disabled");
TOK_B(t_query, "enable#disable");
static cmdline_parse_token_num_t t_vcpu =
	TOKEN_NUM_INITIALIZER(struct cmd_res, n, RTE_UINT32);

/* help_str is the command's name until cli_commands_init() fills it in
 * from cli_syntax's table, the one description of every command. */
#define INST(name, fn, data_, cmd, ...) \
	static cmdline_parse_inst_t name = { \
		.f = fn, .data = (void *)(data_), .help_str = cmd, \
		.tokens = { __VA_ARGS__, NULL }, \
	}

INST(c_add_vm, cmd_vm_parsed, NULL, "add_vm",
	(void *)&t_add_vm, (void *)&t_any_a);
INST(c_rm_vm, cmd_vm_parsed, cli_job_rm_vm, "rm_vm",
	(void *)&t_rm_vm, (void *)&t_any_a);
INST(c_show_vm, cmd_vm_parsed, cli_job_show_vm, "show_vm",
	(void *)&t_show_vm, (void *)&t_any_a);
INST(c_list_vms, cmd_list_parsed, NULL, "list_vms", (void *)&t_list_vms);
INST(c_list_host, cmd_host_parsed, NULL, "list_host_channels",
	(void *)&t_list_host);
INST(c_add_ch, cmd_channels_parsed, NULL, "add_channels",
	(void *)&t_add_ch, (void *)&t_any_a, (void *)&t_any_b);
INST(c_set_ch, cmd_channels_parsed, (void *)1, "set_channel_status",
	(void *)&t_set_ch, (void *)&t_any_a, (void *)&t_any_b, (void *)&t_status);
INST(c_set_pcpu, cmd_set_pcpu_parsed, NULL, "set_pcpu",
	(void *)&t_set_pcpu, (void *)&t_any_a, (void *)&t_vcpu, (void *)&t_any_b);
INST(c_show_freq, cmd_show_freq_parsed, NULL, "show_cpu_freq",
	(void *)&t_show_freq, (void *)&t_any_a);
INST(c_show_freq_mask, cmd_show_freq_parsed, NULL, "show_cpu_freq_mask",
	(void *)&t_show_freq_mask, (void *)&t_any_a);
INST(c_set_freq, cmd_set_freq_parsed, NULL, "set_cpu_freq",
	(void *)&t_set_freq, (void *)&t_any_a, (void *)&t_unit);
INST(c_set_freq_mask, cmd_set_freq_parsed, NULL, "set_cpu_freq_mask",
	(void *)&t_set_freq_mask, (void *)&t_any_a, (void *)&t_unit);
INST(c_set_query, cmd_policy_parsed, cli_job_set_query, "set_query",
	(void *)&t_set_query, (void *)&t_any_a, (void *)&t_query);
INST(c_clear_policy, cmd_policy_parsed, NULL, "clear_policy",
	(void *)&t_clear_policy, (void *)&t_any_a);
INST(c_clear_policy_vcpu, cmd_policy_parsed, (void *)1, "clear_policy",
	(void *)&t_clear_policy, (void *)&t_any_a, (void *)&t_vcpu);
INST(c_help, cmd_help_parsed, NULL, "help", (void *)&t_help);
INST(c_help_cmd, cmd_help_parsed, (void *)1, "help",
	(void *)&t_help, (void *)&t_any_a);
INST(c_quit, cmd_quit_parsed, NULL, "quit", (void *)&t_quit);

static cmdline_parse_ctx_t commands[] = {
	&c_add_vm, &c_rm_vm, &c_show_vm, &c_list_vms, &c_list_host,
	&c_add_ch, &c_set_ch,
	&c_set_pcpu, &c_show_freq, &c_show_freq_mask, &c_set_freq,
	&c_set_freq_mask, &c_set_query, &c_clear_policy, &c_clear_policy_vcpu,
	&c_help, &c_help_cmd, &c_quit, NULL,
};

void
cli_commands_init(struct monitor *mon, struct virt_adapter *va)
{
	unsigned int i;

	cli.mon = mon;
	cli.va = va;
	for (i = 0; commands[i] != NULL; i++) {
		const char *brief = cli_syntax_brief(commands[i]->help_str);

		if (brief != NULL)
			commands[i]->help_str = brief;
	}
}

struct cmdline *
cli_commands_new(int in_fd, int out_fd)
{
	return cmdline_new(commands, "", in_fd, out_fd);
}

int
cli_commands_run(struct cmdline *cl, struct cli_session *s, const char *line)
{
	const char *p = line;
	int ret;

	cur = s;
	s->ret = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	/* Empty lines and comments: nothing to do (scripts have them). */
	if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
		return 0;
	ret = cmdline_parse(cl, line);
	/* The length parsed, or a negative CMDLINE_PARSE_* code. */
	if (ret < 0) {
		ret = cli_syntax_explain(s->out, line);
		s->ret = ret < 0 ? ret : -EINVAL;
	}
	fflush(s->out);
	return s->ret;
}
