"""What the end-to-end tests share: the sandbox engine, registries, the agent.

Every test drives a real Docker engine (the sandbox that scripts/test starts;
its URL is in IPA_TEST_DOCKER_HOST) and the real binary (IPA_AGENT_BINARY).
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import uuid

IMAGE = "iris-sandbox:latest"


def docker_host():
    host = os.environ.get("IPA_TEST_DOCKER_HOST")
    if not host:
        raise RuntimeError("IPA_TEST_DOCKER_HOST is not set: run the suite with scripts/test, "
                           "which starts the sandbox engine")
    return host


def agent_binary():
    return os.environ["IPA_AGENT_BINARY"]


def derived_name(project_path, port):
    return "iris_%s_%d" % (hashlib.md5(project_path.encode()).hexdigest()[:8], port)


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def status_kib(pid, key):
    """A /proc/PID/status figure such as VmHWM or RssAnon, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


class Docker:
    """The docker CLI against the sandbox; every container it makes is removed at the end."""

    def __init__(self):
        self.host = docker_host()
        self.made = []

    def run(self, *args, check=True):
        return subprocess.run(["docker", "-H", self.host, *args], check=check,
                              capture_output=True, text=True, timeout=120)

    def create(self, name, port=None, command=("sleep", "3600"), start=True):
        args = ["run", "-d"] if start else ["create"]
        args += ["--name", name]
        if port is not None:
            args += ["-p", "127.0.0.1:%d:1972" % port]
        self.made.append(name)
        self.run(*args, IMAGE, *command)
        return name

    def cleanup(self):
        for name in self.made:
            self.run("rm", "-f", name, check=False)


class Agent:
    """The binary in watch mode, its stderr collected in a file."""

    def __init__(self, registry, *extra, env=None):
        self.log_path = registry + ".agent-log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [agent_binary(), "--registry", registry, "--docker-host", docker_host(), *extra],
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


class AgentTestCase(unittest.TestCase):
    """A temp registry directory, a Docker helper and agents that are always stopped."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ipa-e2e-")
        self.registry = os.path.join(self.dir, "port-registry.json")
        self.docker = Docker()
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
        agent = Agent(self.registry, *extra)
        self.agents.append(agent)
        if synced:
            agent.wait_synced()
        return agent

    def run_cli(self, *args, env=None, check=False, timeout=60):
        return subprocess.run([agent_binary(), "--registry", self.registry,
                               "--docker-host", docker_host(), *args],
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
        data = {"schema_version": "1.0", "assignments": assignments}
        data.update(extra)
        with open(self.registry, "w") as f:
            json.dump(data, f, indent=2)

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


def assignment(project, port, status="active", container_name=None, assigned_at=None, **extra):
    entry = {
        "project_path": project,
        "port": port,
        "assigned_at": assigned_at or "2025-01-17T10:30:00.123456",
        "assignment_type": "auto",
        "status": status,
        "container_name": container_name,
    }
    entry.update(extra)
    return entry
