/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer_cpuset.h"
#include "test.h"
#include "test_container.h"

static int
put(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int
get(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int
ctr_create(struct test_container *c, const char *cpus, const char *bind_src)
{
	static unsigned int nth;
	struct peer_cpuset_mounts m;
	char mems[256];
	int ret;

	memset(c, 0, sizeof(*c));
	if (peer_cpuset_init(&m, NULL) < 0)
		return -EOPNOTSUPP;
	if (m.v1[0] != '\0') {
		snprintf(c->cgroup, sizeof(c->cgroup), "%s/vmp_test_%d_%u",
			m.v1, (int)getpid(), nth++);
	} else if (m.v2[0] != '\0') {
		/* v2: the controller must be on for the root's children. */
		if (put(m.v2, "cgroup.subtree_control", "+cpuset") < 0)
			return -EOPNOTSUPP;
		snprintf(c->cgroup, sizeof(c->cgroup), "%s/vmp_test_%d_%u",
			m.v2, (int)getpid(), nth++);
		c->v2 = 1;
	} else {
		return -EOPNOTSUPP;
	}
	if (mkdir(c->cgroup, 0755) < 0)
		return -errno;
	/* v1: no task may join before cpus and mems are set. */
	if (!c->v2 && (get(m.v1, "cpuset.mems", mems, sizeof(mems)) < 0 ||
			put(c->cgroup, "cpuset.mems", mems) < 0)) {
		ret = -EIO;
		goto fail;
	}
	ret = ctr_set_cpus(c, cpus);
	if (ret < 0)
		goto fail;
	snprintf(c->dir, sizeof(c->dir), "/tmp/vmp_ctr.XXXXXX");
	if (test_mkdtemp(c->dir) == NULL) {
		ret = -errno;
		goto fail;
	}
	snprintf(c->mnt, sizeof(c->mnt), "%s/run", c->dir);
	snprintf(c->sock, sizeof(c->sock), "%s/vmpower.sock", c->mnt);
	snprintf(c->bind_src, sizeof(c->bind_src), "%s", bind_src);
	if (mkdir(c->mnt, 0755) < 0) {
		ret = -errno;
		rmdir(c->dir);
		goto fail;
	}
	return 0;
fail:
	rmdir(c->cgroup);
	c->cgroup[0] = '\0';
	return ret;
}

int
ctr_set_cpus(struct test_container *c, const char *cpus)
{
	return put(c->cgroup, "cpuset.cpus", cpus);
}

static pid_t shim_child;

/* The shim passes the caller's SIGTERM and SIGINT on, as runtimes do. */
static void
forward(int sig)
{
	if (shim_child > 0)
		kill(shim_child, sig);
}

void
ctr_enter(struct test_container *c)
{
	struct sigaction sa = { .sa_handler = forward };
	char pid[32];
	pid_t child;
	int st;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (put(c->cgroup, "cgroup.procs", pid) < 0 ||
			unshare(CLONE_NEWNS | CLONE_NEWPID) < 0) {
		printf("container: cannot enter %s: %s\n", c->cgroup,
			strerror(errno));
		_exit(126);
	}
	child = fork();
	if (child < 0)
		_exit(126);
	if (child > 0) {
		/* The runtime's shim: waits, reports how its child ended. */
		shim_child = child;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		while (waitpid(child, &st, 0) < 0)
			if (errno != EINTR)
				_exit(126);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	/* Pid 1 of the new namespace. Mounts here stay here. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV |
			MS_NOEXEC, NULL) < 0 ||
			mount(c->bind_src, c->mnt, NULL, MS_BIND, NULL) < 0) {
		printf("container: mounts: %s\n", strerror(errno));
		_exit(126);
	}
}

void
ctr_pre_exec(void *arg)
{
	struct test_container *c = arg;

	ctr_enter(c);
	setenv("VMPOWER_HOST_SOCKET", c->sock, 1);
}

int
ctr_kill(struct test_container *c)
{
	char path[PATH_MAX + 32];
	int n = 0, pid, i, left;
	FILE *f;

	for (i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", c->cgroup);
		f = fopen(path, "re");
		if (f == NULL)
			return -errno;
		left = 0;
		while (fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			left++;
		}
		fclose(f);
		if (i == 0)
			n = left;
		if (left == 0)
			return n;
		usleep(10000);
	}
	return -EBUSY;
}

void
ctr_destroy(struct test_container *c)
{
	if (c->cgroup[0] == '\0')
		return;
	ctr_kill(c);
	/* The kernel lets go of an emptied cgroup a moment later. */
	for (int i = 0; i < 100 && rmdir(c->cgroup) < 0 && errno == EBUSY;
			i++)
		usleep(10000);
	c->cgroup[0] = '\0';
	rmdir(c->mnt);
	rmdir(c->dir);
}
