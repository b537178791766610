/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_rdline.h>
#include <rte_log.h>

#include "channel_monitor.h"
#include "cli_commands.h"
#include "vm_power_cli.h"

#define PROMPT	"vmpower> "
#define CTRL_C	'\003'

/* The one CLI of the process, on standard input. */
static struct {
	struct monitor *mon;
	struct cmdline *cl;	/* parses and completes; never reads */
	struct cli_session s;	/* answers to stdout */
	pthread_t thread;
	int stop_fd;
	int running;
	unsigned int failures;	/* commands of a pipe or file that failed */
	/* A pipe's line being read. */
	char line[1024];
	size_t len;
	int too_long;
	/* A terminal: line editing, and log lines printed above it. */
	int tty;
	struct termios saved;
	struct rdline *rdl;
	pthread_mutex_t screen;	/* rdl and the terminal's last line */
	int prompt_shown;	/* prompt and typed line are on screen */
	char typed[1024];	/* the line Enter validated */
} cli = { .stop_fd = -1, .screen = PTHREAD_MUTEX_INITIALIZER };

static void
run_line(const char *line)
{
	/* An operator at a terminal sees the error; a script has only
	 * the exit status to tell. */
	if (cli_commands_run(cli.cl, &cli.s, line) < 0 && !cli.tty)
		cli.failures++;
}

/* One line from a pipe or file. */
static void
run_pipe_line(void)
{
	if (cli.too_long) {
		printf("error: line longer than %zu bytes\n",
			sizeof(cli.line) - 2);
		fflush(stdout);
		cli.failures++;
		return;
	}
	cli.line[cli.len++] = '\n';
	cli.line[cli.len] = '\0';
	run_line(cli.line);
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
		run_pipe_line();
		cli.len = 0;
		cli.too_long = 0;
	}
	/* The last line may lack its newline. */
	if (eof && !cli.s.quit && (cli.len > 0 || cli.too_long))
		run_pipe_line();
	return cli.s.quit ? -1 : 0;
}

/* rdline's output: the terminal. */
static int
tty_write_char(struct rdline *rdl, char c)
{
	(void)rdl;
	return write(STDOUT_FILENO, &c, 1) == 1 ? 0 : -1;
}

/* Enter: keep the line; it runs once the screen lock is released. */
static void
tty_validate(struct rdline *rdl, const char *buf, unsigned int size)
{
	(void)rdl;
	(void)size;
	snprintf(cli.typed, sizeof(cli.typed), "%s", buf);
}

static int
tty_complete(struct rdline *rdl, const char *buf, char *dst,
		unsigned int size, int *state)
{
	(void)rdl;
	return cmdline_complete(cli.cl, buf, state, dst, size);
}

static void
tty_history(void)
{
	const char *last = rdline_get_history_item(cli.rdl, 0);
	size_t len = strcspn(cli.typed, "\n");

	if (len == 0 || (last != NULL && strlen(last) == len &&
			strncmp(last, cli.typed, len) == 0))
		return;
	rdline_add_history(cli.rdl, cli.typed);
}

/* To the terminal; one that is gone has nothing more to show. */
static void
tty_say(const char *s)
{
	ssize_t n = write(STDOUT_FILENO, s, strlen(s));

	RTE_SET_USED(n);
}

/*
 * Keystrokes from the terminal. Ctrl-C, and Ctrl-D on an empty line,
 * stop the daemon. @return -1 to stop.
 */
static int
feed_tty(const char *buf, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&cli.screen);
		if (buf[i] == CTRL_C) {
			tty_say("^C\r\n");
			cli.prompt_shown = 0;
			pthread_mutex_unlock(&cli.screen);
			return -1;
		}
		ret = rdline_char_in(cli.rdl, buf[i]);
		if (ret == RDLINE_RES_EOF) {
			tty_say("\r\n");
			cli.prompt_shown = 0;
			pthread_mutex_unlock(&cli.screen);
			return -1;
		}
		if (ret != RDLINE_RES_VALIDATED) {
			pthread_mutex_unlock(&cli.screen);
			continue;
		}
		/* Its answer comes below the line, with no prompt shown. */
		cli.prompt_shown = 0;
		tty_history();
		pthread_mutex_unlock(&cli.screen);
		run_line(cli.typed);
		if (cli.s.quit)
			return -1;
		pthread_mutex_lock(&cli.screen);
		rdline_newline(cli.rdl, PROMPT);
		cli.prompt_shown = 1;
		pthread_mutex_unlock(&cli.screen);
	}
	return 0;
}

/*
 * rte_log's stream while a terminal is edited: a log line goes above
 * the prompt, which is drawn again with what was typed so far.
 */
static ssize_t
log_write(void *cookie, const char *buf, size_t size)
{
	size_t done = 0;
	ssize_t n;

	(void)cookie;
	pthread_mutex_lock(&cli.screen);
	if (cli.prompt_shown && write(STDERR_FILENO, "\r\033[K", 4) < 0)
		size = 0;
	while (done < size) {
		n = write(STDERR_FILENO, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (cli.prompt_shown && size > 0 && buf[size - 1] == '\n')
		rdline_redisplay(cli.rdl);
	pthread_mutex_unlock(&cli.screen);
	return (ssize_t)size;
}

/* Log lines through log_write() from now on. Never closed: another
 * thread may be logging while the daemon stops; it then writes through. */
static void
hook_log(void)
{
	static FILE *f;
	cookie_io_functions_t io = { .write = log_write };

	if (!isatty(STDERR_FILENO))
		return;
	if (f == NULL)
		f = fopencookie(NULL, "w", io);
	if (f == NULL)
		return;
	setvbuf(f, NULL, _IOFBF, BUFSIZ);	/* rte_log flushes each line */
	rte_openlog_stream(f);
}

/* Raw keystrokes (no echo, no line discipline, Ctrl-C as a byte). */
static int
tty_open(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &cli.saved) < 0)
		return -errno;
	t = cli.saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return -errno;
	cli.rdl = rdline_new(tty_write_char, tty_validate, tty_complete, NULL);
	if (cli.rdl == NULL) {
		tcsetattr(STDIN_FILENO, TCSANOW, &cli.saved);
		return -ENOMEM;
	}
	hook_log();
	pthread_mutex_lock(&cli.screen);
	rdline_newline(cli.rdl, PROMPT);
	cli.prompt_shown = 1;
	pthread_mutex_unlock(&cli.screen);
	return 0;
}

static void
tty_close(void)
{
	pthread_mutex_lock(&cli.screen);
	if (cli.prompt_shown && write(STDOUT_FILENO, "\r\033[K", 4) < 0)
		cli.prompt_shown = 0;
	cli.prompt_shown = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &cli.saved);
	rdline_free(cli.rdl);
	cli.rdl = NULL;
	pthread_mutex_unlock(&cli.screen);
}

/* Wait for input or for stop; run what came. */
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
	while (poll(pfd, 2, -1) >= 0 || errno == EINTR) {
		if (pfd[1].revents)
			return NULL;
		if (pfd[0].revents == 0)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (!cli.tty) {
			if (feed_pipe(buf, n > 0 ? (size_t)n : 0, n <= 0) < 0 ||
					n <= 0)
				break;
			continue;
		}
		/* A terminal that went away, Ctrl-D, Ctrl-C or quit. */
		if (n <= 0 || feed_tty(buf, (size_t)n) < 0)
			break;
	}
	/* quit or end of input: the daemon stops. */
	monitor_stop(cli.mon);
	return NULL;
}

int
vm_power_cli_start(struct monitor *mon)
{
	int ret;

	cli.tty = isatty(STDIN_FILENO);
	cli.mon = mon;
	cli.s.out = stdout;
	cli.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (cli.stop_fd < 0)
		return -errno;
	cli.cl = cli_commands_new(STDIN_FILENO, STDOUT_FILENO);
	if (cli.cl == NULL) {
		close(cli.stop_fd);
		return -ENOMEM;
	}
	ret = cli.tty ? tty_open() : 0;
	if (ret == 0 && pthread_create(&cli.thread, NULL, cli_main, NULL) != 0)
		ret = -EAGAIN;
	if (ret < 0) {
		if (cli.tty && cli.rdl != NULL)
			tty_close();
		cmdline_free(cli.cl);
		close(cli.stop_fd);
		return ret;
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
	if (cli.tty)
		tty_close();
	cmdline_free(cli.cl);
	close(cli.stop_fd);
	cli.running = 0;
}

unsigned int
vm_power_cli_failures(void)
{
	return cli.failures;
}
