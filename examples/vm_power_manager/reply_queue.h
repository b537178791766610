/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_REPLY_QUEUE_H
#define VMP_REPLY_QUEUE_H

/**
 * @file
 * Replies that wait for a connection's socket, and the pass's list of
 * the connections it touched.
 *
 * Owns: one connection's buffer of replies its socket has not taken yet
 * (as large as the replies waiting, up to the backlog the caller names,
 * not the backlog: with thousands of connections a backlog-sized buffer
 * each costs pages nobody uses), and its link in a pass's "touched" list
 * (at most once a pass). What a drop is counted as, what is logged and
 * what a peer gone means stay the caller's.
 *
 * Callers: the daemon's loop only, for the VM channels
 * (channel_monitor.c, one in each struct chan_state) and the host peers
 * (host_channels.c, one in each struct host_peer); each keeps its own
 * list head. No locking.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct reply_queue {
	uint8_t *buf;		/**< replies not yet taken by the socket */
	size_t len;		/**< bytes waiting in @p buf */
	size_t size;		/**< allocated, up to the caller's backlog */
	struct reply_queue *next;	/**< in the pass's touched list */
	int listed;		/**< on that list */
};

/** Put @p q at the head of the list at @p touched, unless it is on it. */
void reply_queue_touch(struct reply_queue **touched, struct reply_queue *q);

/** Take @p q off the list at @p touched, if it is on it (it goes). */
void reply_queue_unlist(struct reply_queue **touched, struct reply_queue *q);

/**
 * The end of a pass: the list's first queue, taken off it.
 * @return the queue, or NULL when the list is empty
 */
struct reply_queue *reply_queue_pop(struct reply_queue **touched);

/**
 * Append @p len bytes and touch the queue; the buffer grows, to
 * @p cap bytes at most.
 * @return 0, or -ENOSPC (the backlog is full) or -ENOMEM: nothing was
 * queued, nor the queue touched
 */
int reply_queue_add(struct reply_queue **touched, struct reply_queue *q,
		const void *data, size_t len, size_t cap);

/** Room left under @p cap, in whole packets' bytes. */
size_t reply_queue_room(const struct reply_queue *q, size_t cap);

/**
 * Send what the socket @p fd takes now, without blocking or SIGPIPE.
 * @return the bytes sent (0: it takes none now), or -errno: the peer is
 * gone, and the queue is emptied (its replies are lost)
 */
ssize_t reply_queue_flush(struct reply_queue *q, int fd);

/** Drop what waits; a large buffer goes. */
void reply_queue_clear(struct reply_queue *q);

/** Free the buffer (the connection goes); take it off its list first. */
void reply_queue_free(struct reply_queue *q);

#endif /* VMP_REPLY_QUEUE_H */
