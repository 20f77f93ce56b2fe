"""The test cases' base: a temp registry, an engine, agents that are always stopped.

Every test drives a real engine and the real binary (IPA_AGENT_BINARY).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

from ipa_testing.agent import Agent
from ipa_testing.engines import Docker
from ipa_testing.locations import agent_binary
from ipa_testing.registry_entries import write_registry
from ipa_testing.waiting import wait_for


def cannot_run(test, what_is_missing):
    """Skips a test that cannot exercise what it claims; under CI=true fails it instead,
    naming what is missing, so that a green CI run never hides an untested rule."""
    if os.environ.get("CI") == "true":
        test.fail("CI cannot run this test: " + what_is_missing)
    test.skipTest(what_is_missing)


class AgentTestCase(unittest.TestCase):
    """A temp registry directory, an engine helper and agents that are always stopped."""

    engine = "docker"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ipa-e2e-")
        self.registry = os.path.join(self.dir, "port-registry.json")
        self.docker = Docker(self.engine)
        self.agents = []
        self.tag = uuid.uuid4().hex[:6]

    def tearDown(self):
        for agent in self.agents:
            agent.kill()
        self.docker.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def name(self, what):
        return "ipa-%s-%s" % (self.tag, what)

    def start_agent(self, *extra, synced=True):
        agent = Agent(self.registry, *extra, host=self.docker.host)
        self.agents.append(agent)
        if synced:
            agent.wait_synced()
        return agent

    def run_cli(self, *args, env=None, check=False, timeout=60):
        return subprocess.run([agent_binary(), "--registry", self.registry,
                               "--docker-host", self.docker.host, *args],
                              capture_output=True, text=True, timeout=timeout, env=env,
                              check=check)

    def write_config(self, settings):
        """config.json in the test's directory: a dict as JSON, a str as it is."""
        path = os.path.join(self.dir, "config.json")
        with open(path, "w") as f:
            if isinstance(settings, str):
                f.write(settings)
            else:
                json.dump(settings, f)
        return path

    def write_registry(self, assignments, **extra):
        write_registry(self.registry, assignments, **extra)

    def registry_text(self):
        with open(self.registry) as f:
            return f.read()

    def read_registry(self):
        with open(self.registry) as f:
            return json.load(f)

    def statuses(self):
        return {a["project_path"]: a["status"] for a in self.read_registry()["assignments"]}

    def wait_status(self, project, status, timeout=10):
        def check():
            try:
                return self.statuses().get(project) == status
            except (OSError, ValueError):
                return False
        wait_for(check, timeout, what="%s to become %s" % (project, status))


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
