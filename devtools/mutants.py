#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""Mutation check of the daemon's decision code.

Each mutant changes one point of the request validation, the vote
arbitration, the pinning lookup or the rate limiter. One at a time, in a
detached worktree of HEAD (the working tree is never touched), it is
built and the tests that guard that code are run: a failing test kills
it, a mutant that every test passes "survives". Survivors need a test
that kills them, or a reason here why they are equivalent.

usage: devtools/mutants.py [--keep] [NAME...]   (root: the tests need it)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

VALIDATION = ["protocol_random", "protocol_constants", "monitor_refusals"]
ARBITRATION = ["power_arbitration", "power_manual", "power_shared_policy",
               "monitor_shared"]
PINNING = ["monitor_requests", "monitor_repin", "monitor_refusals_host"]
RATE = ["monitor_rate_limit", "monitor_connect_limited"]
POLICIES = ["policy_workload", "policy_refusals", "policy_time",
            "policy_traffic", "policy_hangup", "policy_decisions",
            "policy_branch"]

PROTO = "lib/protocol/vmp_protocol.c"
PM = "examples/vm_power_manager/power_manager.c"
REQ = "examples/vm_power_manager/channel_requests.c"
POL = "examples/vm_power_manager/policy.c"
POL_CHECK = "examples/vm_power_manager/policy_check.c"
POL_DECIDE = "examples/vm_power_manager/policy_decide.c"
MON = "examples/vm_power_manager/channel_monitor.c"
LIM = "examples/vm_power_manager/monitor_limits.c"
RQ = "examples/vm_power_manager/reply_queue.c"

# name, file, the text (unique in the file), its replacement, tests
MUTANTS = [
    ("vcpu-bound", PROTO, "if (pkt->resource_id >= nb_vcpus)",
     "if (pkt->resource_id > nb_vcpus)", VALIDATION),
    ("power-physical-ok", PROTO,
     "\t\t\treturn VMP_PROTO_BAD_UNIT;\n"
     "\t\tif (pkt->core_type != VMP_PROTO_CORE_VIRTUAL)\n"
     "\t\t\treturn VMP_PROTO_PHYSICAL_CORE;\n\t\tif (own_name",
     "\t\t\treturn VMP_PROTO_BAD_UNIT;\n\t\tif (own_name", VALIDATION),
    ("query-physical-ok", PROTO,
     "\tcase VMP_PROTO_QUERY_FREQ_AVAIL:\n"
     "\t\tif (pkt->core_type != VMP_PROTO_CORE_VIRTUAL)",
     "\tcase VMP_PROTO_QUERY_FREQ_AVAIL:\n\t\tif (0)", VALIDATION),
    ("empty-name-foreign", PROTO, "if (len == 0)\n\t\treturn 1;",
     "if (len == 0)\n\t\treturn 0;", VALIDATION),
    ("name-prefix", PROTO, "return strlen(own) == len && memcmp",
     "return memcmp", VALIDATION),
    ("unit-unchecked", PROTO,
     "if (vmp_proto_unit_str(pkt->unit) == NULL)",
     "if (0 && vmp_proto_unit_str(pkt->unit) == NULL)", VALIDATION),
    ("policy-fields-unchecked", PROTO,
     "\t\treturn vmp_proto_policy_check(pkt, nb_vcpus, NULL, 0);",
     "\t\treturn VMP_PROTO_VALID;", VALIDATION),
    ("policy-hours-unchecked", PROTO,
     "if (h != VMP_PROTO_HOUR_UNUSED && (h < 0 || h > 23))",
     "if (h != VMP_PROTO_HOUR_UNUSED && (h < 0 || h > 24))", VALIDATION),
    ("policy-name-unchecked", PROTO,
     "\t\t\treturn VMP_PROTO_FOREIGN_VM;\n"
     "\t\t/* resource_id is unused",
     "\t\t\t;\n\t\t/* resource_id is unused", VALIDATION),
    ("manual-ignored", PM, "if (c->has_manual)",
     "if (0 && c->has_manual)", ARBITRATION),
    ("vote-threshold", PM, "if (c->hist[i] > 0)",
     "if (c->hist[i] > 1)", ARBITRATION),
    ("lowest-wins", PM, "want = RTE_MIN(want, core_want(c));",
     "want = want == PM_FREE ? core_want(c) : "
     "RTE_MAX(want, core_want(c));", ARBITRATION),
    ("offline-counts", PM,
     "if (c->state == POWER_MGR_CORE_READY && !c->offline)",
     "if (c->state == POWER_MGR_CORE_READY)",
     ARBITRATION + ["hotplug_vote", "hotplug_shared"]),
    ("pin-set-bound", REQ, "if (n > mon->max_pin_set)",
     "if (n >= mon->max_pin_set)", PINNING),
    ("pin-set-unbounded", REQ, "if (n > mon->max_pin_set)",
     "if (0)", PINNING),
    ("vcpu-zero-pins", REQ,
     "const struct cpu_list *pcpus = &vm->pcpus[req->resource_id];",
     "const struct cpu_list *pcpus = &vm->pcpus[0];", PINNING),
    ("ack-skips-cpus", REQ,
     "cpu = cpu_list_next(pcpus, (unsigned int)cpu + 1))\n"
     "\t\t\tok = power_mgr_cpu_written",
     "cpu = cpu_list_next(pcpus, (unsigned int)cpu + 2))\n"
     "\t\t\tok = power_mgr_cpu_written", PINNING + ["monitor_write_refused",
                                 "monitor_write_refused_set"]),
    ("rate-burst-double", LIM, "cap = mon->rate * 1000;",
     "cap = mon->rate * 2000;", RATE),
    ("rate-never-empty", LIM,
     "\t\tif (r->tokens < 1000)\n\t\t\treturn 0;",
     "\t\tif (r->tokens < 1000)\n\t\t\treturn 1;", RATE),
    ("rate-half-cost", LIM, "r->tokens -= 1000;", "r->tokens -= 500;", RATE),
    ("rate-off-refuses", LIM, "if (mon->rate == 0)\n\t\treturn 1;",
     "if (mon->rate == 0)\n\t\treturn 0;", RATE + ["monitor_requests"]),
    ("policy-no-hour-timer", POL, "\tif (!need) {\n\t\ttimer_close(ps);",
     "\tif (1) {\n\t\ttimer_close(ps);", POLICIES),
    ("policy-override-ignored", REQ,
     "\tpolicy_override(mon->pol, vm, (uint32_t)req->resource_id);\n", "",
     POLICIES),
    ("policy-medium-next", POL, "POWER_MGR_INDEX, info.nb_freqs / 2);",
     "POWER_MGR_INDEX, info.nb_freqs / 2 + 1);", POLICIES),
    ("policy-not-back-after-hangup", MON,
     "\t\t\tpolicy_vote_lost(mon->pol, ch->vm, (uint32_t)v);\n", "",
     POLICIES),
    ("policy-kept-with-vm", MON, "\tpolicy_vm_down(mon->pol, vm);\n", "",
     POLICIES),
    ("policy-traffic-medium-is-max", POL_DECIDE,
     "if (pps >= pkt->traffic_policy[VMP_PROTO_TRAFFIC_AVG_MAX])\n"
     "\t\treturn POLICY_MEDIUM;",
     "if (pps >= pkt->traffic_policy[VMP_PROTO_TRAFFIC_AVG_MAX])\n"
     "\t\treturn POLICY_MAX;", POLICIES),
    ("policy-branch-idle-counts", POL_DECIDE,
     "if (b >= POLICY_BRANCH_IDLE)", "if (b >= 1)", POLICIES),
    ("policy-branch-window-forever", POL_DECIDE,
     "w->up = (w->up << 1) | (uint32_t)up;",
     "w->up = (w->up << 1) | (uint32_t)up | (w->up & 1);", POLICIES),
    ("policy-hostdev-counted", POL_CHECK, "\t\tif (nic->hostdev) {",
     "\t\tif (0) {", POLICIES),
    ("backlog-unbounded", RQ, "size = RTE_MIN(size, cap);",
     "size = RTE_MAX(size, cap);", ["monitor_backlog"]),
    ("room-ignores-replies", RQ,
     "return (cap - RTE_MIN(cap, q->len)) / PKT_SZ * PKT_SZ;",
     "return (cap - RTE_MIN(cap, q->len * 0)) / PKT_SZ * PKT_SZ;",
     ["monitor_flood"]),
    ("touched-once-only", RQ,
     "\t*touched = q->next;\n\tq->listed = 0;\n",
     "\t*touched = q->next;\n", ["monitor_requests",
                                  "security_host_channels"]),
    ("unit-min-is-max", REQ, "case VMP_PROTO_SCALE_MIN: *op = POWER_MGR_MIN;",
     "case VMP_PROTO_SCALE_MIN: *op = POWER_MGR_MAX;",
     ["monitor_requests", "containers_cpuset_change"]),
    ("freq-avail-from-zero", REQ, "memcpy(r->freq_list, khz + req->unit,",
     "memcpy(r->freq_list, khz,", ["monitor_queries"]),
    ("list-caps-as-freq", REQ,
     "\tif (is_freq_query(req)) {\n\t\tr->f.freq_list[slot]",
     "\tif (!is_freq_query(req)) {\n\t\tr->f.freq_list[slot]",
     ["monitor_queries", "containers_own_cpus"]),
    ("policy-quiet-is-busy", POL_DECIDE,
     "if (t[VMP_PROTO_QUIET_HOURS + x] == hour)\n\t\t\treturn POLICY_MIN;",
     "if (t[VMP_PROTO_QUIET_HOURS + x] == hour)\n\t\t\treturn POLICY_MAX;",
     POLICIES),
]


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw)


def main():
    args = sys.argv[1:]
    keep = "--keep" in args
    names = [a for a in args if a != "--keep"]
    chosen = [m for m in MUTANTS if not names or m[0] in names]
    src = subprocess.check_output(["git", "rev-parse", "--show-toplevel"],
                                  text=True).strip()
    tmp = tempfile.mkdtemp(prefix="vmp_mutants.")
    tree = os.path.join(tmp, "tree")
    run(["git", "worktree", "add", "--detach", tree, "HEAD"], src,
        check=True)
    build = os.path.join(tree, "build")
    killed, survived, stillborn = [], [], []
    try:
        print("==> building HEAD in", tree, flush=True)
        run(["meson", "setup", build], tree, check=True)
        r = run(["ninja", "-C", build], tree)
        if r.returncode:
            sys.exit("HEAD does not build:\n" + r.stdout[-2000:])
        for name, path, old, new, tests in chosen:
            f = os.path.join(tree, path)
            text = open(f).read()
            if text.count(old) != 1:
                sys.exit(f"{name}: its text is in {path} "
                         f"{text.count(old)} times, not once: update it")
            open(f, "w").write(text.replace(old, new))
            t0 = time.time()
            try:
                r = run(["ninja", "-C", build], tree)
                if r.returncode:
                    stillborn.append(name)
                    verdict = "does not build"
                else:
                    r = run(["meson", "test", "-C", build, "--no-rebuild",
                             "-q"] + tests, tree)
                    if r.returncode:
                        killed.append(name)
                        verdict = "killed"
                    else:
                        survived.append(name)
                        verdict = "SURVIVED"
            finally:
                open(f, "w").write(text)
            print(f"    {name:20} {verdict:14} {time.time() - t0:5.1f}s  "
                  f"({path.split('/')[-1]}; {' '.join(tests)})", flush=True)
        run(["ninja", "-C", build], tree)
    finally:
        if not keep:
            run(["git", "worktree", "remove", "--force", tree], src)
            shutil.rmtree(tmp, ignore_errors=True)
    n = len(killed) + len(survived)
    print(f"mutants: {len(killed)} of {n} killed, {len(survived)} survived"
          f"{': ' + ', '.join(survived) if survived else ''}"
          f"{'; ' + str(len(stillborn)) + ' did not build' if stillborn else ''}")
    sys.exit(1 if survived or stillborn else 0)


if __name__ == "__main__":
    main()
