/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_DAEMON_OPTIONS_H
#define VMP_DAEMON_OPTIONS_H

/*
 * The daemon's settings, from its command line and its configuration file
 * (INI, read with DPDK's librte_cfgfile; the command line wins), and the
 * EAL arguments it starts with: the operator's, plus a host daemon's safe
 * defaults for every EAL setting the operator left alone (no PCI probing,
 * no hugepages, its own file prefix and shared-config-free runtime, one
 * floating lcore).
 *
 * Owns: struct daemon_opts and every string in it. Called by main.c only,
 * before rte_eal_init() (nothing here needs EAL).
 */

#include <stdio.h>

#include "cpu_list.h"

struct dopt_eal_entry;

#define DAEMON_DEFAULT_CONFIG		"/etc/vmpower/vm_power_mgr.conf"
/*
 * Crash records and the one-daemon lock. Not $RUNTIME_DIRECTORY: EAL puts
 * its own files there, and systemd removes it when the service stops,
 * records of a crash included.
 */
#define DAEMON_DEFAULT_STATE_DIR	"/run/vmpower"
/* EAL's file prefix: its runtime files and telemetry socket live in
 * /var/run/dpdk/vmpower, apart from any other DPDK process's. */
#define DAEMON_EAL_PREFIX		"vmpower"
/* Megabytes of ordinary memory EAL takes instead of hugepages. */
#define DAEMON_EAL_MEMORY_MB		"16"

struct daemon_opts {
	const char *uri;		/* NULL: libvirt's default */
	const char *channel_dir;	/* NULL: the channel manager's */
	const char *driver;		/* NULL: auto */
	const char *state_dir;
	const char *config;		/* the file read, or NULL */
	const char *control;		/* control socket; NULL: default,
					 * "none": no socket */
	struct cpu_list cpus;
	int have_cpus;
	unsigned int max_pin_set;	/* 0: the monitor's default */
	unsigned int backlog;		/* 0: the monitor's default */
	int rate_limit;			/* 0: default, <0: no limit */
	unsigned int traffic_period_ms;	/* TRAFFIC policies; 0: default */
	unsigned int branch_period_us;	/* BRANCH_RATIO; 0: default */
	double branch_threshold;	/* BRANCH_RATIO, %; 0: default */
	int branch_events;		/* enum policy_branch_events */
	const char *host_dir;		/* host channels; NULL: off */
	unsigned int host_mode;		/* their socket's mode; 0: default */
	const char *host_group;		/* its group; NULL: the daemon's */
	const char *host_fifo_dir;	/* upstream's FIFOs; NULL: none */
	int no_cli;
	int service;			/* --no-cli or under systemd */
	int auto_serve;			/* serve VMs with power channels */
	char **vms;			/* --vm: only these (auto) */
	unsigned int nb_vms;
	char **patterns;		/* --vm-pattern: globs (auto) */
	unsigned int nb_patterns;
	int eal_argc;			/* for rte_eal_init() */
	char **eal_argv;
	/* private */
	char **strs;			/* every string we allocated */
	unsigned int nb_strs;
	unsigned int vm_src, pattern_src;	/* who set the lists */
	struct dopt_eal_entry *eal_conf;	/* the file's [eal] */
	unsigned int nb_eal_conf;
};

/**
 * Read the configuration file and the command line into @p o, and build
 * EAL's arguments. Errors are printed on stderr, naming the option (and
 * file:line for the configuration file).
 * @return 0; 1 when --help was asked (nothing else done); -EINVAL for a
 *   bad setting; -ENOMEM. daemon_options_free() in every case.
 */
int daemon_options_parse(int argc, char **argv, struct daemon_opts *o);

/** The daemon's --help. */
void daemon_options_usage(FILE *f, const char *prog);

void daemon_options_free(struct daemon_opts *o);

#endif /* VMP_DAEMON_OPTIONS_H */
