"""The reader examples of docs/readers.md, run as they are, against a registry that the agent
keeps while it handles container removals and a Python writer rewrites the file in place."""

import json
import os
import subprocess
import threading
import time
import unittest
from pathlib import Path

from filelock import FileLock

from ipa_testing import devtester
from ipa_testing.cases import AgentTestCase
from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary
from ipa_testing.registry_entries import derived_name

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "examples")
READERS = {
    "python": ["/usr/bin/python3", os.path.join(EXAMPLES, "read_registry.py")],
    "shell": ["sh", os.path.join(EXAMPLES, "read-registry.sh")],
}
STATUSES = {"active", "released", "stale"}


class InPlaceWriter(threading.Thread):
    """Assigns and releases a project over and over as iris-devtester does: under its lock,
    rewriting the file in place."""

    def __init__(self, registry, prefix):
        super().__init__(daemon=True)
        self.registry = Path(registry)
        self.prefix = prefix
        self.done = threading.Event()
        self.writes = 0
        self.error = None

    def run(self):
        try:
            index = 0
            while not self.done.is_set():
                project = "%s-%d" % (self.prefix, index)
                devtester.assign(self.registry, project)
                devtester.release(self.registry, project)
                self.writes += 2
                index += 1
                time.sleep(0.03)
        except Exception as error:  # reported by the test, not lost in a thread
            self.error = error


class Readers(AgentTestCase):

    def setUp(self):
        super().setUp()
        self.env = dict(os.environ,
                        PATH=os.path.dirname(agent_binary()) + os.pathsep + os.environ["PATH"],
                        DOCKER_HOST=docker_host())
        self.env.pop("IRIS_PORT_REGISTRY", None)

    def read(self, reader):
        """One run of an example: (pid or None, {project: (status, port, trust)})."""
        result = subprocess.run(READERS[reader] + [self.registry], env=self.env,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, "%s reader failed:\n%s" % (reader, result.stderr))
        lines = result.stdout.splitlines()
        head = lines[0].split("\t")
        pid = int(head[1]) if head[0] == "watching" else None
        self.assertIn(head[0], ("watching", "not-watching"), lines[0])
        rows = {}
        for line in lines[1:]:
            status, port, project, *trust = line.split("\t")
            self.assertIn(status, STATUSES, line)
            rows[project] = (status, int(port), trust[0] if trust else None)
        active_ports = [port for status, port, _ in rows.values() if status == "active"]
        self.assertEqual(len(active_ports), len(set(active_ports)),
                         "two active assignments share a port: %s" % rows)
        return pid, rows

    def add_bulk(self):
        """Another tool's top-level key of some 70 KB: json.dump then writes the file in many
        pieces, and a reader that does not retry sees a torn file now and then."""
        registry = Path(self.registry)
        with FileLock(registry.with_suffix(".lock"), timeout=5):
            with open(registry) as f:
                data = json.load(f)
            data["other_tool"] = ["%06d" % i + "." * 60 for i in range(1000)]
            devtester.write_in_place(registry, data)

    def read_both(self):
        return {reader: self.read(reader) for reader in READERS}

    def test_readers_always_parse_see_consistent_statuses_and_report_watching_while_it_runs(self):
        projects = ["/%s/project-%d" % (self.tag, i) for i in range(4)]
        ports = {p: devtester.assign(Path(self.registry), p) for p in projects}
        self.add_bulk()
        for project in projects:
            self.docker.create(derived_name(project, ports[project]))

        for reader, (pid, rows) in self.read_both().items():
            self.assertIsNone(pid, reader + " reports an agent before any runs")
            for project in projects:
                self.assertEqual(rows[project][0], "active")
        self.assertEqual(self.read("python")[1][projects[0]][2], "container running",
                         "without an agent the Python reader checks the container itself")

        agent = self.start_agent()
        writer = InPlaceWriter(self.registry, "/%s/churn" % self.tag)
        writer.start()
        try:
            seen_stale = set()
            samples = 0
            for _ in range(8):  # while only the Python writer changes the file
                for reader, (pid, rows) in self.read_both().items():
                    samples += 1
                    self.assertEqual(pid, agent.process.pid, reader + " must report the agent")
                    self.assertEqual({rows[p][0] for p in projects}, {"active"})
            for project in projects:
                self.docker.run("rm", "-f", derived_name(project, ports[project]))
                removed_at = time.monotonic()
                while time.monotonic() - removed_at < 1.0 or project not in seen_stale:
                    for reader, (pid, rows) in self.read_both().items():
                        samples += 1
                        self.assertEqual(pid, agent.process.pid,
                                         reader + " must report the running agent")
                        for name in projects:
                            status = rows[name][0]
                            if name in seen_stale:
                                self.assertEqual(status, "stale",
                                                 "%s saw %s go back" % (reader, name))
                            elif status == "stale":
                                seen_stale.add(name)
                    self.assertLess(time.monotonic() - removed_at, 20,
                                    "the removal of %s never showed" % project)
        finally:
            writer.done.set()
            writer.join(30)
        self.assertIsNone(writer.error)
        self.assertGreater(writer.writes, 20, "the Python writer hardly wrote")
        self.assertEqual(seen_stale, set(projects))

        self.assertEqual(agent.stop(), 0)
        for reader, (pid, rows) in self.read_both().items():
            self.assertIsNone(pid, reader + " reports an agent after it stopped")
            for project in projects:
                self.assertEqual(rows[project][0], "stale")
        print("%d reader runs, %d in-place writes by Python" % (samples, writer.writes))


if __name__ == "__main__":
    unittest.main()
