/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test.h"
#include "test_virt.h"

int
test_virt_init(struct test_virt *t, const char *node_xml)
{
	char path[160], cmd[200];
	FILE *fp;

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/vmp_virt.XXXXXX");
	if (test_mkdtemp(t->dir) == NULL)
		return -errno;
	snprintf(t->chdir, sizeof(t->chdir), "%s/channels", t->dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/qemu", t->dir);
	if (system(cmd) != 0)
		return -EIO;
	snprintf(path, sizeof(path), "%s/node.xml", t->dir);
	fp = fopen(path, "w");
	if (fp == NULL)
		return -errno;
	/* The format is the test's own constant. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	fprintf(fp, node_xml, t->dir);
#pragma GCC diagnostic pop
	fclose(fp);
	snprintf(t->uri, sizeof(t->uri), "test://%s", path);
	return 0;
}

void
test_virt_fini(struct test_virt *t)
{
	char cmd[128];

	while (t->nb_listeners > 0)
		close(t->listeners[--t->nb_listeners]);
	if (t->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", t->dir);
	t->dir[0] = '\0';
}

int
test_unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >=
			(int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			listen(fd, 4) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int
test_virt_listen(struct test_virt *t, const char *path)
{
	char full[PATH_MAX];
	int fd;

	if (t->nb_listeners == sizeof(t->listeners) / sizeof(t->listeners[0]))
		return -ENOSPC;
	snprintf(full, sizeof(full), "%s/%s", t->dir, path);
	fd = test_unix_listen(full);
	if (fd >= 0)
		t->listeners[t->nb_listeners++] = fd;
	return fd;
}

int
test_virt_accept(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, test_slow_ms(2000)) <= 0)
		return -ETIMEDOUT;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}
