/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The two ways to the host daemon: an lcore's virtio-serial port (in a
 * VM), or a connection to the daemon's host channel socket (a process on
 * the host, e.g. in a container). Which one is chosen at each open:
 * vmp_guest_channel_set_host_socket()'s path if set, else the
 * environment's VMPOWER_HOST_SOCKET if set and not empty, else the port.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "vmp_guest_channel.h"
#include "vmp_guest_channel_private.h"

static char host_socket[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* The single CPU an lcore is pinned to is the vCPU the host must scale. */
static uint32_t
virtio_resource(unsigned int lcore_id)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore_id);
	unsigned int cpu;

	if (CPU_COUNT(&set) != 1)
		return lcore_id;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return lcore_id;
}

static int
virtio_open(struct channel *ch, unsigned int lcore_id, const char *prefix)
{
	int ret;

	if (snprintf(ch->path, sizeof(ch->path), "%s.%u", prefix, lcore_id)
			>= (int)sizeof(ch->path)) {
		GUEST_LOG(ERR, "%s.%u: path too long", prefix, lcore_id);
		return -ENAMETOOLONG;
	}
	ch->fd = open(ch->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (ch->fd < 0) {
		ret = -errno;
		GUEST_LOG(ERR, "%s: cannot open power channel of lcore %u: %s",
			ch->path, lcore_id, strerror(errno));
		return ret;
	}
	/* virtio ports allow one opener; a pty or file needs the lock. */
	if (flock(ch->fd, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		GUEST_LOG(ERR, "%s: channel is held by another opener",
			ch->path);
		close(ch->fd);
		ch->fd = -1;
		return ret;
	}
	return 0;
}

static ssize_t
virtio_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

/*
 * On the host the lcore's own CPU is the one to scale: the one CPU its
 * thread is pinned to. rte_lcore_to_cpu_id() only where that is not
 * one CPU: it is the CPU's topology core_id (siblings share one), and
 * with --lcores 0@1 it says 0 (measured on 22.11).
 */
static uint32_t
host_resource(unsigned int lcore_id)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore_id);
	int cpu;

	if (CPU_COUNT(&set) == 1)
		return virtio_resource(lcore_id);
	cpu = rte_lcore_to_cpu_id((int)lcore_id);
	return cpu >= 0 ? (uint32_t)cpu : lcore_id;
}

/* A connection to the daemon's socket at @path. @return fd or -errno. */
static int
host_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	/* The caller checked the length (host_socket's size). */
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A local connect completes at once or fails (no EINPROGRESS). */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int
host_open(struct channel *ch, unsigned int lcore_id, const char *path)
{
	int fd;

	snprintf(ch->path, sizeof(ch->path), "%s", path);
	fd = host_connect(path);
	if (fd < 0) {
		GUEST_LOG(ERR, "%s: cannot reach the host daemon for lcore "
			"%u: %s", path, lcore_id, strerror(-fd));
		ch->fd = -1;
		return fd;
	}
	ch->fd = fd;
	return 0;
}

static int
host_reconnect(const struct channel *ch)
{
	return host_connect(ch->path);
}

/* A daemon gone must not kill the application with SIGPIPE. */
static ssize_t
host_write(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL);
}

const struct gc_transport gc_virtio = {
	.name = "virtio-serial",
	.open = virtio_open,
	.write = virtio_write,
	.resource = virtio_resource,
	.core_type = VMP_PROTO_CORE_VIRTUAL,
};

const struct gc_transport gc_host = {
	.name = "host socket",
	.open = host_open,
	.write = host_write,
	.reconnect = host_reconnect,
	.resource = host_resource,
	.core_type = VMP_PROTO_CORE_PHYSICAL,
};

int
vmp_guest_channel_set_host_socket(const char *path)
{
	if (path == NULL || path[0] == '\0') {
		host_socket[0] = '\0';
		return 0;
	}
	if (strlen(path) >= sizeof(host_socket)) {
		GUEST_LOG(ERR, "host socket path '%s' is longer than %zu bytes",
			path, sizeof(host_socket) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(host_socket, path, strlen(path) + 1);
	return 0;
}

const struct gc_transport *
gc_transport_pick(const char **where, const char *prefix)
{
	const char *env = getenv(VMP_GUEST_HOST_SOCKET_ENV);

	if (host_socket[0] != '\0') {
		*where = host_socket;
		return &gc_host;
	}
	if (env != NULL && env[0] != '\0') {
		if (strlen(env) >= sizeof(host_socket)) {
			GUEST_LOG(ERR, "%s='%s' is too long for a socket path",
				VMP_GUEST_HOST_SOCKET_ENV, env);
			return NULL;
		}
		*where = env;
		return &gc_host;
	}
	*where = prefix;
	return &gc_virtio;
}
