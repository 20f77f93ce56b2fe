"""The binary in watch mode."""

import signal
import subprocess

from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary
from ipa_testing.waiting import wait_for


class Agent:
    """The binary in watch mode, its stderr collected in a file."""

    def __init__(self, registry, *extra, env=None, host=None):
        self.log_path = registry + ".agent-log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [agent_binary(), "--registry", registry, "--docker-host", host or docker_host(),
             *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_synced(self, count=1, timeout=15):
        wait_for(lambda: self.text().count("reconciled ") >= count or self.process.poll() is not None,
                 timeout, what="the agent's full reconcile")
        if self.process.poll() is not None:
            raise AssertionError("agent exited early:\n" + self.text())

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self.log.close()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()
