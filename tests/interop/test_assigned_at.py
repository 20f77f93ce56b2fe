"""assigned_at: the agent writes what Python's datetime.now().isoformat() writes, and reads what
iris-devtester writes (docs/iris-devtester.md, "assigned_at"). The Python side is devtester.py,
which does what iris-devtester's PortRegistry does."""

import os
import subprocess
import unittest
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ipa_testing.cases import AgentTestCase
from ipa_testing.devtester import as_python_rewrites_it
from ipa_testing.python_peers import devtester
from ipa_testing.registry_entries import assignment


class AssignedAt(AgentTestCase):

    def python_assign(self, project, *flags):
        subprocess.run(devtester("assign", self.registry, project, *flags),
                       check=True, capture_output=True, timeout=30)

    def entry(self, project):
        return next(a for a in self.read_registry()["assignments"] if a["project_path"] == project)

    def test_assign_writes_assigned_at_as_python_would_rewrite_it(self):
        before = datetime.now()
        result = self.run_cli("assign", "/p/agent")
        self.assertEqual(result.returncode, 0, result.stderr)
        written = self.entry("/p/agent")["assigned_at"]
        self.assertEqual(as_python_rewrites_it(self.entry("/p/agent"))["assigned_at"], written)
        when = datetime.fromisoformat(written)
        self.assertIsNone(when.tzinfo, "naive local time, as datetime.now()")
        self.assertLessEqual(before - timedelta(seconds=1), when)
        self.assertLessEqual(when, datetime.now())

    def test_a_whole_second_from_python_survives_the_agents_writes_and_python_keeps_the_agents(self):
        self.python_assign("/p/python", "--whole-second")
        from_python = self.entry("/p/python")["assigned_at"]
        self.assertNotIn(".", from_python, "datetime.now() at a whole second has no fraction")

        self.assertEqual(self.run_cli("assign", "/p/agent").returncode, 0)
        self.assertEqual(self.entry("/p/python")["assigned_at"], from_python)
        from_agent = self.entry("/p/agent")["assigned_at"]

        self.python_assign("/p/python-again")
        self.assertEqual(self.entry("/p/agent")["assigned_at"], from_agent,
                         "Python's rewrite (fromisoformat, then isoformat) changes nothing")
        self.assertEqual(self.entry("/p/python")["assigned_at"], from_python)

    def test_a_whole_second_assigned_at_is_local_time_for_the_grace_period(self):
        # A zone far from UTC, so that reading the naive time as UTC would be hours off.
        zone = "Asia/Kolkata"
        now = datetime.now(ZoneInfo(zone)).replace(microsecond=0, tzinfo=None)
        self.write_registry([
            assignment("/p/older", 1972, assigned_at=(now - timedelta(minutes=11)).isoformat()),
            assignment("/p/younger", 1973, assigned_at=(now - timedelta(minutes=9)).isoformat()),
        ])
        result = self.run_cli("--once", "--grace", "600", env=dict(os.environ, TZ=zone))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.statuses(), {"/p/older": "stale", "/p/younger": "active"})


if __name__ == "__main__":
    unittest.main()
