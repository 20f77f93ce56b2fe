"""What the fault tests share, on top of tests/e2e/harness.py."""

import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from harness import (AgentTestCase, Agent, IMAGE, agent_binary, assignment,  # noqa: E402,F401
                     cannot_run, docker_host, status_kib, wait_for)

def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def create_many(docker, names, start=False):
    """docker create (or run -d) for many containers at once; the engine is the bottleneck."""
    def one(name):
        docker.made.append(name)
        args = ["run", "-d"] if start else ["create"]
        docker.run(*args, "--name", name, "--stop-timeout", "1", IMAGE, "sleep", "3600")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, names))


def remove_many(docker, names):
    """One `docker rm -f` per batch of ten, in parallel: a storm of destroy events."""
    batches = [names[i:i + 10] for i in range(0, len(names), 10)]
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        list(pool.map(lambda batch: docker.run("rm", "-f", *batch), batches))


def temp_files(directory):
    return sorted(n for n in os.listdir(directory) if ".tmp-" in n)


def assert_no_temp_litter(case, directory):
    """No temp file stays behind. The registry shows a write before the write
    has copied it to the .bak (temp file, rename): that temp may still be in
    flight when the test looks, litter is what is still there a moment later."""
    try:
        wait_for(lambda: temp_files(directory) == [], timeout=2.0, what="no temp files")
    except AssertionError:
        case.assertEqual(temp_files(directory), [])


def wait_statuses(case, expected, timeout=10.0):
    """Waits until every project in `expected` has its status; returns when (monotonic)."""
    def check():
        try:
            statuses = case.statuses()
        except (OSError, ValueError):
            return False
        return all(statuses.get(p) == s for p, s in expected.items())
    wait_for(check, timeout, interval=0.01, what="statuses %r" % (expected,))
    return time.monotonic()


def figure(name, value):
    """A measured figure, printed so that the ctest log keeps it."""
    sys.stderr.write("FIGURE %s: %s\n" % (name, value))


class EndpointAgent(Agent):
    """Agent in watch mode against a Docker endpoint of the test's choosing."""

    def __init__(self, registry, host, *extra):
        import subprocess
        self.log_path = registry + ".agent-log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [agent_binary(), "--registry", registry, "--docker-host", host, *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
