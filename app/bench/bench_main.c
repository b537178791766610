/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vmp_bench [--daemon PATH] [--json FILE] [--runs N] [--secs S]
 *           [--idle-secs S] [--only LIST] [--quick] [-v]
 *
 * Enters a sandboxed cpufreq tree, then measures: the machine's floor,
 * saturation throughput, coalescing, latency, scale, idle cost and the
 * guest library's send path. Every figure is the median of --runs runs.
 * The load generator runs on CPU 1 and the daemon on CPU 0 where the
 * machine has two CPUs.
 */

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <rte_common.h>

#include "bench.h"
#include "cpufreq_sandbox.h"

static const unsigned int tput_ch[NB_TPUT] = { 1, 8, 64, 1024 };
static const unsigned int scale_ch[NB_SCALE] = { 1, 100, 1000, 10000 };

#define BURST		15	/* odd: every burst ends where the last began */
#define WINDOW		15	/* in flight a channel; odd, as BURST */
#define LAT_SAMPLES	3000
#define GAP_MIN_US	50
#define GAP_MAX_US	500
#define FLOOR_FILE	SANDBOX_CPU_DIR "/bench_floor"

static struct {
	const char *daemon;
	const char *json;
	unsigned int runs;
	double secs;
	double idle_secs;
	unsigned int sections;
} opt = {
	.json = "bench.json", .runs = 3, .secs = 1.0, .idle_secs = 10,
	.sections = (1u << SEC_MAX) - 1,
};

static struct figures fig;

static void
progress(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
}

static void
pct_of(double *v, unsigned int n, struct pct *p)
{
	sort_doubles(v, n);
	p->p50 = percentile(v, n, 50);
	p->p90 = percentile(v, n, 90);
	p->p99 = percentile(v, n, 99);
	p->p999 = percentile(v, n, 99.9);
	p->max = n ? v[n - 1] : 0;
}

/* Median of each percentile over the runs; the max is the max. */
static void
pct_median(struct pct *runs, unsigned int n, struct pct *out)
{
	double v[5][64];
	unsigned int i;

	out->max = 0;
	for (i = 0; i < n && i < 64; i++) {
		v[0][i] = runs[i].p50;
		v[1][i] = runs[i].p90;
		v[2][i] = runs[i].p99;
		v[3][i] = runs[i].p999;
		if (runs[i].max > out->max)
			out->max = runs[i].max;
	}
	out->p50 = median(v[0], n);
	out->p90 = median(v[1], n);
	out->p99 = median(v[2], n);
	out->p999 = median(v[3], n);
}

/* @runs latency runs on @p: send->reply, and send->write unless NULL. */
static int
latency(struct peer *p, const char *watch, int drain_fd, struct pct *ack,
	struct pct *wr)
{
	double *a = calloc(LAT_SAMPLES, sizeof(*a));
	double *w = calloc(LAT_SAMPLES, sizeof(*w));
	struct pct ra[64], rw[64];
	unsigned int r, i, k;
	int ret = -ENOMEM;

	for (r = 0; a != NULL && w != NULL && r < opt.runs; r++) {
		ret = latency_run(p, watch, LAT_SAMPLES, GAP_MIN_US,
			GAP_MAX_US, drain_fd, a, w);
		if (ret < 0)
			break;
		pct_of(a, LAT_SAMPLES, &ra[r]);
		for (i = 0, k = 0; i < LAT_SAMPLES; i++)
			if (w[i] >= 0)
				w[k++] = w[i];
		pct_of(w, k, &rw[r]);
	}
	if (ret == 0) {
		pct_median(ra, opt.runs, ack);
		if (wr != NULL)
			pct_median(rw, opt.runs, wr);
	}
	free(a);
	free(w);
	return ret;
}

/* Throughput of the floor server with @n channels: median req/s, CPU. */
static int
floor_tput(unsigned int n, unsigned int inflight, double *rps,
	double *cpu_us)
{
	struct peer *p = calloc(n, sizeof(*p));
	struct load_conf c = { .burst = inflight, .window = 1, .warm_s = 0.2,
		.secs = opt.secs, .drain_fd = -1 };
	struct load_result res;
	double v[64], u[64];
	unsigned int r;
	int ret = -ENOMEM;

	for (r = 0; p != NULL && r < opt.runs; r++) {
		ret = floor_start(p, n, fig.daemon_cpu, FLOOR_FILE, &c.target);
		if (ret == 0)
			ret = load_run(p, n, &c, &res);
		floor_stop(p, n, c.target);
		if (ret < 0)
			break;
		v[r] = res.rps;
		u[r] = res.cpu_us_per_req;
	}
	if (ret == 0) {
		*rps = median(v, opt.runs);
		*cpu_us = median(u, opt.runs);
	}
	free(p);
	return ret;
}

static int
sec_floor(void)
{
	struct steal_sample s0, s1;
	struct peer p;
	double v[64];
	unsigned int r, i;
	pid_t pid;
	int ret;

	progress("floor: file write, echo, echo + write");
	steal_sample(&s0, 0);
	for (r = 0; r < opt.runs; r++)
		v[r] = file_write_ns(FLOOR_FILE, 200000);
	fig.file_write_ns = median(v, opt.runs);
	ret = floor_start(&p, 1, fig.daemon_cpu, NULL, &pid);
	if (ret == 0)
		ret = latency(&p, NULL, -1, &fig.echo, NULL);
	floor_stop(&p, 1, pid);
	if (ret == 0)
		ret = floor_start(&p, 1, fig.daemon_cpu, FLOOR_FILE, &pid);
	if (ret == 0)
		ret = latency(&p, FLOOR_FILE, -1, &fig.floor_ack,
			&fig.floor_write);
	floor_stop(&p, 1, pid);
	for (i = 0; ret == 0 && i < NB_TPUT; i++) {
		ret = floor_tput(tput_ch[i], WINDOW, &fig.tput[i].floor_rps,
			&fig.tput[i].floor_cpu_us);
		if (ret == 0)
			ret = floor_tput(tput_ch[i], 1,
				&fig.pingpong[i].floor_rps,
				&fig.pingpong[i].floor_cpu_us);
	}
	for (i = 0; ret == 0 && i < NB_SCALE; i++)
		ret = floor_tput(scale_ch[i], 1, &v[0],
			&fig.scale[i].floor_cpu_all);
	steal_sample(&s1, 0);
	fig.floor_steal = steal_pct(&s0, &s1);
	return ret;
}

/* Median throughput of @n peers of @w, with the daemon's own counts. */
static int
daemon_tput(struct world *w, struct peer *p, unsigned int n,
	unsigned int burst, int window, struct tput_fig *t)
{
	struct load_conf c = { .burst = burst, .window = window, .warm_s = 0.2,
		.secs = opt.secs, .target = w->pid, .drain_fd = w->out };
	struct daemon_stats a, b;
	struct load_result res;
	double rps[64], cpu[64], wr[64], co[64], nk[64];
	struct steal_sample s0, s1;
	unsigned int r;
	int ret = 0;

	steal_sample(&s0, w->pid);
	for (r = 0; ret == 0 && r < opt.runs; r++) {
		ret = world_stats(w, &a);
		if (ret == 0)
			ret = load_run(p, n, &c, &res);
		if (ret == 0)
			ret = world_stats(w, &b);
		if (ret < 0 || b.requests == a.requests)
			break;
		rps[r] = res.rps;
		cpu[r] = res.cpu_us_per_req;
		wr[r] = (double)(b.writes - a.writes) /
			(double)(b.requests - a.requests);
		co[r] = (double)(b.coalesced - a.coalesced) /
			(double)(b.requests - a.requests);
		nk[r] = (double)(b.nacks - a.nacks);
	}
	steal_sample(&s1, w->pid);
	if (ret < 0 || r < opt.runs)
		return ret < 0 ? ret : -EIO;
	t->inflight = burst;
	t->rps = median(rps, r);
	t->cpu_us = median(cpu, r);
	t->writes = median(wr, r);
	t->coalesced = median(co, r);
	t->nacks = median(nk, r);
	t->steal = steal_pct(&s0, &s1);
	t->others = others_pct(&s0, &s1);
	return 0;
}

static int
start(struct world *w, unsigned int channels, int one_pcpu)
{
	struct world_conf c = { .channels = channels, .one_pcpu = one_pcpu,
		.cpu = fig.daemon_cpu };
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "daemon with %u channels%s", channels,
		one_pcpu ? " on one pCPU" : "");
	progress(what);
	ret = world_start(w, &c, opt.daemon);
	if (ret == 0)
		ret = peers_prime(w->peers, w->nb_peers);
	return ret;
}

static int
sec_tput(int burst)
{
	struct tput_fig *t = burst ? fig.burst : fig.tput;
	struct steal_sample s0, s1;
	struct world w;
	unsigned int i;
	int ret = 0;

	fig.burst_len = BURST;
	for (i = 0; ret == 0 && i < NB_TPUT; i++) {
		t[i].channels = tput_ch[i];
		fig.pingpong[i].channels = tput_ch[i];
		ret = start(&w, tput_ch[i], burst);
		if (ret == 0)
			ret = daemon_tput(&w, w.peers, w.nb_peers,
				burst ? BURST : WINDOW, !burst, &t[i]);
		if (ret == 0 && !burst)
			ret = daemon_tput(&w, w.peers, w.nb_peers, 1, 1,
				&fig.pingpong[i]);
		/* Latency on the quiet one-channel daemon: vCPU 0, pCPU 0. */
		if (ret == 0 && !burst && i == 0 &&
				(opt.sections & (1u << SEC_LAT))) {
			progress("latency: one request at a time");
			steal_sample(&s0, w.pid);
			ret = latency(&w.peers[0], SANDBOX_CPU_DIR
				"/cpu0/cpufreq/scaling_setspeed", w.out,
				&fig.ack, &fig.write);
			steal_sample(&s1, w.pid);
			fig.lat_steal = steal_pct(&s0, &s1);
			fig.lat_others = others_pct(&s0, &s1);
			fig.lat_samples = LAT_SAMPLES;
			fig.done |= ret == 0 ? 1u << SEC_LAT : 0;
		}
		world_stop(&w);
	}
	return ret;
}

/* The daemon left alone with @w's channels connected (and voted). */
static int
idle(struct world *w)
{
	struct proc_sample a, b;
	struct threads ta, tb;
	struct steal_sample s0, s1;
	double vc[64], ivc[64], cpu[64];
	size_t off = 0;
	unsigned int r, i, j;

	progress("idle: the daemon left alone");
	fig.idle_channels = w->nb_peers;
	fig.idle_secs = opt.idle_secs;
	steal_sample(&s0, w->pid);
	usleep(500000);
	for (r = 0; r < opt.runs; r++) {
		world_drain(w);
		threads_sample(w->pid, &ta);
		proc_sample(w->pid, &a);
		usleep((useconds_t)(opt.idle_secs * 1e6));
		proc_sample(w->pid, &b);
		threads_sample(w->pid, &tb);
		vc[r] = (double)(b.vcsw - a.vcsw) / opt.idle_secs;
		ivc[r] = (double)(b.ivcsw - a.ivcsw) / opt.idle_secs;
		cpu[r] = (double)(b.cpu_ns - a.cpu_ns) / 1e6;
		for (i = 0; i < tb.n; i++)
			for (j = 0; j < ta.n; j++)
				if (ta.tid[j] == tb.tid[i] &&
						tb.vcsw[i] != ta.vcsw[j] &&
						off < sizeof(fig.idle_threads) - 32)
					off += (size_t)snprintf(
						fig.idle_threads + off,
						sizeof(fig.idle_threads) - off,
						"%s%s:%llu", off ? " " : "",
						tb.name[i], (unsigned long long)
						(tb.vcsw[i] - ta.vcsw[j]));
	}
	steal_sample(&s1, w->pid);
	fig.idle_vcsw_s = median(vc, opt.runs);
	fig.idle_ivcsw_s = median(ivc, opt.runs);
	fig.idle_cpu_ms = median(cpu, opt.runs);
	fig.idle_steal = steal_pct(&s0, &s1);
	fig.idle_others = others_pct(&s0, &s1);
	return 0;
}

static int
sec_scale(void)
{
	struct tput_fig one, all;
	struct proc_sample ps;
	struct steal_sample s0, s1;
	struct world w;
	unsigned int i;
	int ret = 0;

	for (i = 0; ret == 0 && i < NB_SCALE; i++) {
		struct scale_fig *s = &fig.scale[i];

		s->channels = scale_ch[i];
		steal_sample(&s0, 0);
		ret = start(&w, scale_ch[i], 0);
		if (ret == 0 && proc_sample(w.pid, &ps) == 0) {
			s->rss_kb = (double)ps.rss_kb;
			s->rss_ready_kb = (double)w.rss_ready_kb;
			s->kb_per_channel = (s->rss_kb - s->rss_ready_kb) /
				scale_ch[i];
		}
		if (ret == 0)
			ret = daemon_tput(&w, w.peers, 1, 1, 1, &one);
		if (ret == 0)
			ret = daemon_tput(&w, w.peers, w.nb_peers, 1, 1, &all);
		if (ret == 0 && scale_ch[i] == 1000 &&
				(opt.sections & (1u << SEC_IDLE))) {
			idle(&w);
			fig.done |= 1u << SEC_IDLE;
		}
		world_stop(&w);
		steal_sample(&s1, 0);
		s->cpu_one = one.cpu_us;
		s->rps_one = one.rps;
		s->cpu_all = all.cpu_us;
		s->rps_all = all.rps;
		s->steal = steal_pct(&s0, &s1);
		s->others = all.others;
	}
	return ret;
}

static int
sec_guest(void)
{
	struct guest_result g[64];
	struct steal_sample s0, s1;
	double a[64], q[64], w[64];
	unsigned int r;
	int ret = 0;

	progress("guest: the library's send path");
	steal_sample(&s0, 0);
	for (r = 0; ret == 0 && r < opt.runs; r++) {
		ret = guest_bench(2000, fig.load_cpu, &g[r]);
		a[r] = g[r].ns_acked;
		q[r] = g[r].ns_quiet;
		w[r] = g[r].ns_raw;
	}
	steal_sample(&s1, 0);
	if (ret < 0)
		return ret;
	fig.guest = g[0];
	fig.guest.ns_acked = median(a, opt.runs);
	fig.guest.ns_quiet = median(q, opt.runs);
	fig.guest.ns_raw = median(w, opt.runs);
	fig.guest_steal = steal_pct(&s0, &s1);
	return 0;
}

/* The floor's sysfs-like file, in the sandbox's tmpfs as the others. */
static int
floor_file(void)
{
	FILE *f = fopen(FLOOR_FILE, "we");

	if (f == NULL || fputs("1200000\n", f) < 0) {
		perror(FLOOR_FILE);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

static unsigned int
parse_sections(const char *list)
{
	static const char *const names[SEC_MAX] = {
		"floor", "throughput", "burst", "latency", "scale", "idle",
		"guest", "policies",
	};
	unsigned int mask = 0, i;
	char *dup = strdup(list), *tok, *save = NULL;

	for (tok = strtok_r(dup, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save))
		for (i = 0; i < SEC_MAX; i++)
			if (strcmp(tok, names[i]) == 0)
				mask |= 1u << i;
	free(dup);
	return mask;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "daemon", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "runs", required_argument, NULL, 'r' },
		{ "secs", required_argument, NULL, 's' },
		{ "idle-secs", required_argument, NULL, 'i' },
		{ "only", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'd': opt.daemon = optarg; break;
		case 'j': opt.json = optarg; break;
		case 'r': opt.runs = (unsigned int)atoi(optarg); break;
		case 's': opt.secs = atof(optarg); break;
		case 'i': opt.idle_secs = atof(optarg); break;
		case 'o': opt.sections = parse_sections(optarg); break;
		case 'q': opt.runs = 1; opt.secs = 0.5; opt.idle_secs = 2;
			break;
		case 'v': bench_verbose = 1; break;
		default: return -1;
		}
	}
	if (opt.runs < 1 || opt.runs > 64 || opt.secs <= 0 ||
			opt.idle_secs <= 0 || opt.daemon == NULL)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sandbox_shape shape = { .nb_cpus = BENCH_PCPUS };
	struct rlimit rl;
	struct steal_sample s0, s1;
	cpu_set_t set;
	double t0 = now_s();
	int ret = 0;

	opt.daemon = getenv("VM_POWER_MGR");
	if (parse_args(argc, argv) < 0) {
		fprintf(stderr, "usage: %s --daemon PATH [--json FILE] "
			"[--runs N] [--secs S] [--idle-secs S]\n"
			"       [--only floor,throughput,burst,latency,scale,"
			"idle,guest,policies] [--quick] [-v]\n", argv[0]);
		return 2;
	}
	/* 10,000 channels: an fd each, here and in the daemon. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = RTE_MAX(rl.rlim_max, (rlim_t)32768);
	rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		getrlimit(RLIMIT_NOFILE, &rl);	/* no CAP_SYS_RESOURCE */
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 10100)
		fprintf(stderr, "bench: %llu fds allowed: 10,000 channels "
			"will fail\n", (unsigned long long)rl.rlim_cur);
	/* Before any thread: a private mount namespace, fake cpufreq. */
	if (!sandbox_active() && sandbox_enter(&shape) < 0)
		return 77;
	if (floor_file() < 0)
		return 1;
	/* The real CPUs: sysfs under the sandbox shows the fake ones. */
	sched_getaffinity(0, sizeof(set), &set);
	fig.cpus = CPU_COUNT(&set);
	fig.daemon_cpu = 0;
	fig.load_cpu = fig.cpus > 1 ? 1 : -1;
	fig.runs = opt.runs;
	pin_self(fig.load_cpu);
	loadavg(fig.loadavg[0]);
	steal_sample(&s0, 0);
	if (ret == 0 && (opt.sections & (1u << SEC_FLOOR)) &&
			(ret = sec_floor()) == 0)
		fig.done |= 1u << SEC_FLOOR;
	if (ret == 0 && (opt.sections & (1u << SEC_TPUT | 1u << SEC_LAT)) &&
			(ret = sec_tput(0)) == 0)
		fig.done |= 1u << SEC_TPUT;
	if (ret == 0 && (opt.sections & (1u << SEC_BURST)) &&
			(ret = sec_tput(1)) == 0)
		fig.done |= 1u << SEC_BURST;
	if (ret == 0 && (opt.sections & (1u << SEC_SCALE | 1u << SEC_IDLE)) &&
			(ret = sec_scale()) == 0)
		fig.done |= 1u << SEC_SCALE;
	if (ret == 0 && (opt.sections & (1u << SEC_GUEST)) &&
			(ret = sec_guest()) == 0)
		fig.done |= 1u << SEC_GUEST;
	if (ret == 0 && (opt.sections & (1u << SEC_POLICY)) &&
			(ret = sec_policy(opt.daemon, fig.daemon_cpu,
			/* 9 quiet spells: one run each, 5 s at most */
			RTE_MIN(opt.idle_secs, 5.0), 1, fig.policy)) == 0)
		fig.done |= 1u << SEC_POLICY;
	steal_sample(&s1, 0);
	fig.steal = steal_pct(&s0, &s1);
	loadavg(fig.loadavg[1]);
	fig.wall_s = now_s() - t0;
	report_table(stdout, &fig);
	if (report_json(opt.json, &fig) == 0)
		printf("figures written to %s\n", opt.json);
	if (ret < 0)
		fprintf(stderr, "bench: stopped early: %s\n", strerror(-ret));
	return ret < 0 ? 1 : 0;
}
