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
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include <vmp_protocol.h>

#include "channel_monitor_private.h"
#include "cpu_hotplug.h"
#include "host_channels.h"
#include "power_manager.h"

RTE_LOG_REGISTER(vmp_monitor_logtype, vmpower.monitor, INFO);

int
monitor_log_ok(struct chan_state *s)
{
	return monitor_log_take(&s->log);
}

void
monitor_queue_reply(struct monitor *mon, struct chan_state *s,
		const void *reply)
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
	if (reply_queue_add(&mon->touched, &s->txq, reply, len,
			mon->tx_cap) < 0) {
		mon->st.dropped++;
		CHAN_LOG(s, WARNING, "guest is not reading replies, "
			"dropping one (backlog full)");
	}
}

static void
set_events(struct monitor *mon, struct chan_state *s)
{
	struct epoll_event ev = { .data.ptr = s };

	ev.events = EPOLLRDHUP | (s->stall_since ? 0 : EPOLLIN) |
		(s->txq.len > 0 ? EPOLLOUT : 0);
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
	s->stall_since = monitor_now_ms();
	set_events(mon, s);
	if (!mon->timer_armed) {
		arm_stall_timer(mon, STALL_MS);
		mon->timer_armed = 1;
	}
}

static void
stall_timer(struct monitor *mon)
{
	uint64_t t = monitor_now_ms(), next = 0, v;
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

struct feed_ctx {
	struct monitor *mon;
	struct chan_state *s;
};

static void
feed_packet(const struct vmp_proto_packet *p, void *arg)
{
	struct feed_ctx *c = arg;

	monitor_handle_packet(c->mon, c->s, p);
}

/* Read what the socket has, as far as the replies have room; hand on
 * every whole packet. */
static void
read_channel(struct monitor *mon, struct chan_state *s, int hup)
{
	size_t limit = sizeof(mon->buf) * READS_PER_PASS, got = 0;
	struct feed_ctx ctx = { .mon = mon, .s = s };

	/* Room for the answers, unless nobody will read them anyway. */
	if (!s->deaf && !hup) {
		size_t room = reply_queue_room(&s->txq, mon->tx_cap);

		if (room <= s->rx.rx_len) {
			stall(mon, s);
			return;
		}
		limit = RTE_MIN(limit, room - s->rx.rx_len);
	}
	while (got < limit) {
		ssize_t n = recv(s->ch->fd, mon->buf,
			RTE_MIN(sizeof(mon->buf), limit - got), MSG_DONTWAIT);

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
		pkt_stream_feed(&s->rx, mon->buf, (size_t)n, feed_packet, &ctx);
	}
	if (got > 0 && s->rx.rx_len > 0)
		mon->st.partial++;
	reply_queue_touch(&mon->touched, &s->txq);
}

/*
 * The peer is gone while answers were pending: what it sent before it
 * went still counts (a guest may write and close before we read). Its
 * answers have nowhere to go.
 */
static void
drain_channel(struct monitor *mon, struct chan_state *s)
{
	struct feed_ctx ctx = { .mon = mon, .s = s };
	ssize_t n;

	while ((n = recv(s->ch->fd, mon->buf, sizeof(mon->buf),
			MSG_DONTWAIT)) > 0) {
		pkt_stream_feed(&s->rx, mon->buf, (size_t)n, feed_packet, &ctx);
		reply_queue_clear(&s->txq);
	}
}

static void
flush_channel(struct monitor *mon, struct chan_state *s)
{
	ssize_t n = reply_queue_flush(&s->txq, s->ch->fd);

	if (n < 0) {
		/* Gone with replies pending: they are lost. */
		mon->st.errors++;
		s->hup = 1;
		drain_channel(mon, s);
	} else if (n > 0) {
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
	struct reply_queue *q;
	struct chan_state *s;

	monitor_commit(mon);
	for (q = mon->touched; q != NULL; q = q->next)
		if (q->len > 0)
			flush_channel(mon, container_of(q, struct chan_state,
				txq));
	/* A channel closed drops its votes and its vCPUs' policies vote
	 * again: one commit for both, or a CPU a policy still holds would
	 * be handed back to its governor and taken again in between. */
	monitor_defer(mon);
	while ((q = reply_queue_pop(&mon->touched)) != NULL) {
		s = container_of(q, struct chan_state, txq);
		if (s->hup)
			chmgr_channel_closed(mon->chmgr, s->ch);
	}
	host_channels_end_pass(mon->hc);
	/* What a drained or closed channel changed (queries defer again). */
	monitor_commit(mon);
}

int
monitor_run(struct monitor *mon)
{
	struct epoll_event ev[EVENTS];
	int n, i, jobs, ret;

	__atomic_store_n(&mon->tid, gettid(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&mon->quit, __ATOMIC_ACQUIRE)) {
		n = epoll_wait(mon->epfd, ev, EVENTS, -1);
		mon->st.wakeups++;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			MON_LOG(ERR, "epoll_wait: %s", strerror(errno));
			monitor_jobs_close(mon);
			return ret;
		}
		monitor_defer(mon);
		jobs = 0;
		for (i = 0; i < n; i++) {
			struct chan_state *s = ev[i].data.ptr;

			/*
			 * Jobs wait for the end of the batch: one may close
			 * channels whose events are still in ev[].
			 */
			if (s == (void *)&mon->evfd) {
				jobs = 1;
			} else if (s == (void *)&mon->tfd) {
				stall_timer(mon);
			} else if (s == (void *)&mon->hp) {
				if (cpu_hotplug_read(mon->hp) < 0)
					mon->st.errors++;
			} else if (policy_event(mon->pol, s) ||
					host_channels_event(mon->hc, s,
					ev[i].events)) {
				continue;
			} else if (s == (void *)&mon->sigfd) {
				MON_LOG(INFO, "signal received: stopping");
				__atomic_store_n(&mon->quit, 1,
					__ATOMIC_RELEASE);
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
		if (jobs)
			monitor_jobs_run(mon);
	}
	monitor_jobs_close(mon);
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
hook_channel_up(struct vm_channel *ch, void *opaque)
{
	struct monitor *mon = opaque;
	struct chan_state *s = calloc(1, sizeof(*s));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int ret;

	if (s == NULL || cpu_list_init(&s->voted, ch->vm->nb_vcpus) < 0) {
		free(s);
		return -ENOMEM;
	}
	s->ch = ch;
	s->events = ev.events;
	monitor_rate_init(mon, &s->rate);
	ev.data.ptr = s;
	if (epoll_ctl(mon->epfd, EPOLL_CTL_ADD, ch->fd, &ev) < 0) {
		ret = -errno;
		cpu_list_free(&s->voted);
		free(s);
		return ret;
	}
	ch->priv = s;
	monitor_resync_up(mon, s);
	if (s->txq.len > 0)
		flush_channel(mon, s);
	return 0;
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
	/* The guest side of this channel is gone: so are its votes; the
	 * policies of those vCPUs take over again. */
	if (mon->pm != NULL) {
		for (v = cpu_list_next(&s->voted, 0); v >= 0;
				v = cpu_list_next(&s->voted, (unsigned)v + 1)) {
			power_mgr_drop(mon->pm,
				POWER_MGR_VCPU(ch->vm->id, (uint32_t)v),
				POWER_MGR_ONE_MASK);
			policy_vote_lost(mon->pol, ch->vm, (uint32_t)v);
		}
		policy_revote(mon->pol);
	}
	reply_queue_unlist(&mon->touched, &s->txq);
	cpu_list_free(&s->voted);
	reply_queue_free(&s->txq);
	free(s);
	ch->priv = NULL;
}

static void
hook_vm_down(struct vm *vm, void *opaque)
{
	struct monitor *mon = opaque;

	monitor_resync_forget(mon, vm);
	policy_vm_down(mon->pol, vm);
	if (mon->pm != NULL)
		power_mgr_drop(mon->pm, POWER_MGR_VCPU(vm->id, 0),
			POWER_MGR_VM_MASK);
}

void
monitor_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/* Re-pinned or unplugged: the vCPU's votes leave its old pCPUs. */
static void
hook_vcpu_moved(struct vm *vm, uint32_t vcpu, void *opaque)
{
	struct monitor *mon = opaque;

	if (mon->pm != NULL)
		power_mgr_drop(mon->pm, POWER_MGR_VCPU(vm->id, vcpu),
			POWER_MGR_ONE_MASK);
	policy_vcpu_moved(mon->pol, vm, vcpu);
}

int
monitor_create(const struct monitor_conf *conf, struct monitor **out)
{
	struct monitor *mon = calloc(1, sizeof(*mon));
	struct chmgr_conf cc = {
		.channel_dir = conf->channel_dir,
		.auto_serve = conf->auto_serve,
		.channel_up = hook_channel_up,
		.channel_down = hook_channel_down,
		.vm_down = hook_vm_down,
		.vcpu_moved = hook_vcpu_moved,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	struct policy_conf pc = { 0 };
	sigset_t sigs;
	int ret = -ENOMEM;

	if (mon == NULL)
		return -ENOMEM;
	mon->epfd = mon->evfd = mon->sigfd = mon->tfd = -1;
	mon->pm = conf->pm;
	mon->tx_cap = (conf->backlog ? conf->backlog : 64) * PKT_SZ;
	mon->rate = conf->rate_limit < 0 ? 0 : conf->rate_limit == 0 ?
		MONITOR_DEFAULT_RATE : (uint64_t)conf->rate_limit;
	mon->max_pin_set = conf->max_pin_set ? conf->max_pin_set :
		MONITOR_DEFAULT_PIN_SET;
	mon->clock_ms = conf->clock_ms;
	mon->clock_arg = conf->clock_arg;
	mon->jobs_tail = &mon->jobs;
	if (conf->state_dir != NULL) {
		mon->state_dir = strdup(conf->state_dir);
		if (mon->state_dir == NULL) {
			free(mon);
			return -ENOMEM;
		}
	}
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
		monitor_stop_signals(&sigs);
		mon->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
		ev.data.ptr = &mon->sigfd;
		if (mon->sigfd < 0 ||
				epoll_ctl(mon->epfd, EPOLL_CTL_ADD, mon->sigfd,
				&ev) < 0)
			goto fail_errno;
	}
	/* Not fatal: a sandbox without netlink still runs (logged). */
	if (conf->pm != NULL && conf->hotplug_rcvbuf >= 0 &&
			cpu_hotplug_open(conf->pm, conf->hotplug_rcvbuf,
			&mon->hp) == 0) {
		ev.data.ptr = &mon->hp;
		if (epoll_ctl(mon->epfd, EPOLL_CTL_ADD,
				cpu_hotplug_fd(mon->hp), &ev) < 0)
			goto fail_errno;
	}
	pc.pm = conf->pm;
	pc.epfd = mon->epfd;
	pc.max_pin_set = mon->max_pin_set;
	pc.time_offset_s = conf->policy_time_offset_s;
	pc.libvirt_uri = conf->libvirt_uri;
	pc.traffic_period_ms = conf->traffic_period_ms;
	pc.branch_period_us = conf->branch_period_us;
	pc.branch_threshold = conf->branch_threshold;
	pc.branch_events = conf->branch_events;
	pc.mon = mon;
	ret = policy_set_create(&pc, &mon->pol);
	if (ret < 0)
		goto fail;
	ret = chmgr_create(&cc, &mon->chmgr);
	if (ret < 0)
		goto fail;
	if (conf->host != NULL && conf->host->dir != NULL) {
		ret = host_channels_create(mon, conf->host, &mon->hc);
		if (ret < 0)
			goto fail;
	}
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
	if (mon == NULL)
		return;
	/* A loop that never ran, or failed: its jobs still run (and free
	 * what they own) while the state they use exists. */
	monitor_jobs_close(mon);
	host_channels_destroy(mon->hc);
	chmgr_destroy(mon->chmgr);
	policy_set_destroy(mon->pol);
	cpu_hotplug_close(mon->hp);
	if (mon->sigfd >= 0)
		close(mon->sigfd);
	if (mon->tfd >= 0)
		close(mon->tfd);
	if (mon->evfd >= 0)
		close(mon->evfd);
	if (mon->epfd >= 0)
		close(mon->epfd);
	pthread_mutex_destroy(&mon->jobs_lock);
	free(mon->pending);
	free(mon->state_dir);
	free(mon);
}

struct policy_set *
monitor_policies(struct monitor *mon)
{
	return mon->pol;
}

struct host_channels *
monitor_host_channels(struct monitor *mon)
{
	return mon->hc;
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
	struct cpu_hotplug_stats hs;

	*st = mon->st;
	if (mon->hp != NULL) {
		cpu_hotplug_get_stats(mon->hp, &hs);
		st->hotplug = hs.events;
		st->hotplug_ignored = hs.ignored;
		st->resyncs = hs.overruns;
	}
}

int
monitor_tid(const struct monitor *mon)
{
	return __atomic_load_n(&mon->tid, __ATOMIC_ACQUIRE);
}
