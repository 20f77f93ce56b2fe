"""Type=notify: READY=1 once the first full reconcile is written, STOPPING=1 on
SIGTERM, nothing while Docker is unreachable. A datagram socket plays systemd."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary


class ServiceNotifyTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ipa-notify-")
        self.registry = os.path.join(self.dir, "port-registry.json")
        self.socket_path = os.path.join(self.dir, "notify.sock")
        self.manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.manager.bind(self.socket_path)
        self.log_path = os.path.join(self.dir, "agent.log")
        self.process = None

    def tearDown(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.manager.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_agent(self, host):
        env = dict(os.environ, NOTIFY_SOCKET=self.socket_path)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [agent_binary(), "--registry", self.registry, "--docker-host", host],
                stdout=log, stderr=subprocess.STDOUT, env=env)

    def receive(self, timeout):
        self.manager.settimeout(timeout)
        try:
            return self.manager.recv(4096).decode()
        except socket.timeout:
            return None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def test_ready_after_the_first_reconcile_and_stopping_on_sigterm(self):
        self.start_agent(docker_host())
        message = self.receive(30)
        self.assertIsNotNone(message, "no notification; agent log:\n" + self.log())
        fields = dict(line.split("=", 1) for line in message.splitlines())
        self.assertEqual(fields.get("READY"), "1", message)
        self.assertTrue(fields.get("STATUS", "").startswith("reconciled "), message)
        # The reconcile was written (and logged) before readiness was claimed.
        self.assertIn("reconciled ", self.log())

        self.process.send_signal(signal.SIGTERM)
        message = self.receive(10)
        self.assertIsNotNone(message)
        self.assertIn("STOPPING=1", message.splitlines())
        self.assertEqual(self.process.wait(10), 0)

    def test_not_ready_while_docker_is_unreachable(self):
        self.start_agent("unix://" + os.path.join(self.dir, "no-docker.sock"))
        self.assertIsNone(self.receive(2), "READY before any reconcile")
        self.assertIsNone(self.process.poll(), "the agent should wait for Docker")
        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.receive(10), "STOPPING=1\nSTATUS=stopping: finishing the pending write")
        self.assertEqual(self.process.wait(10), 0)


if __name__ == "__main__":
    unittest.main()
