"""The sandbox engines and the docker CLI against them.

The engine is the sandbox dockerd (IPA_TEST_DOCKER_HOST) unless a test case sets
`engine = "podman"`: then the Podman API service (IPA_TEST_PODMAN_HOST);
scripts/test starts both.
"""

import json
import os
import subprocess
import time
import urllib.parse

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
