"""Which engine: the agent started with no host given follows the docker context, as the
docker CLI would, and follows `docker context use` while it runs.

The contexts are made by the real docker CLI in a temporary DOCKER_CONFIG. The second engine
of the switch is the Podman service (IPA_TEST_PODMAN_HOST, from scripts/podman-sandbox).
"""

import json
import os
import shutil
import subprocess
import unittest

from ipa_testing.agent import Agent
from ipa_testing.cases import AgentTestCase, cannot_run
from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for

IMAGE = "iris-sandbox:latest"


def podman_host():
    """The Podman service's URL; a missing one fails under CI and skips elsewhere."""
    host = os.environ.get("IPA_TEST_PODMAN_HOST")
    if not host and os.environ.get("CI") == "true":
        raise AssertionError("IPA_TEST_PODMAN_HOST is not set under CI: the suite must start "
                             "the Podman service (scripts/podman-sandbox start)")
    return host


class ContextAgent(Agent):
    """The binary in watch mode with no --docker-host: the engine comes from `env`."""

    def __init__(self, registry, env):  # pylint: disable=super-init-not-called
        self.log_path = registry + ".agent-log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([agent_binary(), "--registry", registry],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=env)


class DockerContext(AgentTestCase):

    def setUp(self):
        super().setUp()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        self.env["DOCKER_CONFIG"] = os.path.join(self.dir, "docker-config")

    def docker_cli(self, *args):
        """The real docker CLI on the test's DOCKER_CONFIG, as the user runs it."""
        return subprocess.run(["docker", *args], env=self.env, check=True,
                              capture_output=True, text=True, timeout=60)

    def context(self, what, host):
        name = self.name(what)
        self.docker_cli("context", "create", name, "--docker", "host=" + host)
        return name

    def start_context_agent(self):
        agent = ContextAgent(self.registry, self.env)
        self.agents.append(agent)
        agent.wait_synced()
        return agent

    def status_engine(self):
        out = subprocess.run([agent_binary(), "--registry", self.registry, "status", "--json"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        return json.loads(out)["agent"]["engine"]

    def test_with_no_host_given_the_agent_watches_the_current_context(self):
        sandbox = self.context("sandbox", docker_host())
        self.docker_cli("context", "use", sandbox)
        name = self.docker.create(self.name("c"))
        self.write_registry([assignment("/p/ctx", 24901, container_name=name)])
        agent = self.start_context_agent()
        self.assertIn('(context "%s" from currentContext in %s/config.json)'
                      % (sandbox, self.env["DOCKER_CONFIG"]), agent.text())
        self.assertEqual(self.status_engine(), {"endpoint": docker_host(), "context": sandbox})
        self.docker.run("rm", "-f", name)
        self.wait_status("/p/ctx", "stale")

    def test_docker_context_use_while_running_moves_the_agent_to_the_new_engine(self):
        """Away to an engine that is not there (said in one line, with the contexts that
        exist), then back: the return reconciles fully and marks what was removed meanwhile."""
        sandbox = self.context("sandbox", docker_host())
        nowhere = self.context("nowhere", "unix://" + os.path.join(self.dir, "none.sock"))
        self.docker_cli("context", "use", sandbox)
        name = self.docker.create(self.name("c"))
        self.write_registry([assignment("/p/away", 24902, container_name=name)])
        agent = self.start_context_agent()

        self.docker_cli("context", "use", nowhere)
        wait_for(lambda: "engine changed: %s (context \"%s\"" % (docker_host(), sandbox)
                 in agent.text(), what="the switch to the missing engine")
        wait_for(lambda: "--context %s)" % sandbox in agent.text(),
                 what="the unreachable line listing the contexts")
        self.docker.run("rm", "-f", name)
        self.assertEqual(self.statuses()["/p/away"], "active")  # not watching the sandbox

        self.docker_cli("context", "use", sandbox)
        self.wait_status("/p/away", "stale")
        self.assertEqual(agent.text().count("engine changed:"), 2)
        self.assertEqual(self.status_engine(), {"endpoint": docker_host(), "context": sandbox})

    def test_a_docker_config_made_after_the_start_is_followed(self):
        """A first `docker context use` after the agent started creates the directory: the
        agent waits for it in its parent, then follows it."""
        sandbox = self.context("sandbox", docker_host())
        made_elsewhere = os.path.join(self.dir, "made-elsewhere")
        os.rename(self.env["DOCKER_CONFIG"], made_elsewhere)
        name = self.docker.create(self.name("c"))
        self.write_registry([assignment("/p/later", 24905, container_name=name)])
        agent = ContextAgent(self.registry, self.env)
        self.agents.append(agent)
        wait_for(lambda: "does not switch engines by itself" in agent.text(),
                 what="the agent's first look, at the default socket")
        shutil.copytree(made_elsewhere, self.env["DOCKER_CONFIG"])
        self.docker_cli("context", "use", sandbox)
        wait_for(lambda: '-> %s (context "%s"' % (docker_host(), sandbox) in agent.text(),
                 what="the switch to the sandbox")
        agent.wait_synced()
        self.docker.run("rm", "-f", name)
        self.wait_status("/p/later", "stale")

    def test_a_switch_to_the_podman_context_marks_containers_removed_there(self):
        podman = podman_host()
        if not podman:
            cannot_run(self, "IPA_TEST_PODMAN_HOST is not set (scripts/podman-sandbox start)")
        sandbox = self.context("sandbox", docker_host())
        pod = self.context("podman", podman)
        self.docker_cli("context", "use", sandbox)
        on_docker = self.docker.create(self.name("d"))
        on_podman = self.name("p")
        self.write_registry([assignment("/p/docker", 24903, container_name=on_docker),
                             assignment("/p/podman", 24904, container_name=on_podman)])
        agent = self.start_context_agent()

        self.docker_cli("context", "use", pod)
        wait_for(lambda: "-> %s (context \"%s\"" % (podman, pod) in agent.text(),
                 what="the switch to Podman")
        agent.wait_synced(count=2)
        podman_cli = ["docker", "-H", podman]
        self.addCleanup(subprocess.run, podman_cli + ["rm", "-f", on_podman],
                        capture_output=True, timeout=60)
        subprocess.run(podman_cli + ["run", "-d", "--network", "none", "--name", on_podman,
                                     IMAGE, "sleep", "3600"],
                       check=True, capture_output=True, timeout=120)
        self.wait_status("/p/podman", "active")
        subprocess.run(podman_cli + ["rm", "-f", on_podman], check=True, capture_output=True,
                       timeout=60)
        self.wait_status("/p/podman", "stale")
        self.assertEqual(self.status_engine(), {"endpoint": podman, "context": pod})


if __name__ == "__main__":
    unittest.main()
