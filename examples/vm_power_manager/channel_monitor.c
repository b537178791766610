/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include <vmp_protocol.h>

#include "channel_monitor.h"
#include "power_manager.h"

RTE_LOG_REGISTER(vmp_monitor_logtype, vmpower.monitor, INFO);

#define MON_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_monitor_logtype, \
		"CHANNEL_MONITOR: " fmt "\n", ##__VA_ARGS__)

#define PKT_SZ		sizeof(struct vmp_proto_packet)
#define READ_PKTS	64	/* packets read per read() */
/* Reads per channel per pass: a flooding guest cannot starve the others;
 * level-triggered epoll brings it back for the rest. */
#define READS_PER_PASS	16
#define EVENTS		64	/* epoll events per wake-up */
#define STALL_MS	1000	/* a guest this late on its replies reads none */

/* Per connected channel; lives from channel_up to channel_down. */
struct chan_state {
	struct vm_channel *ch;
	uint8_t rx[PKT_SZ];	/* an incomplete packet */
	size_t rx_len;
	uint8_t *tx;		/* replies not yet taken by the socket */
	size_t tx_len;
	uint32_t garbage;	/* invalid packets in a row */
	struct cpu_list voted;	/* vCPUs that voted through this channel */
	uint64_t log_ms;	/* last refill of log_tokens */
	uint32_t log_tokens;
	uint32_t log_skipped;
	uint32_t events;	/* registered with epoll */
	uint64_t stall_since;	/* not read: replies have no room */
	int deaf;		/* reads no replies: they are dropped */
	int hup;		/* peer gone: close after this pass */
	struct chan_state *next;	/* in the pass's list */
	int listed;
};

struct job {
	monitor_fn fn;
	void *arg;
	sem_t *done;
	struct job *next;
};

struct monitor {
	int epfd;
	int evfd;		/* jobs and stop requests */
	int sigfd;
	int tfd;		/* stalled channels' deadline */
	int timer_armed;
	int quit;
	pid_t tid;
	struct chmgr *chmgr;
	struct power_mgr *pm;
	size_t tx_cap;
	pthread_mutex_t jobs_lock;	/* guards the job list only */
	struct job *jobs;
	struct job **jobs_tail;
	struct monitor_stats st;
	struct chan_state *touched;	/* channels this pass touched */
	uint64_t pass_requests;		/* CPU_POWER applied, uncommitted */
	uint8_t buf[READ_PKTS * PKT_SZ];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Log lines per channel: a burst of LOG_BURST, then one a second, so a
 * flood cannot fill the disk.
 */
#define LOG_BURST	8

static int
chan_log_ok(struct chan_state *s)
{
	uint64_t t = now_ms(), refill = (t - s->log_ms) / 1000;

	if (refill > 0) {
		s->log_tokens = (uint32_t)RTE_MIN((uint64_t)LOG_BURST,
			(uint64_t)s->log_tokens + refill);
		s->log_ms = t;
	}
	if (s->log_tokens == 0) {
		s->log_skipped++;
		return 0;
	}
	s->log_tokens--;
	return 1;
}

#define CHAN_LOG(s, level, fmt, ...) do {				\
	if (chan_log_ok(s)) {						\
		MON_LOG(level, "VM %s channel %u: " fmt "%s",		\
			(s)->ch->vm->name, (s)->ch->index, ##__VA_ARGS__,\
			(s)->log_skipped ? " (more like it not logged)" : "");\
		(s)->log_skipped = 0;					\
	}								\
} while (0)

static void
touch(struct monitor *mon, struct chan_state *s)
{
	if (s->listed)
		return;
	s->listed = 1;
	s->next = mon->touched;
	mon->touched = s;
}

static void
queue_reply(struct monitor *mon, struct chan_state *s, const void *reply)
{
	const struct vmp_proto_packet *head = reply;
	size_t len = vmp_proto_reply_size(head->command);

	if (head->command == VMP_PROTO_ACK) {
		mon->st.acks++;
		s->ch->stats.acks++;
	} else if (head->command == VMP_PROTO_NACK) {
		mon->st.nacks++;
		s->ch->stats.nacks++;
	}
	if (s->tx == NULL)
		s->tx = malloc(mon->tx_cap);
	if (s->tx == NULL || s->tx_len + len > mon->tx_cap) {
		mon->st.dropped++;
		CHAN_LOG(s, WARNING, "guest is not reading replies, "
			"dropping one (backlog full)");
		return;
	}
	memcpy(s->tx + s->tx_len, reply, len);
	s->tx_len += len;
	touch(mon, s);
}

static void
answer(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req, uint32_t command)
{
	struct vmp_proto_packet r = *req;

	r.command = command;
	queue_reply(mon, s, &r);
}

static void
refuse(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req, const char *why)
{
	const char *cmd = vmp_proto_command_str(req->command);

	if (cmd != NULL)
		CHAN_LOG(s, NOTICE, "%s vCPU %" PRIu64 " refused: %s", cmd,
			req->resource_id, why);
	else
		CHAN_LOG(s, NOTICE, "command %u refused: %s", req->command,
			why);
	answer(mon, s, req, VMP_PROTO_NACK);
}

static int
unit_op(uint32_t unit, enum power_mgr_op *op)
{
	switch (unit) {
	case VMP_PROTO_SCALE_UP: *op = POWER_MGR_UP; return 0;
	case VMP_PROTO_SCALE_DOWN: *op = POWER_MGR_DOWN; return 0;
	case VMP_PROTO_SCALE_MAX: *op = POWER_MGR_MAX; return 0;
	case VMP_PROTO_SCALE_MIN: *op = POWER_MGR_MIN; return 0;
	case VMP_PROTO_ENABLE_TURBO: *op = POWER_MGR_TURBO_ON; return 0;
	case VMP_PROTO_DISABLE_TURBO: *op = POWER_MGR_TURBO_OFF; return 0;
	default: return -EINVAL;
	}
}

/* Write what the pass decided so far: once per pCPU that changed. */
static void
commit(struct monitor *mon)
{
	int n;

	if (mon->pm == NULL)
		return;
	n = power_mgr_flush(mon->pm);
	if (n < 0) {
		mon->st.errors++;
	} else {
		mon->st.writes += (uint64_t)n;
		if (mon->pass_requests > (uint64_t)n)
			mon->st.coalesced += mon->pass_requests - (uint64_t)n;
	}
	mon->pass_requests = 0;
}

/* Requests of a pass only vote; commit() writes. */
static void
defer(struct monitor *mon)
{
	if (mon->pm != NULL)
		power_mgr_defer(mon->pm);
}

static void
handle_power(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm *vm = s->ch->vm;
	const struct cpu_list *pcpus = &vm->pcpus[req->resource_id];
	enum power_mgr_op op;
	int ret;

	mon->st.requests++;
	if (mon->pm == NULL || unit_op(req->unit, &op) < 0) {
		refuse(mon, s, req, "no frequency control on this host");
		return;
	}
	ret = power_mgr_request_set(mon->pm,
		POWER_MGR_VCPU(vm->id, req->resource_id), pcpus, op, 0);
	if (ret < 0) {
		refuse(mon, s, req, strerror(-ret));
		return;
	}
	cpu_list_add(&s->voted, (unsigned int)req->resource_id);
	mon->pass_requests++;
	answer(mon, s, req, VMP_PROTO_ACK);
}

/* First pCPU of @vcpu, where its frequency is read. */
static int
vcpu_info(struct monitor *mon, struct vm *vm, uint32_t vcpu,
		struct power_mgr_core_info *info)
{
	int cpu = cpu_list_next(&vm->pcpus[vcpu], 0);

	if (cpu < 0 || mon->pm == NULL)
		return -ENODEV;
	if (power_mgr_core_info(mon->pm, (unsigned int)cpu, info) < 0 ||
			info->state != POWER_MGR_CORE_READY)
		return -ENODEV;
	return cpu;
}

/* Our extension: the vCPU's frequency list, 8 entries from req->unit. */
static void
answer_freq_avail(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vmp_proto_freq_list r;
	struct power_mgr_core_info info;
	uint32_t *khz, n;
	int cpu = vcpu_info(mon, s->ch->vm, (uint32_t)req->resource_id,
		&info);

	if (cpu < 0 || req->unit >= info.nb_freqs) {
		refuse(mon, s, req, cpu < 0 ?
			"no frequency control for this vCPU" :
			"index past the frequency list");
		return;
	}
	khz = malloc(info.nb_freqs * sizeof(*khz));
	if (khz == NULL) {
		refuse(mon, s, req, "out of memory");
		return;
	}
	power_mgr_freqs(mon->pm, (unsigned int)cpu, khz, info.nb_freqs);
	n = RTE_MIN(info.nb_freqs - req->unit, (uint32_t)VMP_PROTO_LIST_SZ);
	memset(&r, 0, sizeof(r));
	r.resource_id = req->resource_id;
	r.command = VMP_PROTO_FREQ_AVAIL;
	r.unit = info.nb_freqs;
	r.num_vcpu = (uint8_t)n;
	memcpy(r.freq_list, khz + req->unit, n * sizeof(*khz));
	free(khz);
	queue_reply(mon, s, &r);
}

static void
handle_query(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm *vm = s->ch->vm;
	union {
		struct vmp_proto_freq_list f;
		struct vmp_proto_caps_list c;
	} r;
	struct power_mgr_core_info info;
	uint32_t first = 0, last = 0, v;
	int all = req->command == VMP_PROTO_QUERY_FREQ_LIST ||
		req->command == VMP_PROTO_QUERY_CAPS_LIST;

	mon->st.queries++;
	/* Answer from what is written, not what this pass has pending. */
	commit(mon);
	defer(mon);
	memset(&r, 0, sizeof(r));
	r.f.resource_id = req->resource_id;
	if (all) {
		last = RTE_MIN(vm->nb_vcpus, (uint32_t)VMP_PROTO_LIST_SZ);
	} else {
		first = (uint32_t)req->resource_id;
		last = first + 1;
	}
	if (req->command == VMP_PROTO_QUERY_FREQ_AVAIL) {
		answer_freq_avail(mon, s, req);
		return;
	}
	for (v = first; v < last; v++) {
		unsigned int slot = vmp_proto_slot(v);

		if (vcpu_info(mon, vm, v, &info) < 0) {
			refuse(mon, s, req, "no frequency control for this "
				"vCPU");
			return;
		}
		if (req->command == VMP_PROTO_QUERY_FREQ ||
				req->command == VMP_PROTO_QUERY_FREQ_LIST) {
			r.f.freq_list[slot] = info.cur_khz;
		} else {
			r.c.turbo[slot] = info.turbo;
			r.c.priority[slot] = info.priority;
		}
	}
	if (req->command == VMP_PROTO_QUERY_FREQ ||
			req->command == VMP_PROTO_QUERY_FREQ_LIST) {
		r.f.command = VMP_PROTO_FREQ_LIST;
		r.f.num_vcpu = (uint8_t)RTE_MIN(vm->nb_vcpus, (uint32_t)
			VMP_PROTO_LIST_SZ);
	} else {
		r.c.command = VMP_PROTO_CAPS_LIST;
		r.c.num_vcpu = (uint8_t)RTE_MIN(vm->nb_vcpus, (uint32_t)
			VMP_PROTO_LIST_SZ);
	}
	queue_reply(mon, s, &r);
}

static void
handle_packet(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm_channel *ch = s->ch;
	enum vmp_proto_verdict v;

	mon->st.packets++;
	ch->stats.requests++;
	v = vmp_proto_check(req, ch->vm->nb_vcpus, ch->vm->name);
	if (v != VMP_PROTO_VALID) {
		mon->st.rejected++;
		ch->stats.errors++;
		refuse(mon, s, req, vmp_proto_verdict_str(v));
		if (v != VMP_PROTO_POLICY_UNSUPPORTED &&
				++s->garbage == MONITOR_GARBAGE_LIMIT &&
				ch->enabled) {
			ch->enabled = 0;
			MON_LOG(WARNING, "VM %s channel %u: %d invalid packets "
				"in a row: channel disabled (enable it with "
				"set_channel_status)", ch->vm->name, ch->index,
				MONITOR_GARBAGE_LIMIT);
		}
		return;
	}
	s->garbage = 0;
	if (req->command == VMP_PROTO_CONNECT)
		return;
	if (!ch->enabled) {
		refuse(mon, s, req, "channel disabled");
		return;
	}
	if (req->command == VMP_PROTO_CPU_POWER)
		handle_power(mon, s, req);
	else
		handle_query(mon, s, req);
}

static void
set_events(struct monitor *mon, struct chan_state *s)
{
	struct epoll_event ev = { .data.ptr = s };

	ev.events = EPOLLRDHUP | (s->stall_since ? 0 : EPOLLIN) |
		(s->tx_len > 0 ? EPOLLOUT : 0);
	if (ev.events != s->events &&
			epoll_ctl(mon->epfd, EPOLL_CTL_MOD, s->ch->fd, &ev) == 0)
		s->events = ev.events;
}

static void
arm_stall_timer(struct monitor *mon, uint64_t ms)
{
	struct itimerspec its = {
		.it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 },
	};

	timerfd_settime(mon->tfd, 0, &its, NULL);
}

/*
 * The guest is behind on its replies: stop reading its requests until it
 * takes some (EPOLLOUT), for STALL_MS at most; a guest that reads none
 * in that time is taken as one that never reads (DPDK's own guest
 * library does not), and is served again with its replies dropped.
 */
static void
stall(struct monitor *mon, struct chan_state *s)
{
	s->stall_since = now_ms();
	set_events(mon, s);
	if (!mon->timer_armed) {
		arm_stall_timer(mon, STALL_MS);
		mon->timer_armed = 1;
	}
}

static void
stall_timer(struct monitor *mon)
{
	uint64_t t = now_ms(), next = 0, v;
	uint32_t i, c;

	if (read(mon->tfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		MON_LOG(ERR, "timerfd: %s", strerror(errno));
	mon->timer_armed = 0;
	for (i = 0; i < chmgr_nb_vms(mon->chmgr); i++) {
		struct vm *vm = chmgr_vm_at(mon->chmgr, i);

		for (c = 0; c < vm->nb_channels; c++) {
			struct chan_state *s = vm->channels[c]->priv;

			if (s == NULL || s->stall_since == 0)
				continue;
			if (t - s->stall_since < STALL_MS) {
				uint64_t left = STALL_MS - (t - s->stall_since);

				next = next == 0 ? left : RTE_MIN(next, left);
				continue;
			}
			CHAN_LOG(s, WARNING, "guest reads no replies: serving "
				"it with replies dropped");
			s->deaf = 1;
			s->stall_since = 0;
			set_events(mon, s);
		}
	}
	if (next > 0) {
		arm_stall_timer(mon, next);
		mon->timer_armed = 1;
	}
}

/* Read what the socket has, as far as the replies have room; hand on
 * every whole packet. */
static void
read_channel(struct monitor *mon, struct chan_state *s, int hup)
{
	size_t limit = sizeof(mon->buf) * READS_PER_PASS, got = 0;

	/* Room for the answers, unless nobody will read them anyway. */
	if (!s->deaf && !hup) {
		size_t room = (mon->tx_cap - s->tx_len) / PKT_SZ * PKT_SZ;

		if (room <= s->rx_len) {
			stall(mon, s);
			return;
		}
		limit = RTE_MIN(limit, room - s->rx_len);
	}
	while (got < limit) {
		ssize_t n = recv(s->ch->fd, mon->buf,
			RTE_MIN(sizeof(mon->buf), limit - got), MSG_DONTWAIT);
		size_t off = 0;

		if (n == 0) {
			s->hup = 1;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				mon->st.errors++;
				CHAN_LOG(s, ERR, "read: %s", strerror(errno));
				s->hup = 1;
			}
			break;
		}
		got += (size_t)n;
		/* Finish the packet that began in an earlier read. */
		if (s->rx_len > 0) {
			size_t take = RTE_MIN(PKT_SZ - s->rx_len, (size_t)n);

			memcpy(s->rx + s->rx_len, mon->buf, take);
			s->rx_len += take;
			off = take;
			if (s->rx_len == PKT_SZ) {
				struct vmp_proto_packet p;

				memcpy(&p, s->rx, PKT_SZ);
				s->rx_len = 0;
				handle_packet(mon, s, &p);
			}
		}
		while ((size_t)n - off >= PKT_SZ) {
			struct vmp_proto_packet p;

			memcpy(&p, mon->buf + off, PKT_SZ);
			off += PKT_SZ;
			handle_packet(mon, s, &p);
		}
		memcpy(s->rx + s->rx_len, mon->buf + off, (size_t)n - off);
		s->rx_len += (size_t)n - off;
	}
	touch(mon, s);
}

static void
flush_channel(struct monitor *mon, struct chan_state *s)
{
	size_t off = 0;

	while (off < s->tx_len) {
		ssize_t n = send(s->ch->fd, s->tx + off, s->tx_len - off,
			MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			/* Gone with replies pending: they are lost. */
			mon->st.errors++;
			s->hup = 1;
			off = s->tx_len;
		}
		break;
	}
	memmove(s->tx, s->tx + off, s->tx_len - off);
	s->tx_len -= off;
	if (off > 0) {
		/* It reads: serve it, and keep its answers again. */
		s->deaf = 0;
		s->stall_since = 0;
	}
	if (!s->hup)
		set_events(mon, s);
}

/* After a pass: write frequencies, then answers, then close what hung up. */
static void
end_pass(struct monitor *mon)
{
	struct chan_state *s, *next;

	commit(mon);
	for (s = mon->touched; s != NULL; s = s->next)
		if (s->tx_len > 0)
			flush_channel(mon, s);
	for (s = mon->touched; s != NULL; s = next) {
		next = s->next;
		s->listed = 0;
		s->next = NULL;
		if (s->hup)
			chmgr_channel_closed(mon->chmgr, s->ch);
	}
	mon->touched = NULL;
}

static void
run_jobs(struct monitor *mon)
{
	struct job *j;
	uint64_t v;

	if (read(mon->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		MON_LOG(ERR, "eventfd: %s", strerror(errno));
	for (;;) {
		pthread_mutex_lock(&mon->jobs_lock);
		j = mon->jobs;
		if (j != NULL) {
			mon->jobs = j->next;
			if (mon->jobs == NULL)
				mon->jobs_tail = &mon->jobs;
		}
		pthread_mutex_unlock(&mon->jobs_lock);
		if (j == NULL)
			break;
		j->fn(mon, j->arg);
		if (j->done != NULL)
			sem_post(j->done);
		else
			free(j);
	}
}

int
monitor_run(struct monitor *mon)
{
	struct epoll_event ev[EVENTS];
	int n, i;

	__atomic_store_n(&mon->tid, gettid(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&mon->quit, __ATOMIC_ACQUIRE)) {
		n = epoll_wait(mon->epfd, ev, EVENTS, -1);
		mon->st.wakeups++;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			MON_LOG(ERR, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		defer(mon);
		for (i = 0; i < n; i++) {
			struct chan_state *s = ev[i].data.ptr;

			if (s == (void *)&mon->evfd) {
				run_jobs(mon);
			} else if (s == (void *)&mon->tfd) {
				stall_timer(mon);
			} else if (s == (void *)&mon->sigfd) {
				MON_LOG(INFO, "signal received: stopping");
				mon->quit = 1;
			} else {
				uint32_t e = ev[i].events;

				if (e & EPOLLOUT)
					flush_channel(mon, s);
				if (e & (EPOLLIN | EPOLLHUP | EPOLLRDHUP |
						EPOLLERR))
					read_channel(mon, s, (e & (EPOLLHUP |
						EPOLLRDHUP | EPOLLERR)) != 0);
			}
		}
		end_pass(mon);
	}
	return 0;
}

void
monitor_stop(struct monitor *mon)
{
	uint64_t one = 1;

	__atomic_store_n(&mon->quit, 1, __ATOMIC_RELEASE);
	if (write(mon->evfd, &one, sizeof(one)) < 0)
		return;
}

static int
add_job(struct monitor *mon, struct job *j)
{
	uint64_t one = 1;

	pthread_mutex_lock(&mon->jobs_lock);
	*mon->jobs_tail = j;
	mon->jobs_tail = &j->next;
	pthread_mutex_unlock(&mon->jobs_lock);
	return write(mon->evfd, &one, sizeof(one)) < 0 ? -errno : 0;
}

int
monitor_call(struct monitor *mon, monitor_fn fn, void *arg)
{
	struct job j = { .fn = fn, .arg = arg };
	sem_t done;
	int ret;

	/* On the loop already, or before it runs: nothing to hand over. */
	if (__atomic_load_n(&mon->tid, __ATOMIC_ACQUIRE) == 0 ||
			mon->tid == gettid()) {
		fn(mon, arg);
		return 0;
	}
	sem_init(&done, 0, 0);
	j.done = &done;
	ret = add_job(mon, &j);
	if (ret == 0)
		while (sem_wait(&done) < 0 && errno == EINTR)
			;
	sem_destroy(&done);
	return ret;
}

int
monitor_post(struct monitor *mon, monitor_fn fn, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -ENOMEM;
	j->fn = fn;
	j->arg = arg;
	return add_job(mon, j);
}

static void
hook_channel_up(struct vm_channel *ch, void *opaque)
{
	struct monitor *mon = opaque;
	struct chan_state *s = calloc(1, sizeof(*s));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

	if (s == NULL || cpu_list_init(&s->voted, ch->vm->nb_vcpus) < 0) {
		free(s);
		MON_LOG(ERR, "VM %s channel %u: out of memory, not watched",
			ch->vm->name, ch->index);
		return;
	}
	s->ch = ch;
	s->events = ev.events;
	ev.data.ptr = s;
	if (epoll_ctl(mon->epfd, EPOLL_CTL_ADD, ch->fd, &ev) < 0) {
		MON_LOG(ERR, "VM %s channel %u: epoll: %s", ch->vm->name,
			ch->index, strerror(errno));
		cpu_list_free(&s->voted);
		free(s);
		return;
	}
	ch->priv = s;
}

static void
unlist(struct monitor *mon, struct chan_state *s)
{
	struct chan_state **p;

	for (p = &mon->touched; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
}

static void
hook_channel_down(struct vm_channel *ch, void *opaque)
{
	struct monitor *mon = opaque;
	struct chan_state *s = ch->priv;
	int v;

	if (s == NULL)
		return;
	epoll_ctl(mon->epfd, EPOLL_CTL_DEL, ch->fd, NULL);
	/* The guest side of this channel is gone: so are its votes. */
	if (mon->pm != NULL)
		for (v = cpu_list_next(&s->voted, 0); v >= 0;
				v = cpu_list_next(&s->voted, (unsigned)v + 1))
			power_mgr_drop(mon->pm,
				POWER_MGR_VCPU(ch->vm->id, (uint32_t)v),
				POWER_MGR_ONE_MASK);
	if (s->listed)
		unlist(mon, s);
	cpu_list_free(&s->voted);
	free(s->tx);
	free(s);
	ch->priv = NULL;
}

static void
hook_vm_down(struct vm *vm, void *opaque)
{
	struct monitor *mon = opaque;

	if (mon->pm != NULL)
		power_mgr_drop(mon->pm, POWER_MGR_VCPU(vm->id, 0),
			POWER_MGR_VM_MASK);
}

int
monitor_create(const struct monitor_conf *conf, struct monitor **out)
{
	struct monitor *mon = calloc(1, sizeof(*mon));
	struct chmgr_conf cc = {
		.channel_dir = conf->channel_dir,
		.channel_up = hook_channel_up,
		.channel_down = hook_channel_down,
		.vm_down = hook_vm_down,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t sigs;
	int ret = -ENOMEM;

	if (mon == NULL)
		return -ENOMEM;
	mon->epfd = mon->evfd = mon->sigfd = mon->tfd = -1;
	mon->pm = conf->pm;
	mon->tx_cap = (conf->backlog ? conf->backlog : 64) * PKT_SZ;
	mon->jobs_tail = &mon->jobs;
	pthread_mutex_init(&mon->jobs_lock, NULL);
	cc.opaque = mon;
	mon->epfd = epoll_create1(EPOLL_CLOEXEC);
	mon->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (mon->epfd < 0 || mon->evfd < 0)
		goto fail_errno;
	ev.data.ptr = &mon->evfd;
	if (epoll_ctl(mon->epfd, EPOLL_CTL_ADD, mon->evfd, &ev) < 0)
		goto fail_errno;
	mon->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ev.data.ptr = &mon->tfd;
	if (mon->tfd < 0 ||
			epoll_ctl(mon->epfd, EPOLL_CTL_ADD, mon->tfd, &ev) < 0)
		goto fail_errno;
	if (conf->signals) {
		sigemptyset(&sigs);
		sigaddset(&sigs, SIGINT);
		sigaddset(&sigs, SIGTERM);
		mon->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
		ev.data.ptr = &mon->sigfd;
		if (mon->sigfd < 0 ||
				epoll_ctl(mon->epfd, EPOLL_CTL_ADD, mon->sigfd,
				&ev) < 0)
			goto fail_errno;
	}
	ret = chmgr_create(&cc, &mon->chmgr);
	if (ret < 0)
		goto fail;
	*out = mon;
	return 0;
fail_errno:
	ret = -errno;
	MON_LOG(ERR, "cannot set up the event loop: %s", strerror(errno));
fail:
	monitor_destroy(mon);
	return ret;
}

void
monitor_destroy(struct monitor *mon)
{
	struct job *j;

	if (mon == NULL)
		return;
	chmgr_destroy(mon->chmgr);
	while ((j = mon->jobs) != NULL) {
		mon->jobs = j->next;
		if (j->done != NULL)
			sem_post(j->done);
		else
			free(j);
	}
	if (mon->sigfd >= 0)
		close(mon->sigfd);
	if (mon->tfd >= 0)
		close(mon->tfd);
	if (mon->evfd >= 0)
		close(mon->evfd);
	if (mon->epfd >= 0)
		close(mon->epfd);
	pthread_mutex_destroy(&mon->jobs_lock);
	free(mon);
}

struct chmgr *
monitor_chmgr(struct monitor *mon)
{
	return mon->chmgr;
}

struct power_mgr *
monitor_power(struct monitor *mon)
{
	return mon->pm;
}

void
monitor_get_stats(const struct monitor *mon, struct monitor_stats *st)
{
	*st = mon->st;
}

int
monitor_tid(const struct monitor *mon)
{
	return __atomic_load_n(&mon->tid, __ATOMIC_ACQUIRE);
}
