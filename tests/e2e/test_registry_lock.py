"""The registry lock shared with Python writers: who takes it, who never does, and
that nobody deletes or truncates the lock file."""

import os
import signal
import subprocess
import time
import unittest

from ipa_testing.cases import AgentTestCase
from ipa_testing.python_peers import devtester, python_lock_holder
from ipa_testing.registry_entries import assignment


class RegistryLock(AgentTestCase):

    def lock_path(self):
        return os.path.join(self.dir, "port-registry.lock")

    def many_assignments(self, count, base_port):
        return [assignment("/p/many-%d" % i, base_port + i, status="released")
                for i in range(count)]

    def test_status_reads_while_python_holds_the_lock(self):
        self.write_registry([assignment("/p/held", 42001)])
        holder = python_lock_holder(self.lock_path(), 30)
        try:
            started = time.monotonic()
            result = self.run_cli("status", "--json", timeout=20)
            took = time.monotonic() - started
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"/p/held"', result.stdout)
        self.assertLess(took, 2.0, "status waited for the lock")

    def test_status_never_creates_the_lock_file(self):
        self.write_registry([assignment("/p/nolock", 42002)])
        for args in (("status",), ("status", "--json")):
            result = self.run_cli(*args)
            self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(os.path.exists(self.lock_path()))

    def test_status_retries_a_file_python_is_rewriting_in_place(self):
        self.write_registry(self.many_assignments(300, 43000))
        stop = os.path.join(self.dir, "stop")
        writer = subprocess.Popen(devtester("rewrite", self.registry, self.lock_path(), stop),
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(writer.kill)
        self.addCleanup(writer.stdout.close)
        self.assertEqual(writer.stdout.readline().strip(), "rewriting")
        failures = []
        try:
            for _ in range(40):
                result = self.run_cli("status", "--json", timeout=20)
                if result.returncode != 0 or result.stdout.count('"/p/many-') != 300:
                    failures.append("exit %d: %s" % (result.returncode, result.stderr.strip()))
        finally:
            open(stop, "w").close()
            self.assertEqual(writer.wait(timeout=30), 0)
        self.assertEqual(failures, [])

    def assert_waits_for_the_lock(self, *args):
        with open(self.registry, "rb") as f:
            original = f.read()
        config = self.write_config({"lock_timeout_ms": 300})
        holder = python_lock_holder(self.lock_path(), 30)
        try:
            result = self.run_cli("--config", config, *args, timeout=20)
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        self.assertEqual(result.returncode, 4, result.stderr)
        with open(self.registry, "rb") as f:
            self.assertEqual(f.read(), original)

    def test_release_waits_for_the_lock_python_holds(self):
        self.write_registry([assignment("/p/rel", 42003)])
        self.assert_waits_for_the_lock("release", "/p/rel")

    def test_clear_waits_for_the_lock_python_holds(self):
        self.write_registry([assignment("/p/clr", 42004)])
        self.assert_waits_for_the_lock("clear", "--yes")

    def test_repair_waits_for_the_lock_python_holds(self):
        self.write_registry([assignment("/p/rep", 42005)])
        self.assertEqual(self.run_cli("--once").returncode, 0)  # keeps a good copy
        with open(self.registry, "w") as f:
            f.write('{"schema_version": "1.0", "assignm')
        self.assert_waits_for_the_lock("repair")
        self.assertEqual([f for f in os.listdir(self.dir) if ".corrupt-" in f], [])

    def test_releases_and_python_writers_racing_lose_nothing(self):
        self.write_registry([assignment("/p/r%d" % i, 44000 + i) for i in range(20)])
        writers = [subprocess.Popen(devtester("append", self.registry, self.lock_path(), "/w%d" % w,
                                               25)) for w in range(2)]
        for i in range(20):
            result = self.run_cli("release", "/p/r%d" % i)
            self.assertEqual(result.returncode, 0, result.stderr)
        for writer in writers:
            self.assertEqual(writer.wait(timeout=120), 0)
        # Each writer appends /wN-i and drops /wN-(i-1) when i % 3 == 2.
        self.assertEqual(set(self.statuses()),
                         {"/w%d-%d" % (w, i) for w in range(2) for i in range(25) if i % 3 != 1})

    def test_the_lock_file_is_never_deleted_or_truncated(self):
        name = self.docker.create(self.name("lockfile"))
        self.write_registry([assignment("/p/lf", 42006, container_name=name),
                             assignment("/p/lf-gone", 42007, container_name=self.name("gone"))])
        with open(self.lock_path(), "w") as f:
            f.write("bytes the agent must leave")
        inode = os.stat(self.lock_path()).st_ino

        def check(step):
            self.assertEqual(os.stat(self.lock_path()).st_ino, inode, step)
            with open(self.lock_path()) as f:
                self.assertEqual(f.read(), "bytes the agent must leave", step)

        for args in (("--once",), ("assign", "/p/new"), ("release", "/p/new"), ("status",),
                     ("get", "/p/lf")):
            result = self.run_cli(*args)
            self.assertEqual(result.returncode, 0, "%s: %s" % (args, result.stderr))
            check(args[0])
        with open(self.registry, "w") as f:
            f.write('{"schema_version": "1.0", "assignm')
        self.assertEqual(self.run_cli("repair").returncode, 0)
        check("repair")
        agent = self.start_agent()
        self.docker.run("rm", "-f", name)
        self.wait_status("/p/lf", "stale")
        self.assertEqual(agent.stop(signal.SIGTERM), 0)
        check("watch mode")
        self.assertEqual(self.run_cli("clear", "--yes").returncode, 0)
        check("clear")


if __name__ == "__main__":
    unittest.main()
