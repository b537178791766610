/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <rte_log.h>

#include "vmp_dpdk_compat.h"

#include "channel_monitor.h"
#include "service.h"

static struct {
	uint64_t watchdog_us;	/* 0: no watchdog */
	int stop_fd;
	rte_thread_t thread;
	int running;
	struct monitor *mon;
	int at_line_start;
} svc = { .stop_fd = -1, .at_line_start = 1 };

/*
 * stderr for the journal: each line starts with "<N>", N the syslog
 * priority of the rte_log message being written (rte_log's levels 1-8
 * are syslog's 0-7).
 */
static ssize_t
journal_write(void *cookie, const char *buf, size_t size)
{
	size_t i, start = 0;
	char pfx[8];
	int level;

	(void)cookie;
	for (i = 0; i < size; i++) {
		if (svc.at_line_start) {
			level = rte_log_cur_msg_loglevel();
			snprintf(pfx, sizeof(pfx), "<%d>",
				level >= 1 && level <= 8 ? level - 1 : 6);
			if (fputs(pfx, stderr) < 0)
				return -1;
			svc.at_line_start = 0;
		}
		if (buf[i] == '\n') {
			if (fwrite(buf + start, 1, i + 1 - start, stderr) !=
					i + 1 - start)
				return -1;
			start = i + 1;
			svc.at_line_start = 1;
		}
	}
	if (start < size &&
			fwrite(buf + start, 1, size - start, stderr) !=
			size - start)
		return -1;
	fflush(stderr);
	return (ssize_t)size;
}

/* stderr is the journal's stream ($JOURNAL_STREAM names its device and
 * inode), not a terminal or a file the unit redirected it to. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 &&
		(unsigned long long)st.st_dev == dev &&
		(unsigned long long)st.st_ino == ino;
}

void
service_log_init(void)
{
	cookie_io_functions_t io = { .write = journal_write };
	FILE *f;

	if (!stderr_is_journal())
		return;
	f = fopencookie(NULL, "w", io);
	if (f == NULL)
		return;
	setvbuf(f, NULL, _IOLBF, 0);
	rte_openlog_stream(f);
}

static void
alive(struct monitor *mon, void *arg)
{
	(void)mon;
	(void)arg;
}

/* Ping at half the watchdog's period, after the loop answered a call. */
static uint32_t
watchdog_main(void *arg)
{
	struct pollfd p = { .fd = svc.stop_fd, .events = POLLIN };
	int ms = (int)(svc.watchdog_us / 2000);

	(void)arg;
	while (poll(&p, 1, ms > 0 ? ms : 1) == 0 ||
			(p.revents == 0 && errno == EINTR))
		if (monitor_call(svc.mon, alive, NULL) == 0)
			sd_notify(0, "WATCHDOG=1");
	return 0;
}

void
service_ready(struct monitor *mon, const char *status)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	sd_notify(0, msg);
	if (sd_watchdog_enabled(0, &svc.watchdog_us) <= 0 ||
			svc.watchdog_us == 0)
		return;
	svc.mon = mon;
	svc.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (svc.stop_fd < 0 || rte_thread_create_control(&svc.thread,
			"vmp-watchdog", watchdog_main, NULL) != 0) {
		if (svc.stop_fd >= 0)
			close(svc.stop_fd);
		svc.stop_fd = -1;
		return;
	}
	svc.running = 1;
}

void
service_stopping(void)
{
	uint64_t one = 1;

	sd_notify(0, "STOPPING=1");
	if (!svc.running)
		return;
	if (write(svc.stop_fd, &one, sizeof(one)) == sizeof(one))
		rte_thread_join(svc.thread, NULL);
	close(svc.stop_fd);
	svc.stop_fd = -1;
	svc.running = 0;
}
