/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_socket.h>

#include "channel_monitor.h"
#include "cli_commands.h"
#include "vm_power_cli.h"

/* The one CLI of the process, on standard input. */
static struct {
	struct monitor *mon;
	struct cmdline *cl;
	struct cli_session s;	/* answers to stdout */
	pthread_t thread;
	int stop_fd;
	int running;
	int tty;
	char line[1024];	/* a pipe's line being read */
	size_t len;
	int too_long;
} cli = { .stop_fd = -1 };

/* One line from a pipe or file, parsed as rdline would on a terminal. */
static void
run_line(void)
{
	if (cli.too_long) {
		printf("error: line longer than %zu bytes\n",
			sizeof(cli.line) - 2);
		fflush(stdout);
		return;
	}
	cli.line[cli.len++] = '\n';
	cli.line[cli.len] = '\0';
	cli_commands_run(cli.cl, &cli.s, cli.line);
}

/*
 * A pipe's bytes, cut into lines here rather than by rdline, which drops
 * every byte that is not printable ASCII: VM names may be UTF-8.
 * @return -1 once `quit` ran.
 */
static int
feed_pipe(const char *buf, size_t n, int eof)
{
	size_t i;

	for (i = 0; i < n && !cli.s.quit; i++) {
		if (buf[i] != '\n') {
			if (cli.len < sizeof(cli.line) - 2)
				cli.line[cli.len++] = buf[i];
			else
				cli.too_long = 1;
			continue;
		}
		run_line();
		cli.len = 0;
		cli.too_long = 0;
	}
	/* The last line may lack its newline. */
	if (eof && !cli.s.quit && (cli.len > 0 || cli.too_long))
		run_line();
	return cli.s.quit ? -1 : 0;
}

/* Wait for input or for stop; cmdline parses what came. */
static void *
cli_main(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = cli.stop_fd, .events = POLLIN },
	};
	char buf[256];
	ssize_t n;

	(void)arg;
	cli_commands_enter(&cli.s);
	while (poll(pfd, 2, -1) >= 0 || errno == EINTR) {
		if (pfd[1].revents)
			break;
		if (pfd[0].revents == 0)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (!cli.tty) {
			if (feed_pipe(buf, n > 0 ? (size_t)n : 0, n <= 0) < 0 ||
					n <= 0)
				goto out;
			continue;
		}
		/* End of input, Ctrl-D, or quit (cmdline_quit() stops it). */
		if (n <= 0 || cmdline_in(cli.cl, buf, (int)n) < 0 ||
				cli.s.quit)
			goto out;
	}
out:
	/* quit or end of input: the daemon stops. */
	monitor_stop(cli.mon);
	return NULL;
}

int
vm_power_cli_start(struct monitor *mon, struct virt_adapter *va)
{
	int tty = isatty(STDIN_FILENO);

	cli.tty = tty;
	cli.mon = mon;
	cli.s.out = stdout;
	cli_commands_init(mon, va);
	cli.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (cli.stop_fd < 0)
		return -errno;
	/* A terminal gets line editing; a pipe or file no prompt. */
	cli.cl = tty ? cmdline_stdin_new(cli_commands_ctx(), "vmpower> ") :
		cli_commands_new(STDIN_FILENO, STDOUT_FILENO);
	if (cli.cl == NULL) {
		close(cli.stop_fd);
		return -ENOMEM;
	}
	if (pthread_create(&cli.thread, NULL, cli_main, NULL) != 0) {
		cmdline_free(cli.cl);
		close(cli.stop_fd);
		return -EAGAIN;
	}
	pthread_setname_np(cli.thread, "vmp-cli");
	cli.running = 1;
	return 0;
}

void
vm_power_cli_stop(void)
{
	uint64_t one = 1;

	if (!cli.running)
		return;
	if (write(cli.stop_fd, &one, sizeof(one)) < 0)
		return;
	pthread_join(cli.thread, NULL);
	if (isatty(STDIN_FILENO))
		cmdline_stdin_exit(cli.cl);
	else
		cmdline_free(cli.cl);
	close(cli.stop_fd);
	cli.running = 0;
}
