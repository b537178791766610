/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vm_power_mgr: CPU frequency control for DPDK applications in VMs.
 *
 * Threads: the main lcore runs the channel monitor's loop, which owns all
 * state; the CLI, libvirt's event loop and DPDK telemetry have threads of
 * their own and hand their work to the loop. One lcore is enough.
 */

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "cli_commands.h"
#include "control_socket.h"
#include "daemon_options.h"
#include "host_channels.h"
#include "libvirt_adapter.h"
#include "power_manager.h"
#include "power_telemetry.h"
#include "service.h"
#include "vm_power_cli.h"
#include "vm_sync.h"

RTE_LOG_REGISTER(vmp_main_logtype, vmpower.main, INFO);

#define MAIN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_main_logtype, \
		"VM_POWER_MGR: " fmt "\n", ##__VA_ARGS__)

/* The daemon's one context. */
static struct {
	struct daemon_opts o;
	int lock_fd;
	struct power_mgr *pm;
	struct monitor *mon;
	struct virt_adapter *va;
} d = { .lock_fd = -1 };

/*
 * A fault (SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE) gives the cores back
 * as best it can, with async-signal-safe writes prepared when each was
 * taken, then dies of the same signal (core dump and exit status as if
 * unhandled). The crash records stay for the next start.
 */
static void
on_fault(int sig)
{
	power_mgr_fault_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_faults(void)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL,
		SIGFPE };
	struct sigaction sa = { .sa_handler = on_fault,
		.sa_flags = SA_RESETHAND | SA_NODEFER };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < RTE_DIM(faults); i++)
		sigaction(faults[i], &sa, NULL);
}

/* The control socket, unless --control none. */
static void
start_control(const char *state_dir)
{
	char path[PATH_MAX];

	if (d.o.control != NULL && strcmp(d.o.control, "none") == 0)
		return;
	snprintf(path, sizeof(path), "%s/control", state_dir);
	if (control_socket_start(d.mon, d.o.control != NULL ? d.o.control :
			path) < 0)
		MAIN_LOG(WARNING, "no control socket: vmpowerctl cannot reach "
			"this daemon");
}

int
main(int argc, char **argv)
{
	struct power_mgr_conf pconf = { 0 };
	struct monitor_conf mconf = { 0 };
	struct chmgr_auto serve = { 0 };
	struct host_channels_conf hconf = { 0 };
	char status[PATH_MAX + 64];
	sigset_t sigs;
	int ret;

	ret = daemon_options_parse(argc, argv, &d.o);
	if (ret != 0) {
		if (ret > 0 || ret == -EINVAL)
			daemon_options_usage(stdout, argv[0]);
		daemon_options_free(&d.o);
		return ret > 0 ? 0 : 2;
	}
	service_log_init();
	/* One daemon a host: a second one stops before EAL touches
	 * anything (a runtime directory, a device, memory). */
	d.lock_fd = power_mgr_lock_state(d.o.state_dir);
	if (d.lock_fd < 0) {
		daemon_options_free(&d.o);
		return 1;
	}
	/* Before EAL's threads exist, so that none of them takes these. */
	monitor_stop_signals(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	catch_faults();

	if (rte_eal_init(d.o.eal_argc, d.o.eal_argv) < 0) {
		fprintf(stderr, "cannot initialise EAL: %s\n",
			rte_strerror(rte_errno));
		goto fail_eal;
	}
	if (d.o.config != NULL)
		MAIN_LOG(INFO, "settings from %s", d.o.config);

	pconf.driver = d.o.driver;
	pconf.cpus = d.o.have_cpus ? &d.o.cpus : NULL;
	pconf.state_dir = d.o.state_dir;
	pconf.state_locked = 1;
	ret = power_mgr_create(&pconf, &d.pm);
	if (ret < 0) {
		MAIN_LOG(WARNING, "no CPU frequency control (%s): the daemon "
			"runs, power requests get NACK", strerror(-ret));
		d.pm = NULL;
	}
	mconf.pm = d.pm;
	mconf.channel_dir = d.o.channel_dir;
	mconf.backlog = d.o.backlog;
	mconf.rate_limit = d.o.rate_limit;
	mconf.max_pin_set = d.o.max_pin_set;
	mconf.signals = 1;
	serve.on = d.o.auto_serve;
	serve.names = (const char *const *)d.o.vms;
	serve.nb_names = d.o.nb_vms;
	serve.patterns = (const char *const *)d.o.patterns;
	serve.nb_patterns = d.o.nb_patterns;
	mconf.auto_serve = &serve;
	mconf.state_dir = pconf.state_dir;
	mconf.libvirt_uri = d.o.uri;
	mconf.traffic_period_ms = d.o.traffic_period_ms;
	mconf.branch_period_us = d.o.branch_period_us;
	mconf.branch_threshold = d.o.branch_threshold;
	mconf.branch_events = d.o.branch_events;
	hconf.dir = d.o.host_dir;
	hconf.mode = d.o.host_mode;
	hconf.group = d.o.host_group;
	hconf.fifo_dir = d.o.host_fifo_dir;
	mconf.host = &hconf;
	ret = monitor_create(&mconf, &d.mon);
	if (ret < 0) {
		power_mgr_destroy(d.pm);
		rte_eal_cleanup();
		goto fail_eal;
	}
	if (serve.on)
		MAIN_LOG(INFO, "auto-serving: every libvirt domain with power "
			"channels%s", serve.nb_names + serve.nb_patterns > 0 ?
			" among --vm and --vm-pattern" : "");
	d.va = vm_sync_start(d.mon, d.o.uri);
	if (power_telemetry_init(d.mon) < 0)
		MAIN_LOG(WARNING, "telemetry commands not registered");
	cli_commands_init(d.mon, d.va);
	if (!d.o.no_cli && vm_power_cli_start(d.mon) < 0)
		MAIN_LOG(ERR, "CLI could not start");
	start_control(pconf.state_dir);
	snprintf(status, sizeof(status),
		"channel directory %s, %u cores controllable (%s)%s%s",
		chmgr_channel_dir(monitor_chmgr(d.mon)),
		d.pm ? power_mgr_nb_ready(d.pm) : 0,
		d.pm ? power_mgr_driver(d.pm) : "none",
		monitor_host_channels(d.mon) ? ", host channels " : "",
		monitor_host_channels(d.mon) ? host_channels_path(
		monitor_host_channels(d.mon)) : "");
	MAIN_LOG(INFO, "ready: %s", status);
	service_ready(d.mon, status);

	monitor_run(d.mon);

	MAIN_LOG(INFO, "stopping: closing channels, restoring cores");
	service_stopping();
	control_socket_stop();
	vm_power_cli_stop();
	vm_sync_stop(d.va);
	monitor_destroy(d.mon);
	power_mgr_destroy(d.pm);
	rte_eal_cleanup();
	close(d.lock_fd);
	daemon_options_free(&d.o);
	/* A script's failed command shows in the exit status. */
	return vm_power_cli_failures() > 0 ? 3 : 0;
fail_eal:
	close(d.lock_fd);
	daemon_options_free(&d.o);
	return 1;
}
