"""Figures of a running process from /proc: CPU, context switches, memory, threads."""

import os


def tasks(pid):
    return os.listdir("/proc/%d/task" % pid)


def cpu_ns(pid):
    """CPU time of all threads in ns (schedstat: finer than the 10 ms ticks)."""
    total = 0
    for tid in tasks(pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def cpu_ticks(pid):
    """utime + stime of a process, all threads, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status_fields(path):
    """A /proc status file as {key: first word of its value}."""
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()[0] if value.split() else ""
    return fields


def status_kib(pid, key):
    """A /proc/PID/status figure such as VmHWM or RssAnon, in KiB."""
    return int(status_fields("/proc/%d/status" % pid)[key])


def memory_kib(pid):
    fields = status_fields("/proc/%d/status" % pid)
    return {key: int(fields[key]) for key in ("VmRSS", "RssAnon", "VmHWM")}


def context_switches(pid):
    """Voluntary + involuntary switches summed over every thread (the process
    file counts the main thread only; libuv's pool threads count too)."""
    total = 0
    for tid in tasks(pid):
        try:
            fields = status_fields("/proc/%d/task/%s/status" % (pid, tid))
        except OSError:
            continue
        total += int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])
    return total
