/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/* The figures as a table for people and as JSON for tools. */

#include <stdio.h>
#include <string.h>

#include "bench.h"

#define DONE(g, s)	((g)->done & (1u << (s)))

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void
pct_row(FILE *f, const char *name, const struct pct *p)
{
	fprintf(f, "  %-22s %8.1f %8.1f %8.1f %8.1f %8.1f\n", name, p->p50,
		p->p90, p->p99, p->p999, p->max);
}

static void
pct_ratio(FILE *f, const struct pct *a, const struct pct *b)
{
	fprintf(f, "  %-22s %8.2f %8.2f %8.2f %8.2f %8.2f\n", "  ratio to floor",
		ratio(a->p50, b->p50), ratio(a->p90, b->p90),
		ratio(a->p99, b->p99), ratio(a->p999, b->p999),
		ratio(a->max, b->max));
}

static void
table_floor(FILE *f, const struct figures *g)
{
	fprintf(f, "\nFloor: the least this machine does for a request, "
		"measured in this run (steal %.1f%%)\n", g->floor_steal);
	fprintf(f, "  sysfs-like file write (pwrite, tmpfs)     %8.2f us\n",
		g->file_write_ns / 1e3);
	fprintf(f, "  epoll wake-up + AF_UNIX echo, 2 procs     p50 %.1f us,"
		" p99 %.1f us\n", g->echo.p50, g->echo.p99);
	fprintf(f, "  the same with a file write first          send->write"
		" p50 %.1f us, send->reply p50 %.1f us\n", g->floor_write.p50,
		g->floor_ack.p50);
}

/* @kind: 0 saturation, 1 one in flight, 2 bursts to one pCPU. */
static void
table_tput(FILE *f, const struct figures *g, int kind)
{
	const struct tput_fig *t = kind == 2 ? g->burst : kind == 1 ?
		g->pingpong : g->tput;
	int burst = kind == 2;
	unsigned int i;

	if (kind == 2)
		fprintf(f, "\nCoalescing: bursts of %u requests a channel "
			"(MIN/MAX in turn), every vCPU on one pCPU\n",
			g->burst_len);
	else if (kind == 1)
		fprintf(f, "\nOne request in flight a channel (ping-pong), "
			"MIN/MAX in turn, vCPU n on pCPU n %% 8\n");
	else
		fprintf(f, "\nSaturation throughput: closed loop, %u requests "
			"in flight a channel, MIN/MAX in turn, vCPU n on pCPU "
			"n %% 8\n", t[0].inflight);
	fprintf(f, "  %8s %10s %10s %6s %10s %10s %8s %6s %6s\n",
		"channels", "req/s", burst ? "-" : "floor",
		burst ? "-" : "ratio", "writes/req", "coalesced", "CPU us/r",
		"steal", "others");
	for (i = 0; i < NB_TPUT; i++)
		fprintf(f, "  %8u %10.0f %10.0f %6.2f %10.3f %10.3f %8.2f "
			"%5.1f%% %5.0f%%\n", t[i].channels, t[i].rps,
			burst ? 0 : t[i].floor_rps,
			burst ? 0 : ratio(t[i].rps, t[i].floor_rps), t[i].writes,
			t[i].coalesced, t[i].cpu_us, t[i].steal, t[i].others);
}

static void
table_latency(FILE *f, const struct figures *g)
{
	fprintf(f, "\nLatency: one request at a time, %d-%d us apart, %u "
		"samples a run (us; steal %.1f%%, others %.0f%%)\n", 50, 500,
		g->lat_samples, g->lat_steal, g->lat_others);
	fprintf(f, "  %-22s %8s %8s %8s %8s %8s\n", "", "p50", "p90", "p99",
		"p99.9", "max");
	pct_row(f, "send -> scaling_setspeed", &g->write);
	if (DONE(g, SEC_FLOOR)) {
		pct_row(f, "  floor", &g->floor_write);
		pct_ratio(f, &g->write, &g->floor_write);
	}
	pct_row(f, "send -> ACK", &g->ack);
	if (DONE(g, SEC_FLOOR)) {
		pct_row(f, "  floor", &g->floor_ack);
		pct_ratio(f, &g->ack, &g->floor_ack);
	}
}

static void
table_scale(FILE *f, const struct figures *g)
{
	unsigned int i;

	fprintf(f, "\nScale: every channel connected and voted; one of them "
		"busy, then all of them,\none request in flight each. KB/ch: "
		"RSS the VMs and channels added to the daemon at ready\n");
	fprintf(f, "  %8s %9s %8s | %10s %8s | %10s %8s %8s %6s %6s\n",
		"channels", "RSS MB", "KB/ch", "1 busy r/s", "CPU us/r",
		"all r/s", "CPU us/r", "floor", "steal", "others");
	for (i = 0; i < NB_SCALE; i++) {
		const struct scale_fig *s = &g->scale[i];

		fprintf(f, "  %8u %9.1f %8.2f | %10.0f %8.2f | %10.0f %8.2f "
			"%8.2f %5.1f%% %5.0f%%\n", s->channels,
			s->rss_kb / 1024, s->kb_per_channel, s->rps_one,
			s->cpu_one, s->rps_all, s->cpu_all, s->floor_cpu_all,
			s->steal, s->others);
	}
}

void
report_table(FILE *f, const struct figures *g)
{
	unsigned int i;

	fprintf(f, "\nvmpower bench: %d CPUs (daemon on CPU %d, load on CPU "
		"%d), median of %u runs, steal %.1f%%, %.0f s\n"
		"  others: CPU share the rest of the machine used meanwhile; "
		"loadavg %s -> %s\n", g->cpus, g->daemon_cpu, g->load_cpu,
		g->runs, g->steal, g->wall_s, g->loadavg[0], g->loadavg[1]);
	if (DONE(g, SEC_FLOOR))
		table_floor(f, g);
	if (DONE(g, SEC_TPUT)) {
		table_tput(f, g, 0);
		table_tput(f, g, 1);
	}
	if (DONE(g, SEC_BURST))
		table_tput(f, g, 2);
	if (DONE(g, SEC_LAT))
		table_latency(f, g);
	if (DONE(g, SEC_IDLE))
		fprintf(f, "\nIdle: %u channels connected, %.0f s a run "
			"(steal %.1f%%, others %.0f%%)\n  voluntary switches "
			"%.2f/s, involuntary %.2f/s, CPU %.3f ms; threads that "
			"woke: %s\n", g->idle_channels, g->idle_secs,
			g->idle_steal, g->idle_others,
			g->idle_vcsw_s, g->idle_ivcsw_s, g->idle_cpu_ms,
			g->idle_threads[0] ? g->idle_threads : "none");
	if (DONE(g, SEC_SCALE))
		table_scale(f, g);
	if (DONE(g, SEC_POLICY)) {
		fprintf(f, "\nActive policies, one a vCPU, left alone %.0f s "
			"(wake-ups/s, CPU %%):\n  %-9s %-18s %-18s %-18s "
			"%-18s\n", g->policy[0].secs, "policies", "WORKLOAD",
			"TIME", "TRAFFIC 100 ms", "BRANCH 100 us (sw)");
		for (i = 0; i < NB_POLICY; i++)
			fprintf(f, "  %-9u %7.2f %8.3f%%  %7.2f %8.3f%%  "
				"%7.2f %8.3f%%  %7.0f %8.3f%%\n",
				g->policy[i].n,
				g->policy[i].wl_vcsw_s, g->policy[i].wl_cpu_pct,
				g->policy[i].time_vcsw_s,
				g->policy[i].time_cpu_pct,
				g->policy[i].tr_vcsw_s, g->policy[i].tr_cpu_pct,
				g->policy[i].br_vcsw_s,
				g->policy[i].br_cpu_pct);
	}
	if (DONE(g, SEC_GUEST))
		fprintf(f, "\nGuest send path: vmp_guest_channel_send() on a "
			"pty (steal %.1f%%)\n"
			"  an ACK waiting   %8.0f ns  %5.2f syscalls (%s)\n"
			"  nothing waiting  %8.0f ns  %5.2f syscalls\n"
			"  floor: write(2)  %8.0f ns  ratio %.2f / %.2f\n",
			g->guest_steal, g->guest.ns_acked, g->guest.sys_acked,
			g->guest.sys_detail, g->guest.ns_quiet,
			g->guest.sys_quiet, g->guest.ns_raw,
			ratio(g->guest.ns_acked, g->guest.ns_raw),
			ratio(g->guest.ns_quiet, g->guest.ns_raw));
	fflush(f);
}

static void
json_pct(FILE *f, const char *name, const struct pct *p, const char *end)
{
	fprintf(f, "\"%s\": {\"p50\": %.2f, \"p90\": %.2f, \"p99\": %.2f, "
		"\"p99.9\": %.2f, \"max\": %.2f}%s", name, p->p50, p->p90,
		p->p99, p->p999, p->max, end);
}

static void
json_tput(FILE *f, const struct tput_fig *t, int floor)
{
	unsigned int i;

	for (i = 0; i < NB_TPUT; i++) {
		fprintf(f, "    \"%u\": {\"in_flight\": %u, \"rps\": %.0f, "
			"\"writes_per_req\": %.4f, \"coalesced_per_req\": %.4f, "
			"\"cpu_us_per_req\": %.3f, \"nacks\": %.0f, "
			"\"steal_pct\": %.2f, \"others_pct\": %.1f",
			t[i].channels, t[i].inflight, t[i].rps, t[i].writes,
			t[i].coalesced, t[i].cpu_us, t[i].nacks, t[i].steal,
			t[i].others);
		if (floor)
			fprintf(f, ", \"floor_rps\": %.0f, \"floor_cpu_us_per_"
				"req\": %.3f, \"ratio\": %.3f", t[i].floor_rps,
				t[i].floor_cpu_us, ratio(t[i].rps,
				t[i].floor_rps));
		fprintf(f, "}%s\n", i + 1 < NB_TPUT ? "," : "");
	}
}

int
report_json(const char *path, const struct figures *g)
{
	FILE *f = fopen(path, "we");
	unsigned int i;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	fprintf(f, "{\n  \"machine\": {\"cpus\": %d, \"daemon_cpu\": %d, "
		"\"load_cpu\": %d, \"runs\": %u, \"steal_pct\": %.2f, "
		"\"wall_s\": %.1f, \"loadavg_before\": \"%s\", "
		"\"loadavg_after\": \"%s\"},\n", g->cpus, g->daemon_cpu,
		g->load_cpu, g->runs, g->steal, g->wall_s, g->loadavg[0],
		g->loadavg[1]);
	if (DONE(g, SEC_FLOOR)) {
		fprintf(f, "  \"floor\": {\"file_write_ns\": %.1f, \"steal_pct\":"
			" %.2f,\n    ", g->file_write_ns, g->floor_steal);
		json_pct(f, "echo_us", &g->echo, ",\n    ");
		json_pct(f, "send_to_write_us", &g->floor_write, ",\n    ");
		json_pct(f, "send_to_ack_us", &g->floor_ack, "},\n");
	}
	if (DONE(g, SEC_TPUT)) {
		fprintf(f, "  \"throughput\": {\n");
		json_tput(f, g->tput, 1);
		fprintf(f, "  },\n  \"one_in_flight\": {\n");
		json_tput(f, g->pingpong, 1);
		fprintf(f, "  },\n");
	}
	if (DONE(g, SEC_BURST)) {
		fprintf(f, "  \"burst\": {\"burst\": %u, \"channels\": {\n",
			g->burst_len);
		json_tput(f, g->burst, 0);
		fprintf(f, "  }},\n");
	}
	if (DONE(g, SEC_LAT)) {
		fprintf(f, "  \"latency\": {\"samples\": %u, \"steal_pct\": "
			"%.2f, \"others_pct\": %.1f,\n    ", g->lat_samples,
			g->lat_steal, g->lat_others);
		json_pct(f, "send_to_write_us", &g->write, ",\n    ");
		json_pct(f, "send_to_ack_us", &g->ack, ",\n    ");
		fprintf(f, "\"write_p50_ratio\": %.3f, \"ack_p50_ratio\": %.3f},"
			"\n", ratio(g->write.p50, g->floor_write.p50),
			ratio(g->ack.p50, g->floor_ack.p50));
	}
	if (DONE(g, SEC_POLICY)) {
		fprintf(f, "  \"policies\": {");
		for (i = 0; i < NB_POLICY; i++)
			fprintf(f, "%s\"%u\": {\"workload_wakeups_s\": %.3f, "
				"\"workload_cpu_pct\": %.4f, \"time_wakeups_s\": "
				"%.3f, \"time_cpu_pct\": %.4f, "
				"\"traffic_wakeups_s\": %.3f, "
				"\"traffic_cpu_pct\": %.4f, "
				"\"branch_wakeups_s\": %.3f, "
				"\"branch_cpu_pct\": %.4f}", i ? ", " : "",
				g->policy[i].n, g->policy[i].wl_vcsw_s,
				g->policy[i].wl_cpu_pct,
				g->policy[i].time_vcsw_s,
				g->policy[i].time_cpu_pct,
				g->policy[i].tr_vcsw_s, g->policy[i].tr_cpu_pct,
				g->policy[i].br_vcsw_s,
				g->policy[i].br_cpu_pct);
		fprintf(f, "},\n");
	}
	if (DONE(g, SEC_IDLE))
		fprintf(f, "  \"idle\": {\"channels\": %u, \"secs\": %.1f, "
			"\"voluntary_cs_per_s\": %.3f, \"involuntary_cs_per_s\":"
			" %.3f, \"cpu_ms\": %.4f, \"threads_woken\": \"%s\", "
			"\"steal_pct\": %.2f, \"others_pct\": %.1f},\n",
			g->idle_channels, g->idle_secs, g->idle_vcsw_s,
			g->idle_ivcsw_s, g->idle_cpu_ms, g->idle_threads,
			g->idle_steal, g->idle_others);
	if (DONE(g, SEC_SCALE)) {
		fprintf(f, "  \"scale\": {\n");
		for (i = 0; i < NB_SCALE; i++) {
			const struct scale_fig *s = &g->scale[i];

			fprintf(f, "    \"%u\": {\"rss_kb\": %.0f, \"rss_ready_"
				"kb\": %.0f, \"kb_per_channel\": %.3f, "
				"\"one_busy_rps\": %.0f, "
				"\"one_busy_cpu_us_per_req\": %.3f, \"all_busy_"
				"rps\": %.0f, \"all_busy_cpu_us_per_req\": %.3f, "
				"\"floor_cpu_us_per_req\": %.3f, \"steal_pct\": "
				"%.2f, \"others_pct\": %.1f}%s\n", s->channels,
				s->rss_kb, s->rss_ready_kb, s->kb_per_channel,
				s->rps_one,
				s->cpu_one, s->rps_all, s->cpu_all,
				s->floor_cpu_all, s->steal, s->others,
				i + 1 < NB_SCALE ? "," : "");
		}
		fprintf(f, "  },\n");
	}
	if (DONE(g, SEC_GUEST))
		fprintf(f, "  \"guest\": {\"ns_ack_waiting\": %.0f, "
			"\"ns_nothing_waiting\": %.0f, \"ns_raw_write\": %.0f, "
			"\"syscalls_ack_waiting\": %.2f, \"syscalls_nothing_"
			"waiting\": %.2f, \"syscalls_detail\": \"%s\", "
			"\"steal_pct\": %.2f},\n", g->guest.ns_acked,
			g->guest.ns_quiet, g->guest.ns_raw, g->guest.sys_acked,
			g->guest.sys_quiet, g->guest.sys_detail,
			g->guest_steal);
	fprintf(f, "  \"done\": %u\n}\n", g->done);
	return fclose(f) == 0 ? 0 : -1;
}
