/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vmpowerctl: one vm_power_mgr command through its control socket
 * (control_socket.h gives the protocol). The answer goes to stdout and
 * the exit status is 0 when the command succeeded; a refusal goes to
 * stderr with status 1; no daemon or bad usage, status 2.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET	"/run/vmpower/control"
#define LINE_MAX_LEN	1023
#define ANSWER_MAX	(16u << 20)
/* add_vm and set_pcpu wait for libvirt: seconds on a busy host. */
#define TIMEOUT_S	60

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-s SOCKET] COMMAND [ARG...]\n"
		"  Run one vm_power_mgr command (e.g. 'list_vms', 'help') "
		"through\n"
		"  the daemon's control socket (default %s).\n"
		"  Exit status: 0 done, 1 the daemon refused the command, "
		"2 no daemon\n"
		"  or bad usage.\n", prog, DEFAULT_SOCKET);
}

static int
read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	const char *path = DEFAULT_SOCKET;
	char line[LINE_MAX_LEN + 2], head[32], *body, *end;
	size_t len = 0, i, n;
	int fd, opt, ok;

	while ((opt = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		if (opt == 's') {
			path = optarg;
		} else if (opt == 'h') {
			usage(stdout, argv[0]);
			return 0;
		} else {
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		n = strlen(argv[i]);
		if (strchr(argv[i], '\n') != NULL ||
				len + n + 1 > LINE_MAX_LEN) {
			fprintf(stderr, "%s: the command must be one line of "
				"at most %d bytes\n", argv[0], LINE_MAX_LEN);
			return 2;
		}
		memcpy(line + len, argv[i], n);
		len += n;
		line[len++] = i + 1 < (size_t)argc ? ' ' : '\n';
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", argv[0],
			path);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot reach vm_power_mgr at %s: %s\n",
			argv[0], path, strerror(errno));
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "%s: cannot send: %s\n", argv[0],
			strerror(errno));
		return 2;
	}
	/* "ok <n>\n" or "error <n>\n", then n bytes. */
	for (i = 0; i < sizeof(head) - 1; i++)
		if (read_full(fd, &head[i], 1) < 0 || head[i] == '\n')
			break;
	head[i] = '\0';
	ok = strncmp(head, "ok ", 3) == 0;
	errno = 0;
	n = strtoul(head + (ok ? 3 : 6), &end, 10);
	if (i == sizeof(head) - 1 || (!ok && strncmp(head, "error ", 6) != 0) ||
			*end != '\0' || errno != 0 || n > ANSWER_MAX) {
		fprintf(stderr, "%s: no answer from vm_power_mgr at %s%s\n",
			argv[0], path, errno == EAGAIN ? " (timed out)" : "");
		return 2;
	}
	body = malloc(n + 1);
	if (body == NULL || read_full(fd, body, n) < 0) {
		fprintf(stderr, "%s: answer cut short\n", argv[0]);
		return 2;
	}
	fwrite(body, 1, n, ok ? stdout : stderr);
	free(body);
	close(fd);
	return ok ? 0 : 1;
}
