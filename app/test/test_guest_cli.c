/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The guest CLI end to end, on the rig of test_guest_cli_rig.h: every
 * command, its answers and its errors, from a pipe, a file and a
 * terminal. Each command is sent only once the previous answer was read,
 * so an answer held back in a buffer fails the test.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include <vmp_guest_channel.h>

#include "test.h"
#include "test_guest_cli_rig.h"

#define UNITS	"up|down|min|max|enable_turbo|disable_turbo"

static const int lcore0[] = { 0, -1 };
static const int lcores01[] = { 0, 1, -1 };

/* "vCPU 0: <all available frequencies> kHz" */
static void
avail_line(char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "vCPU 0:");
	uint32_t i;

	for (i = 0; i < RIG_FREQS; i++)
		len += (size_t)snprintf(buf + len, size - len, " %u",
			rig_avail_khz(i));
	snprintf(buf + len, size - len, " kHz");
}

static int
set_freq(struct rig *r)
{
	static const struct {
		const char *word;
		uint32_t unit;
	} units[] = {
		{ "up", VMP_PROTO_SCALE_UP },
		{ "down", VMP_PROTO_SCALE_DOWN },
		{ "min", VMP_PROTO_SCALE_MIN },
		{ "max", VMP_PROTO_SCALE_MAX },
		{ "enable_turbo", VMP_PROTO_ENABLE_TURBO },
		{ "disable_turbo", VMP_PROTO_DISABLE_TURBO },
	};
	struct fake_host *h = rig_host(r, 0);
	struct vmp_proto_packet last;
	char cmd[64], line[PATH_MAX + 128];
	unsigned int i;

	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s --vm-name vm7 "
		"--timeout 2000", r->prefix));
	for (i = 0; i < RTE_DIM(units); i++) {
		snprintf(cmd, sizeof(cmd), "set_cpu_freq 0 %s", units[i].word);
		RIG_EXPECT(r, cmd, "ACK");
		TEST_ASSERT_EQUAL(h->units[units[i].unit], 1, "%s", cmd);
		last = rig_host_last(h);
		TEST_ASSERT_EQUAL(last.command, VMP_PROTO_CPU_POWER, "%s", cmd);
		TEST_ASSERT_EQUAL(last.unit, units[i].unit, "%s", cmd);
		TEST_ASSERT_EQUAL(last.resource_id, 0, "the vCPU of lcore 0");
		TEST_ASSERT(strncmp(last.vm_name, "vm7", sizeof(last.vm_name))
			== 0, "--vm-name is carried");
	}
	h->mode = RIG_NACK;
	RIG_EXPECT(r, "set_cpu_freq 0 up", "NACK");
	TEST_ASSERT_EQUAL(h->connects, 1, "one CONNECT, at start");
	TEST_ASSERT_EQUAL(h->requests, RTE_DIM(units) + 1, "one per command");
	/* CONNECT counts as sent. */
	snprintf(line, sizeof(line), "lcore 0: %s.0 vCPU 0: sent 8, ack 6, "
		"nack 1, replies 0, lost 0", r->prefix);
	RIG_EXPECT(r, "channels", line);
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 3, "exit 3 at end of input: a command failed");
	return TEST_SUCCESS;
}

static int
test_set_freq(void)
{
	return rig_run(set_freq, lcore0);
}
REGISTER_TEST(guest_cli_set_freq, test_set_freq);

static int
query(struct rig *r)
{
	struct fake_host *h0 = rig_host(r, 0), *h1 = rig_host(r, 1);
	char line[256];
	unsigned int before;

	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s --channels 0,1 "
		"--timeout 2000", r->prefix));
	RIG_EXPECT(r, "query_cpu_freq 0", "vCPU 0: 2400000 kHz");
	TEST_ASSERT_EQUAL(rig_host_last(h0).command, VMP_PROTO_QUERY_FREQ, "");
	RIG_EXPECT(r, "query_cpu_freq 1", "vCPU 1: 1800000 kHz");
	TEST_ASSERT_EQUAL(rig_host_last(h1).resource_id, 1, "lcore 1's vCPU");
	/* "all" asks the whole VM on the lowest open channel. */
	RIG_EXPECT(r, "query_cpu_freq all", "vCPU 0: 2400000 kHz");
	RIG_MORE(r, "vCPU 1: 1800000 kHz");
	RIG_MORE(r, "vCPU 2: 1200000 kHz");
	TEST_ASSERT_EQUAL(rig_host_last(h0).command,
		VMP_PROTO_QUERY_FREQ_LIST, "");
	RIG_EXPECT(r, "query_cpu_caps 1", "vCPU 1: turbo 0, priority 1");
	TEST_ASSERT_EQUAL(rig_host_last(h1).command, VMP_PROTO_QUERY_CAPS, "");
	RIG_EXPECT(r, "query_cpu_caps all", "vCPU 0: turbo 1, priority 0");
	RIG_MORE(r, "vCPU 1: turbo 0, priority 1");
	RIG_MORE(r, "vCPU 2: turbo 1, priority 0");
	TEST_ASSERT_EQUAL(rig_host_last(h0).command,
		VMP_PROTO_QUERY_CAPS_LIST, "");
	/* 11 frequencies come in two pages of up to 8. */
	before = h0->requests;
	avail_line(line, sizeof(line));
	RIG_EXPECT(r, "query_cpu_freq_avail 0", line);
	TEST_ASSERT_EQUAL(h0->requests - before, 2, "two pages");
	TEST_ASSERT_EQUAL(rig_host_last(h0).command,
		VMP_PROTO_QUERY_FREQ_AVAIL, "");
	TEST_ASSERT_EQUAL(rig_host_last(h0).unit, 8, "second page from 8");

	h0->mode = RIG_NACK;
	RIG_EXPECT(r, "query_cpu_freq 0", "NACK");
	RIG_EXPECT(r, "query_cpu_freq all", "NACK");
	RIG_EXPECT(r, "query_cpu_caps 0", "NACK");
	RIG_EXPECT(r, "query_cpu_caps all", "NACK");
	RIG_EXPECT(r, "query_cpu_freq_avail 0", "NACK");
	/* Lists that cannot be right are refused, not printed. */
	h0->mode = RIG_GARBLE;
	RIG_EXPECT(r, "query_cpu_freq all",
		"error: lcore 0: malformed answer from the host");
	RIG_EXPECT(r, "query_cpu_caps all",
		"error: lcore 0: malformed answer from the host");
	RIG_EXPECT(r, "query_cpu_freq_avail 0",
		"error: lcore 0: malformed answer from the host");
	TEST_ASSERT(rig_errlog_has(r, "inconsistent frequency list"), "log");
	/* The other channel is not disturbed. */
	RIG_EXPECT(r, "query_cpu_freq 1", "vCPU 1: 1800000 kHz");
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 3, "exit 3 at end of input: a command failed");
	return TEST_SUCCESS;
}

static int
test_query(void)
{
	return rig_run(query, lcores01);
}
REGISTER_TEST(guest_cli_query, test_query);

/* The answer to the next line, which cmdline could not parse. */
static int
expect_parse_error(struct rig *r, const char *cmd, const char *what)
{
	char want[256];

	snprintf(want, sizeof(want), "error: line %u: %s",
		r->cli.lineno + 1, what);
	return rig_expect(r, cmd, want);
}

static int
errors(struct rig *r)
{
	struct fake_host *h = rig_host(r, 0);
	char line[PATH_MAX + 64];

	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s --timeout 2000",
		r->prefix));
	RIG_EXPECT(r, "set_cpu_freq abc up", "error: bad lcore 'abc': want "
		"0-127");
	RIG_EXPECT(r, "set_cpu_freq 128 up", "error: bad lcore '128': want "
		"0-127");
	RIG_EXPECT(r, "set_cpu_freq -1 up", "error: bad lcore '-1': want "
		"0-127");
	RIG_EXPECT(r, "query_cpu_freq x", "error: bad lcore 'x': want 0-127 "
		"or all");
	RIG_EXPECT(r, "query_cpu_freq_avail all", "error: bad lcore 'all': "
		"want 0-127");
	RIG_EXPECT(r, "set_cpu_freq 0 sideways", "error: unknown unit "
		"'sideways': want " UNITS);
	RIG_EXPECT(r, "set_cpu_freq 0 UP", "error: unknown unit 'UP': want "
		UNITS);
	RIG_EXPECT(r, "set_cpu_freq 5 up", "error: lcore 5: channel not open");
	RIG_EXPECT(r, "query_cpu_freq 5", "error: lcore 5: channel not open");
	RIG_EXPECT(r, "query_cpu_caps 5", "error: lcore 5: channel not open");
	RIG_EXPECT(r, "query_cpu_freq_avail 5",
		"error: lcore 5: channel not open");
	TEST_RUN(expect_parse_error(r, "set_cpu_freq 0",
		"bad arguments: usage: set_cpu_freq <lcore> " UNITS));
	TEST_RUN(expect_parse_error(r, "set_cpu_freq 0 up now",
		"bad arguments: usage: set_cpu_freq <lcore> " UNITS));
	TEST_RUN(expect_parse_error(r, "query_cpu_caps",
		"bad arguments: usage: query_cpu_caps <lcore>|all"));
	TEST_RUN(expect_parse_error(r, "frobnicate 1",
		"unknown command 'frobnicate' (try help)"));
	TEST_ASSERT_EQUAL(h->requests, 0, "nothing bad reached the host");
	/* ...and the CLI goes on. */
	RIG_EXPECT(r, "set_cpu_freq 0 max", "ACK");
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_SCALE_MAX], 1, "");

	/* Channels close and open again on command. */
	RIG_EXPECT(r, "channel_close 0", "lcore 0: closed");
	RIG_EXPECT(r, "set_cpu_freq 0 up", "error: lcore 0: channel not open");
	RIG_EXPECT(r, "channel_close 0", "error: lcore 0: channel not open");
	RIG_EXPECT(r, "query_cpu_freq all", "error: no channel is open");
	RIG_EXPECT(r, "channels", "no channel is open");
	RIG_EXPECT(r, "channel_open 0", "lcore 0: open, vCPU 0");
	RIG_EXPECT(r, "channel_open 0", "error: lcore 0: channel already open");
	RIG_EXPECT(r, "set_cpu_freq 0 min", "ACK");
	TEST_ASSERT_EQUAL(h->connects, 2, "CONNECT again on channel_open");
	snprintf(line, sizeof(line), "error: lcore 7: no port %s.7", r->prefix);
	RIG_EXPECT(r, "channel_open 7", line);

	RIG_EXPECT(r, "help", "set_cpu_freq <lcore> " UNITS);
	snprintf(line, sizeof(line), "lcore N is the channel %s.N\n",
		r->prefix);
	TEST_RUN(rig_expect_text(r, line));
	/* quit leaves before end of input, and runs nothing after. */
	TEST_ASSERT(rig_send(r, "quit") == 0 &&
		rig_send(r, "set_cpu_freq 0 up") == 0, "send");
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 3, "exit 3 on quit: a command failed");
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_SCALE_UP], 0, "after quit");
	return TEST_SUCCESS;
}

static int
test_errors(void)
{
	return rig_run(errors, lcore0);
}
REGISTER_TEST(guest_cli_errors, test_errors);

static int
host_absent(struct rig *r)
{
	struct fake_host *h = rig_host(r, 0);

	/* Channel 2 has no port yet: the CLI starts without it. */
	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s --channels 0,2 "
		"--timeout 300", r->prefix));
	RIG_EXPECT(r, "set_cpu_freq 2 up", "error: lcore 2: channel not open");
	TEST_ASSERT(rig_errlog_has(r, "cannot open power channel of lcore 2"),
		"the library says why");
	TEST_ASSERT(rig_errlog_has(r, "1 of 2 channels did not open"), "");

	/* A host that reads and never answers. */
	h->mode = RIG_SILENT;
	RIG_EXPECT(r, "set_cpu_freq 0 up",
		"error: lcore 0: no answer from the host in 300 ms");
	RIG_EXPECT(r, "query_cpu_freq 0",
		"error: lcore 0: no answer from the host in 300 ms");
	RIG_EXPECT(r, "query_cpu_freq_avail 0",
		"error: lcore 0: no answer from the host in 300 ms");
	TEST_ASSERT(rig_errlog_has(r, "no reply to CPU_POWER in 300 ms"), "");

	/* No host reading at all: the port fills up. */
	rig_host_stop(h);
	test_port_drain(&h->port);
	TEST_ASSERT(test_port_fill(&h->port) > 0, "fill");
	RIG_EXPECT(r, "set_cpu_freq 0 up", "error: lcore 0: host not "
		"attached to the channel, or not reading it");
	RIG_EXPECT(r, "query_cpu_caps all", "error: lcore 0: host not "
		"attached to the channel, or not reading it");

	/* The port of channel 2 appears: open it by hand. */
	TEST_RUN(rig_add_port(r, 2));
	h = rig_host(r, 2);
	RIG_EXPECT(r, "channel_open 2", "lcore 2: open, vCPU 2");
	RIG_EXPECT(r, "set_cpu_freq 2 down", "ACK");
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_SCALE_DOWN], 1, "");
	RIG_EXPECT(r, "query_cpu_freq 2", "vCPU 2: 1200000 kHz");

	/* Its host side goes away. */
	rig_host_stop(h);
	close(h->port.master);
	h->port.master = -1;
	RIG_EXPECT(r, "set_cpu_freq 2 up",
		"error: lcore 2: host side of the channel is gone");
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 3, "exit 3 at end of input: a command failed");
	return TEST_SUCCESS;
}

static int
test_host_absent(void)
{
	return rig_run(host_absent, lcore0);
}
REGISTER_TEST(guest_cli_host_absent, test_host_absent);

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	TEST_ASSERT(f != NULL, "%s", path);
	fputs(text, f);
	fclose(f);
	return TEST_SUCCESS;
}

static int
script(struct rig *r)
{
	struct fake_host *h = rig_host(r, 0);
	char path[PATH_MAX + 16], want[1024], avail[256];

	/* Comments, blanks, CRLF, and no newline at the very end. */
	snprintf(path, sizeof(path), "%s/script.txt", h->port.dir);
	TEST_RUN(write_file(path,
		"# set then check\n"
		"set_cpu_freq 0 max\n"
		"\n"
		"   query_cpu_freq 0   # where are we\n"
		"query_cpu_caps all\r\n"
		"set_cpu_freq 0 sideways\n"
		"bogus\n"
		"query_cpu_freq_avail 0"));
	avail_line(avail, sizeof(avail));
	snprintf(want, sizeof(want),
		"ACK\n"
		"vCPU 0: 2400000 kHz\n"
		"vCPU 0: turbo 1, priority 0\n"
		"vCPU 1: turbo 0, priority 1\n"
		"vCPU 2: turbo 1, priority 0\n"
		"error: unknown unit 'sideways': want " UNITS "\n"
		"error: line 7: unknown command 'bogus' (try help)\n"
		"%s\n", avail);
	TEST_RUN(rig_start(r, path, 0, "-- --channel-path %s", r->prefix));
	TEST_ASSERT_EQUAL(rig_finish(r, want), 3, "exit 3 at end of file: a command failed");
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_SCALE_MAX], 1, "");

	TEST_RUN(write_file(path, "set_cpu_freq 0 up\nquit\n"
		"set_cpu_freq 0 down\n"));
	TEST_RUN(rig_start(r, path, 0, "-- --channel-path %s", r->prefix));
	TEST_ASSERT_EQUAL(rig_finish(r, "ACK\n"), 0, "exit 0 on quit");
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_SCALE_DOWN], 0, "after quit");
	return TEST_SUCCESS;
}

static int
test_script(void)
{
	return rig_run(script, lcore0);
}
REGISTER_TEST(guest_cli_script, test_script);

static int
terminal(struct rig *r)
{
	struct fake_host *h = rig_host(r, 0);
	static const char tab[] = "set_cpu_freq 0 enab\t";

	TEST_RUN(rig_start(r, NULL, 1, "-- --channel-path %s --timeout 2000",
		r->prefix));
	TEST_RUN(rig_expect_text(r, "vmpower-guest> "));
	TEST_ASSERT(rig_send(r, "set_cpu_freq 0 up") == 0, "send");
	TEST_RUN(rig_expect_text(r, "ACK\r\n"));
	TEST_ASSERT(rig_send(r, "query_cpu_freq 0") == 0, "send");
	TEST_RUN(rig_expect_text(r, "vCPU 0: 2400000 kHz\r\n"));
	/* Up arrow: the last line again. */
	TEST_ASSERT(rig_send(r, "\x1b[A") == 0, "send");
	TEST_RUN(rig_expect_text(r, "vCPU 0: 2400000 kHz\r\n"));
	/* Errors read as in a script, less the line number. */
	TEST_ASSERT(rig_send(r, "set_cpu_freq 0 sideways") == 0, "send");
	TEST_RUN(rig_expect_text(r, "error: unknown unit 'sideways': want "
		UNITS "\r\n"));
	TEST_ASSERT(rig_send(r, "set_cpu_freq 0") == 0, "send");
	TEST_RUN(rig_expect_text(r, "error: bad arguments: usage: "
		"set_cpu_freq <lcore> " UNITS "\r\n"));
	TEST_ASSERT(rig_send(r, "bogus") == 0, "send");
	TEST_RUN(rig_expect_text(r, "error: unknown command 'bogus' (try "
		"help)\r\n"));
	/* ^C drops the line typed so far. */
	TEST_ASSERT(rig_send(r, "set_cpu_freq 0 down\x03") == 0, "send");
	TEST_ASSERT(rig_send(r, "channels") == 0, "send");
	TEST_RUN(rig_expect_text(r, "sent 4, ack 1, nack 0, replies 2"));
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_SCALE_DOWN], 0, "^C");
	/* TAB completes a unit word. */
	TEST_ASSERT(write(r->cli.in, tab, strlen(tab)) ==
		(ssize_t)strlen(tab), "type");
	TEST_RUN(rig_expect_text(r, "le_turbo"));
	TEST_ASSERT(rig_send(r, "") == 0, "enter");
	TEST_RUN(rig_expect_text(r, "ACK\r\n"));
	TEST_ASSERT_EQUAL(h->units[VMP_PROTO_ENABLE_TURBO], 1, "completed");
	/* Ctrl-D on an empty line leaves. */
	TEST_ASSERT(write(r->cli.in, "\x04", 1) == 1, "type");
	TEST_ASSERT_EQUAL(rig_finish(r, NULL), 0, "exit 0 on Ctrl-D");
	return TEST_SUCCESS;
}

static int
test_terminal(void)
{
	return rig_run(terminal, lcore0);
}
REGISTER_TEST(guest_cli_terminal, test_terminal);

/* A run that must fail at start, saying @why on stderr. */
static int
refused(struct rig *r, const char *opts, const char *why)
{
	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s %s", r->prefix,
		opts));
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 1, "%s", opts);
	TEST_ASSERT(rig_errlog_has(r, why), "%s: stderr lacks \"%s\"", opts,
		why);
	return TEST_SUCCESS;
}

static int
options(struct rig *r)
{
	struct fake_host *h0 = rig_host(r, 0), *h1 = rig_host(r, 1);
	char line[PATH_MAX + 128];

	/* --help needs no EAL. */
	TEST_RUN(rig_start(r, NULL, 0, "-- --help"));
	TEST_RUN(rig_expect_text(r, "--channel-path PREFIX"));
	TEST_RUN(rig_expect_text(r, "--vm-name NAME"));
	TEST_RUN(rig_expect_text(r, "--timeout MS"));
	TEST_RUN(rig_expect_text(r, "--channels LIST"));
	TEST_ASSERT_EQUAL(rig_finish(r, NULL), 0, "--help");

	TEST_RUN(refused(r, "--timeout 0", "--timeout '0'"));
	TEST_RUN(refused(r, "--timeout 5s", "--timeout '5s'"));
	TEST_RUN(refused(r, "--channels 0,x", "--channels '0,x'"));
	TEST_RUN(refused(r, "--channels 3-1", "--channels '3-1'"));
	TEST_RUN(refused(r, "--channels 128", "--channels '128'"));
	TEST_RUN(refused(r, "--bogus", "unrecognized option"));
	TEST_RUN(refused(r, "stray", "unexpected argument 'stray'"));
	TEST_RUN(refused(r, "--vm-name 123456789012345678901234567890123",
		"longer than 32 bytes"));
	TEST_ASSERT_EQUAL(h0->connects + h1->connects, 0, "nothing opened");

	/* By default, one channel per EAL lcore (-l 0). */
	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s", r->prefix));
	snprintf(line, sizeof(line), "lcore 0: %s.0 vCPU 0: sent 1, ack 0, "
		"nack 0, replies 0, lost 0", r->prefix);
	RIG_EXPECT(r, "channels", line);
	RIG_EXPECT(r, "set_cpu_freq 1 up", "error: lcore 1: channel not open");
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 3, "exit 3: a command failed");

	/* --channels picks them. */
	TEST_RUN(rig_start(r, NULL, 0, "-- --channel-path %s --channels 1",
		r->prefix));
	snprintf(line, sizeof(line), "lcore 1: %s.1 vCPU 1: sent 1, ack 0, "
		"nack 0, replies 0, lost 0", r->prefix);
	RIG_EXPECT(r, "channels", line);
	RIG_EXPECT(r, "set_cpu_freq 1 up", "ACK");
	RIG_EXPECT(r, "set_cpu_freq 0 up", "error: lcore 0: channel not open");
	TEST_ASSERT_EQUAL(rig_finish(r, ""), 3, "exit 3: a command failed");
	TEST_ASSERT_EQUAL(h0->connects, 1, "lcore 0: first run only");
	TEST_ASSERT_EQUAL(h1->connects, 1, "lcore 1: second run only");
	return TEST_SUCCESS;
}

static int
test_options(void)
{
	return rig_run(options, lcores01);
}
REGISTER_TEST(guest_cli_options, test_options);
