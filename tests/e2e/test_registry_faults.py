"""Faults of the registry file while the agent runs: corruption, a writer killed
mid-write, a full disk, a vanished directory, and unsafe registries."""

import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from ipa_testing.cases import AgentTestCase, cannot_run, wait_statuses
from ipa_testing.figures import figure
from ipa_testing.python_peers import devtester
from ipa_testing.registry_entries import assignment, derived_name
from ipa_testing.registry_files import assert_no_temp_litter, temp_files
from ipa_testing.waiting import wait_for

class RegistryFaults(AgentTestCase):

    def replace_registry(self, text):
        """Swaps the file's bytes in one rename, so the agent never sees a half-written state."""
        temp = os.path.join(self.dir, "swap.tmp")
        with open(temp, "w") as f:
            f.write(text)
        os.replace(temp, self.registry)

    def make(self, count, what):
        names = [self.docker.create(self.name("%s%d" % (what, i)), start=False)
                 for i in range(count)]
        return names

    def test_a_corrupt_registry_is_never_overwritten_reported_once_per_state_and_resumed(self):
        names = self.make(4, "c")
        self.write_registry([assignment("/p/%d" % i, 26100 + i, container_name=n)
                             for i, n in enumerate(names)], keep_me={"x": 1})
        agent = self.start_agent()
        good = self.registry_text()

        # State 1: truncated. Two removals, one error.
        truncated = good[: len(good) // 2]
        self.replace_registry(truncated)
        self.docker.run("rm", "-f", names[0])
        self.docker.run("rm", "-f", names[1])
        wait_for(lambda: agent.text().count("not writing it") >= 1, what="the first error")
        time.sleep(0.5)
        self.assertEqual(self.registry_text(), truncated)
        self.assertEqual(agent.text().count("not writing it"), 1, agent.text())

        # State 2: another kind of damage (unsupported schema) is a new state: one more line.
        future = good.replace('"schema_version": "1.0"', '"schema_version": "2.0"')
        self.replace_registry(future)
        self.docker.run("rm", "-f", names[2])
        wait_for(lambda: agent.text().count("not writing it") >= 2, what="the second error")
        time.sleep(0.5)
        self.assertEqual(self.registry_text(), future)
        self.assertEqual(agent.text().count("not writing it"), 2, agent.text())

        # Valid again: everything pending lands by itself, unknown keys kept.
        restored_at = time.monotonic()
        self.replace_registry(good)
        done = wait_statuses(self, {"/p/0": "stale", "/p/1": "stale", "/p/2": "stale",
                                    "/p/3": "active"})
        figure("corrupt registry: resume after the valid file is back", "%.3f s" %
               (done - restored_at))
        self.assertLess(done - restored_at, 1.0)
        self.assertEqual(self.read_registry()["keep_me"], {"x": 1})
        wait_for(lambda: "is usable again" in agent.text(), what="the recovery line")
        self.assertEqual(agent.text().count("is usable again"), 1, agent.text())

        # And a third state change after recovery is reported again, once.
        self.replace_registry("not json at all")
        self.docker.run("rm", "-f", names[3])
        wait_for(lambda: agent.text().count("not writing it") >= 3, what="the third error")
        time.sleep(0.3)
        self.assertEqual(agent.text().count("not writing it"), 3)
        self.assertEqual(self.registry_text(), "not json at all")
        self.assertIsNone(agent.process.poll())

    def test_a_registry_fixed_in_place_while_the_agent_reads_it_still_wakes_the_agent(self):
        # A writer that truncates and then writes produces two file events; when
        # the agent's read of the empty file is still running as the second one
        # comes, that event must not be lost. The pause between truncate and
        # write walks across the read, so some round lands inside it.
        pauses = [i * 0.00005 for i in range(20)] + [0.001, 0.002, 0.004]
        names = self.make(len(pauses), "fix")
        self.write_registry([assignment("/p/fix%d" % i, 26200 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent()
        for i, pause in enumerate(pauses):
            good = self.registry_text()
            self.replace_registry(good[: len(good) // 3])
            errors = agent.text().count("not writing it")
            self.docker.run("rm", "-f", names[i])
            wait_for(lambda: agent.text().count("not writing it") > errors,
                     what="the corrupt-registry error in round %d" % i)
            with open(self.registry, "w") as f:
                until = time.perf_counter() + pause
                while time.perf_counter() < until:
                    pass
                f.write(good)
            wait_statuses(self, {"/p/fix%d" % i: "stale"}, timeout=3.0)
        self.assertIsNone(agent.process.poll())

    def test_a_registry_truncated_by_a_killed_writer_is_repaired_and_nothing_written_is_lost(self):
        names = self.make(3, "t")
        self.docker.run("start", names[0])
        self.write_registry([assignment("/p/%d" % i, 26200 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent()
        # Released, which only the kill event gives: a reconcile of the exited
        # container would say stale, so only an up-to-date copy restores it.
        self.docker.run("kill", names[0])
        wait_statuses(self, {"/p/0": "released"})  # written by the agent

        lock = os.path.join(self.dir, "port-registry.lock")
        writer = subprocess.Popen(devtester("half-write", self.registry, lock, "/p/python"),
                                  stdout=subprocess.PIPE, text=True)
        self.assertEqual(writer.stdout.readline().strip(), "half")
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        broken = self.registry_text()
        with self.assertRaises(ValueError):
            json.loads(broken)

        self.docker.run("rm", "-f", names[1])  # pending while the file is broken
        wait_for(lambda: "not writing it" in agent.text(), what="the agent to see the damage")
        self.assertEqual(self.registry_text(), broken)

        result = self.run_cli("repair")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("restoring the last good copy", result.stdout)
        aside = [n for n in os.listdir(self.dir) if ".corrupt-" in n]
        self.assertEqual(len(aside), 1)
        with open(os.path.join(self.dir, aside[0])) as f:
            self.assertEqual(f.read(), broken)
        # The agent's own earlier write survived, the pending change landed.
        wait_statuses(self, {"/p/0": "released", "/p/1": "stale", "/p/2": "active"})
        # And the agent carries on by itself.
        self.docker.run("rm", "-f", names[2])
        wait_statuses(self, {"/p/2": "stale"})
        self.assertIsNone(agent.process.poll())
        assert_no_temp_litter(self, self.dir)

    def test_a_full_disk_fails_the_save_cleanly_and_the_change_lands_once_space_is_freed(self):
        mount = os.path.join(self.dir, "small")
        os.mkdir(mount)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mount],
                       check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", mount], check=False)
        self.registry = os.path.join(mount, "port-registry.json")
        names = self.make(2, "full")
        self.write_registry([assignment("/p/%d" % i, 26300 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent()
        old = self.registry_text()

        filler = os.path.join(mount, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass  # ENOSPC: the disk is full
        finally:
            os.close(fd)
        self.docker.run("rm", "-f", names[0])
        wait_for(lambda: "No space left on device" in agent.text(), what="the ENOSPC error")
        time.sleep(2.5)  # a retry or two, still without space
        self.assertEqual(self.registry_text(), old)
        self.assertEqual(temp_files(mount), [])
        self.assertEqual(agent.text().count("No space left on device"), 1, agent.text())

        os.unlink(filler)
        freed_at = time.monotonic()
        done = wait_statuses(self, {"/p/0": "stale", "/p/1": "active"}, timeout=35)
        figure("disk full: change applied after space was freed", "%.2f s" % (done - freed_at))
        assert_no_temp_litter(self, mount)
        self.assertIn("usable again", agent.text())

    def test_the_registry_directory_removed_at_runtime_is_recreated_0700(self):
        home = os.path.join(self.dir, "home", ".iris-devtester")
        os.makedirs(home)
        self.registry = os.path.join(home, "port-registry.json")
        first = self.docker.create(self.name("d0"), start=False)
        self.write_registry([assignment("/p/d0", 26400, container_name=first)])
        agent = self.start_agent()

        shutil.rmtree(home)
        self.docker.run("rm", "-f", first)  # an event while the directory is gone
        wait_for(lambda: os.path.isdir(home), what="the directory to come back")
        self.assertEqual(os.stat(home).st_mode & 0o777, 0o700)

        # The next save of the running agent lands in the recreated directory.
        assigned = self.run_cli("assign", "/p/d1", "--port", "26401")
        self.assertEqual(assigned.returncode, 0, assigned.stderr)
        second = self.docker.create(self.name("d1"), start=False)
        self.docker.run("rename", second, derived_name("/p/d1", 26401))
        self.docker.made.append(derived_name("/p/d1", 26401))
        self.docker.run("rm", "-f", derived_name("/p/d1", 26401))
        wait_statuses(self, {"/p/d1": "stale"})
        self.assertEqual(os.stat(self.registry).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(home).st_mode & 0o777, 0o700)
        self.assertIsNone(agent.process.poll())


def read(path):
    with open(path) as f:
        return f.read()


class UnsafeRegistries(AgentTestCase):

    def test_a_symlinked_registry_is_refused_unless_allowed(self):
        target = os.path.join(self.dir, "elsewhere.json")
        gone = self.name("gone")
        with open(target, "w") as f:
            json.dump({"schema_version": "1.0",
                       "assignments": [assignment("/p/s", 26500, container_name=gone)]}, f,
                      indent=2)
        os.symlink(target, self.registry)
        before = read(target)
        refused = self.run_cli("--once")
        self.assertEqual(refused.returncode, 2, refused.stderr)
        lines = refused.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, refused.stderr)
        self.assertIn("symbolic link", lines[0])
        self.assertIn("--allow-unsafe-registry", lines[0])
        self.assertEqual(read(target), before)

        # Watch mode refuses too, and says so once.
        agent = self.start_agent(synced=False)
        wait_for(lambda: "symbolic link" in agent.text(), what="the refusal")
        time.sleep(1.5)
        self.assertEqual(agent.text().count("symbolic link"), 1, agent.text())
        self.assertEqual(read(target), before)
        agent.stop()

        allowed = self.run_cli("--once", "--allow-unsafe-registry")
        self.assertEqual(allowed.returncode, 0, allowed.stderr)
        self.assertTrue(os.path.islink(self.registry))
        with open(target) as f:
            self.assertEqual(json.load(f)["assignments"][0]["status"], "stale")

    def test_a_registry_owned_by_another_user_is_refused_unless_allowed(self):
        if os.geteuid() != 0:
            cannot_run(self, "needs root to give the file to another user")
        self.write_registry([assignment("/p/o", 26501, container_name=self.name("gone"))])
        os.chown(self.registry, 65534, 65534)
        before = self.registry_text()
        refused = self.run_cli("--once")
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn("uid 65534", refused.stderr)
        self.assertEqual(self.registry_text(), before)
        allowed = self.run_cli("--once", "--allow-unsafe-registry")
        self.assertEqual(allowed.returncode, 0, allowed.stderr)
        self.assertEqual(self.statuses()["/p/o"], "stale")

    def test_the_agent_writes_the_registry_0600_in_a_0700_directory_it_creates(self):
        self.registry = os.path.join(self.dir, "new", "dir", "port-registry.json")
        result = self.run_cli("assign", "/p/m")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(os.stat(self.registry).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(self.registry)).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(os.path.join(self.dir, "new")).st_mode & 0o777, 0o700)


if __name__ == "__main__":
    unittest.main()
