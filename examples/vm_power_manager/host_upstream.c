/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Upstream vm_power_manager's host interface: its JSON commands
 * (host_json.h) on the host channel socket, and its per-CPU FIFOs
 * (--host-fifo-compat DIR: DIR/fifo<N>, mode 0660). Each JSON object
 * becomes our packet and goes the way of any request of a host peer.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>

#include "channel_manager.h"
#include "host_channels_private.h"
#include "host_json.h"
#include "power_manager.h"

/* Bytes kept for an object not yet whole: one more than the largest, so
 * that one too long is seen as such. */
#define JBUF_SZ	(HOST_JSON_MAX + 1)

/* A reason in a JSON string: quotes, backslashes, control bytes out. */
static void
json_text(char *out, size_t len, const char *in)
{
	size_t o = 0;

	for (; *in != '\0' && o + 2 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\')
			out[o++] = '\'';
		else if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* A JSON peer's answer: one line, {"result":"ACK"} or with a reason. */
void
host_json_answer(struct host_channels *hc, struct host_peer *p,
		uint32_t command, const char *why)
{
	char line[HOST_JSON_WHY_SZ + 64], text[HOST_JSON_WHY_SZ];
	int n;

	if (why != NULL) {
		json_text(text, sizeof(text), why);
		n = snprintf(line, sizeof(line),
			"{\"result\":\"%s\",\"reason\":\"%s\"}\n",
			command == VMP_PROTO_ACK ? "ACK" : "NACK", text);
	} else {
		n = snprintf(line, sizeof(line), "{\"result\":\"%s\"}\n",
			command == VMP_PROTO_ACK ? "ACK" : "NACK");
	}
	host_queue_bytes(hc, p, line, (size_t)n);
}

/*
 * Bytes of a JSON peer: each whole object is a request; a refused one is
 * answered NACK with the parser's reason; invalid JSON drops what is
 * buffered (nothing in it can be trusted) and counts as garbage.
 */
void
host_json_feed(struct host_channels *hc, struct host_peer *p,
		const uint8_t *buf, size_t len)
{
	uint32_t cpu = p->fifo_cpu >= 0 ? (uint32_t)p->fifo_cpu :
		HOST_JSON_ANY_CPU;
	struct vmp_proto_packet pkt;
	char why[HOST_JSON_WHY_SZ];

	if (p->jbuf == NULL) {
		p->jbuf = malloc(JBUF_SZ);
		if (p->jbuf == NULL) {
			PEER_LOG(p, ERR, "out of memory: JSON dropped");
			return;
		}
	}
	while (len > 0 && !p->hup) {
		size_t take = RTE_MIN(len, JBUF_SZ - p->jlen);

		memcpy(p->jbuf + p->jlen, buf, take);
		p->jlen += take;
		buf += take;
		len -= take;
		while (p->jlen > 0 && !p->hup) {
			size_t used = 0;
			int r = host_json_next(p->jbuf, p->jlen, cpu, &pkt,
				&used, why, sizeof(why));

			used = RTE_MIN(used, p->jlen);
			memmove(p->jbuf, p->jbuf + used, p->jlen - used);
			p->jlen -= used;
			if (r == 0)
				break;
			if (r == 1) {
				host_handle_packet(hc, p, &pkt);
				continue;
			}
			hc->mon->st.packets++;
			hc->mon->st.rejected++;
			p->requests++;
			host_refuse_text(hc, p, why);
			if (used == 0)	/* never stuck on the same bytes */
				p->jlen = 0;
		}
	}
}

/* The FIFO of @cpu: upstream's path and mode, its CPU its only target. */
static int
fifo_open(struct host_channels *hc, const char *dir, unsigned int cpu,
		gid_t gid)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct host_peer *p;
	struct stat st;
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/fifo%u", dir, cpu);
	/* One a daemon that died left is ours to take again. */
	if (lstat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		unlink(path);
	if (mkfifo(path, 0600) < 0 || chmod(path, 0660) < 0 ||
			(gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)) {
		HOST_LOG(ERR, "%s: cannot make the FIFO: %s", path,
			strerror(errno));
		return -errno;
	}
	/* Read and write: no end of file when a writer closes. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	p = calloc(1, sizeof(*p));
	if (fd < 0 || p == NULL || cpu_list_init(&p->voted, cpu + 1) < 0 ||
			(p->fifo = strdup(path)) == NULL) {
		HOST_LOG(ERR, "%s: cannot open the FIFO", path);
		if (fd >= 0)
			close(fd);
		if (p != NULL)
			cpu_list_free(&p->voted);
		free(p);
		unlink(path);
		return -ENOMEM;
	}
	p->fd = fd;
	p->id = hc->next_id++ & 0x7fffffffu;
	p->fifo_cpu = (int)cpu;
	p->format = HOST_FMT_JSON;
	monitor_rate_init(hc->mon, &p->rate);
	p->log.tokens = MONITOR_LOG_BURST;
	snprintf(p->cgroup, sizeof(p->cgroup), "fifo%u", cpu);
	snprintf(p->cpuset, sizeof(p->cpuset), "%u", cpu);
	ev.data.ptr = host_peer_tag(p);
	p->events = ev.events;
	if (epoll_ctl(hc->mon->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		unlink(path);
		cpu_list_free(&p->voted);
		free(p->fifo);
		free(p);
		return -errno;
	}
	host_peer_link(hc, p);
	return 0;
}

int
host_fifos_create(struct host_channels *hc, const char *dir, gid_t gid)
{
	struct power_mgr *pm = hc->mon->pm;
	struct power_mgr_core_info info;
	unsigned int cpu, n = 0;
	int ret;

	/* Nobody else may write there (FIFOs are made, then chmod'ed). */
	ret = chmgr_check_dir(dir);
	if (ret < 0)
		return ret;
	/* A FIFO per CPU the daemon may scale: none without cpufreq. */
	for (cpu = 0; pm != NULL && cpu < power_mgr_nb_cpus(pm); cpu++) {
		if (power_mgr_core_info(pm, cpu, &info) < 0 ||
				info.state != POWER_MGR_CORE_READY)
			continue;
		ret = fifo_open(hc, dir, cpu, gid);
		if (ret < 0)
			return ret;
		n++;
	}
	HOST_LOG(INFO, "%s: %u FIFOs (fifo<N>, mode 0660) take upstream's "
		"JSON for their CPU; writers are not identified", dir, n);
	return 0;
}
