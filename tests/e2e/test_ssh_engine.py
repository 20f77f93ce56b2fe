"""The agent against a remote engine over ssh:// (CONTRACT "Which engine").

A real sshd on a loopback port (tests/docker/support/throwaway-sshd) lets root in with a
throwaway key; its sessions run docker.io's CLI (`docker system dial-stdio`) against the
sandbox engine. The agent runs plain `ssh`, which the test points at its key and
known_hosts through PATH (OpenSSH reads ~/.ssh/config from the passwd home, not $HOME).
"""

import os
import signal
import socket
import subprocess
import time
import unittest

from ipa_testing.agent import Agent
from ipa_testing.cases import AgentTestCase
from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for

SSHD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docker", "support",
                    "throwaway-sshd")


def ssh_processes(port):
    """pids of ssh clients to this port, running or not yet reaped by anyone."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/comm" % pid) as f:
                comm = f.read().strip()
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if comm == "ssh" and b"-p" in argv and str(port).encode() in argv:
            found.append(int(pid))
    return found


class SshAgent(Agent):
    """The binary in watch mode against an ssh:// URL."""

    def __init__(self, registry, url, env):
        self.log_path = registry + ".agent-log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [agent_binary(), "--registry", registry, "--docker-host", url],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)


class SshEngineTest(AgentTestCase):
    def setUp(self):
        super().setUp()
        self.sshd_dir = os.path.join(self.dir, "sshd")
        subprocess.run([SSHD, "setup", self.sshd_dir, docker_host()], check=True)
        subprocess.run([SSHD, "start", self.sshd_dir], check=True)
        with open(os.path.join(self.sshd_dir, "port")) as f:
            self.port = int(f.read())
        self.url = "ssh://root@127.0.0.1:%d" % self.port
        self.env = dict(os.environ)
        self.env["PATH"] = os.path.join(self.sshd_dir, "bin") + ":" + self.env["PATH"]
        # Where the agent makes the private directory of each ssh connection's socket.
        self.env.pop("XDG_RUNTIME_DIR", None)
        self.env["TMPDIR"] = self.dir

    def private_directories(self):
        return [n for n in os.listdir(self.dir) if n.startswith("iris-port-agent-ssh-")]

    def tearDown(self):
        # Before the base class removes the directory that holds sshd's pid file.
        subprocess.run([SSHD, "stop", self.sshd_dir], check=False)
        super().tearDown()

    def start_ssh_agent(self):
        agent = SshAgent(self.registry, self.url, self.env)
        self.agents.append(agent)
        agent.wait_synced(timeout=60)
        return agent

    def once(self):
        return subprocess.run([agent_binary(), "--registry", self.registry, "--docker-host",
                               self.url, "--once"], capture_output=True, text=True, timeout=120,
                              env=self.env)

    def test_a_container_removed_on_the_remote_engine_is_marked_stale(self):
        name = self.docker.create(self.name("iris"))
        self.write_registry([assignment("/p/remote", 1972, container_name=name)])
        agent = self.start_ssh_agent()
        self.assertEqual(self.statuses()["/p/remote"], "active")
        self.docker.run("rm", "-f", name)
        self.wait_status("/p/remote", "stale", timeout=30)
        self.assertIn("ssh://root@127.0.0.1:%d" % self.port, agent.text())

    def test_sigterm_leaves_no_ssh_process_behind(self):
        self.write_registry([])
        agent = self.start_ssh_agent()
        self.assertTrue(ssh_processes(self.port), "the agent's event stream runs over ssh")
        started = time.monotonic()
        self.assertEqual(agent.stop(signal.SIGTERM), 0, agent.text())
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(ssh_processes(self.port), [])
        self.assertEqual(self.private_directories(), [])

    def test_once_reconciles_over_ssh_and_leaves_no_ssh_process_behind(self):
        name = self.docker.create(self.name("iris"))
        self.docker.run("stop", "-t", "0", name)
        self.write_registry([assignment("/p/exited", 1972, container_name=name),
                             assignment("/p/missing", 1973, container_name=self.name("none"))])
        result = self.once()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.statuses(), {"/p/exited": "stale", "/p/missing": "stale"})
        self.assertEqual(ssh_processes(self.port), [])
        self.assertEqual(self.private_directories(), [])

    def test_a_refused_key_is_one_error_line_with_ssh_s_words_and_exit_3(self):
        subprocess.run([SSHD, "use-key", self.sshd_dir, "other"], check=True)
        self.write_registry([assignment("/p/a", 1972, container_name="x")])
        before = self.registry_text()
        result = self.once()
        self.assertEqual(result.returncode, 3, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("Permission denied (publickey)", lines[0])
        self.assertIn(self.url, lines[0])
        self.assertEqual(self.registry_text(), before)
        self.assertEqual(ssh_processes(self.port), [])

    def test_a_removal_while_sshd_is_down_is_marked_after_it_comes_back(self):
        name = self.docker.create(self.name("iris"))
        self.write_registry([assignment("/p/gone", 1972, container_name=name)])
        agent = self.start_ssh_agent()
        subprocess.run([SSHD, "stop", self.sshd_dir], check=True)
        wait_for(lambda: "retrying" in agent.text() or "unreachable" in agent.text()
                 or "ssh exited" in agent.text(), timeout=30, what="the agent to notice")
        self.docker.run("rm", "-f", name)
        time.sleep(1)
        self.assertEqual(self.statuses()["/p/gone"], "active")
        subprocess.run([SSHD, "start", self.sshd_dir], check=True)
        self.wait_status("/p/gone", "stale", timeout=60)
        self.assertIn("reconnected", agent.text())

    def test_assign_over_ssh_skips_ports_the_remote_engine_publishes(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.docker.create(self.name("squatter"), port=port)
        result = subprocess.run([agent_binary(), "--registry", self.registry, "--docker-host",
                                 self.url, "assign", "/p/one", "--range",
                                 "%d-%d" % (port, port + 1)],
                                capture_output=True, text=True, timeout=120, env=self.env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "%d\n" % (port + 1), result.stderr)
        self.assertEqual(ssh_processes(self.port), [])

    def test_a_killed_agent_s_ssh_processes_end_on_their_own(self):
        self.write_registry([])
        agent = self.start_ssh_agent()
        self.assertTrue(ssh_processes(self.port))
        agent.kill()  # SIGKILL: the agent cannot end them; their stdin closing does
        wait_for(lambda: not ssh_processes(self.port), timeout=10,
                 what="the orphaned ssh processes to exit")


if __name__ == "__main__":
    unittest.main()
