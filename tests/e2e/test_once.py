"""--once against seeded registries: every reconcile rule, the summary, the exit codes."""

import datetime
import os
import socket
import subprocess
import time
import unittest
import zoneinfo

from ipa_testing.cases import AgentTestCase
from ipa_testing.python_peers import python_lock_holder
from ipa_testing.registry_entries import assignment, derived_name


class OnceReconcile(AgentTestCase):

    def test_every_reconcile_rule_in_one_pass(self):
        running = self.docker.create(self.name("running"))
        created = self.docker.create(self.name("created"), start=False)
        exited = self.docker.create(self.name("exited"), command=("true",))
        released = self.docker.create(self.name("released"), command=("true",))
        paused = self.docker.create(self.name("paused"))
        self.docker.run("pause", paused)
        self.docker.run("wait", exited)
        self.docker.run("wait", released)
        recent = datetime.datetime.now().isoformat()
        self.write_registry([
            assignment("/p/running", 22001, status="stale", container_name=running),
            assignment("/p/created", 22002, status="released", container_name=created),
            assignment("/p/exited", 22003, container_name=exited),
            assignment("/p/released", 22004, status="released", container_name=released),
            assignment("/p/paused", 22005, status="stale", container_name=paused),
            assignment("/p/gone-named", 22006, container_name=self.name("gone")),
            assignment("/p/gone-recent", 22007, assigned_at=recent),
            assignment("/p/gone-old", 22008, assigned_at="2020-01-01T00:00:00"),
        ], unknown_top={"kept": True})
        result = self.run_cli("--once")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.statuses(), {
            "/p/running": "active",
            "/p/created": "active",
            "/p/exited": "stale",
            "/p/released": "released",
            "/p/paused": "active",
            "/p/gone-named": "stale",
            "/p/gone-recent": "active",
            "/p/gone-old": "stale",
        })
        self.assertEqual(self.read_registry()["unknown_top"], {"kept": True})
        self.assertEqual(result.stdout.strip(),
                         "reconciled 8 assignments: 3 stale, 3 active again, 2 unchanged")
        self.docker.run("unpause", paused)

    def test_grace_flag_sets_the_grace_period(self):
        ten_minutes_ago = (datetime.datetime.now() - datetime.timedelta(seconds=120)).isoformat()
        self.write_registry([assignment("/p/young", 22010, assigned_at=ten_minutes_ago)])
        self.assertEqual(self.run_cli("--once").returncode, 0)
        self.assertEqual(self.statuses()["/p/young"], "active")
        self.assertEqual(self.run_cli("--once", "--grace", "60").returncode, 0)
        self.assertEqual(self.statuses()["/p/young"], "stale")

    def test_backfill_is_counted_and_written(self):
        project = "/p/backfill-" + self.tag
        name = self.docker.create(derived_name(project, 22011))
        self.write_registry([assignment(project, 22011)])
        result = self.run_cli("--once")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("1 backfilled", result.stdout)
        self.assertEqual(self.read_registry()["assignments"][0]["container_name"], name)

    def test_nothing_changed_means_no_write(self):
        name = self.docker.create(self.name("steady"))
        self.write_registry([assignment("/p/steady", 22012, container_name=name)])
        before = os.stat(self.registry)
        time.sleep(0.01)
        result = self.run_cli("--once")
        self.assertEqual(result.returncode, 0, result.stderr)
        after = os.stat(self.registry)
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))

    def test_a_naive_assigned_at_is_local_time_in_the_users_zone(self):
        # Zones far from the machine's (UTC here): read as UTC, "5 minutes ago" in
        # Los Angeles is 8 hours old, and "15 minutes ago" in Kiritimati is in the future.
        for zone, port in (("America/Los_Angeles", 22030), ("Pacific/Kiritimati", 22032)):
            with self.subTest(zone=zone):
                now = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
                self.write_registry([
                    assignment("/p/recent", port, assigned_at=(
                        now - datetime.timedelta(minutes=5)).isoformat()),
                    assignment("/p/old", port + 1, assigned_at=(
                        now - datetime.timedelta(minutes=15)).isoformat()),
                ])
                result = self.run_cli("--once", env=dict(os.environ, TZ=zone))
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(self.statuses(), {"/p/recent": "active", "/p/old": "stale"})

    def test_a_naive_assigned_at_across_a_daylight_saving_change_uses_that_days_offset(self):
        # An assigned_at from the other side of a DST change than today: the offset
        # of its own day, not today's, makes its age; one hour wrong either way
        # moves one of the two across the grace period.
        zone = zoneinfo.ZoneInfo("America/New_York")
        now = time.time()
        offset_now = datetime.datetime.fromtimestamp(now, zone).utcoffset()
        then = next(now - days * 86400 for days in (120, 180, 240)
                    if datetime.datetime.fromtimestamp(now - days * 86400, zone).utcoffset()
                    != offset_now)
        grace = int(now - then)

        def wall(epoch):
            return datetime.datetime.fromtimestamp(epoch, zone).replace(tzinfo=None).isoformat()
        self.write_registry([assignment("/p/older", 22034, assigned_at=wall(then - 1800)),
                             assignment("/p/younger", 22035, assigned_at=wall(then + 1800))])
        result = self.run_cli("--once", "--grace", str(grace),
                              env=dict(os.environ, TZ="America/New_York"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.statuses(), {"/p/older": "stale", "/p/younger": "active"})

    def test_missing_registry_is_empty_and_not_created(self):
        result = self.run_cli("--once")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "reconciled 0 assignments: none")
        self.assertFalse(os.path.exists(self.registry))


class OnceFailures(AgentTestCase):

    def seed(self):
        self.write_registry([assignment("/p/x", 22020, container_name=self.name("gone"))])
        with open(self.registry, "rb") as f:
            return f.read()

    def assert_untouched(self, original):
        with open(self.registry, "rb") as f:
            self.assertEqual(f.read(), original)

    def assert_one_clear_line(self, result):
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("error", lines[0])

    def unreachable_engine(self):
        return "unix://" + os.path.join(self.dir, "no-docker.sock")

    def run_once_with_lock_held(self, *args):
        config = self.write_config({"lock_timeout_ms": 300})
        holder = python_lock_holder(os.path.join(self.dir, "port-registry.lock"), 30)
        try:
            return subprocess.run(
                [os.environ["IPA_AGENT_BINARY"], "--registry", self.registry, "--config", config,
                 *args, "--once"], capture_output=True, text=True, timeout=30)
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()

    def seed_corrupt(self):
        with open(self.registry, "w") as f:
            f.write('{"schema_version": "1.0", "assignments": [')
        with open(self.registry, "rb") as f:
            return f.read()

    def test_docker_unreachable_exits_3(self):
        original = self.seed()
        result = subprocess.run(
            [os.environ["IPA_AGENT_BINARY"], "--registry", self.registry, "--docker-host",
             "unix://" + os.path.join(self.dir, "no-docker.sock"), "--once"],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assert_one_clear_line(result)
        self.assert_untouched(original)

    def test_a_socket_nobody_serves_exits_3_naming_the_socket_and_the_reason(self):
        original = self.seed()
        path = os.path.join(self.dir, "deaf.sock")
        deaf = socket.socket(socket.AF_UNIX)
        deaf.bind(path)  # bound, never listening: connect() is refused
        self.addCleanup(deaf.close)
        result = subprocess.run(
            [os.environ["IPA_AGENT_BINARY"], "--registry", self.registry, "--docker-host",
             "unix://" + path, "--once"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assert_one_clear_line(result)
        self.assertIn("cannot connect to the socket " + path + ": Connection refused",
                      result.stderr)
        self.assertIn("is the Docker engine running?", result.stderr)
        self.assertNotIn("port 80", result.stderr)
        self.assert_untouched(original)

    def test_lock_held_elsewhere_exits_4(self):
        original = self.seed()
        result = self.run_once_with_lock_held("--docker-host", self.docker.host)
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assert_one_clear_line(result)
        self.assert_untouched(original)

    def test_corrupt_registry_exits_5(self):
        original = self.seed_corrupt()
        result = self.run_cli("--once")
        self.assertEqual(result.returncode, 5, result.stderr)
        self.assert_one_clear_line(result)
        self.assertIn(self.registry, result.stderr)
        self.assert_untouched(original)

    def test_unsupported_schema_exits_5(self):
        self.write_registry([], schema_version="2.0")
        with open(self.registry, "rb") as f:
            original = f.read()
        result = self.run_cli("--once")
        self.assertEqual(result.returncode, 5, result.stderr)
        self.assert_one_clear_line(result)
        self.assert_untouched(original)

    def test_bad_config_exits_2(self):
        original = self.seed()
        config = self.write_config({"grace_seconds": "ten"})
        result = self.run_cli("--config", config, "--once")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assert_one_clear_line(result)
        self.assertIn("grace_seconds", result.stderr)
        self.assert_untouched(original)

    def test_lock_held_and_docker_unreachable_exits_3_the_list_comes_before_the_lock(self):
        original = self.seed()
        result = self.run_once_with_lock_held("--docker-host", self.unreachable_engine())
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assert_one_clear_line(result)
        self.assert_untouched(original)

    def test_lock_held_and_a_corrupt_registry_exits_4_the_lock_comes_before_the_registry(self):
        original = self.seed_corrupt()
        result = self.run_once_with_lock_held("--docker-host", self.docker.host)
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assert_one_clear_line(result)
        self.assert_untouched(original)

    def test_bad_config_and_docker_unreachable_exits_2_the_config_comes_first(self):
        original = self.seed()
        config = self.write_config({"grace_seconds": "ten"})
        result = subprocess.run(
            [os.environ["IPA_AGENT_BINARY"], "--registry", self.registry, "--docker-host",
             self.unreachable_engine(), "--config", config, "--once"],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assert_one_clear_line(result)
        self.assertIn("grace_seconds", result.stderr)
        self.assert_untouched(original)

    def test_unknown_config_key_exits_2(self):
        config = self.write_config({"graec_seconds": 5})
        result = self.run_cli("--config", config, "--once")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("graec_seconds", result.stderr)


if __name__ == "__main__":
    unittest.main()
