/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_BENCH_H
#define VMP_BENCH_H

/*
 * vmp_bench: figures for the host daemon and the guest library.
 *
 * The bench runs inside a sandboxed cpufreq tree (app/test's
 * cpufreq_sandbox), starts the real vm_power_mgr binary against libvirt's
 * test driver, and plays QEMU's side of every channel socket. A "world"
 * is one daemon with its VMs and connected channels (bench_world.c); the
 * load generator and the floor server are bench_load.c's; the guest
 * library's send path is bench_guest.c's; figures and their output are
 * bench_main.c's.
 */

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <vmp_protocol.h>

#define PKT_SZ		sizeof(struct vmp_proto_packet)
/* libvirt's test driver pins vCPUs to host CPUs 0-7 only. */
#define BENCH_PCPUS	8
/* vCPUs and channels of a VM: one lcore, one vCPU, one channel. */
#define VM_VCPUS	8
/* The pCPU every vCPU is pinned to in a "one pCPU" world. */
#define ONE_PCPU	1

/* QEMU's side of one channel, as the load generator drives it. */
struct peer {
	int fd;
	uint32_t vcpu;		/* resource_id of its requests */
	uint32_t seq;		/* requests sent: odd MAX, even MIN */
	uint32_t out;		/* requests not answered yet */
	uint32_t rx_off;	/* bytes of a reply already read */
};

/* A process whose cost is measured: summed over all its threads. */
struct proc_sample {
	uint64_t cpu_ns;	/* run time (schedstat) */
	uint64_t vcsw;		/* voluntary context switches */
	uint64_t ivcsw;		/* involuntary ones */
	uint64_t rss_kb;
	uint64_t hwm_kb;
};

/*
 * Noise: the machine's steal counter, and the CPU time others used (all
 * busy time less the bench's and the measured process's), in jiffies
 * and ns, to show a noisy run.
 */
struct steal_sample {
	uint64_t steal;
	uint64_t total;
	uint64_t busy;
	uint64_t ours_ns;
};

/* Counters of the daemon (telemetry /vmpower/stats). */
struct daemon_stats {
	uint64_t requests, acks, nacks, limited, writes, coalesced;
	uint64_t wakeups;
};

/* One daemon and the channels of its VMs. */
struct world {
	char dir[64];		/* node XML and channel sockets */
	char chdir[96];
	char uri[160];
	char prefix[48];	/* EAL --file-prefix: telemetry socket */
	pid_t pid;
	int in;			/* its CLI */
	int out;		/* its stdout and stderr */
	char buf[65536];	/* what it said, not yet matched */
	size_t len;
	uint64_t rss_ready_kb;	/* before any VM: libvirt's node parsed */
	unsigned int nb_vms;
	unsigned int nb_peers;
	struct peer *peers;	/* channel j of VM k at k * VM_VCPUS + j */
};

struct world_conf {
	unsigned int channels;
	int one_pcpu;		/* every vCPU on ONE_PCPU, else vCPU v on v */
	int cpu;		/* the daemon's CPU (EAL -l) */
	int nics;		/* one NIC a VM (bench_mac()) */
	int branch_sw;		/* BRANCH_RATIO on software events (no PMU
				 * needed) */
};

/*
 * Load generator: closed loop, @burst requests a peer in flight: topped
 * up as answers come (@window), or written at once and all answered
 * before the next burst.
 */
struct load_conf {
	unsigned int burst;
	int window;
	double warm_s;
	double secs;
	pid_t target;		/* the serving process, for its cost */
	int drain_fd;		/* output of the target to keep reading, or -1 */
};

struct load_result {
	double rps;		/* replies a second */
	uint64_t replies;
	uint64_t nacks;
	double secs;
	double cpu_us_per_req;	/* target's CPU time per reply */
	double vcsw_per_req;
};

/* bench_util.c */
double now_s(void);
uint64_t now_ns(void);
int proc_sample(pid_t pid, struct proc_sample *s);
/* @target: the measured process, or 0. */
void steal_sample(struct steal_sample *s, pid_t target);
double steal_pct(const struct steal_sample *a, const struct steal_sample *b);
/* Share of the machine's CPUs others used, in %. */
double others_pct(const struct steal_sample *a, const struct steal_sample *b);
double median(double *v, unsigned int n);
double percentile(double *sorted, unsigned int n, double p);
void sort_doubles(double *v, unsigned int n);
int pin_self(int cpu);
/* Threads of @pid and their voluntary switches. */
struct threads {
	unsigned int n;
	char name[64][20];
	uint64_t vcsw[64];
	int tid[64];
};
void threads_sample(pid_t pid, struct threads *t);
/* /proc/loadavg, in @buf of 64 bytes. */
void loadavg(char *buf);
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int bench_verbose;

/* bench_world.c */
int world_start(struct world *w, const struct world_conf *c,
	const char *daemon_path);
void world_stop(struct world *w);
int world_stats(struct world *w, struct daemon_stats *st);
/* Read what the daemon printed, without waiting. */
void world_drain(struct world *w);
/* The MAC of VM @vm's NIC in a world with nics. */
void bench_mac(unsigned int vm, uint8_t mac[6]);
/* One request per peer, every answer read: every vCPU has voted. */
int peers_prime(struct peer *p, unsigned int n);

/* bench_load.c */
int load_run(struct peer *p, unsigned int n, const struct load_conf *c,
	struct load_result *r);
/*
 * One request at a time at random intervals: send -> reply and send ->
 * IN_MODIFY of @watch_path, in microseconds, @n samples of each.
 */
int latency_run(struct peer *p, const char *watch_path, unsigned int n,
	unsigned int min_gap_us, unsigned int max_gap_us, int drain_fd,
	double *ack_us, double *write_us);
/*
 * The floor: a minimal server in its own process on @cpu, answering
 * every request of @n peers with an echo (an echoed CPU_POWER is an ACK)
 * after a pwrite of a kHz value to @file (NULL: no write).
 */
int floor_start(struct peer *p, unsigned int n, int cpu, const char *file,
	pid_t *pid);
void floor_stop(struct peer *p, unsigned int n, pid_t pid);
/* ns per pwrite of a kHz value to @file, the median of @runs. */
double file_write_ns(const char *file, unsigned int count);
void peer_request(struct peer *p, struct vmp_proto_packet *pkt);

/* bench_guest.c */
struct guest_result {
	double ns_acked;	/* send with an ACK waiting, median */
	double ns_quiet;	/* send with nothing waiting, median */
	double ns_raw;		/* raw write(2) of a packet on the port */
	double sys_acked;	/* syscalls a request */
	double sys_quiet;
	char sys_detail[128];	/* e.g. "read 2, write 1" */
};
int guest_bench(unsigned int count, int cpu, struct guest_result *r);

/* Figures of a run; bench_main.c measures, bench_report.c prints. */
#define NB_TPUT		4	/* 1, 8, 64, 1024 channels */
#define NB_SCALE	4	/* 1, 100, 1000, 10000 channels */

struct pct {
	double p50, p90, p99, p999, max;
};

struct tput_fig {
	unsigned int channels;
	unsigned int inflight;	/* requests in flight a channel */
	double rps;
	double cpu_us;		/* daemon CPU a request */
	double writes;		/* frequency writes a request */
	double coalesced;	/* requests whose write another replaced */
	double nacks;
	double floor_rps;
	double floor_cpu_us;
	double steal;
	double others;
};

struct scale_fig {
	unsigned int channels;
	double rss_kb;
	double rss_ready_kb;	/* the daemon before VMs and channels */
	double kb_per_channel;	/* VMs and channels: (rss - ready) / n */
	double cpu_one;		/* one channel active, all connected */
	double rps_one;
	double cpu_all;		/* every channel active */
	double rps_all;
	double floor_cpu_all;
	double steal;
	double others;
};

/* bench_policy.c: the cost of N active policies, left alone. */
#define NB_POLICY	3
struct policy_fig {
	unsigned int n;		/* policies, one a vCPU */
	/* The daemon's wake-ups (voluntary switches) a second and CPU
	 * share (%), with n WORKLOAD, TIME and TRAFFIC policies. */
	double wl_vcsw_s, wl_cpu_pct;
	double time_vcsw_s, time_cpu_pct;
	double tr_vcsw_s, tr_cpu_pct;
	double br_vcsw_s, br_cpu_pct;	/* BRANCH_RATIO, software events */
	double secs;
};
struct figures {
	int cpus, daemon_cpu, load_cpu;
	unsigned int runs;
	unsigned int done;	/* sections measured: 1 << SEC_* */
	double file_write_ns;
	struct pct echo;	/* epoll + AF_UNIX echo, no write */
	struct pct floor_ack;	/* echo after a file write */
	struct pct floor_write;
	double floor_steal;
	struct tput_fig tput[NB_TPUT];		/* a window of WINDOW */
	struct tput_fig pingpong[NB_TPUT];	/* one in flight */
	struct tput_fig burst[NB_TPUT];
	unsigned int burst_len;
	struct pct ack;
	struct pct write;
	unsigned int lat_samples;
	double lat_steal, lat_others;
	unsigned int idle_channels;
	double idle_secs;
	double idle_vcsw_s, idle_ivcsw_s, idle_cpu_ms;
	char idle_threads[256];	/* threads that woke, "name:count" */
	double idle_steal, idle_others;
	struct scale_fig scale[NB_SCALE];
	struct policy_fig policy[NB_POLICY];
	struct guest_result guest;
	double guest_steal;
	double steal;
	double wall_s;
	char loadavg[2][64];	/* /proc/loadavg before and after */
};

enum { SEC_FLOOR, SEC_TPUT, SEC_BURST, SEC_LAT, SEC_SCALE, SEC_IDLE,
	SEC_GUEST, SEC_POLICY, SEC_MAX };

/* bench_policy.c */
int sec_policy(const char *daemon, int cpu, double secs, unsigned int runs,
	struct policy_fig fig[NB_POLICY]);

/* bench_report.c */
void report_table(FILE *f, const struct figures *g);
int report_json(const char *path, const struct figures *g);

#endif /* VMP_BENCH_H */
