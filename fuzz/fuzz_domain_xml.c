/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Channel and NIC discovery from a domain's XML, virt_parse_channels()
 * and virt_parse_nics(), on any
 * text (libvirt hands us the XML of domains others may define).
 * Invariants: it parses or says -EINVAL/-ENOMEM, and what it returns is
 * sorted by index with a non-empty path each.
 */

#include <errno.h>
#include <string.h>

#include <libxml/parser.h>

#include <libvirt_adapter.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virt_channel *ch = (struct virt_channel *)1;
	char *xml = fuzz_str(data, size);
	uint32_t nb = 1, i;
	int ret;

	ret = virt_parse_channels(xml, &ch, &nb);
	if (ret < 0) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM);
		FUZZ_CHECK(ch == NULL && nb == 0);
	}
	for (i = 0; i < nb; i++) {
		FUZZ_CHECK(ch[i].path != NULL && ch[i].path[0] != '\0');
		FUZZ_CHECK(i == 0 || ch[i - 1].index <= ch[i].index);
		free(ch[i].path);
	}
	free(ch);
	/* The NICs a policy may name: a MAC each, a bounded device name. */
	{
		struct virt_nic *nics = (struct virt_nic *)1;

		ret = virt_parse_nics(xml, &nics, &nb);
		FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
		FUZZ_CHECK(ret == 0 || (nics == NULL && nb == 0));
		FUZZ_CHECK((nb == 0) == (nics == NULL));
		for (i = 0; i < nb; i++)
			FUZZ_CHECK(memchr(nics[i].dev, '\0',
				sizeof(nics[i].dev)) != NULL);
		free(nics);
	}
	free(xml);
	return 0;
}
