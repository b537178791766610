/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_PORT_H
#define VMP_TEST_PORT_H

/*
 * Real ports for guest library tests: a pseudo-terminal stands in for a
 * virtio-serial port (the guest opens the slave through a symlink named
 * like the port; the test holds the master as the host side), and a peer
 * thread plays the host daemon on it.
 */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <vmp_protocol.h>

struct test_port {
	int master;			/* host side */
	char dir[PATH_MAX];		/* private directory of the links */
	char prefix[PATH_MAX];		/* <dir>/port: channel prefix */
	char slave[PATH_MAX];		/* /dev/pts/N */
};

/* Make a raw pty linked as <dir>/port.<lcore>; the library is configured
 * with that prefix and the given timeouts. */
int test_port_create(struct test_port *p, unsigned int lcore,
		unsigned int connect_ms, unsigned int reply_ms);
/* Another link to the same pty, as the port of another lcore. */
int test_port_alias(struct test_port *p, unsigned int lcore);
void test_port_destroy(struct test_port *p);

/* Read one whole request from the host side, waiting up to @ms. */
int test_port_read(struct test_port *p, struct vmp_proto_packet *pkt,
		int ms);
/* Write a reply of vmp_proto_reply_size(command) bytes. */
int test_port_reply(struct test_port *p, const void *reply);
/* Fill the guest->host direction until the guest would get EAGAIN. */
size_t test_port_fill(struct test_port *p);
/* Bytes waiting from the guest, unread by the host. */
int test_port_pending(struct test_port *p);
/* Discard everything the guest wrote. @return bytes discarded. */
size_t test_port_drain(struct test_port *p);

/* A host daemon stand-in: answers requests as the vmpower host does. */
struct test_peer {
	struct test_port *port;
	pthread_t thread;
	atomic_int stop;
	atomic_uint requests;		/* requests read */
	atomic_uint replies;		/* replies written */
	atomic_uint connects;
	unsigned int delay_ms;		/* before each reply */
	atomic_int hold;		/* set: replies wait until it is cleared */
	int nack;			/* NACK CPU_POWER and queries */
	int silent;			/* read, never answer */
	uint32_t cur_khz;		/* answer to QUERY_FREQ */
	uint32_t nb_freqs;		/* answer to QUERY_FREQ_AVAIL */
	uint32_t freqs[32];
	uint64_t turbo, priority;	/* answer to QUERY_CAPS */
	struct vmp_proto_packet last;	/* last request */
	uint32_t units[16];		/* CPU_POWER units seen, by unit */
};

int test_peer_start(struct test_peer *peer, struct test_port *port);
void test_peer_stop(struct test_peer *peer);

#endif /* VMP_TEST_PORT_H */
