/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cli_syntax.h"

/* cmdline's string tokens hold 127 bytes and a NUL. */
#define WORD_MAX	127
#define MAX_WORDS	8

enum arg_kind { ARG_WORD, ARG_NUM, ARG_CHOICE };

struct arg {
	const char *name;	/* as in the syntax: "<vm>" */
	const char *what;	/* in an error: "VM name" */
	enum arg_kind kind;
	const char *choices;	/* ARG_CHOICE: "a|b|c" */
};

struct syntax {
	const char *cmd;
	const char *help;
	struct arg args[3];
	unsigned int nb_args;
	unsigned int optional;	/* args past this one may be left out */
};

#define UNITS	"up|down|min|max|enable_turbo|disable_turbo|auto"

static const struct syntax table[] = {
	{ "add_vm", "serve the libvirt domain <name>",
		{ { "<name>", "VM name", ARG_WORD, NULL } }, 1, 1 },
	{ "rm_vm", "stop serving <name>, dropping its votes",
		{ { "<name>", "VM name", ARG_WORD, NULL } }, 1, 1 },
	{ "show_vm", "state, vCPU pinning, channels and their counters",
		{ { "<name>", "VM name", ARG_WORD, NULL } }, 1, 1 },
	{ "list_vms", "the VMs served, one line each", { { 0 } }, 0, 0 },
	{ "list_host_channels", "host processes connected to the host "
		"channel socket: pid, cgroup, cpuset, votes, counters",
		{ { 0 } }, 0, 0 },
	{ "add_channels", "connect the VM's power channels (all, or "
		"indexes like 0,2-3); those of a VM not running are kept "
		"and connect when it starts",
		{ { "<vm>", "VM name", ARG_WORD, NULL },
		  { "all|<list>", "channel list", ARG_WORD, NULL } }, 2, 2 },
	{ "set_channel_status", "a disabled channel's requests get NACK",
		{ { "<vm>", "VM name", ARG_WORD, NULL },
		  { "all|<list>", "channel list", ARG_WORD, NULL },
		  { "enabled|disabled", "status", ARG_CHOICE,
			"enabled|disabled" } }, 3, 3 },
	{ "set_pcpu", "pin a vCPU to host CPUs, in libvirt and in the "
		"daemon",
		{ { "<vm>", "VM name", ARG_WORD, NULL },
		  { "<vcpu>", "vCPU number", ARG_NUM, NULL },
		  { "<cpu-list>", "CPU list", ARG_WORD, NULL } }, 3, 3 },
	{ "show_cpu_freq", "a host core's frequency, votes and control",
		{ { "<core>", "core", ARG_WORD, NULL } }, 1, 1 },
	{ "show_cpu_freq_mask", "the same for a list of cores (1,3-5)",
		{ { "<cpu-list>", "CPU list", ARG_WORD, NULL } }, 1, 1 },
	{ "set_cpu_freq", "set a core by hand; it overrides the VMs' votes "
		"until auto",
		{ { "<core>", "core", ARG_WORD, NULL },
		  { "<unit>", "unit", ARG_CHOICE, UNITS } }, 2, 2 },
	{ "set_cpu_freq_mask", "the same for a list of cores",
		{ { "<cpu-list>", "CPU list", ARG_WORD, NULL },
		  { "<unit>", "unit", ARG_CHOICE, UNITS } }, 2, 2 },
	{ "set_query", "disable: the VM's queries get NACK (DPDK's "
		"vm_power_manager has it); enable: answered again",
		{ { "<vm>", "VM name", ARG_WORD, NULL },
		  { "enable|disable", "setting", ARG_CHOICE,
			"enable|disable" } }, 2, 2 },
	{ "clear_policy", "remove the VM's policies (PKT_POLICY), or one "
		"vCPU's, with their votes",
		{ { "<vm>", "VM name", ARG_WORD, NULL },
		  { "[<vcpu>]", "vCPU number", ARG_NUM, NULL } }, 2, 1 },
	{ "help", "the commands, or one command's syntax",
		{ { "[<command>]", "command", ARG_WORD, NULL } }, 1, 0 },
	{ "quit", "stop the daemon, giving every core back", { { 0 } }, 0,
		0 },
};

static const struct syntax *
find(const char *cmd)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(table); i++)
		if (strcmp(table[i].cmd, cmd) == 0)
			return &table[i];
	return NULL;
}

static void
usage(FILE *out, const struct syntax *s)
{
	unsigned int i;

	fprintf(out, "usage: %s", s->cmd);
	for (i = 0; i < s->nb_args; i++)
		fprintf(out, " %s", s->args[i].name);
	fprintf(out, "\n");
}

/* "cmd <a> <b>: help" for cmdline's own help; built once, kept. */
const char *
cli_syntax_brief(const char *cmd)
{
	static char briefs[RTE_DIM(table)][256];
	const struct syntax *s = find(cmd);
	char *b;
	unsigned int i;
	int n;

	if (s == NULL)
		return NULL;
	b = briefs[s - table];
	if (b[0] != '\0')
		return b;
	n = snprintf(b, sizeof(briefs[0]), "%s", s->cmd);
	for (i = 0; i < s->nb_args && n > 0 && (size_t)n < sizeof(briefs[0]);
			i++)
		n += snprintf(b + n, sizeof(briefs[0]) - (size_t)n, " %s",
			s->args[i].name);
	if (n > 0 && (size_t)n < sizeof(briefs[0]))
		snprintf(b + n, sizeof(briefs[0]) - (size_t)n, ": %s",
			s->help);
	return b;
}

/* Levenshtein distance of two short words, two rows at a time. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *prev, *row, d;

	if (la > 256 || lb > 256)
		return SIZE_MAX;
	prev = malloc(2 * (lb + 1) * sizeof(*prev));
	if (prev == NULL)
		return SIZE_MAX;
	row = prev + lb + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			d = RTE_MIN(d, prev[j] + 1);
			row[j] = RTE_MIN(d, row[j - 1] + 1);
		}
		memcpy(prev, row, (lb + 1) * sizeof(*prev));
	}
	d = prev[lb];
	free(prev);
	return d;
}

int
cli_suggest(const char *word, const char *const *names, size_t n,
		char *buf, size_t len)
{
	/* Close enough: a third of the word wrong, at least 2 edits. */
	size_t limit = RTE_MAX((size_t)2, strlen(word) / 3);
	size_t best[3] = { SIZE_MAX, SIZE_MAX, SIZE_MAX };
	const char *pick[3] = { NULL, NULL, NULL };
	size_t i, k, d;
	int nb = 0, used = 0;

	for (i = 0; i < n; i++) {
		d = distance(word, names[i]);
		/* A prefix of a name counts as close ("show" for show_vm). */
		if (strlen(word) >= 3 && strncmp(names[i], word,
				strlen(word)) == 0)
			d = RTE_MIN(d, limit);
		if (d > limit)
			continue;
		for (k = 0; k < 3; k++)
			if (d < best[k]) {
				memmove(&best[k + 1], &best[k],
					(2 - k) * sizeof(best[0]));
				memmove(&pick[k + 1], &pick[k],
					(2 - k) * sizeof(pick[0]));
				best[k] = d;
				pick[k] = names[i];
				break;
			}
	}
	buf[0] = '\0';
	for (k = 0; k < 3 && pick[k] != NULL; k++) {
		const char *sep = k == 0 ? "" :
			(k + 1 < 3 && pick[k + 1] != NULL) ? ", " : " or ";
		int w = snprintf(buf + used, len - (size_t)used, "%s%s", sep,
			pick[k]);

		if (w < 0 || (size_t)used + (size_t)w >= len)
			break;
		used += w;
		nb++;
	}
	return nb;
}

static int
unknown_command(FILE *out, const char *cmd)
{
	const char *names[RTE_DIM(table)];
	char near[256];
	unsigned int i;

	for (i = 0; i < RTE_DIM(table); i++)
		names[i] = table[i].cmd;
	fprintf(out, "unknown command '%s'", cmd);
	if (cli_suggest(cmd, names, RTE_DIM(table), near, sizeof(near)) > 0)
		fprintf(out, ": did you mean %s?", near);
	fprintf(out, " (help lists the commands)\n");
	return -ENOENT;
}

int
cli_syntax_help(FILE *out, const char *cmd)
{
	const struct syntax *s;
	unsigned int i;

	if (cmd == NULL) {
		for (i = 0; i < RTE_DIM(table); i++)
			fprintf(out, "%-19s %s\n", table[i].cmd, table[i].help);
		fprintf(out, "help <command> gives its syntax; TAB completes "
			"on a terminal\n");
		return 0;
	}
	s = find(cmd);
	if (s == NULL)
		return unknown_command(out, cmd);
	usage(out, s);
	fprintf(out, "  %s\n", s->help);
	for (i = 0; i < s->nb_args; i++)
		if (s->args[i].kind == ARG_CHOICE)
			fprintf(out, "  %s: one of %s\n", s->args[i].name,
				s->args[i].choices);
	return 0;
}

/* @w is one of "a|b|c". */
static int
is_choice(const char *w, const char *choices)
{
	size_t len = strlen(w);
	const char *p = choices;

	while (p != NULL) {
		if (strncmp(p, w, len) == 0 && (p[len] == '|' ||
				p[len] == '\0'))
			return 1;
		p = strchr(p, '|');
		p = p != NULL ? p + 1 : NULL;
	}
	return 0;
}

static int
is_number(const char *w)
{
	char *end;
	unsigned long long v;

	if (*w < '0' || *w > '9')
		return 0;
	errno = 0;
	v = strtoull(w, &end, 10);
	return *end == '\0' && errno == 0 && v <= UINT32_MAX;
}

int
cli_syntax_explain(FILE *out, const char *line)
{
	char copy[1024], *words[MAX_WORDS + 1], *save = NULL, *w;
	const struct syntax *s;
	unsigned int n = 0, i;

	snprintf(copy, sizeof(copy), "%s", line);
	copy[strcspn(copy, "#\r\n")] = '\0';
	for (w = strtok_r(copy, " \t", &save); w != NULL && n <= MAX_WORDS;
			w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	if (n == 0)
		return 0;
	s = find(words[0]);
	if (s == NULL)
		return unknown_command(out, words[0]);
	for (i = 0; i < s->nb_args; i++) {
		const struct arg *a = &s->args[i];
		const char *v = i + 1 < n ? words[i + 1] : NULL;

		if (v == NULL) {
			if (i < s->optional)
				fprintf(out, "%s: the %s is missing\n", s->cmd,
					a->what);
			else
				continue;
		} else if (strlen(v) > WORD_MAX) {
			fprintf(out, "%s: the %s is too long (%zu bytes, at "
				"most %d)\n", s->cmd, a->what, strlen(v),
				WORD_MAX);
		} else if (a->kind == ARG_NUM && !is_number(v)) {
			fprintf(out, "%s: '%s' is not a %s\n", s->cmd, v,
				a->what);
		} else if (a->kind == ARG_CHOICE && !is_choice(v, a->choices)) {
			fprintf(out, "%s: unknown %s '%s': want %s\n", s->cmd,
				a->what, v, a->choices);
		} else {
			continue;
		}
		usage(out, s);
		return -EINVAL;
	}
	if (n > s->nb_args + 1)
		fprintf(out, "%s: unexpected '%s' after the %s\n", s->cmd,
			words[s->nb_args + 1], s->nb_args > 0 ?
			s->args[s->nb_args - 1].what : "command");
	else
		fprintf(out, "%s: cannot parse this line\n", s->cmd);
	usage(out, s);
	return -EINVAL;
}
