/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel_monitor_private.h"

/*
 * The job queue: how other threads (CLI, libvirt's, telemetry's, the
 * service watchdog) hand work to the loop, the one owner of channels,
 * votes and policies. The list is the only thing under jobs_lock; a job
 * runs on the loop, between epoll batches, never inside one.
 */

static int
add_job(struct monitor *mon, struct job *j)
{
	uint64_t one = 1;

	pthread_mutex_lock(&mon->jobs_lock);
	if (mon->closed) {
		pthread_mutex_unlock(&mon->jobs_lock);
		return -ESHUTDOWN;
	}
	*mon->jobs_tail = j;
	mon->jobs_tail = &j->next;
	pthread_mutex_unlock(&mon->jobs_lock);
	return write(mon->evfd, &one, sizeof(one)) < 0 ? -errno : 0;
}

void
monitor_jobs_run(struct monitor *mon)
{
	struct job *j;
	uint64_t v;

	if (mon->evfd >= 0 && read(mon->evfd, &v, sizeof(v)) < 0 &&
			errno != EAGAIN)
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
		/* What a job changed is written, and counted, before anyone
		 * hears back. */
		monitor_defer(mon);
		j->fn(mon, j->arg);
		/* Policies of vCPUs the job re-pinned vote on the new set. */
		if (mon->pol != NULL)
			policy_revote(mon->pol);
		monitor_commit(mon);
		if (j->done != NULL)
			sem_post(j->done);
		else
			free(j);
	}
}

void
monitor_jobs_close(struct monitor *mon)
{
	/* Later callers are told so; those already queued are served. */
	pthread_mutex_lock(&mon->jobs_lock);
	mon->closed = 1;
	pthread_mutex_unlock(&mon->jobs_lock);
	monitor_jobs_run(mon);
}

int
monitor_call(struct monitor *mon, monitor_fn fn, void *arg)
{
	struct job j = { .fn = fn, .arg = arg };
	sem_t done;
	pid_t tid;
	int ret;

	/*
	 * On the loop already: nothing to hand over. Before the loop runs,
	 * the job waits for it: a thread it is starting on may be past
	 * epoll_wait() before its id is stored (TSan saw the race).
	 */
	tid = __atomic_load_n(&mon->tid, __ATOMIC_ACQUIRE);
	if (tid != 0 && tid == gettid()) {
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
	int ret;

	if (j == NULL)
		return -ENOMEM;
	j->fn = fn;
	j->arg = arg;
	ret = add_job(mon, j);
	if (ret < 0)
		free(j);
	return ret;
}

void
monitor_flush(struct monitor *mon)
{
	monitor_commit(mon);
	monitor_defer(mon);
}

void
monitor_set_stale_hook(struct monitor *mon, void (*fn)(void *arg),
		void *arg)
{
	mon->stale_hook = fn;
	mon->stale_arg = arg;
}
