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
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "cli_commands.h"
#include "control_socket.h"
#include "libvirt_adapter.h"
#include "power_manager.h"
#include "power_telemetry.h"
#include "service.h"
#include "vm_power_cli.h"

RTE_LOG_REGISTER(vmp_main_logtype, vmpower.main, INFO);

#define MAIN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_main_logtype, \
		"VM_POWER_MGR: " fmt "\n", ##__VA_ARGS__)

/*
 * Crash records and the one-daemon lock. Not $RUNTIME_DIRECTORY: EAL puts
 * its own files there, and systemd removes it when the service stops,
 * records of a crash included.
 */
#define DEFAULT_STATE_DIR	"/run/vmpower"

/* The daemon's one context. */
static struct {
	const char *uri;
	const char *channel_dir;
	const char *driver;
	const char *state_dir;
	const char *control;	/* control socket path, "none": no socket */
	struct cpu_list cpus;
	int have_cpus;
	unsigned int max_pin_set;
	unsigned int backlog;
	int rate_limit;
	int no_cli;
	struct power_mgr *pm;
	struct monitor *mon;
	struct virt_adapter *va;
} d;

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
		"  --libvirt-uri URI   libvirt connection (default: libvirt's "
		"own,\n"
		"                      which honours LIBVIRT_DEFAULT_URI)\n"
		"  --channel-dir DIR   where <vm>.<n> channel sockets are "
		"found\n"
		"                      (default %s)\n"
		"  --driver NAME       cpufreq driver: acpi, pstate, "
		"pstate-passive, cppc,\n"
		"                      amd, amd-epp, a scaling_driver name "
		"(intel_cpufreq...)\n"
		"                      or auto (default)\n"
		"  --cpus LIST         the only host CPUs it may ever touch "
		"(default:\n"
		"                      all); requests for others get NACK\n"
		"  --max-pin-set N     a vCPU pinned to more pCPUs than this is "
		"refused\n"
		"                      as unpinned (default %u)\n"
		"  --state-dir DIR     crash records and the one-daemon lock\n"
		"                      (default %s)\n"
		"  --backlog N         replies kept for a guest that does not "
		"read\n"
		"                      (default 64)\n"
		"  --rate-limit N      packets a second a channel may send "
		"(burst N);\n"
		"                      past it they get NACK; 0: no limit "
		"(default %d)\n"
		"  --control PATH      the control socket for vmpowerctl, "
		"or none\n"
		"                      (default <state-dir>/control)\n"
		"  --no-cli            no interactive CLI: stop on SIGINT, "
		"SIGTERM,\n"
		"                      SIGHUP or SIGQUIT\n"
		"  -h, --help          this text\n"
		"Log types: vmpower.main, .monitor, .channel_manager, "
		".libvirt, .power_manager, .hotplug\n"
		"(e.g. --log-level=vmpower.monitor:debug among EAL options).\n",
		prog, CHMGR_DEFAULT_DIR, MONITOR_DEFAULT_PIN_SET,
		DEFAULT_STATE_DIR, MONITOR_DEFAULT_RATE);
}

/* A decimal number in [min, max]: digits only, no sign, no wraparound. */
static int
parse_number(const char *text, unsigned long min, unsigned long max,
		unsigned long *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(text, &end, 10);
	if (*end != '\0' || errno != 0 || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "libvirt-uri", required_argument, NULL, 'u' },
		{ "channel-dir", required_argument, NULL, 'c' },
		{ "driver", required_argument, NULL, 'd' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "rate-limit", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "max-pin-set", required_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "no-cli", no_argument, NULL, 'n' },
		{ "control", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char why[128];
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			d.uri = optarg;
			break;
		case 'c':
			d.channel_dir = optarg;
			break;
		case 'd':
			d.driver = optarg;
			break;
		case 'b':
			if (parse_number(optarg, 1, 65536, &v) < 0) {
				fprintf(stderr, "--backlog: '%s' is not a "
					"number from 1 to 65536\n", optarg);
				return -EINVAL;
			}
			d.backlog = (unsigned int)v;
			break;
		case 'r':
			if (parse_number(optarg, 0, INT_MAX, &v) < 0) {
				fprintf(stderr, "--rate-limit: '%s' is not a "
					"number of packets a second (0 to %d)\n",
					optarg, INT_MAX);
				return -EINVAL;
			}
			/* 0 means no limit here, the default in the conf. */
			d.rate_limit = v == 0 ? -1 : (int)v;
			break;
		case 'n':
			d.no_cli = 1;
			break;
		case 'C':
			if (d.have_cpus)
				cpu_list_free(&d.cpus);
			d.have_cpus = 0;
			if (cpu_list_parse(&d.cpus, optarg, CPU_LIST_MAX_CPU,
					why, sizeof(why)) < 0) {
				fprintf(stderr, "--cpus: '%s': %s\n", optarg,
					why);
				return -EINVAL;
			}
			d.have_cpus = 1;
			break;
		case 'P':
			if (parse_number(optarg, 1, 65536, &v) < 0) {
				fprintf(stderr, "--max-pin-set: '%s' is not a "
					"number from 1 to 65536\n", optarg);
				return -EINVAL;
			}
			d.max_pin_set = (unsigned int)v;
			break;
		case 's':
			d.state_dir = optarg;
			break;
		case 'S':
			d.control = optarg;
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

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

	if (d.control != NULL && strcmp(d.control, "none") == 0)
		return;
	snprintf(path, sizeof(path), "%s", d.control != NULL ? d.control :
		"");
	if (d.control == NULL)
		snprintf(path, sizeof(path), "%s/control", state_dir);
	if (control_socket_start(d.mon, path) < 0)
		MAIN_LOG(WARNING, "no control socket: vmpowerctl cannot reach "
			"this daemon");
}

static int
wants_help(int argc, char **argv)
{
	int i, app = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			app = 1;
		else if (app && (strcmp(argv[i], "-h") == 0 ||
				strcmp(argv[i], "--help") == 0))
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct power_mgr_conf pconf = { 0 };
	struct monitor_conf mconf = { 0 };
	char status[PATH_MAX + 64];
	sigset_t sigs;
	int ret;

	if (wants_help(argc, argv)) {
		usage(argv[0]);
		return 0;
	}
	service_log_init();
	/* Before EAL's threads exist, so that none of them takes these. */
	monitor_stop_signals(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	catch_faults();

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot initialise EAL: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argv[ret] = argv[0];
	ret = parse_args(argc - ret, argv + ret);
	if (ret != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}

	pconf.driver = d.driver;
	pconf.cpus = d.have_cpus ? &d.cpus : NULL;
	pconf.state_dir = d.state_dir != NULL ? d.state_dir :
		DEFAULT_STATE_DIR;
	ret = power_mgr_create(&pconf, &d.pm);
	if (ret == -EBUSY) {
		/* Another daemon owns the host's cores: said why. */
		rte_eal_cleanup();
		return 1;
	}
	if (ret < 0) {
		MAIN_LOG(WARNING, "no CPU frequency control (%s): the daemon "
			"runs, power requests get NACK", strerror(-ret));
		d.pm = NULL;
	}
	mconf.pm = d.pm;
	mconf.channel_dir = d.channel_dir;
	mconf.backlog = d.backlog;
	mconf.rate_limit = d.rate_limit;
	mconf.max_pin_set = d.max_pin_set;
	mconf.signals = 1;
	mconf.state_dir = pconf.state_dir;
	ret = monitor_create(&mconf, &d.mon);
	if (ret < 0) {
		power_mgr_destroy(d.pm);
		rte_eal_cleanup();
		return 1;
	}
	d.va = virt_adapter_create(d.uri, on_virt_event, NULL);
	if (d.va == NULL)
		MAIN_LOG(ERR, "libvirt adapter could not start: VMs cannot be "
			"added");
	if (power_telemetry_init(d.mon) < 0)
		MAIN_LOG(WARNING, "telemetry commands not registered");
	cli_commands_init(d.mon, d.va);
	if (!d.no_cli && vm_power_cli_start(d.mon) < 0)
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
	if (d.have_cpus)
		cpu_list_free(&d.cpus);
	rte_eal_cleanup();
	/* A script's failed command shows in the exit status. */
	return vm_power_cli_failures() > 0 ? 3 : 0;
}
