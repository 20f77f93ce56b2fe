"""assign + release round trip: the CLI next to iris-devtester's own way.

Run with /usr/bin/python3 (python3-docker, python3-filelock):
  assign_release_bench.py BINARY DOCKER_HOST [TRIALS]

Prints the median and p90 of one assign followed by one release, in ms:
- the CLI, two processes, with a Docker engine to ask and with none;
- a Python program doing what iris-devtester's PortRegistry does
  (FileLock, json, docker.from_env().containers.list(all=True) for bound
  ports, a bind() probe per candidate port), in one warm process, with and
  without an engine, and as a fresh `python3 -c` per operation the way a shell
  script would have to call it.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import docker
from filelock import FileLock

# One operation in a fresh interpreter, which finds this module on PYTHONPATH (OP_ENVIRONMENT).
PYTHON_OP = r"""
import sys
from assign_release_bench import SeedRegistry
registry = SeedRegistry(sys.argv[1], sys.argv[2])
if sys.argv[3] == "assign":
    print(registry.assign(sys.argv[4]))
else:
    registry.release(sys.argv[4])
"""
OP_ENVIRONMENT = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))


class SeedRegistry:
    """iris-devtester's assign_port/release_port, the obvious way."""

    def __init__(self, path, docker_host, port_range=(1972, 1981)):
        self.path = Path(path)
        self.lock = self.path.with_suffix(".lock")
        self.docker_host = docker_host
        self.low, self.high = port_range

    def read(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {"schema_version": "1.0", "assignments": []}

    def write(self, data):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "w") as f:
            json.dump(data, f, indent=2)

    def docker_bound_ports(self):
        try:
            client = docker.DockerClient(base_url=self.docker_host)
            ports = set()
            for container in client.containers.list(all=True):
                for bindings in (container.attrs["NetworkSettings"].get("Ports") or {}).values():
                    for binding in bindings or []:
                        ports.add(int(binding["HostPort"]))
            return ports
        except Exception:
            return set()

    @staticmethod
    def host_port_free(port):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("0.0.0.0", port))
                return True
            except OSError:
                return False

    def assign(self, project):
        with FileLock(self.lock, timeout=5):
            data = self.read()
            for a in data["assignments"]:
                if a["project_path"] == project:
                    return a["port"]
            used = {a["port"] for a in data["assignments"] if a["status"] == "active"}
            used |= self.docker_bound_ports()
            port = next(p for p in range(self.low, self.high + 1)
                        if p not in used and self.host_port_free(p))
            data["assignments"].append({
                "project_path": project, "port": port,
                "assigned_at": datetime.now().isoformat(), "assignment_type": "auto",
                "status": "active", "container_name": None})
            self.write(data)
            return port

    def release(self, project):
        with FileLock(self.lock, timeout=5):
            data = self.read()
            data["assignments"] = [a for a in data["assignments"] if a["project_path"] != project]
            self.write(data)


def timed(trials, round_trip):
    times = []
    for i in range(trials):
        start = time.perf_counter()
        round_trip(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def main():
    binary, docker_host = sys.argv[1], sys.argv[2]
    trials = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    work = tempfile.mkdtemp(prefix="ipa-assign-bench-")
    registry = os.path.join(work, "port-registry.json")
    no_docker = "unix://" + os.path.join(work, "absent.sock")

    def cli(host):
        def round_trip(i):
            base = [binary, "--registry", registry, "--docker-host", host, "--log-level", "error"]
            subprocess.run(base + ["assign", "/bench/p%d" % i], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(base + ["release", "/bench/p%d" % i], check=True)
        return round_trip

    def warm(host):
        seed = SeedRegistry(registry, host)
        def round_trip(i):
            seed.assign("/bench/p%d" % i)
            seed.release("/bench/p%d" % i)
        return round_trip

    def cold(host):
        def round_trip(i):
            for op in ("assign", "release"):
                subprocess.run(["/usr/bin/python3", "-c", PYTHON_OP, registry, host, op,
                                "/bench/p%d" % i], check=True, stdout=subprocess.DEVNULL,
                               env=OP_ENVIRONMENT)
        return round_trip

    rows = [
        ("iris-port-agent assign+release (2 processes), Docker up", cli(docker_host)),
        ("iris-port-agent assign+release (2 processes), no Docker", cli(no_docker)),
        ("Python PortRegistry way, warm process, Docker up", warm(docker_host)),
        ("Python PortRegistry way, warm process, no Docker", warm(no_docker)),
        ("Python PortRegistry way, python3 -c per op, Docker up", cold(docker_host)),
    ]
    print("%-58s %10s %10s" % ("assign + release round trip", "median ms", "p90 ms"))
    for label, round_trip in rows:
        median, p90 = timed(trials, round_trip)
        print("%-58s %10.1f %10.1f" % (label, median, p90))


if __name__ == "__main__":
    main()
