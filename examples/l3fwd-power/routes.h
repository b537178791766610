/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_ROUTES_H
#define L3FWD_ROUTES_H

/**
 * @file
 * The IPv4 route table: an LPM whose next hop is the output port.
 * Built once before forwarding starts, read-only afterwards.
 *
 * Without a file: 198.18.N.0/24 -> port N for each port in the mask (the
 * RFC 2544 benchmarking range; --routes rfc2544), or with --routes
 * upstream, upstream l3fwd-power's table: N+1.1.1.0/24 -> port N for
 * N = 0..7, whatever the mask (a route to a port not in use is a miss,
 * which --route-miss decides). A route file has one "A.B.C.D/LEN PORT"
 * per line; '#' starts a comment; ports must be in the mask.
 */

#include <stdint.h>

#include "options.h"

struct rte_lpm;

/**
 * The table of @p o on @p socket_id (one per socket, named for it).
 * @return the table, or NULL with rte_errno set (the reason is logged).
 */
struct rte_lpm *routes_create(const struct app_options *o, int socket_id);

void routes_free(struct rte_lpm *lpm);

#endif /* L3FWD_ROUTES_H */
