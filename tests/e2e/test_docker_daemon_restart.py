"""dockerd stopped and started again while the agent runs (restarts the shared
sandbox: ctest runs this module alone, RUN_SERIAL)."""

import os
import signal
import socket
import subprocess
import time
import unittest

from ipa_testing.cases import AgentTestCase, wait_statuses
from ipa_testing.engines import docker_host, IMAGE
from ipa_testing.figures import figure
from ipa_testing.proc import cpu_ticks
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def sandbox_dir():
    return os.path.dirname(docker_host()[len("unix://"):])


def pings():
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(docker_host()[len("unix://"):])
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
            return b"OK" in s.recv(4096)
    except OSError:
        return False


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class DaemonRestart(AgentTestCase):

    def test_the_registry_is_right_within_1_s_of_the_daemon_answering_again(self):
        # Created containers survive the restart as they are; removing them
        # right after it must reach the registry at once. A running one is
        # stopped by the daemon's shutdown (stop, then die): released.
        kept = [self.docker.create(self.name("kept%d" % i), start=False) for i in range(3)]
        running = self.name("running")
        self.docker.made.append(running)
        self.docker.run("run", "-d", "--name", running, "--stop-timeout", "1", IMAGE,
                        "sleep", "3600")
        self.write_registry([assignment("/p/kept%d" % i, 29000 + i, container_name=n)
                             for i, n in enumerate(kept)] +
                            [assignment("/p/running", 29010, container_name=running)])
        agent = self.start_agent()

        with open(os.path.join(sandbox_dir(), "docker.pid")) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not alive(pid), timeout=30, what="dockerd to stop")
        wait_for(lambda: "the registry is left as it is" in agent.text(), timeout=10,
                 what="the agent to notice")
        ticks_before = cpu_ticks(agent.process.pid)
        away_from = time.monotonic()
        time.sleep(3)  # away a while, so that a spinning retry would show

        env = dict(os.environ)
        env.pop("IPA_TEST_RUN_ID", None)  # the restarted daemon must outlive ctest's cleanup
        env["IPA_SANDBOX_DIR"] = sandbox_dir()
        starter = subprocess.Popen([os.path.join(ROOT, "scripts", "docker-sandbox"), "start"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(pings, timeout=90, interval=0.01, what="dockerd to answer again")
        answered_at = time.monotonic()
        ticks = cpu_ticks(agent.process.pid) - ticks_before
        away = answered_at - away_from
        self.docker.run("rm", "-f", *kept)
        try:
            done = wait_statuses(self, {**{"/p/kept%d" % i: "stale" for i in range(3)},
                                        "/p/running": "released"}, timeout=10)
        except AssertionError as e:
            raise AssertionError("%s\nregistry: %s\nagent log:\n%s" %
                                 (e, self.statuses(), agent.text())) from None
        self.assertEqual(starter.wait(timeout=120), 0)
        figure("dockerd restart: registry right after the daemon answered",
               "%.3f s" % (done - answered_at))
        figure("dockerd restart: CPU ticks while away", "%d in %.1f s" % (ticks, away))
        self.assertLess(done - answered_at, 1.0)
        # Well under 1% of a core while the daemon is away.
        self.assertLessEqual(ticks, max(5, int(away)), "CPU spin while the daemon was away")
        self.assertEqual(agent.text().count("the registry is left as it is"), 1, agent.text())
        self.assertEqual(agent.text().count("reconnected to the Docker engine"), 1, agent.text())


if __name__ == "__main__":
    unittest.main()
