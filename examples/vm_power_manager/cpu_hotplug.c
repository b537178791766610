/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "cpu_hotplug.h"
#include "cpu_list.h"
#include "power_manager.h"

RTE_LOG_REGISTER(vmp_hotplug_logtype, vmpower.hotplug, INFO);

#define HP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_hotplug_logtype, \
		"CPU_HOTPLUG: " fmt "\n", ##__VA_ARGS__)

#define CPU_DIR		"/sys/devices/system/cpu"
#define DEVPATH_CPU	"/devices/system/cpu/cpu"
#define UEVENT_GROUP	1		/* the kernel's; udev's is 2 */
#define MSG_MAX		8192		/* the kernel's: 2 KB at most */
#define READ_MAX	256		/* messages a call; epoll comes back */
#define RCVBUF		(1 << 20)
#define ONLINE_LEN	32768		/* "online" of 4096 sparse CPUs */

struct cpu_hotplug {
	struct power_mgr *pm;
	int fd;
	struct cpu_hotplug_stats st;
	uint8_t buf[MSG_MAX];
};

/* @s..@e is "KEY=value": the value and its length, or NULL. */
static const char *
value(const char *s, const char *e, const char *key, size_t *n)
{
	size_t k = strlen(key);

	if ((size_t)(e - s) < k || memcmp(s, key, k) != 0)
		return NULL;
	*n = (size_t)(e - s) - k;
	return s + k;
}

static int
same(const char *a, size_t an, const char *b)
{
	return an == strlen(b) && memcmp(a, b, an) == 0;
}

/* The CPU of "/devices/system/cpu/cpuN": decimal, as the kernel names. */
static int
devpath_cpu(const char *d, size_t n, unsigned int *cpu)
{
	size_t k = strlen(DEVPATH_CPU), i;
	unsigned long v = 0;

	if (n <= k || n - k > 7 || memcmp(d, DEVPATH_CPU, k) != 0 ||
			(d[k] == '0' && n - k > 1))
		return -ENOENT;
	for (i = k; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -ENOENT;
		v = v * 10 + (unsigned long)(d[i] - '0');
	}
	if (v > CPU_LIST_MAX_CPU)
		return -ENOENT;
	*cpu = (unsigned int)v;
	return 0;
}

int
cpu_uevent_parse(const void *buf, size_t len, struct cpu_uevent *ev)
{
	const char *p = buf, *end = p + len, *s, *e, *hdr, *at, *v;
	const char *act = NULL, *dev = NULL, *sub = NULL;
	size_t alen = 0, dlen = 0, slen = 0, n;

	hdr = len > 0 ? memchr(p, '\0', len) : NULL;
	at = hdr != NULL ? memchr(p, '@', (size_t)(hdr - p)) : NULL;
	if (at == NULL || at == p || at + 1 == hdr)
		return -EINVAL;		/* libudev's start "libudev\0" */
	for (s = hdr + 1; s < end; s = e + 1) {
		e = memchr(s, '\0', (size_t)(end - s));
		if (e == NULL)
			e = end;	/* the last one unterminated */
		if ((v = value(s, e, "ACTION=", &n)) != NULL) {
			if (act != NULL)
				return -EINVAL;
			act = v;
			alen = n;
		} else if ((v = value(s, e, "DEVPATH=", &n)) != NULL) {
			if (dev != NULL)
				return -EINVAL;
			dev = v;
			dlen = n;
		} else if ((v = value(s, e, "SUBSYSTEM=", &n)) != NULL) {
			if (sub != NULL)
				return -EINVAL;
			sub = v;
			slen = n;
		}
		if (e == end)
			break;
	}
	/* The kernel always sends these three, and its header agrees. */
	if (act == NULL || dev == NULL || sub == NULL ||
			(size_t)(at - p) != alen || memcmp(p, act, alen) != 0 ||
			(size_t)(hdr - at - 1) != dlen ||
			memcmp(at + 1, dev, dlen) != 0)
		return -EINVAL;
	if (!same(sub, slen, "cpu"))
		return -ENOENT;
	if (same(act, alen, "online"))
		ev->online = 1;
	else if (same(act, alen, "offline"))
		ev->online = 0;
	else
		return -ENOENT;
	return devpath_cpu(dev, dlen, &ev->cpu);
}

/*
 * A socket filter passing only messages that start with one of the
 * prefixes: compared 4, 2, then 1 bytes at a time; a load past the end
 * of a short message drops it.
 */
static const char *const prefixes[] = {
	"offline@" DEVPATH_CPU,
	"online@" DEVPATH_CPU,
};

static unsigned int
build_filter(struct sock_filter *prog)
{
	unsigned int n = 0, k, i, fix[16], nb_fix;
	size_t off, len;

	for (k = 0; k < RTE_DIM(prefixes); k++) {
		const char *pre = prefixes[k];

		len = strlen(pre);
		nb_fix = 0;
		for (off = 0; off < len; off += i) {
			uint32_t v = 0, size;

			i = len - off >= 4 ? 4 : len - off >= 2 ? 2 : 1;
			size = i == 4 ? BPF_W : i == 2 ? BPF_H : BPF_B;
			for (uint32_t b = 0; b < i; b++)
				v = v << 8 | (uint8_t)pre[off + b];
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | size |
				BPF_ABS, (uint32_t)off);
			fix[nb_fix++] = n;
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
				BPF_JEQ | BPF_K, v, 0, 0);
		}
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			UINT32_MAX);
		/* A mismatch tries the next prefix (or drops). */
		for (i = 0; i < nb_fix; i++)
			prog[fix[i]].jf = (uint8_t)(n - fix[i] - 1);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return n;
}

int
cpu_hotplug_open(struct power_mgr *pm, int rcvbuf, struct cpu_hotplug **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = UEVENT_GROUP };
	struct sock_filter prog[40];
	struct sock_fprog fp = { .filter = prog };
	struct cpu_hotplug *hp = calloc(1, sizeof(*hp));
	int one = 1, size = rcvbuf > 0 ? rcvbuf : RCVBUF, ret;
	const char *what;

	if (hp == NULL)
		return -ENOMEM;
	hp->pm = pm;
	fp.len = (unsigned short)build_filter(prog);
	hp->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		NETLINK_KOBJECT_UEVENT);
	what = "socket";
	if (hp->fd < 0)
		goto fail;
	what = "SO_PASSCRED";
	if (setsockopt(hp->fd, SOL_SOCKET, SO_PASSCRED, &one,
			sizeof(one)) < 0)
		goto fail;
	/* Filtered before bound: nothing else is ever queued. */
	what = "SO_ATTACH_FILTER";
	if (setsockopt(hp->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
			sizeof(fp)) < 0)
		goto fail;
	/* Past rmem_max as root: a burst of hotplug must not overrun it. */
	what = "SO_RCVBUF";
	if ((rcvbuf > 0 || setsockopt(hp->fd, SOL_SOCKET, SO_RCVBUFFORCE,
			&size, sizeof(size)) < 0) &&
			setsockopt(hp->fd, SOL_SOCKET, SO_RCVBUF, &size,
			sizeof(size)) < 0)
		goto fail;
	what = "bind";
	if (bind(hp->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	ret = cpu_hotplug_resync(hp);
	if (ret < 0 && ret != -ENOENT) {
		cpu_hotplug_close(hp);
		return ret;
	}
	*out = hp;
	return 0;
fail:
	ret = -errno;
	HP_LOG(WARNING, "kernel uevents: %s: %s: CPU hotplug is not followed",
		what, strerror(errno));
	cpu_hotplug_close(hp);
	return ret;
}

int
cpu_hotplug_fd(const struct cpu_hotplug *hp)
{
	return hp->fd;
}

/* Whether cpuN/online says 1, or has no such file (cpu0 on x86). */
static int
sysfs_online(unsigned int cpu)
{
	char path[64], c = '1';
	int fd;

	snprintf(path, sizeof(path), CPU_DIR "/cpu%u/online", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '1';
		close(fd);
	}
	return c != '0';
}

/* One message: from root, a CPU's uevent, not stale: tell it. */
static int
take(struct cpu_hotplug *hp, struct msghdr *mh, size_t len)
{
	struct ucred *cred = NULL;
	struct cmsghdr *c;
	struct cpu_uevent ev;
	int ret;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
				c->cmsg_type == SCM_CREDENTIALS &&
				c->cmsg_len >= CMSG_LEN(sizeof(*cred)))
			cred = (struct ucred *)CMSG_DATA(c);
	if (cred == NULL || cred->uid != 0 || (mh->msg_flags & MSG_TRUNC)) {
		hp->st.ignored++;
		HP_LOG(DEBUG, "uevent dropped: %s", cred == NULL ?
			"no credentials" : cred->uid != 0 ?
			"not sent by root" : "truncated");
		return 0;
	}
	ret = cpu_uevent_parse(hp->buf, len, &ev);
	if (ret == 0 && ev.online && !sysfs_online(ev.cpu))
		ret = -ESTALE;	/* gone again: its "offline" follows */
	if (ret < 0) {
		hp->st.ignored++;
		HP_LOG(DEBUG, "uevent ignored: %s", ret == -ESTALE ?
			"online, but offline again" : ret == -ENOENT ?
			"not a CPU going offline or online" : "malformed");
		return 0;
	}
	hp->st.events++;
	HP_LOG(DEBUG, "cpu %u %s", ev.cpu, ev.online ? "online" : "offline");
	ret = power_mgr_cpu_online(hp->pm, ev.cpu, ev.online);
	if (ret == -ENODEV)
		HP_LOG(WARNING, "cpu %u: %s, but it was not there at start: not controlled",
			ev.cpu, ev.online ? "online" : "offline");
	return ret == -ENODEV ? 0 : ret;
}

/* After an overrun: what is queued is older than what sysfs will say. */
static void
discard(struct cpu_hotplug *hp)
{
	while (recv(hp->fd, hp->buf, sizeof(hp->buf), MSG_DONTWAIT) >= 0 ||
			errno == EINTR || errno == ENOBUFS)
		;
}

int
cpu_hotplug_read(struct cpu_hotplug *hp)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = hp->buf, .iov_len = sizeof(hp->buf) };
	struct msghdr mh = {
		.msg_name = &from, .msg_iov = &iov, .msg_iovlen = 1,
	};
	int i, ret, n = 0, err = 0;
	ssize_t len;

	for (i = 0; i < READ_MAX; i++) {
		mh.msg_namelen = sizeof(from);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		mh.msg_flags = 0;
		len = recvmsg(hp->fd, &mh, MSG_DONTWAIT);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == ENOBUFS) {
			hp->st.overruns++;
			HP_LOG(WARNING, "uevents lost (queue overrun): reading the online CPUs again");
			discard(hp);
			ret = cpu_hotplug_resync(hp);
			return ret < 0 ? ret : n + ret;
		}
		if (len < 0) {
			if (errno != EAGAIN) {
				HP_LOG(ERR, "uevent socket: %s",
					strerror(errno));
				err = -EIO;
			}
			break;
		}
		ret = take(hp, &mh, (size_t)len);
		if (ret < 0)
			err = ret;
		else
			n += ret;
	}
	return err < 0 ? err : n;
}

int
cpu_hotplug_resync(struct cpu_hotplug *hp)
{
	struct cpu_list on;
	char *buf = calloc(1, ONLINE_LEN);
	ssize_t len = -1;
	int fd, ret = -ENOENT;

	if (buf == NULL)
		return -ENOMEM;
	fd = open(CPU_DIR "/online", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, buf, ONLINE_LEN - 1);
		close(fd);
	}
	if (len > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = cpu_list_parse(&on, buf, CPU_LIST_MAX_CPU, NULL, 0);
	}
	free(buf);
	if (ret < 0) {
		HP_LOG(WARNING, CPU_DIR "/online: %s: CPU states not read",
			len < 0 ? strerror(errno) : "unreadable");
		return -ENOENT;
	}
	ret = power_mgr_cpus_online(hp->pm, &on);
	cpu_list_free(&on);
	return ret;
}

void
cpu_hotplug_get_stats(const struct cpu_hotplug *hp,
	struct cpu_hotplug_stats *st)
{
	*st = hp->st;
}

void
cpu_hotplug_close(struct cpu_hotplug *hp)
{
	if (hp == NULL)
		return;
	if (hp->fd >= 0)
		close(hp->fd);
	free(hp);
}
