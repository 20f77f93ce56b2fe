"""The bench's report: a Markdown table of every figure, the agent beside the Python peer,
the peer/agent ratio and the figure's target, then the run's conditions and the raw figures.

What each figure should reach is data (TARGETS); the rows say which figure of which section
they show and how."""

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """The figure must be `comparison` `limit` `unit`: < 1.5 ms, = 0, >= 30x."""
    comparison: str
    limit: float
    unit: str = ""

    def __str__(self):
        if self.comparison == "=":
            return "%g" % self.limit
        # A ratio's "x" sticks to its number; a unit stands apart.
        unit = self.unit if self.unit == "x" else (" " + self.unit if self.unit else "")
        return "%s %g%s" % (self.comparison, self.limit, unit)


# figure: what it must reach
TARGETS = {
    "latency p50": Target("<", 1.5, "ms"),
    "latency p99": Target("<", 3, "ms"),
    "burst lag p99": Target("<", 5, "ms"),
    "burst complete": Target("<", 10, "ms"),
    "burst empty writes": Target("=", 0),
    "burst missed": Target("=", 0),
    "pile-up writes": Target("=", 1),
    "pile-up held writes": Target("=", 0),
    "pile-up missed": Target("=", 0),
    "idle ticks": Target("=", 0),
    "idle switches": Target("=", 0),
    "idle RssAnon": Target("<", 4, "MiB"),
    "idle VmHWM": Target("<", 16, "MiB"),
    "once 300": Target(">=", 30, "x"),
}


@dataclass(frozen=True)
class Figure:
    """One row: the agent's `agent` figure beside the peer's `peer` figure (none: no peer),
    times `scale`, in `unit`; the ratio column shows peer/agent unless `ratio` is False.
    The label may name the run's settings: {burst_count}, {idle_seconds}."""
    label: str
    agent: str
    peer: str = None
    unit: str = ""
    target: str = None
    ratio: bool = True
    scale: float = 1

    def cells(self, prefix, a, p, settings=None):
        agent = a[self.agent] * self.scale
        peer = p[self.peer] * self.scale if self.peer else ""
        shown_ratio = ratio(peer, agent) if self.ratio and self.peer else ""
        return (prefix + self.label.format(**(settings or {})), fmt(agent, self.unit),
                fmt(peer, self.unit), shown_ratio,
                str(TARGETS[self.target]) if self.target else "")


@dataclass(frozen=True)
class Spread:
    """One row of a p50 / p99 pair for both sides, no ratio: `key`_p50 and `key`_p99."""
    label: str
    key: str
    note: str = ""

    def cells(self, prefix, a, p, settings=None):
        def pair(side):
            return "%.2f / %.2f ms" % (side[self.key + "_p50"], side[self.key + "_p99"])
        return (prefix + self.label, pair(a), pair(p), "", self.note)


LATENCY = (
    Figure("event-to-registry latency p50", "p50", "p50", "ms", "latency p50"),
    Figure("event-to-registry latency p99", "p99", "p99", "ms", "latency p99"),
    Spread("of which the engine's delivery to a subscriber, p50 / p99", "delivery", "not ours"),
    Spread("the rest: from delivery to the registry, p50 / p99", "own"),
)

# In a burst the engine serves its subscribers one after another, so another
# subscriber's delivery time only bounds what the agent saw.
BURST = (
    Figure("burst: per-container lag p50", "p50", "p50", "ms"),
    Figure("burst: per-container lag p99", "p99", "p99", "ms", "burst lag p99"),
    Spread("the engine's delivery to another subscriber, p50 / p99", "delivery", "not ours"),
    Figure("burst: last removal to registry complete", "complete", "complete", "ms",
           "burst complete"),
    Figure("burst: registry writes (for {burst_count} changes)", "writes", "writes"),
    Figure("burst: writes without a change", "empty_writes", "empty_writes",
           target="burst empty writes", ratio=False),
    Figure("burst: registry versions read half-written", "unreadable", "unreadable", ratio=False),
    Figure("burst: changes never seen in the registry", "missed", "missed",
           target="burst missed", ratio=False),
    Figure("burst: CPU time of the watcher", "cpu_ms", "cpu_ms", "ms"),
    Figure("burst: span of the removal events", "span_s", "span_s", "s", ratio=False),
)

PILEUP = (
    Figure("pile-up: writes after the lock frees", "writes", "writes", target="pile-up writes"),
    Figure("pile-up: writes while the lock is held", "held_writes", "held_writes",
           target="pile-up held writes", ratio=False),
    Figure("pile-up: changes never seen in the registry", "missed", "missed",
           target="pile-up missed", ratio=False),
    Figure("pile-up: lock release to registry complete", "complete", "complete", "ms"),
)

IDLE = (
    Figure("idle {idle_seconds} s: CPU ticks (utime+stime)", "ticks", "ticks",
           target="idle ticks", ratio=False),
    Figure("idle {idle_seconds} s: context switches, all threads", "switches", "switches",
           target="idle switches", ratio=False),
    Figure("idle: VmRSS", "VmRSS", "VmRSS", "MiB", scale=1 / 1024),
    Figure("idle: RssAnon (private)", "RssAnon", "RssAnon", "MiB", "idle RssAnon",
           scale=1 / 1024),
    Figure("idle: VmHWM", "VmHWM", "VmHWM", "MiB", "idle VmHWM", scale=1 / 1024),
    Figure("idle: threads", "threads", "threads", ratio=False),
)

ONCE_SIZES = (100, 300, 1000)


def ratio(peer, agent):
    if not isinstance(agent, (int, float)) or not isinstance(peer, (int, float)):
        return ""
    if agent <= 0:
        return "-"
    value = peer / agent
    return "%.0fx" % value if value >= 10 else "%.2gx" % value


def fmt(value, unit):
    if value == "" or value is None:
        return ""
    if isinstance(value, float):
        text = "%.2f" % value if value < 100 else "%.0f" % value
    else:
        text = str(value)
    return text + (" " + unit if unit else "")


def once_rows(size, o):
    rows = [Figure("--once, %d containers + %d assignments" % (size, size), "agent", "python",
                   "ms", "once 300" if size == 300 else None).cells("4. ", o, o),
            Figure("(python: its work after imports)", "agent", "python_work",
                   "ms").cells("   ", o, o)]
    floor = o["libcurl_start"] + o["engine_list"]
    rows.append(("   floor: a process loading libcurl + the engine's list, %d" % size,
                 "%.1f + %.1f ms" % (o["libcurl_start"], o["engine_list"]), "",
                 "at most " + ratio(o["python"], floor), "not ours"))
    rows.append(Figure("full reconcile (start to \"reconciled\"), %d" % size, "full",
                       unit="ms").cells("5. ", o, o))
    return rows


def rows_of(r, args):
    f = r["floor"]
    rows = [("0. floor: write+fsync+rename of a 300-assignment file, p50 / p99",
             "%.2f / %.2f ms" % (f["visible_p50"], f["visible_p99"]), "", "", "timed alone"),
            ("0. floor: the same + directory fsync, p50 / p99",
             "%.2f / %.2f ms" % (f["total_p50"], f["total_p99"]), "", "", "timed alone")]
    podman = r.get("podman", {})
    for results, key, prefix, figures in ((r, "latency", "1. ", LATENCY),
                                          (podman, "latency", "1P. Podman: ", LATENCY),
                                          (r, "burst", "2. ", BURST),
                                          (podman, "burst", "2P. Podman: ", BURST),
                                          (r, "pileup", "2b. ", PILEUP),
                                          (r, "idle", "3. ", IDLE)):
        if key in results:
            a, p = results[key]["agent"], results[key]["peer"]
            rows += [figure.cells(prefix, a, p, vars(args)) for figure in figures]
    for size in ONCE_SIZES:
        if "once%d" % size in r:
            rows += once_rows(size, r["once%d" % size])
    if "once100" in r and "once1000" in r:
        for label, key in (("--once", "agent"), ("full reconcile", "full"), ("python", "python")):
            rows.append(("5. growth 100 -> 1,000, %s" % label,
                         "%.1fx" % (r["once1000"][key] / r["once100"][key]), "", "", "linear"))
    return rows


def report(r, args, seconds):
    print()
    print("| figure | agent | python peer | peer/agent | target |")
    print("|---|---|---|---|---|")
    for cells in rows_of(r, args):
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print()
    print("trials: %d (latency %d removals each, burst and pile-up %d containers); "
          "--once best of %d; engine containers during 4/5: %s; load average %.1f before, "
          "%.1f after; trials redone after an engine restart: %d; bench took %.0f s"
          % (args.trials, args.latency_count, args.burst_count, args.best_of,
             ", ".join(str(r["once%d" % s]["engine"]) for s in ONCE_SIZES
                       if "once%d" % s in r), r["load_before"], r.get("load_after", -1),
             r.get("restarts", 0), seconds))
    print("raw: " + json.dumps(r, sort_keys=True))
