"""What the end-to-end tests share: the sandbox engines, registries, the agent.

Every test drives a real engine and the real binary (IPA_AGENT_BINARY). The
engine is the sandbox dockerd (IPA_TEST_DOCKER_HOST) unless a test case sets
`engine = "podman"`: then the Podman API service (IPA_TEST_PODMAN_HOST);
scripts/test starts both.
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
import urllib.parse
import uuid

IMAGE = "iris-sandbox:latest"

# Engine name -> the variable holding its URL and the script that starts it.
ENGINES = {
    "docker": ("IPA_TEST_DOCKER_HOST", "scripts/docker-sandbox"),
    "podman": ("IPA_TEST_PODMAN_HOST", "scripts/podman-sandbox"),
}


def engine_host(engine):
    variable, script = ENGINES[engine]
    host = os.environ.get(variable)
    if not host:
        raise RuntimeError("%s is not set: run the suite with scripts/test, which starts the "
                           "sandbox engines (or export %s=$(%s start))"
                           % (variable, variable, script))
    return host


def docker_host():
    return engine_host("docker")


def agent_binary():
    return os.environ["IPA_AGENT_BINARY"]


def derived_name(project_path, port):
    return "iris_%s_%d" % (hashlib.md5(project_path.encode()).hexdigest()[:8], port)


def cannot_run(test, what_is_missing):
    """Skips a test that cannot exercise what it claims; under CI=true fails it instead,
    naming what is missing, so that a green CI run never hides an untested rule."""
    if os.environ.get("CI") == "true":
        test.fail("CI cannot run this test: " + what_is_missing)
    test.skipTest(what_is_missing)


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
    """The docker CLI against a sandbox engine; every container it makes is removed at the end.

    On Podman a container without a published port gets `--network none`: it
    needs no network, and setting one up costs Podman a second.
    """

    def __init__(self, engine="docker"):
        self.engine = engine
        self.host = engine_host(engine)
        self.made = []

    def run(self, *args, check=True):
        return subprocess.run(["docker", "-H", self.host, *args], check=check,
                              capture_output=True, text=True, timeout=120)

    def create(self, name, port=None, command=("sleep", "3600"), start=True):
        args = ["run", "-d"] if start else ["create"]
        args += ["--name", name]
        if port is not None:
            args += ["-p", "127.0.0.1:%d:1972" % port]
        elif self.engine == "podman":
            args += ["--network", "none"]
        self.made.append(name)
        self.run(*args, IMAGE, *command)
        return name

    def actions(self, name, since):
        """The actions the engine reported for container `name` since `since` (epoch seconds).

        Straight from /events: Podman answers a past `until` only with
        stream=false, which the docker CLI does not send, misses the last
        second with `until` = now, and its container filter takes no names.
        """
        assert self.host.startswith("unix://")
        query = urllib.parse.urlencode({
            "since": "%.6f" % since, "until": "%.6f" % (time.time() + 2), "stream": "false",
            "filters": json.dumps({"type": ["container"]})})
        out = subprocess.run(["curl", "-sf", "--max-time", "20", "--unix-socket",
                              self.host[len("unix://"):], "http://localhost/events?" + query],
                             check=True, capture_output=True, text=True).stdout
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        return [e["Action"] for e in events if e["Actor"]["Attributes"].get("name") == name]

    def cleanup(self):
        for name in self.made:
            self.run("rm", "-f", name, check=False)


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
