/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_VIRT_H
#define VMP_TEST_VIRT_H

/*
 * A private world for host-side tests: a directory with a libvirt test
 * driver node file (test:///<abs path>) and the AF_UNIX sockets QEMU would
 * listen on.
 */

struct test_virt {
	char dir[64];		/* everything of one test lives here */
	char chdir[96];		/* the daemon's channel directory */
	char uri[160];		/* test:///.../node.xml */
	int listeners[32];
	unsigned int nb_listeners;
};

/* Create the directory and write the node file; in @node_xml every "%1$s"
 * stands for the directory. @return 0 or <0. */
int test_virt_init(struct test_virt *t, const char *node_xml);
void test_virt_fini(struct test_virt *t);

/* Listen at @path (relative to the directory), as QEMU's server=on
 * chardev. @return the listening fd or <0. */
int test_virt_listen(struct test_virt *t, const char *path);

/* A listening AF_UNIX stream socket at @path (replacing a stale one), as
 * QEMU's chardev or the daemon's host socket. @return fd or -errno. */
int test_unix_listen(const char *path);

/* Accept a connection waiting on @lfd within 2 s. @return fd or <0. */
int test_virt_accept(int lfd);

#endif /* VMP_TEST_VIRT_H */
