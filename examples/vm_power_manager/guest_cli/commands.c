/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <rte_common.h>

#include <vmp_guest_channel.h>

#include "guest_cli.h"

/* A host listing more frequencies than this is broken. */
#define FREQS_MAX	4096
/* An lcore argument that means every vCPU. */
#define LCORE_ALL	UINT32_MAX

void
cli_out(const char *fmt, ...)
{
	va_list ap;

	/* Every failure is answered "error: ..." or NACK: count them. */
	if (strncmp(fmt, "error:", 6) == 0 || strcmp(fmt, "NACK\n") == 0)
		cli.failed = 1;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/*
 * A word the parser takes as it comes and the command checks: a bad unit
 * or lcore then gets the command's own error, the same in a terminal as
 * in a script, while a terminal still completes the known words on TAB.
 */
struct word_token {
	cmdline_parse_token_string_t any;	/* str NULL: any one word */
	const char *choices;			/* "a#b" completed, or NULL */
	const char *help;
};

static int
word_complete_nb(cmdline_parse_token_hdr_t *tk)
{
	const struct word_token *w = (const struct word_token *)tk;
	cmdline_parse_token_string_t t = {
		.hdr = w->any.hdr, .string_data = { w->choices },
	};

	return w->choices == NULL ? 0 : cmdline_complete_get_nb_string(&t.hdr);
}

static int
word_complete_elt(cmdline_parse_token_hdr_t *tk, int idx, char *buf,
		unsigned int size)
{
	const struct word_token *w = (const struct word_token *)tk;
	cmdline_parse_token_string_t t = {
		.hdr = w->any.hdr, .string_data = { w->choices },
	};

	if (w->choices == NULL)
		return -1;
	return cmdline_complete_get_elt_string(&t.hdr, idx, buf, size);
}

static int
word_help(cmdline_parse_token_hdr_t *tk, char *buf, unsigned int size)
{
	const struct word_token *w = (const struct word_token *)tk;

	snprintf(buf, size, "%s", w->help);
	return 0;
}

static struct cmdline_token_ops word_ops = {
	.parse = cmdline_parse_string,
	.complete_get_nb = word_complete_nb,
	.complete_get_elt = word_complete_elt,
	.get_help = word_help,
};

#define WORD_TOKEN(structure, field, choices_, help_) {			\
	.any = {							\
		.hdr = { &word_ops, offsetof(structure, field) },	\
		.string_data = { NULL },				\
	},								\
	.choices = (choices_),						\
	.help = (help_),						\
}

/* Results of the instructions; tokens fill them in by offset. */
struct res_lcore {
	cmdline_fixed_string_t cmd;
	cmdline_fixed_string_t lcore;
};

struct res_set_freq {
	cmdline_fixed_string_t cmd;
	cmdline_fixed_string_t lcore;
	cmdline_fixed_string_t unit;
};

struct res_word {
	cmdline_fixed_string_t cmd;
};

/* The protocol's names of the units (vmp_proto_unit_str()). */
#define UNIT_WORDS "up#down#min#max#enable_turbo#disable_turbo"
#define UNIT_USAGE "up|down|min|max|enable_turbo|disable_turbo"

/* Parse "<lcore>" (or "all" when @all_ok); prints the error itself. */
static int
parse_lcore(const char *word, int all_ok, uint32_t *lcore)
{
	unsigned long v;
	char *end;

	if (all_ok && strcmp(word, "all") == 0) {
		*lcore = LCORE_ALL;
		return 0;
	}
	errno = 0;
	v = strtoul(word, &end, 10);
	if (word[0] < '0' || word[0] > '9' || *end != '\0' || errno != 0 ||
			v >= RTE_MAX_LCORE) {
		cli_out("error: bad lcore '%s': want 0-%d%s\n", word,
			RTE_MAX_LCORE - 1, all_ok ? " or all" : "");
		return -EINVAL;
	}
	*lcore = (uint32_t)v;
	return 0;
}

/* The answer to a request that failed, by the library's error code. */
static void
report(uint32_t lcore, int err)
{
	switch (err) {
	case -ENOTCONN:
		cli_out("error: lcore %u: channel not open\n", lcore);
		break;
	case -EAGAIN:
		cli_out("error: lcore %u: host not attached to the channel, "
			"or not reading it\n", lcore);
		break;
	case -ETIMEDOUT:
		cli_out("error: lcore %u: no answer from the host in %u ms\n",
			lcore, cli.timeout_ms);
		break;
	case -EPIPE:
		cli_out("error: lcore %u: host side of the channel is gone\n",
			lcore);
		break;
	case -ENOMSG:
		cli_out("error: lcore %u: host skipped the answer\n", lcore);
		break;
	case -EPROTO:
		cli_out("error: lcore %u: malformed answer from the host\n",
			lcore);
		break;
	case -EALREADY:
		cli_out("error: lcore %u: channel already open\n", lcore);
		break;
	case -EBUSY:
		cli_out("error: lcore %u: channel held by another program\n",
			lcore);
		break;
	case -ENOENT:
		cli_out("error: lcore %u: no port %s.%u\n", lcore, cli.prefix,
			lcore);
		break;
	default:
		cli_out("error: lcore %u: %s\n", lcore, strerror(-err));
		break;
	}
}

/* The lowest open lcore, for questions about the whole VM. */
static int
any_open(uint32_t *lcore)
{
	uint32_t l;

	for (l = 0; l < RTE_MAX_LCORE; l++)
		if (vmp_guest_channel_is_open(l)) {
			*lcore = l;
			return 0;
		}
	cli_out("error: no channel is open\n");
	return -ENOTCONN;
}

/*
 * Send @command (for @lcore's vCPU, or with any channel for LCORE_ALL) and
 * take its answer. @return 0 with @r and the asking lcore's @vcpu filled
 * in, or <0 once the answer (NACK or an error) is printed.
 */
static int
ask(uint32_t *lcore, uint32_t command, union vmp_guest_reply *r,
		int64_t *vcpu)
{
	int ret;

	if (*lcore == LCORE_ALL && any_open(lcore) < 0)
		return -ENOTCONN;
	ret = vmp_guest_channel_query(*lcore, command, 0, r);
	if (ret == VMP_PROTO_NACK) {
		cli_out("NACK\n");
		return -EPERM;
	}
	if (ret < 0) {
		report(*lcore, ret);
		return ret;
	}
	*vcpu = vmp_guest_channel_get_vcpu(*lcore);
	return 0;
}

/* Entries a list answer carries, or <0 once reported. */
static int
list_len(uint32_t lcore, uint8_t num_vcpu)
{
	if (num_vcpu == 0 || num_vcpu > VMP_PROTO_LIST_SZ) {
		CLI_LOG(ERR, "lcore %u: host listed %u vCPUs, not 1-%d", lcore,
			num_vcpu, VMP_PROTO_LIST_SZ);
		report(lcore, -EPROTO);
		return -EPROTO;
	}
	return num_vcpu;
}

static void
cmd_set_freq(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_set_freq *res = parsed;
	uint32_t lcore, unit;
	const char *name;
	int ret;

	if (parse_lcore(res->lcore, 0, &lcore) < 0)
		return;
	for (unit = VMP_PROTO_SCALE_UP; unit <= VMP_PROTO_DISABLE_TURBO;
			unit++) {
		name = vmp_proto_unit_str(unit);
		if (name != NULL && strcmp(res->unit, name) == 0)
			break;
	}
	if (unit > VMP_PROTO_DISABLE_TURBO) {
		cli_out("error: unknown unit '%s': want " UNIT_USAGE "\n",
			res->unit);
		return;
	}
	ret = vmp_guest_channel_request(lcore, unit);
	if (ret == VMP_PROTO_ACK)
		cli_out("ACK\n");
	else if (ret == VMP_PROTO_NACK)
		cli_out("NACK\n");
	else
		report(lcore, ret);
}

static void
show_freq(const union vmp_guest_reply *r, int64_t vcpu, unsigned int slot)
{
	cli_out("vCPU %" PRId64 ": %u kHz\n", vcpu, r->freq.freq_list[slot]);
}

static void
show_caps(const union vmp_guest_reply *r, int64_t vcpu, unsigned int slot)
{
	cli_out("vCPU %" PRId64 ": turbo %" PRIu64 ", priority %" PRIu64 "\n",
		vcpu, r->caps.turbo[slot], r->caps.priority[slot]);
}

/* One vCPU (@one) or the VM's list (@list, for "all"), a line each. */
static void
query_vcpus(const char *arg, uint32_t one, uint32_t list,
		void (*show)(const union vmp_guest_reply *, int64_t,
			unsigned int))
{
	union vmp_guest_reply r;
	uint32_t lcore;
	int64_t vcpu;
	int all, n, i;

	if (parse_lcore(arg, 1, &lcore) < 0)
		return;
	all = lcore == LCORE_ALL;
	if (ask(&lcore, all ? list : one, &r, &vcpu) < 0)
		return;
	if (!all) {
		show(&r, vcpu, vmp_proto_slot((uint64_t)vcpu));
		return;
	}
	/* num_vcpu sits at a different offset in each list reply. */
	n = list_len(lcore, list == VMP_PROTO_QUERY_FREQ_LIST ?
		r.freq.num_vcpu : r.caps.num_vcpu);
	for (i = 0; i < n; i++)
		show(&r, i, (unsigned int)i);
}

static void
cmd_query_freq(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_lcore *res = parsed;

	query_vcpus(res->lcore, VMP_PROTO_QUERY_FREQ,
		VMP_PROTO_QUERY_FREQ_LIST, show_freq);
}

static void
cmd_query_caps(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_lcore *res = parsed;

	query_vcpus(res->lcore, VMP_PROTO_QUERY_CAPS,
		VMP_PROTO_QUERY_CAPS_LIST, show_caps);
}

/* Page through FREQ_AVAIL answers, 8 entries each, into a fresh array. */
static int
fetch_avail(uint32_t lcore, uint32_t **khz_out, uint32_t *total_out)
{
	union vmp_guest_reply r;
	uint32_t *khz = NULL, total = 0, got = 0;
	int ret;

	do {
		ret = vmp_guest_channel_query(lcore,
			VMP_PROTO_QUERY_FREQ_AVAIL, got, &r);
		if (ret != VMP_PROTO_FREQ_AVAIL)
			goto fail;
		if (khz == NULL) {
			total = r.freq.unit;
			ret = -EPROTO;
			if (total == 0 || total > FREQS_MAX)
				goto fail;
			khz = calloc(total, sizeof(*khz));
			ret = -ENOMEM;
			if (khz == NULL)
				goto fail;
		}
		/* Every page must agree on the total and fit in it. */
		ret = -EPROTO;
		if (r.freq.unit != total || r.freq.num_vcpu == 0 ||
				r.freq.num_vcpu > VMP_PROTO_LIST_SZ ||
				r.freq.num_vcpu > total - got)
			goto fail;
		memcpy(khz + got, r.freq.freq_list,
			r.freq.num_vcpu * sizeof(*khz));
		got += r.freq.num_vcpu;
	} while (got < total);
	*khz_out = khz;
	*total_out = total;
	return 0;
fail:
	free(khz);
	/* Any other reply (ACK, FREQ_LIST...) is the host's error, not ours
	 * to take as success: the caller would read no list. */
	return ret < 0 || ret == VMP_PROTO_NACK ? ret : -EPROTO;
}

static void
cmd_query_avail(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_lcore *res = parsed;
	uint32_t lcore, total, i;
	uint32_t *khz;
	int64_t vcpu;
	int ret;

	if (parse_lcore(res->lcore, 0, &lcore) < 0)
		return;
	ret = fetch_avail(lcore, &khz, &total);
	if (ret == VMP_PROTO_NACK) {
		cli_out("NACK\n");
		return;
	}
	if (ret < 0) {
		if (ret == -EPROTO)
			CLI_LOG(ERR, "lcore %u: host sent an inconsistent "
				"frequency list", lcore);
		report(lcore, ret);
		return;
	}
	vcpu = vmp_guest_channel_get_vcpu(lcore);
	printf("vCPU %" PRId64 ":", vcpu);
	for (i = 0; i < total; i++)
		printf(" %u", khz[i]);
	cli_out(" kHz\n");
	free(khz);
}

static void
cmd_channel_open(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_lcore *res = parsed;
	uint32_t lcore;
	int ret;

	if (parse_lcore(res->lcore, 0, &lcore) < 0)
		return;
	ret = vmp_guest_channel_open(lcore);
	if (ret < 0)
		report(lcore, ret);
	else
		cli_out("lcore %u: open, vCPU %" PRId64 "\n", lcore,
			vmp_guest_channel_get_vcpu(lcore));
}

static void
cmd_channel_close(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_lcore *res = parsed;
	uint32_t lcore;
	int ret;

	if (parse_lcore(res->lcore, 0, &lcore) < 0)
		return;
	ret = vmp_guest_channel_close(lcore);
	if (ret < 0)
		report(lcore, ret);
	else
		cli_out("lcore %u: closed\n", lcore);
}

static void
cmd_channels(void *parsed __rte_unused, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	struct vmp_guest_channel_stats st;
	unsigned int l, nb = 0;

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		if (!vmp_guest_channel_is_open(l) ||
				vmp_guest_channel_stats(l, &st) < 0)
			continue;
		cli_out("lcore %u: %s.%u vCPU %" PRId64 ": sent %" PRIu64
			", ack %" PRIu64 ", nack %" PRIu64 ", replies %"
			PRIu64 ", lost %" PRIu64 "\n", l, cli.prefix, l,
			vmp_guest_channel_get_vcpu(l), st.sent, st.acks,
			st.nacks, st.replies, st.lost);
		nb++;
	}
	if (nb == 0)
		cli_out("no channel is open\n");
}

static void cmd_help(void *parsed, struct cmdline *cl, void *data);

static void
cmd_quit(void *parsed __rte_unused, struct cmdline *cl,
		void *data __rte_unused)
{
	cli.quit = 1;
	cmdline_quit(cl);
}

/* One instruction per command, from its name, tokens and handler. */
static void
cmd_send_policy(void *parsed, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	const struct res_lcore *res = parsed;

	if (strcmp(res->lcore, "now") != 0) {
		cli_out("error: send_policy now: not '%s'\n", res->lcore);
		return;
	}
	cli_send_policy();
}

#define CMD_NAME(structure, name_)					\
	static cmdline_parse_token_string_t tok_##name_ =		\
		TOKEN_STRING_INITIALIZER(structure, cmd, #name_)

#define LCORE_WORD(name_, all_)						\
	static struct word_token tok_##name_##_lcore =			\
		WORD_TOKEN(struct res_lcore, lcore, (all_) ? "all" : NULL, \
			(all_) ? "<lcore>|all" : "<lcore>")

CMD_NAME(struct res_set_freq, set_cpu_freq);
static struct word_token tok_set_cpu_freq_lcore =
	WORD_TOKEN(struct res_set_freq, lcore, NULL, "<lcore>");
static struct word_token tok_set_cpu_freq_unit =
	WORD_TOKEN(struct res_set_freq, unit, UNIT_WORDS, UNIT_USAGE);
CMD_NAME(struct res_lcore, query_cpu_freq);
LCORE_WORD(query_cpu_freq, 1);
CMD_NAME(struct res_lcore, query_cpu_caps);
LCORE_WORD(query_cpu_caps, 1);
CMD_NAME(struct res_lcore, query_cpu_freq_avail);
LCORE_WORD(query_cpu_freq_avail, 0);
CMD_NAME(struct res_lcore, channel_open);
LCORE_WORD(channel_open, 0);
CMD_NAME(struct res_lcore, channel_close);
LCORE_WORD(channel_close, 0);
CMD_NAME(struct res_word, channels);
CMD_NAME(struct res_lcore, send_policy);
static struct word_token tok_send_policy_now =
	WORD_TOKEN(struct res_lcore, lcore, "now", "now");
CMD_NAME(struct res_word, help);
CMD_NAME(struct res_word, quit);

#define INST(name_, fn_, what_, ...)					\
	static cmdline_parse_inst_t inst_##name_ = {			\
		.f = (fn_),						\
		.help_str = (what_),					\
		.tokens = { (void *)&tok_##name_, ##__VA_ARGS__, NULL }, \
	}

INST(set_cpu_freq, cmd_set_freq,
	"ask the host to scale the lcore's vCPU; prints ACK or NACK",
	(void *)&tok_set_cpu_freq_lcore, (void *)&tok_set_cpu_freq_unit);
INST(query_cpu_freq, cmd_query_freq,
	"current frequency of the lcore's vCPU, or of every vCPU",
	(void *)&tok_query_cpu_freq_lcore);
INST(query_cpu_caps, cmd_query_caps,
	"turbo and priority of the lcore's vCPU, or of every vCPU",
	(void *)&tok_query_cpu_caps_lcore);
INST(query_cpu_freq_avail, cmd_query_avail,
	"frequencies the host may run the lcore's vCPU at",
	(void *)&tok_query_cpu_freq_avail_lcore);
INST(channel_open, cmd_channel_open, "open the lcore's channel",
	(void *)&tok_channel_open_lcore);
INST(channel_close, cmd_channel_close, "close the lcore's channel",
	(void *)&tok_channel_close_lcore);
INST(channels, cmd_channels, "list the open channels and their counters");
INST(send_policy, cmd_send_policy, "send the policy the options built "
	"(--policy ...); prints ACK or NACK",
	(void *)&tok_send_policy_now);
INST(help, cmd_help, "list the commands");
INST(quit, cmd_quit, "leave (so does end of input)");

cmdline_parse_ctx_t cli_ctx[] = {
	&inst_set_cpu_freq,
	&inst_query_cpu_freq,
	&inst_query_cpu_caps,
	&inst_query_cpu_freq_avail,
	&inst_channel_open,
	&inst_channel_close,
	&inst_channels,
	&inst_send_policy,
	&inst_help,
	&inst_quit,
	NULL,
};

/* "name <arg> <arg>" of an instruction, from its tokens' help. */
static void
usage_of(cmdline_parse_inst_t *inst, char *buf, size_t size)
{
	const struct cmdline_token_string *name =
		(const void *)inst->tokens[0];
	size_t len = (size_t)snprintf(buf, size, "%s", name->string_data.str);
	unsigned int t;

	for (t = 1; inst->tokens[t] != NULL && len < size; t++)
		len += (size_t)snprintf(buf + len, size - len, " %s",
			((const struct word_token *)inst->tokens[t])->help);
}

static void
cmd_help(void *parsed __rte_unused, struct cmdline *cl __rte_unused,
		void *data __rte_unused)
{
	char usage[256];
	unsigned int i;

	for (i = 0; cli_ctx[i] != NULL; i++) {
		usage_of(cli_ctx[i], usage, sizeof(usage));
		printf("%s\n    %s\n", usage, cli_ctx[i]->help_str);
	}
	cli_out("lcore N is the channel %s.N\n", cli.prefix);
}

void
cli_parse_error(int ret, const char *line, unsigned int lineno)
{
	char word[64], usage[256], where[32] = "";
	unsigned int i;

	if (sscanf(line, "%63s", word) != 1)
		word[0] = '\0';
	if (lineno != 0)
		snprintf(where, sizeof(where), "line %u: ", lineno);
	for (i = 0; cli_ctx[i] != NULL; i++) {
		const struct cmdline_token_string *name =
			(const void *)cli_ctx[i]->tokens[0];

		if (strcmp(name->string_data.str, word) == 0)
			break;
	}
	if (ret == CMDLINE_PARSE_BAD_ARGS && cli_ctx[i] != NULL) {
		usage_of(cli_ctx[i], usage, sizeof(usage));
		cli_out("error: %sbad arguments: usage: %s\n", where, usage);
	} else {
		cli_out("error: %sunknown command '%s' (try help)\n", where,
			word);
	}
}
