"""assign, release, get, clear: iris-devtester's PortRegistry semantics from the shell."""

import json
import os
import subprocess
import unittest

from ipa_testing.cases import AgentTestCase
from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary
from ipa_testing.python_peers import devtester
from ipa_testing.registry_entries import assignment

PYTHON_READER = r"""
import json, sys
from datetime import datetime
with open(sys.argv[1]) as f:
    data = json.load(f)
for a in data["assignments"]:
    datetime.fromisoformat(a["assigned_at"])
print(len(data["assignments"]))
"""


class PortCommands(AgentTestCase):

    def assign(self, project, *args):
        return self.run_cli("assign", project, *args)

    def test_assign_prints_the_first_free_port_alone_on_stdout(self):
        result = self.assign("/p/one")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "1972\n")
        entry = self.read_registry()["assignments"][0]
        self.assertEqual((entry["project_path"], entry["port"], entry["status"],
                          entry["assignment_type"], entry["container_name"]),
                         ("/p/one", 1972, "active", "auto", None))

    def test_assign_is_idempotent(self):
        self.assertEqual(self.assign("/p/one").stdout, "1972\n")
        self.assertEqual(self.assign("/p/two").stdout, "1973\n")
        self.assertEqual(self.assign("/p/one").stdout, "1972\n")
        self.assertEqual(len(self.read_registry()["assignments"]), 2)

    def test_assign_of_an_active_project_returns_its_port_and_changes_nothing(self):
        # The project's own container runs and publishes its port, as IRIS
        # does: a port that is not free any more, so only the idempotence
        # rule can answer 1975 a second time.
        self.assertEqual(self.assign("/p/manual", "--port", "1975").stdout, "1975\n")
        self.docker.create(self.name("manual"), port=1975)
        with open(self.registry, "rb") as f:
            before = f.read()
        self.assertEqual(self.assign("/p/manual").stdout, "1975\n")
        with open(self.registry, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_project_path_is_made_absolute(self):
        result = subprocess.run([agent_binary(), "--registry", self.registry, "--docker-host",
                                 docker_host(), "assign", "./x/../proj"],
                                cwd=self.dir, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read_registry()["assignments"][0]["project_path"],
                         os.path.join(self.dir, "proj"))

    def python_assigns(self, cwd, port, *projects):
        lock = os.path.join(self.dir, "port-registry.lock")
        subprocess.run(devtester("assign-from", self.registry, lock, port, *projects), cwd=cwd,
                       check=True)

    def run_in(self, cwd, *args):
        return subprocess.run([agent_binary(), "--registry", self.registry, "--docker-host",
                               docker_host(), *args], cwd=cwd, capture_output=True, text=True)

    def test_one_project_is_one_assignment_whatever_spelling_python_stored(self):
        work = os.path.join(self.dir, "work")
        os.makedirs(os.path.join(work, "sub"))
        # Each spelling Python may have stored, and the spelling the agent is given.
        cases = [("/p/x/", "/p/x"), ("/p/./y", "/p/y/"), ("//p/z", "/p/z"),
                 ("/p/q/../w", "/p//w"), ("rel", os.path.join(work, "rel")),
                 (".", work), ("..", self.dir), ("sub/../up", "./up")]
        self.python_assigns(work, 32000, *[stored for stored, _ in cases])
        for i, (stored, given) in enumerate(cases):
            got = self.run_in(work, "get", given)
            self.assertEqual(got.stdout, "%d\n" % (32000 + i), (stored, given, got.stderr))
            again = self.run_in(work, "assign", given)
            self.assertEqual(again.stdout, "%d\n" % (32000 + i), (stored, given, again.stderr))
        self.assertEqual(len(self.read_registry()["assignments"]), len(cases))
        released = self.run_in(work, "release", "/p/x")
        self.assertEqual(released.returncode, 0, released.stderr)
        self.assertNotIn("/p/x/", [a["project_path"] for a in self.read_registry()["assignments"]])

    def test_the_agent_stores_what_os_path_abspath_gives(self):
        work = os.path.join(self.dir, "work")
        os.makedirs(work)
        spellings = ["/p/a/", "/p/./b", "//p/c", "///p/d", "/p/e/../f", "rel/", ".", "..", "x//y"]
        for spelling in spellings:
            result = self.run_in(work, "assign", spelling)
            self.assertEqual(result.returncode, 0, result.stderr)
        expected = subprocess.run(
            ["/usr/bin/python3", "-c", "import os, sys; print(repr([os.path.abspath(p) "
             "for p in sys.argv[1:]]))", *spellings],
            cwd=work, capture_output=True, text=True, check=True).stdout.strip()
        stored = [a["project_path"] for a in self.read_registry()["assignments"]]
        self.assertEqual(repr(stored), expected)

    def test_a_stale_assignment_is_reactivated_when_its_port_is_free(self):
        self.write_registry([assignment("/p/old", 1975, status="stale")])
        self.assertEqual(self.assign("/p/old").stdout, "1975\n")
        self.assertEqual(self.statuses(), {"/p/old": "active"})

    def test_a_stale_assignment_whose_port_is_taken_gets_a_new_port(self):
        self.write_registry([assignment("/p/old", 1972, status="released"),
                             assignment("/p/holder", 1972)])
        self.assertEqual(self.assign("/p/old").stdout, "1973\n")
        ports = {a["project_path"]: a["port"] for a in self.read_registry()["assignments"]}
        self.assertEqual(ports, {"/p/old": 1973, "/p/holder": 1972})

    def test_auto_assignment_skips_ports_docker_containers_publish(self):
        self.docker.create(self.name("squatter"), port=1972)
        self.assertEqual(self.assign("/p/one").stdout, "1973\n")

    def test_docker_unreachable_is_only_a_warning(self):
        result = subprocess.run([agent_binary(), "--registry", self.registry, "--docker-host",
                                 "unix:///nonexistent/docker.sock", "assign", "/p/one"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "1972\n")
        self.assertIn("warning", result.stderr)

    def test_manual_port_is_recorded_as_manual(self):
        result = self.assign("/p/manual", "--port", "5000", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        printed = json.loads(result.stdout)
        self.assertEqual((printed["port"], printed["assignment_type"]), (5000, "manual"))

    def test_manual_port_conflict_names_the_holder(self):
        self.assertEqual(self.assign("/p/holder", "--port", "5000").returncode, 0)
        result = self.assign("/p/other", "--port", "5000")
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "")
        self.assertIn("/p/holder", result.stderr)

    def test_exhaustion_fails_with_guidance(self):
        for i in range(3):
            self.assertEqual(self.assign("/p/%d" % i, "--range", "1972-1974").returncode, 0)
        result = self.assign("/p/late", "--range", "1972-1974")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no free port in 1972-1974", result.stderr)
        self.assertIn("/p/0", result.stderr)
        self.assertIn("iris-port-agent release", result.stderr)
        self.assertIn("--once", result.stderr)

    def test_release_removes_the_assignment(self):
        self.assign("/p/one")
        result = self.run_cli("release", "/p/one")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read_registry()["assignments"], [])

    def test_release_of_a_missing_assignment_exits_1(self):
        result = self.run_cli("release", "/p/none")
        self.assertEqual(result.returncode, 1)
        self.assertIn("/p/none", result.stderr)

    def test_get_prints_the_port_or_exits_1(self):
        self.assign("/p/one")
        self.assertEqual(self.run_cli("get", "/p/one").stdout, "1972\n")
        self.assertEqual(json.loads(self.run_cli("get", "/p/one", "--json").stdout)["port"], 1972)
        self.assertEqual(self.run_cli("get", "/p/none").returncode, 1)

    def test_clear_needs_yes(self):
        self.assign("/p/one")
        self.assertEqual(self.run_cli("clear").returncode, 2)
        self.assertEqual(len(self.read_registry()["assignments"]), 1)
        self.assertEqual(self.run_cli("clear", "--yes").returncode, 0)
        self.assertEqual(self.read_registry()["assignments"], [])

    def test_clear_keeps_what_it_does_not_own(self):
        self.write_registry([assignment("/p/x", 1972)], extra_key={"keep": 1})
        self.assertEqual(self.run_cli("clear", "--yes").returncode, 0)
        self.assertEqual(self.read_registry()["extra_key"], {"keep": 1})

    def test_twenty_concurrent_assigns_get_twenty_different_ports(self):
        processes = [subprocess.Popen([agent_binary(), "--registry", self.registry,
                                       "--docker-host", docker_host(), "assign", "/p/c%d" % i,
                                       "--range", "31000-31100"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for i in range(20)]
        ports = []
        for process in processes:
            out, err = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, err)
            ports.append(int(out))
        self.assertEqual(len(set(ports)), 20)
        self.assertEqual(sorted(a["port"] for a in self.read_registry()["assignments"]),
                         sorted(ports))

    def test_python_assigner_racing_cpp_assigners_never_duplicates_a_port(self):
        lock = os.path.join(self.dir, "port-registry.lock")
        python = subprocess.Popen(devtester("assign-from", self.registry, lock, 30000,
                                            *["/py-%d" % i for i in range(15)]))
        cpp = [subprocess.Popen([agent_binary(), "--registry", self.registry, "--docker-host",
                                 docker_host(), "assign", "/cpp%d" % i, "--range", "30000-30199"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for i in range(15)]
        for process in cpp:
            process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0)
        self.assertEqual(python.wait(timeout=60), 0)
        active = [a["port"] for a in self.read_registry()["assignments"] if a["status"] == "active"]
        self.assertEqual(len(active), 30)
        self.assertEqual(len(set(active)), 30)

    def test_python_reads_assigned_at_with_fromisoformat(self):
        for i in range(3):
            self.assign("/p/%d" % i)
        result = subprocess.run(["/usr/bin/python3", "-c", PYTHON_READER, self.registry],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "3")


if __name__ == "__main__":
    unittest.main()
