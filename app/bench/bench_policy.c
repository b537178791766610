/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The cost of active policies (PKT_POLICY): a world of n channels, one
 * policy a vCPU (n = 1, 100, 1000), left alone for --idle-secs with
 * WORKLOAD, then TIME, then TRAFFIC, then BRANCH_RATIO policies (each
 * replacing the last). WORKLOAD and TIME should cost nothing between
 * events; TRAFFIC one sampler round a period (100 ms) for all of them;
 * BRANCH_RATIO one read of each pCPU's counters a period (100 us, DPDK's)
 * by its sampler, and a job on the loop a second when no decision
 * changes. Every vCPU is on pCPU 1 (perf events need a CPU this host
 * has), counted in software events (no PMU in a VM).
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "bench.h"

static const unsigned int policy_n[NB_POLICY] = { 1, 100, 1000 };

static int
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
		r = read(fd, (uint8_t *)buf + got, len - got);
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0)
			return -EPIPE;
		got += (size_t)r;
	}
	return 0;
}

/* Every peer sends a @type policy for its vCPU; all must be ACKed. */
static int
send_all(struct world *w, uint32_t type)
{
	struct vmp_proto_packet p, r;
	unsigned int i, h;

	for (i = 0; i < w->nb_peers; i++) {
		/* Its log goes to a pipe of ours: keep it flowing. */
		world_drain(w);
		vmp_proto_request(&p, VMP_PROTO_POLICY, 0, 0, NULL);
		p.policy_to_use = type;
		p.workload = VMP_PROTO_WL_MEDIUM;
		p.num_vcpu = 1;
		p.vcpu_to_control[0] = (uint8_t)w->peers[i].vcpu;
		for (h = 0; h < 3 * VMP_PROTO_HOURS; h++)
			p.timer_policy[h] = VMP_PROTO_HOUR_UNUSED;
		/* TIME: busy all day, so only the hour timer is armed. */
		for (h = 0; h < VMP_PROTO_HOURS; h++)
			p.timer_policy[VMP_PROTO_BUSY_HOURS + h] = (int32_t)h;
		if (type == VMP_PROTO_POLICY_TRAFFIC) {
			uint8_t m[8] = { 0 };

			bench_mac(i / VM_VCPUS, m);
			memcpy(&p.vfid[0], m, sizeof(m));
			p.nb_mac_to_monitor = 1;
			p.traffic_policy[1] = 1000000000;
			p.traffic_policy[2] = 2000000000;
		}
		if (write(w->peers[i].fd, &p, sizeof(p)) != sizeof(p) ||
				read_full(w->peers[i].fd, &r, sizeof(r)) < 0) {
			fprintf(stderr, "bench: %s policy %u of %u: no answer"
				"\n", type == VMP_PROTO_POLICY_TRAFFIC ?
				"TRAFFIC" : type ==
				VMP_PROTO_POLICY_BRANCH_RATIO ? "BRANCH_RATIO" :
				"a", i, w->nb_peers);
			world_drain(w);
			w->buf[w->len] = '\0';
			fprintf(stderr, "%s\n", w->len > 2000 ?
				w->buf + w->len - 2000 : w->buf);
			return -EIO;
		}
		if (r.command != VMP_PROTO_ACK) {
			fprintf(stderr, "bench: policy %u refused\n", i);
			return -EPERM;
		}
	}
	return 0;
}

/* The daemon left alone: wake-ups a second and CPU share, medians. */
static void
measure(struct world *w, double secs, unsigned int runs, double *vcsw_s,
		double *cpu_pct)
{
	double vc[64], cpu[64];
	struct proc_sample a, b;
	unsigned int r;

	usleep(300000);	/* the first rounds and replies settle */
	for (r = 0; r < runs && r < RTE_DIM(vc); r++) {
		world_drain(w);
		proc_sample(w->pid, &a);
		usleep((useconds_t)(secs * 1e6));
		proc_sample(w->pid, &b);
		vc[r] = (double)(b.vcsw - a.vcsw) / secs;
		cpu[r] = (double)(b.cpu_ns - a.cpu_ns) / (secs * 1e7);
	}
	*vcsw_s = median(vc, r);
	*cpu_pct = median(cpu, r);
}

int
sec_policy(const char *daemon, int cpu, double secs, unsigned int runs,
		struct policy_fig fig[NB_POLICY])
{
	struct world w;
	unsigned int i;
	int ret = 0;

	for (i = 0; ret == 0 && i < NB_POLICY; i++) {
		struct world_conf c = { .channels = policy_n[i], .cpu = cpu,
			.nics = 1, .one_pcpu = 1, .branch_sw = 1 };

		fprintf(stderr, "bench: policies: %u\n", policy_n[i]);
		fig[i].n = policy_n[i];
		fig[i].secs = secs;
		ret = world_start(&w, &c, daemon);
		if (ret < 0) {
			world_stop(&w);	/* what it started, its directory */
			break;
		}
		ret = send_all(&w, VMP_PROTO_POLICY_WORKLOAD);
		if (ret == 0)
			measure(&w, secs, runs, &fig[i].wl_vcsw_s,
				&fig[i].wl_cpu_pct);
		if (ret == 0)
			ret = send_all(&w, VMP_PROTO_POLICY_TIME);
		if (ret == 0)
			measure(&w, secs, runs, &fig[i].time_vcsw_s,
				&fig[i].time_cpu_pct);
		if (ret == 0)
			ret = send_all(&w, VMP_PROTO_POLICY_TRAFFIC);
		if (ret == 0)
			measure(&w, secs, runs, &fig[i].tr_vcsw_s,
				&fig[i].tr_cpu_pct);
		if (ret == 0)
			ret = send_all(&w, VMP_PROTO_POLICY_BRANCH_RATIO);
		if (ret == 0)
			measure(&w, secs, runs, &fig[i].br_vcsw_s,
				&fig[i].br_cpu_pct);
		world_stop(&w);
	}
	return ret;
}
