/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmdline.h>
#include <rte_log.h>

#include "vmp_dpdk_compat.h"

#include "channel_monitor.h"
#include "cli_commands.h"
#include "control_socket.h"

RTE_LOG_REGISTER(vmp_ctl_logtype, vmpower.control, INFO);

#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_ctl_logtype, \
		"CONTROL: " fmt "\n", ##__VA_ARGS__)

struct client {
	int fd;
	size_t len;		/* bytes of the line so far */
	int too_long;		/* skipping to the end of a long line */
	time_t since;		/* when its partial line began */
	char line[CONTROL_LINE_MAX + 1];
};

static struct {
	struct monitor *mon;
	struct cmdline *cl;	/* parses; never reads */
	char *path;
	int listen_fd;
	int stop_fd;
	rte_thread_t thread;
	int running;
	struct client *clients;	/* grows with use, CONTROL_MAX_CLIENTS */
	unsigned int nb_clients;
	unsigned int cap;
} ctl = { .listen_fd = -1, .stop_fd = -1 };

static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* "ok <n>\n<text>" or "error <n>\n<text>". @return 0, or -1: drop it. */
static int
answer(int fd, int ok, const char *text, size_t len)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "%s %zu\n", ok ? "ok" : "error",
		len);
	struct iovec iov[2] = {
		{ .iov_base = head, .iov_len = (size_t)n },
		{ .iov_base = (void *)(uintptr_t)text, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t want = (size_t)n + len;
	ssize_t sent;

	/* Blocking, bounded by SO_SNDTIMEO: a client that does not read
	 * its answers is dropped, never waited for. */
	sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
	return sent == (ssize_t)want ? 0 : -1;
}

static void
drop(unsigned int i)
{
	close(ctl.clients[i].fd);
	ctl.clients[i] = ctl.clients[--ctl.nb_clients];
}

/* Run one line of client @c. @return 0, or -1: drop it. */
static int
run(struct client *c)
{
	struct cli_session s = { 0 };
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (c->too_long) {
		static const char msg[] = "line longer than 1023 bytes\n";

		return answer(c->fd, 0, msg, sizeof(msg) - 1);
	}
	c->line[c->len] = '\0';
	/* Text only: a NUL would cut the line, escapes reach terminals. */
	for (len = 0; len + 1 < c->len; len++)
		if (((unsigned char)c->line[len] < 0x20 &&
				c->line[len] != '\t') || c->line[len] == 0x7f) {
			static const char msg[] = "the line holds control "
				"characters: not a command\n";

			return answer(c->fd, 0, msg, sizeof(msg) - 1);
		}
	len = 0;
	s.out = open_memstream(&text, &len);
	if (s.out == NULL)
		return answer(c->fd, 0, "out of memory\n", 14);
	cli_commands_run(ctl.cl, &s, c->line);
	if (s.quit)
		fprintf(s.out, "stopping\n");
	fclose(s.out);
	ret = answer(c->fd, s.ret == 0, text, len);
	free(text);
	if (s.quit) {
		CTL_LOG(INFO, "quit from the control socket");
		monitor_stop(ctl.mon);
	}
	return ret;
}

/* What client @i sent: whole lines run in order. @return -1: drop it. */
static int
serve(unsigned int i)
{
	struct client *c = &ctl.clients[i];
	char buf[512];
	ssize_t n, k;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;	/* gone, even mid-line: nothing ran for it */
	for (k = 0; k < n; k++) {
		if (c->len == 0 && !c->too_long)
			c->since = now();
		if (buf[k] != '\n') {
			if (c->len < CONTROL_LINE_MAX - 1)
				c->line[c->len++] = buf[k];
			else
				c->too_long = 1;
			continue;
		}
		c->line[c->len++] = '\n';
		if (run(c) < 0)
			return -1;
		c->len = 0;
		c->too_long = 0;
	}
	return 0;
}

/* Root or the daemon's own user only. */
static int
peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return 0;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* @return 0 once one was taken (or refused), -1 when none waits. */
static int
accept_client(void)
{
	struct timeval tv = { .tv_sec = 1 };
	struct client *grown;
	int fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	if (!peer_allowed(fd)) {
		CTL_LOG(WARNING, "connection from another user refused");
		close(fd);
		return 0;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ctl.nb_clients >= CONTROL_MAX_CLIENTS) {
		static const char msg[] = "too many clients\n";

		answer(fd, 0, msg, sizeof(msg) - 1);
		close(fd);
		return 0;
	}
	if (ctl.nb_clients == ctl.cap) {
		unsigned int cap = ctl.cap ? ctl.cap * 2 : 4;

		grown = realloc(ctl.clients, cap * sizeof(*grown));
		if (grown == NULL) {
			close(fd);
			return 0;
		}
		ctl.clients = grown;
		ctl.cap = cap;
	}
	memset(&ctl.clients[ctl.nb_clients], 0, sizeof(*ctl.clients));
	ctl.clients[ctl.nb_clients++].fd = fd;
	return 0;
}

static uint32_t
control_main(void *arg)
{
	struct pollfd *pfd = NULL, *grown;
	unsigned int i, n, cap = 0;
	int ret;

	(void)arg;
	for (;;) {
		n = ctl.nb_clients + 2;
		if (n > cap) {
			grown = realloc(pfd, n * sizeof(*pfd));
			if (grown == NULL)
				break;
			pfd = grown;
			cap = n;
		}
		if (pfd == NULL)
			break;
		pfd[0] = (struct pollfd){ .fd = ctl.stop_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ctl.listen_fd,
			.events = POLLIN };
		for (i = 0; i < ctl.nb_clients; i++)
			pfd[i + 2] = (struct pollfd){ .fd = ctl.clients[i].fd,
				.events = POLLIN };
		/* Wakes once a second only while a line is half sent. */
		ret = poll(pfd, n, ctl.nb_clients > 0 ? 1000 : -1);
		if (ret < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		/* Backwards: drop() moves the last client into slot i. */
		for (i = ctl.nb_clients; i-- > 0;) {
			struct client *c = &ctl.clients[i];

			/* Gone, or a line left half sent too long. */
			if ((pfd[i + 2].revents && serve(i) < 0) ||
					((c->len > 0 || c->too_long) &&
					now() - c->since > CONTROL_IDLE_S))
				drop(i);
		}
		/* Every waiting client, not one a pass. */
		if (pfd[1].revents & POLLIN)
			while (accept_client() == 0)
				;
	}
	free(pfd);
	return 0;
}

/* A live daemon answers at @sa; a stale file does not. */
static int
path_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret = fd >= 0 && connect(fd, (const struct sockaddr *)sa,
		sizeof(*sa)) == 0;

	if (fd >= 0)
		close(fd);
	return ret;
}

static int
listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		CTL_LOG(ERR, "%s: too long for a unix socket path", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			CTL_LOG(ERR, "%s exists and is not a socket: not "
				"replaced", path);
			return -EEXIST;
		}
		if (path_in_use(&sa)) {
			CTL_LOG(ERR, "%s: another daemon answers there", path);
			return -EADDRINUSE;
		}
		unlink(path);	/* left by a daemon that died */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Mode 0600 from the start: no window where others may connect. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		CTL_LOG(ERR, "cannot listen at %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int
control_socket_start(struct monitor *mon, const char *path)
{
	int ret;

	ctl.mon = mon;
	ctl.listen_fd = listen_at(path);
	if (ctl.listen_fd < 0)
		return ctl.listen_fd;
	ctl.path = strdup(path);
	ctl.stop_fd = eventfd(0, EFD_CLOEXEC);
	ctl.cl = cli_commands_new(-1, -1);
	ret = ctl.path == NULL || ctl.stop_fd < 0 || ctl.cl == NULL ?
		-ENOMEM : rte_thread_create_control(&ctl.thread, "vmp-control",
			control_main, NULL);
	if (ret != 0) {
		CTL_LOG(ERR, "cannot serve %s: %s", path, strerror(abs(ret)));
		control_socket_stop();
		return ret < 0 ? ret : -ret;
	}
	ctl.running = 1;
	CTL_LOG(INFO, "commands accepted at %s", path);
	return 0;
}

void
control_socket_stop(void)
{
	uint64_t one = 1;

	if (ctl.running && write(ctl.stop_fd, &one, sizeof(one)) ==
			sizeof(one))
		rte_thread_join(ctl.thread, NULL);
	ctl.running = 0;
	while (ctl.nb_clients > 0)
		drop(ctl.nb_clients - 1);
	free(ctl.clients);
	ctl.clients = NULL;
	ctl.cap = 0;
	if (ctl.listen_fd >= 0) {
		close(ctl.listen_fd);
		unlink(ctl.path);
	}
	ctl.listen_fd = -1;
	if (ctl.stop_fd >= 0)
		close(ctl.stop_fd);
	ctl.stop_fd = -1;
	if (ctl.cl != NULL)
		cmdline_free(ctl.cl);
	ctl.cl = NULL;
	free(ctl.path);
	ctl.path = NULL;
}
