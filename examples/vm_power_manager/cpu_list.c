/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_list.h"

/* Refuse absurd CPU numbers before allocating for them. */
#define CPU_LIST_LIMIT	(CPU_LIST_MAX_CPU + 1)

int
cpu_list_init(struct cpu_list *l, unsigned int nb_cpus)
{
	if (nb_cpus == 0)
		nb_cpus = 1;
	l->set = CPU_ALLOC(nb_cpus);
	if (l->set == NULL) {
		l->nb_cpus = 0;
		return -ENOMEM;
	}
	/* CPU_ALLOC rounds up to whole words: use all of them. */
	l->nb_cpus = (unsigned int)CPU_ALLOC_SIZE(nb_cpus) * 8;
	CPU_ZERO_S(CPU_ALLOC_SIZE(l->nb_cpus), l->set);
	return 0;
}

void
cpu_list_free(struct cpu_list *l)
{
	if (l->set != NULL)
		CPU_FREE(l->set);
	l->set = NULL;
	l->nb_cpus = 0;
}

int
cpu_list_add(struct cpu_list *l, unsigned int cpu)
{
	if (cpu >= CPU_LIST_LIMIT)
		return -ERANGE;
	if (cpu >= l->nb_cpus) {
		struct cpu_list bigger;
		int c;

		if (cpu_list_init(&bigger, cpu + 1) < 0)
			return -ENOMEM;
		for (c = cpu_list_next(l, 0); c >= 0;
				c = cpu_list_next(l, (unsigned int)c + 1))
			CPU_SET_S((unsigned int)c,
				CPU_ALLOC_SIZE(bigger.nb_cpus), bigger.set);
		cpu_list_free(l);
		*l = bigger;
	}
	CPU_SET_S(cpu, CPU_ALLOC_SIZE(l->nb_cpus), l->set);
	return 0;
}

int
cpu_list_has(const struct cpu_list *l, unsigned int cpu)
{
	return l->set != NULL && cpu < l->nb_cpus &&
		CPU_ISSET_S(cpu, CPU_ALLOC_SIZE(l->nb_cpus), l->set);
}

unsigned int
cpu_list_count(const struct cpu_list *l)
{
	if (l->set == NULL)
		return 0;
	return (unsigned int)CPU_COUNT_S(CPU_ALLOC_SIZE(l->nb_cpus), l->set);
}

int
cpu_list_next(const struct cpu_list *l, unsigned int from)
{
	unsigned int c;

	for (c = from; c < l->nb_cpus; c++)
		if (CPU_ISSET_S(c, CPU_ALLOC_SIZE(l->nb_cpus), l->set))
			return (int)c;
	return -1;
}

int
cpu_list_copy(struct cpu_list *dst, const struct cpu_list *src)
{
	struct cpu_list tmp;

	if (cpu_list_init(&tmp, src->nb_cpus) < 0)
		return -ENOMEM;
	if (src->set != NULL)
		memcpy(tmp.set, src->set, CPU_ALLOC_SIZE(src->nb_cpus));
	cpu_list_free(dst);
	*dst = tmp;
	return 0;
}

int
cpu_list_equal(const struct cpu_list *a, const struct cpu_list *b)
{
	int ca = cpu_list_next(a, 0), cb = cpu_list_next(b, 0);

	while (ca >= 0 && ca == cb) {
		ca = cpu_list_next(a, (unsigned int)ca + 1);
		cb = cpu_list_next(b, (unsigned int)cb + 1);
	}
	return ca == cb;
}

static int
parse_cpu(const char **p, unsigned int max_cpu, unsigned int *cpu,
		char *err, size_t err_len)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p)) {
		snprintf(err, err_len, "expected a CPU number at '%s'", *p);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno != 0 || v > max_cpu) {
		snprintf(err, err_len, "'%.*s' is above the highest CPU %u",
			(int)(end - *p), *p, max_cpu);
		return -EINVAL;
	}
	*cpu = (unsigned int)v;
	*p = end;
	return 0;
}

int
cpu_list_parse(struct cpu_list *l, const char *text, unsigned int max_cpu,
		char *err, size_t err_len)
{
	const char *p = text;
	int ret;

	if (max_cpu >= CPU_LIST_LIMIT)
		max_cpu = CPU_LIST_LIMIT - 1;
	ret = cpu_list_init(l, max_cpu + 1);
	if (ret < 0) {
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	if (*p == '\0') {
		snprintf(err, err_len, "empty CPU list");
		goto fail;
	}
	while (*p != '\0') {
		unsigned int first, last, c;

		if (parse_cpu(&p, max_cpu, &first, err, err_len) < 0)
			goto fail;
		last = first;
		if (*p == '-') {
			p++;
			if (parse_cpu(&p, max_cpu, &last, err, err_len) < 0)
				goto fail;
			if (last < first) {
				snprintf(err, err_len, "range %u-%u is reversed",
					first, last);
				goto fail;
			}
		}
		for (c = first; c <= last; c++)
			cpu_list_add(l, c);
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0') {
			snprintf(err, err_len, "unexpected '%s' in CPU list",
				p);
			goto fail;
		}
	}
	return 0;
fail:
	cpu_list_free(l);
	return -EINVAL;
}

int
cpu_list_format(const struct cpu_list *l, char *buf, size_t len)
{
	size_t off = 0;
	int c = cpu_list_next(l, 0);

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	while (c >= 0) {
		int last = c, n;

		while (cpu_list_has(l, (unsigned int)last + 1))
			last++;
		if (last == c)
			n = snprintf(buf + off, len - off, "%s%d",
				off ? "," : "", c);
		else
			n = snprintf(buf + off, len - off, "%s%d-%d",
				off ? "," : "", c, last);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
		c = cpu_list_next(l, (unsigned int)last + 1);
	}
	return (int)off;
}

int
cpu_list_from_map(struct cpu_list *l, const unsigned char *map,
		size_t maplen)
{
	unsigned int c;

	if (cpu_list_init(l, (unsigned int)maplen * 8) < 0)
		return -ENOMEM;
	for (c = 0; c < maplen * 8; c++)
		if (map[c / 8] & (1u << (c % 8)))
			CPU_SET_S(c, CPU_ALLOC_SIZE(l->nb_cpus), l->set);
	return 0;
}

int
cpu_list_to_map(const struct cpu_list *l, unsigned char *map, size_t maplen)
{
	int c;

	memset(map, 0, maplen);
	for (c = cpu_list_next(l, 0); c >= 0;
			c = cpu_list_next(l, (unsigned int)c + 1)) {
		if ((size_t)c / 8 >= maplen)
			return -ERANGE;
		map[c / 8] |= (unsigned char)(1u << (c % 8));
	}
	return 0;
}
