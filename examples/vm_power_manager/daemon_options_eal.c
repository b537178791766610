/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * EAL's arguments for a host daemon. A DPDK application's defaults would
 * probe the host's PCI devices (NICs bound to vfio for VMs or OVS-DPDK),
 * reserve hugepages the VMs need, share the default file prefix with any
 * other DPDK primary process, and start a thread on every CPU. The daemon
 * needs none of it, so each setting the operator's EAL arguments (command
 * line, or [eal] in the file) leave alone gets a safe default:
 *
 *   devices    --no-pci (no vdev is created unless --vdev names one)
 *   memory     --no-huge -m 16
 *   runtime    --file-prefix vmpower, --no-shconf (no shared config, no
 *              multi-process socket; the telemetry socket stays)
 *   lcores     --lcores 0@(the CPUs the daemon may run on): one lcore,
 *              not pinned to one CPU, so taskset or CPUAffinity= decide
 *
 * Not --in-memory: EAL refuses it with --no-huge (it implies
 * --legacy-mem there).
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cfgfile.h>
#include <rte_config.h>

#include "daemon_options_private.h"

/* The settings an operator's EAL option may take over. */
#define G_CORES		(1u << 0)
#define G_PCI		(1u << 1)
#define G_HUGE		(1u << 2)
#define G_MEM		(1u << 3)
#define G_PREFIX	(1u << 4)
#define G_SHCONF	(1u << 5)

struct dopt_eal_entry {
	const char *key;
	const char *value;	/* NULL: "no" (the setting left out) */
};

/*
 * EAL options that take over a default, and the short ones with a long
 * name (25.11 gave -c, -m, -d... long names; -l is --lcores there).
 * Long options are recognised when written in full.
 */
static const struct eal_opt {
	const char *name;
	char letter;
	unsigned int groups;
} eal_opts[] = {
	{ "lcores", 'l', G_CORES },
	{ "coremask", 'c', G_CORES },
	{ "main-lcore", 0, G_CORES },
	{ "no-pci", 0, G_PCI },
	{ "allow", 'a', G_PCI },
	{ "block", 'b', G_PCI },
	{ "no-huge", 0, G_HUGE },
	{ "huge-dir", 0, G_HUGE },
	{ "huge-unlink", 0, G_HUGE },
	{ "socket-mem", 0, G_HUGE | G_MEM },
	{ "socket-limit", 0, G_HUGE },
	{ "in-memory", 0, G_HUGE | G_SHCONF },
	{ "legacy-mem", 0, G_HUGE },
	{ "single-file-segments", 0, G_HUGE },
	{ "match-allocations", 0, G_HUGE },
	{ "memory-size", 'm', G_MEM },
	{ "file-prefix", 0, G_PREFIX },
	{ "no-shconf", 0, G_SHCONF },
	{ "proc-type", 0, G_SHCONF },
	{ "service-corelist", 'S', 0 },
	{ "service-coremask", 's', 0 },
	{ "driver-path", 'd', 0 },
	{ "memory-channels", 'n', 0 },
	{ "memory-ranks", 'r', 0 },
};

static const struct eal_opt *
by_name(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_opts); i++)
		if (strlen(eal_opts[i].name) == len &&
				strncmp(eal_opts[i].name, name, len) == 0)
			return &eal_opts[i];
	return NULL;
}

/*
 * Whether argument @arg is EAL option @name (long, or its letter).
 * Values never start with '-', so any "-x..." argument is an option.
 */
static int
is_option(const char *arg, const char *name)
{
	const struct eal_opt *t = by_name(name, strlen(name));
	size_t len = strlen(name);

	if (arg[0] != '-')
		return 0;
	if (arg[1] == '-')
		return strncmp(arg + 2, name, len) == 0 &&
			(arg[2 + len] == '\0' || arg[2 + len] == '=');
	return t != NULL && t->letter != 0 && arg[1] == t->letter;
}

/* The settings argument @arg takes over. */
static unsigned int
groups_of(const char *arg)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_opts); i++)
		if (is_option(arg, eal_opts[i].name))
			return eal_opts[i].groups;
	return 0;
}

int
dopt_eal_key(struct daemon_opts *o, const char *key, const char *v,
		char *why, size_t len)
{
	struct dopt_eal_entry *grown;
	/* Only yes and no: 1 or 0 may be an option's argument (-l 1). */
	int b = strcmp(v, "yes") == 0 ? 1 : strcmp(v, "no") == 0 ? 0 : -1;

	if (key[0] == '-' || strlen(key) < 2) {
		snprintf(why, len, "'%s': EAL options are keys by their long "
			"name, without dashes (lcores, file-prefix...)", key);
		return -EINVAL;
	}
	grown = realloc(o->eal_conf, (o->nb_eal_conf + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	o->eal_conf = grown;
	grown[o->nb_eal_conf].key = dopt_keep(o, key);
	/* yes: a flag; no: left out, its default too; else the argument. */
	grown[o->nb_eal_conf].value = b == 0 ? NULL : dopt_keep(o,
		b == 1 ? "" : v);
	if (grown[o->nb_eal_conf].key == NULL ||
			(b != 0 && grown[o->nb_eal_conf].value == NULL))
		return -ENOMEM;
	o->nb_eal_conf++;
	return 0;
}

/* Whether the command line's EAL arguments override file entry @e. */
static int
overridden(const struct dopt_eal_entry *e, unsigned int cmd_groups,
		int argc, char **argv)
{
	const struct eal_opt *t = by_name(e->key, strlen(e->key));
	int i;

	if (t != NULL && (t->groups & cmd_groups) != 0)
		return 1;
	for (i = 0; i < argc; i++)
		if (is_option(argv[i], e->key))
			return 1;
	return 0;
}

static int
push(struct daemon_opts *o, unsigned int *cap, const char *arg)
{
	char **grown;

	if ((unsigned int)o->eal_argc + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 16;
		grown = realloc(o->eal_argv, *cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		o->eal_argv = grown;
	}
	o->eal_argv[o->eal_argc++] = (char *)(uintptr_t)arg;
	o->eal_argv[o->eal_argc] = NULL;
	return arg != NULL ? 0 : -ENOMEM;
}

/* "--lcores=0@(CPUs)": the CPUs this process may run on, that EAL
 * can name (below RTE_MAX_LCORE). NULL: none of them. */
static char *
floating_lcore(struct daemon_opts *o)
{
	struct cpu_list l = { 0 };
	char list[4096], arg[4200];
	cpu_set_t set;
	unsigned int cpu;
	int ok;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 ||
			cpu_list_init(&l, RTE_MAX_LCORE) < 0)
		return NULL;
	for (cpu = 0; cpu < RTE_MAX_LCORE && cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpu_list_add(&l, cpu);
	ok = cpu_list_count(&l) > 0 &&
		cpu_list_format(&l, list, sizeof(list)) >= 0;
	cpu_list_free(&l);
	if (!ok)
		return NULL;
	snprintf(arg, sizeof(arg), "--lcores=0@(%s)", list);
	return dopt_keep(o, arg);
}

int
dopt_eal_args(struct daemon_opts *o, const char *prog, int argc, char **argv)
{
	unsigned int cmd = 0, said, cap = 0, i;
	char buf[CFG_NAME_LEN + CFG_VALUE_LEN + 8];
	const char *lcores;
	int j, ret = push(o, &cap, prog);

	for (j = 0; j < argc; j++)
		cmd |= groups_of(argv[j]);
	said = cmd;
	for (i = 0; ret == 0 && i < o->nb_eal_conf; i++) {
		const struct dopt_eal_entry *e = &o->eal_conf[i];
		const struct eal_opt *t = by_name(e->key, strlen(e->key));

		if (overridden(e, cmd, argc, argv))
			continue;
		said |= t != NULL ? t->groups : 0;
		if (e->value == NULL)
			continue;
		snprintf(buf, sizeof(buf), "--%s%s%s", e->key,
			e->value[0] != '\0' ? "=" : "", e->value);
		ret = push(o, &cap, dopt_keep(o, buf));
	}
	for (j = 0; ret == 0 && j < argc; j++)
		ret = push(o, &cap, argv[j]);
	if (ret == 0 && !(said & G_PCI))
		ret = push(o, &cap, "--no-pci");
	if (ret == 0 && !(said & G_HUGE))
		ret = push(o, &cap, "--no-huge");
	if (ret == 0 && !(said & (G_HUGE | G_MEM)))
		ret = push(o, &cap, "-m" DAEMON_EAL_MEMORY_MB);
	if (ret == 0 && !(said & G_PREFIX))
		ret = push(o, &cap, "--file-prefix=" DAEMON_EAL_PREFIX);
	if (ret == 0 && !(said & G_SHCONF))
		ret = push(o, &cap, "--no-shconf");
	/* No CPU EAL can name: EAL's own default, and its complaint. */
	if (ret == 0 && !(said & G_CORES) &&
			(lcores = floating_lcore(o)) != NULL)
		ret = push(o, &cap, lcores);
	return ret;
}
