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
#include "libvirt_adapter.h"
#include "power_manager.h"
#include "power_telemetry.h"
#include "service.h"
#include "vm_power_cli.h"

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

struct virt_event_job {
	char *name;
	enum virt_event ev;
	struct virt_vm snap;
	int have_snap;
};

static void
apply_virt_event(struct monitor *mon, void *arg)
{
	struct virt_event_job *j = arg;

	chmgr_vm_event(monitor_chmgr(mon), j->name, j->ev,
		j->have_snap ? &j->snap : NULL);
	if (j->have_snap)
		virt_vm_free(&j->snap);
	free(j->name);
	free(j);
}

struct vm_names {
	char **v;
	uint32_t n;
};

/* On the loop: the names of the VMs served. */
static void
collect_names(struct monitor *mon, void *arg)
{
	struct chmgr *m = monitor_chmgr(mon);
	struct vm_names *names = arg;
	uint32_t i, n = chmgr_nb_vms(m);

	names->v = calloc(n ? n : 1, sizeof(*names->v));
	if (names->v == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((names->v[names->n] = strdup(chmgr_vm_at(m, i)->name)) !=
				NULL)
			names->n++;
}

static void post_virt_event(struct virt_adapter *va, const char *name,
		enum virt_event ev);

/*
 * On libvirt's thread, libvirt back after a loss: read every VM served
 * and hand each to the loop; one that is gone from libvirt is removed
 * (its votes dropped).
 */
static void
resync_all(struct virt_adapter *va)
{
	struct vm_names names = { 0 };
	uint32_t i;

	if (monitor_call(d.mon, collect_names, &names) < 0)
		return;
	MAIN_LOG(INFO, "libvirt is back: resynchronising %u VMs", names.n);
	for (i = 0; i < names.n; i++) {
		post_virt_event(va, names.v[i], VIRT_EVENT_RECONNECTED);
		free(names.v[i]);
	}
	free(names.v);
}

/*
 * On libvirt's thread: read the VM there, apply it on the loop. Through
 * @va, not d.va: the first events come before virt_adapter_create()
 * has returned.
 */
static void
on_virt_event(struct virt_adapter *va, const char *name, enum virt_event ev,
		void *opaque)
{
	(void)opaque;
	if (ev == VIRT_EVENT_RECONNECTED)
		resync_all(va);
	else
		post_virt_event(va, name, ev);
}

static void
post_virt_event(struct virt_adapter *va, const char *name,
		enum virt_event ev)
{
	struct virt_event_job *j = calloc(1, sizeof(*j));
	int ret = 0;

	if (j == NULL || (j->name = strdup(name)) == NULL) {
		free(j);
		MAIN_LOG(ERR, "VM %s: event %d lost: out of memory", name, ev);
		return;
	}
	j->ev = ev;
	if (ev != VIRT_EVENT_UNDEFINED) {
		ret = virt_adapter_get_vm(va, name, &j->snap);
		j->have_snap = ret == 0;
	}
	/* Gone from libvirt while we were away from it. */
	if (ev == VIRT_EVENT_RECONNECTED && ret == -ENOENT)
		j->ev = VIRT_EVENT_UNDEFINED;
	if (monitor_post(d.mon, apply_virt_event, j) < 0) {
		if (j->have_snap)
			virt_vm_free(&j->snap);
		free(j->name);
		free(j);
	}
}

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
	if (d.o.control == NULL)
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
	mconf.state_dir = pconf.state_dir;
	ret = monitor_create(&mconf, &d.mon);
	if (ret < 0) {
		power_mgr_destroy(d.pm);
		rte_eal_cleanup();
		goto fail_eal;
	}
	d.va = virt_adapter_create(d.o.uri, on_virt_event, NULL);
	if (d.va == NULL)
		MAIN_LOG(ERR, "libvirt adapter could not start: VMs cannot be "
			"added");
	if (power_telemetry_init(d.mon) < 0)
		MAIN_LOG(WARNING, "telemetry commands not registered");
	cli_commands_init(d.mon, d.va);
	if (!d.o.no_cli && vm_power_cli_start(d.mon) < 0)
		MAIN_LOG(ERR, "CLI could not start");
	start_control(pconf.state_dir);
	snprintf(status, sizeof(status),
		"channel directory %s, %u cores controllable (%s)",
		chmgr_channel_dir(monitor_chmgr(d.mon)),
		d.pm ? power_mgr_nb_ready(d.pm) : 0,
		d.pm ? power_mgr_driver(d.pm) : "none");
	MAIN_LOG(INFO, "ready: %s", status);
	service_ready(d.mon, status);

	monitor_run(d.mon);

	MAIN_LOG(INFO, "stopping: closing channels, restoring cores");
	service_stopping();
	control_socket_stop();
	vm_power_cli_stop();
	virt_adapter_destroy(d.va);
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
