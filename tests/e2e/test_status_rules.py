"""Each status rule of the contract, driven by real containers while the agent watches."""

import os
import unittest

from harness import AgentTestCase, assignment, derived_name, wait_for


class StatusRules(AgentTestCase):

    def test_destroy_marks_the_assignment_stale(self):
        name = self.docker.create(self.name("a"), port=21001)
        self.write_registry([assignment("/p/a", 21001, container_name=name)])
        self.start_agent()
        self.assertEqual(self.statuses()["/p/a"], "active")
        self.docker.run("rm", "-f", name)
        self.wait_status("/p/a", "stale")

    def test_derived_name_matches_and_is_backfilled(self):
        project = "/p/derived-" + self.tag
        name = self.docker.create(derived_name(project, 21002), port=21002)
        self.write_registry([assignment(project, 21002)])
        self.start_agent()
        entry = self.read_registry()["assignments"][0]
        self.assertEqual(entry["container_name"], name)
        self.docker.run("rm", "-f", name)
        self.wait_status(project, "stale")

    def test_published_port_matches_when_no_name_does(self):
        name = self.docker.create(self.name("by-port"), port=21003)
        self.write_registry([assignment("/p/port", 21003)])
        self.start_agent()
        self.assertEqual(self.read_registry()["assignments"][0]["container_name"], name)
        self.docker.run("stop", "-t", "1", name)
        self.wait_status("/p/port", "released")

    def test_a_crash_marks_stale(self):
        name = self.docker.create(self.name("crash"), command=("sh", "-c", "sleep 2; exit 3"))
        self.write_registry([assignment("/p/crash", 21004, container_name=name)])
        self.start_agent()
        self.assertEqual(self.statuses()["/p/crash"], "active")
        self.wait_status("/p/crash", "stale", timeout=15)

    def test_docker_stop_marks_released(self):
        name = self.docker.create(self.name("stop"))
        self.write_registry([assignment("/p/stop", 21005, container_name=name)])
        self.start_agent()
        self.docker.run("stop", "-t", "1", name)
        self.wait_status("/p/stop", "released")

    def test_docker_kill_marks_released(self):
        name = self.docker.create(self.name("kill"))
        self.write_registry([assignment("/p/kill", 21006, container_name=name)])
        self.start_agent()
        self.docker.run("kill", name)
        self.wait_status("/p/kill", "released")

    def test_start_makes_a_stale_assignment_active_again(self):
        name = self.docker.create(self.name("start"), start=False)
        self.write_registry([assignment("/p/start", 21007, status="stale", container_name=name)])
        self.start_agent()
        self.docker.run("start", name)
        self.wait_status("/p/start", "active")

    def test_start_leaves_it_when_another_active_assignment_holds_the_port(self):
        name = self.docker.create(self.name("conflict"), start=False)
        self.write_registry([
            assignment("/p/holder", 21008, container_name=self.name("nothing"),
                       assigned_at="2099-01-01T00:00:00"),
            assignment("/p/conflict", 21008, status="released", container_name=name),
        ])
        agent = self.start_agent("--grace", "100000000")
        # The holder names a container that does not exist: reconcile marks it stale.
        self.assertEqual(self.statuses()["/p/holder"], "stale")
        self.write_registry([
            assignment("/p/holder", 21008, container_name=self.name("nothing")),
            assignment("/p/conflict", 21008, status="released", container_name=name),
        ])
        self.docker.run("start", name)
        wait_for(lambda: "port conflict" in agent.text(), what="the conflict log line")
        self.assertEqual(self.statuses(), {"/p/holder": "active", "/p/conflict": "released"})

    def test_restart_ends_active(self):
        name = self.docker.create(self.name("restart"))
        self.write_registry([assignment("/p/restart", 21009, container_name=name)])
        agent = self.start_agent()
        self.docker.run("restart", "-t", "1", name)
        wait_for(lambda: "start of container " + name in agent.text(), what="the start event")
        self.wait_status("/p/restart", "active")

    def test_rename_is_followed(self):
        name = self.docker.create(self.name("old"))
        self.write_registry([assignment("/p/rename", 21010, container_name=name)])
        self.start_agent()
        new_name = self.name("new")
        self.docker.made.append(new_name)
        self.docker.run("rename", name, new_name)
        wait_for(lambda: self.read_registry()["assignments"][0]["container_name"] == new_name,
                 what="container_name to follow the rename")
        self.docker.run("rm", "-f", new_name)
        self.wait_status("/p/rename", "stale")

    def test_on_die_keep_leaves_a_stopped_containers_assignment_active(self):
        config = self.write_config({"on_die": "keep"})
        name = self.docker.create(self.name("keep"))
        self.write_registry([assignment("/p/keep", 21011, container_name=name)])
        agent = self.start_agent("--config", config, "--log-level", "debug")
        self.docker.run("kill", name)
        wait_for(lambda: "event die" in agent.text(), what="the die event")
        self.assertEqual(self.statuses()["/p/keep"], "active")
        self.docker.run("rm", name)
        self.wait_status("/p/keep", "stale")

    def test_containers_that_are_not_iris_containers_change_nothing(self):
        mine = self.docker.create(self.name("mine"))
        self.write_registry([assignment("/p/other", 21012, container_name=mine)])
        agent = self.start_agent("--log-level", "debug")
        before = os.stat(self.registry)
        other = self.docker.create(self.name("unrelated"), port=21013)
        self.docker.run("rm", "-f", other)
        wait_for(lambda: "event destroy " + other in agent.text(), what="the unrelated destroy")
        after = os.stat(self.registry)
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))
        self.assertEqual(self.statuses(), {"/p/other": "active"})


if __name__ == "__main__":
    unittest.main()
