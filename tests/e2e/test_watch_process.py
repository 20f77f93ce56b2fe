"""The watch-mode process: signals, one agent per registry, sharing the file with Python."""

import datetime
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

from ipa_testing.cases import AgentTestCase
from ipa_testing.proc import status_kib
from ipa_testing.python_peers import devtester, python_lock_holder
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for


class WatchProcess(AgentTestCase):

    def make_containers(self, count, what):
        names = []
        for i in range(count):
            names.append(self.docker.create(self.name("%s%d" % (what, i))))
        return names

    def test_sigterm_during_a_burst_keeps_every_processed_change(self):
        names = self.make_containers(12, "burst")
        self.write_registry([assignment("/p/%d" % i, 23000 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent("--log-level", "debug")
        # Python holds the lock until just after the SIGTERM: the removals received
        # by then are pending, not written, when the agent is told to stop.
        holder = python_lock_holder(os.path.join(self.dir, "port-registry.lock"), 60)
        remover = subprocess.Popen(["docker", "-H", self.docker.host, "rm", "-f", *names],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: agent.text().count("event destroy") >= 3, what="three removals")
            agent.process.send_signal(signal.SIGTERM)
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        self.assertEqual(agent.process.wait(timeout=5), 0)
        remover.wait()
        # The debug line is logged on receipt, before any write is scheduled: every
        # removal the agent had received when told to stop must be in the file.
        received = set(re.findall(r"event destroy (\S+):", agent.text()))
        statuses = self.statuses()  # parses: the file is whole
        written = {names[int(p[3:])] for p, s in statuses.items() if s == "stale"}
        self.assertTrue(received)
        self.assertEqual(received, written)

    def test_sigint_exits_0(self):
        agent = self.start_agent()
        self.assertEqual(agent.stop(signal.SIGINT, timeout=5), 0)

    def test_sighup_reloads_the_config_file(self):
        config = self.write_config({"on_die": "mark"})
        name = self.docker.create(self.name("hup"))
        marker = self.docker.create(self.name("hup-marker"))
        self.write_registry([assignment("/p/hup", 23500, container_name=name),
                             assignment("/p/hup-marker", 23502, container_name=marker)])
        agent = self.start_agent("--config", config)
        self.write_config({"on_die": "keep"})
        agent.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "SIGHUP: reloaded" in agent.text(), what="the reload")
        self.docker.run("kill", name)
        # Changes are written in order: once the marker's removal shows, the kill's
        # write would have landed.
        self.docker.run("rm", "-f", marker)
        self.wait_status("/p/hup-marker", "stale")
        self.assertEqual(self.statuses()["/p/hup"], "active")

    def test_sighups_during_writes_lose_no_change(self):
        # A reload replaces the settings while a write may run on the pool;
        # the write must not read the settings it replaces (ASan catches it).
        config = self.write_config({"on_die": "mark"})
        names = self.make_containers(12, "hups")
        self.write_registry([assignment("/p/hups%d" % i, 23600 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent("--config", config)
        done = threading.Event()

        def hang_up():
            while not done.is_set():
                agent.process.send_signal(signal.SIGHUP)
                time.sleep(0.002)
        signaller = threading.Thread(target=hang_up)
        signaller.start()
        try:
            self.docker.run("rm", "-f", *names)
            for i in range(len(names)):
                self.wait_status("/p/hups%d" % i, "stale")
        except AssertionError:
            self.fail("agent exit status %r; its log ends: %s" % (
                agent.process.poll(), agent.text()[-1500:]))
        finally:
            done.set()
            signaller.join()
        self.assertEqual(agent.stop(signal.SIGTERM, timeout=5), 0, agent.text()[-2000:])

    def test_sighup_with_a_broken_config_keeps_the_settings(self):
        config = self.write_config({"on_die": "mark"})
        name = self.docker.create(self.name("hup2"))
        self.write_registry([assignment("/p/hup2", 23501, container_name=name)])
        agent = self.start_agent("--config", config)
        self.write_config("{on_die: keep")
        agent.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "keeping the current settings" in agent.text(), what="the refusal")
        self.docker.run("kill", name)
        self.wait_status("/p/hup2", "released")

    def test_sighup_keeps_the_settings_order_flags_over_the_file(self):
        # Started with --log-level warning over a file that says debug: after
        # a reload the flag still wins, so the reload's own info line stays
        # hidden. The refusal of a broken file afterwards (an error, shown)
        # proves the first reload was handled before it.
        config = self.write_config({"log_level": "debug"})
        self.write_registry([assignment("/p/hup-gone", 23503, container_name=self.name("gone"))])
        agent = self.start_agent("--config", config, "--log-level", "warning", synced=False)
        self.wait_status("/p/hup-gone", "stale")  # the agent is up: SIGHUP is handled
        self.write_config({"log_level": "debug", "on_die": "keep"})
        agent.process.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        self.write_config("{log_level: debug")
        agent.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "keeping the current settings" in agent.text(), what="the refusal")
        self.assertNotIn("SIGHUP: reloaded", agent.text())
        self.assertNotIn(": debug: ", agent.text())

    def test_sighup_puts_a_key_the_file_lost_back_to_its_default(self):
        config = self.write_config({"on_die": "keep"})
        name = self.docker.create(self.name("hup3"))
        self.write_registry([assignment("/p/hup3", 23502, container_name=name)])
        agent = self.start_agent("--config", config)
        self.write_config({})
        agent.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "SIGHUP: reloaded" in agent.text(), what="the reload")
        self.docker.run("kill", name)
        self.wait_status("/p/hup3", "released")

    def test_a_second_agent_on_the_same_registry_refuses_to_start(self):
        first = self.start_agent()
        second = self.run_cli(timeout=20)
        self.assertEqual(second.returncode, 2)
        self.assertIn("pid %d" % first.process.pid, second.stderr)
        self.assertIsNone(first.process.poll())

    def test_python_writers_and_the_agent_lose_nothing(self):
        names = self.make_containers(10, "py")
        self.write_registry([assignment("/p/c%d" % i, 24000 + i, container_name=n)
                             for i, n in enumerate(names)])
        self.start_agent()
        lock = os.path.join(self.dir, "port-registry.lock")
        writers = [subprocess.Popen(devtester("append", self.registry, lock, "/w%d" % w, 30))
                   for w in range(3)]
        for name in names:
            self.docker.run("rm", "-f", name)
        for writer in writers:
            self.assertEqual(writer.wait(timeout=120), 0)
        for i in range(10):
            self.wait_status("/p/c%d" % i, "stale")
        projects = set(self.statuses())
        for w in range(3):
            expected = {"/w%d-%d" % (w, i) for i in range(30) if i % 3 != 1}
            self.assertTrue(expected <= projects, expected - projects)
            removed = {"/w%d-%d" % (w, i) for i in range(30) if i % 3 == 1}
            self.assertFalse(removed & projects)

    def test_changes_wait_for_the_lock_and_are_applied_when_it_frees(self):
        names = self.make_containers(5, "locked")
        self.write_registry([assignment("/p/l%d" % i, 25000 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent("--log-level", "debug")
        holder = python_lock_holder(os.path.join(self.dir, "port-registry.lock"), 60)
        try:
            for name in names:
                self.docker.run("rm", "-f", name)
            wait_for(lambda: agent.text().count("event destroy") >= 5,
                     what="the agent to read every event while the lock is held")
            self.assertEqual(set(self.statuses().values()), {"active"})
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        released_at = time.monotonic()
        wait_for(lambda: set(self.statuses().values()) == {"stale"}, timeout=5,
                 what="every change after the lock frees")
        self.assertLess(time.monotonic() - released_at, 1.0)

    def test_a_corrupt_registry_is_never_overwritten_and_the_agent_resumes(self):
        name = self.docker.create(self.name("corrupt"))
        self.write_registry([assignment("/p/corrupt", 26000, container_name=name)])
        agent = self.start_agent()
        good = self.registry_text()
        with open(self.registry, "w") as f:
            f.write(good[: len(good) // 2])
        broken = self.registry_text()
        other = self.docker.create(self.name("other"))
        self.docker.run("rm", "-f", name)
        self.docker.run("rm", "-f", other)
        wait_for(lambda: "not writing it" in agent.text(), what="the corrupt-registry error")
        time.sleep(0.3)
        self.assertEqual(self.registry_text(), broken)
        self.assertEqual(agent.text().count("not writing it"), 1)
        with open(self.registry, "w") as f:
            f.write(good)
        self.wait_status("/p/corrupt", "stale")


    @unittest.skipIf(os.environ.get("IPA_TEST_SANITIZE"), "sanitizers own the memory figures")
    @unittest.skipIf(os.environ.get("IPA_TEST_PORTABLE_PLATFORM"),
                     "the portable build hands memory back only as the C library does")
    def test_a_quiet_agent_hands_the_memory_of_its_writes_back(self):
        # 2,000 assignments: a write parses and serializes 400 kB, some MB at
        # its peak, which the agent keeps while changes come (5.7 MiB private
        # here) and gives back once they stop for a second (3.0 MiB).
        names = self.make_containers(2, "quiet")
        self.write_registry([assignment("/p/q%d" % i, 30000 + i, container_name=n)
                             for i, n in enumerate(names)] +
                            [assignment("/p/r%d" % i, 31000 + i, status="released")
                             for i in range(2000)])
        agent = self.start_agent()
        for i, name in enumerate(names):
            self.docker.run("rm", "-f", name)
            self.wait_status("/p/q%d" % i, "stale")
        wait_for(lambda: status_kib(agent.process.pid, "RssAnon") < 4096, timeout=5,
                 what="private memory (RssAnon) under 4 MiB once quiet")


class StatusAndRepair(AgentTestCase):

    def test_status_prints_a_table_and_json(self):
        self.write_registry([assignment("/p/s", 27000, container_name="iris_x_27000")])
        table = self.run_cli("status")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertRegex(table.stdout, r"PROJECT\s+PORT\s+STATUS\s+CONTAINER\s+ASSIGNED")
        self.assertRegex(table.stdout, r"/p/s\s+27000\s+active\s+iris_x_27000")
        self.assertIn("agent: not running", table.stdout)
        as_json = json.loads(self.run_cli("status", "--json").stdout)
        self.assertEqual(as_json["assignments"][0]["port"], 27000)
        self.assertIsNone(as_json["agent"])

    def test_status_names_the_running_agent(self):
        agent = self.start_agent()
        as_json = json.loads(self.run_cli("status", "--json").stdout)
        self.assertEqual(as_json["agent"]["pid"], agent.process.pid)

    def test_status_of_a_missing_registry_is_empty_not_an_error(self):
        result = self.run_cli("status")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no assignments", result.stdout)

    def add_as_python_does(self, project, port, **changes):
        """A Python writer's rewrite: one new assignment no reconcile could make
        (released, no container name, assigned just now: left as it is), and changes."""
        data = self.read_registry()
        for entry in data["assignments"]:
            entry.update(changes.get(entry["project_path"], {}))
        data["assignments"].append(assignment(
            project, port, status="released", assigned_at=datetime.datetime.now().isoformat(),
            note="kept"))
        with open(self.registry, "w") as f:
            json.dump(data, f, indent=2)

    def corrupt_and_repair(self):
        with open(self.registry, "w") as f:
            f.write('{"schema_version": "1.0", "assignm')
        result = self.run_cli("repair")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("restoring the last good copy", result.stdout)
        return result

    def test_repair_restores_the_last_good_copy_and_keeps_the_broken_bytes(self):
        name = self.docker.create(self.name("repair"))
        self.write_registry([assignment("/p/r", 27001, container_name=name),
                             assignment("/p/gone", 27002, status="stale",
                                        container_name=self.name("gone"))])
        self.assertEqual(self.run_cli("--once").returncode, 0)  # reads, keeps a copy
        # The last access before the damage writes (/p/gone goes stale again), so
        # the copy must be the bytes written, with /p/late that only Python made.
        self.add_as_python_does("/p/late", 27003, **{"/p/gone": {"status": "active"}})
        self.assertEqual(self.run_cli("--once").returncode, 0)
        self.assertEqual(self.statuses()["/p/gone"], "stale")
        self.corrupt_and_repair()
        self.assertEqual(self.statuses(),
                         {"/p/r": "active", "/p/gone": "stale", "/p/late": "released"})
        self.assertEqual(self.read_registry()["assignments"][2]["note"], "kept")
        aside = [f for f in os.listdir(self.dir) if ".corrupt-" in f]
        self.assertEqual(len(aside), 1)
        with open(os.path.join(self.dir, aside[0])) as f:
            self.assertEqual(f.read(), '{"schema_version": "1.0", "assignm')

    def test_repair_restores_the_last_copy_read_when_nothing_was_written(self):
        name = self.docker.create(self.name("repair-read"))
        self.write_registry([assignment("/p/r", 27004, container_name=name),
                             assignment("/p/gone", 27006, container_name=self.name("gone"))])
        self.assertEqual(self.run_cli("--once").returncode, 0)  # writes /p/gone stale
        self.add_as_python_does("/p/late", 27005)
        before = os.stat(self.registry)
        self.assertEqual(self.run_cli("--once").returncode, 0)
        self.assertEqual(os.stat(self.registry).st_mtime_ns, before.st_mtime_ns)  # read only
        self.corrupt_and_repair()
        self.assertEqual(self.statuses(),
                         {"/p/r": "active", "/p/gone": "stale", "/p/late": "released"})
        self.assertEqual(self.read_registry()["assignments"][2]["note"], "kept")

    def test_repair_without_a_good_copy_leaves_the_file(self):
        with open(self.registry, "w") as f:
            f.write("not json")
        result = self.run_cli("repair")
        self.assertEqual(result.returncode, 5)
        self.assertEqual(self.registry_text(), "not json")


if __name__ == "__main__":
    unittest.main()
