/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_common.h>

#include <vmp_protocol.h>

#include "reply_queue.h"

#define PKT_SZ		sizeof(struct vmp_proto_packet)
#define TX_MIN		(2 * PKT_SZ)	/* a queue's buffer, at first */
#define TX_KEEP		(16 * PKT_SZ)	/* kept once empty; larger is freed */

void
reply_queue_touch(struct reply_queue **touched, struct reply_queue *q)
{
	if (q->listed)
		return;
	q->listed = 1;
	q->next = *touched;
	*touched = q;
}

void
reply_queue_unlist(struct reply_queue **touched, struct reply_queue *q)
{
	struct reply_queue **p;

	if (!q->listed)
		return;
	for (p = touched; *p != NULL; p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			break;
		}
	q->listed = 0;
	q->next = NULL;
}

struct reply_queue *
reply_queue_pop(struct reply_queue **touched)
{
	struct reply_queue *q = *touched;

	if (q == NULL)
		return NULL;
	*touched = q->next;
	q->listed = 0;
	q->next = NULL;
	return q;
}

/* Room for @len more bytes: the size doubles, to @cap at most. */
static int
grow(struct reply_queue *q, size_t len, size_t cap)
{
	size_t size = RTE_MAX(q->size, TX_MIN);
	uint8_t *buf;

	while (size < q->len + len)
		size *= 2;
	size = RTE_MIN(size, cap);
	if (q->len + len > size)
		return -ENOSPC;
	buf = realloc(q->buf, size);
	if (buf == NULL)
		return -ENOMEM;
	q->buf = buf;
	q->size = size;
	return 0;
}

int
reply_queue_add(struct reply_queue **touched, struct reply_queue *q,
		const void *data, size_t len, size_t cap)
{
	int ret;

	if (q->len + len > q->size) {
		ret = grow(q, len, cap);
		if (ret < 0)
			return ret;
	}
	memcpy(q->buf + q->len, data, len);
	q->len += len;
	reply_queue_touch(touched, q);
	return 0;
}

size_t
reply_queue_room(const struct reply_queue *q, size_t cap)
{
	return (cap - RTE_MIN(cap, q->len)) / PKT_SZ * PKT_SZ;
}

void
reply_queue_clear(struct reply_queue *q)
{
	q->len = 0;
	/* A burst's large buffer goes once it is sent. */
	if (q->size > TX_KEEP) {
		free(q->buf);
		q->buf = NULL;
		q->size = 0;
	}
}

ssize_t
reply_queue_flush(struct reply_queue *q, int fd)
{
	size_t off = 0;
	int ret;

	while (off < q->len) {
		ssize_t n = send(fd, q->buf + off, q->len - off,
			MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			ret = -errno;
			reply_queue_clear(q);
			return ret;
		}
		break;
	}
	if (off > 0) {
		memmove(q->buf, q->buf + off, q->len - off);
		q->len -= off;
	}
	if (q->len == 0)
		reply_queue_clear(q);
	return (ssize_t)off;
}

void
reply_queue_free(struct reply_queue *q)
{
	free(q->buf);
	q->buf = NULL;
	q->len = 0;
	q->size = 0;
}
