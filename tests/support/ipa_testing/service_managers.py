"""A temporary HOME with fake service managers (systemctl, launchctl) on its PATH."""

import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from ipa_testing.locations import agent_binary


FAKE_MANAGER = """#!/bin/sh
# Records how it was called; fails `show-environment` when told to, as a
# systemctl without a user manager does.
echo "$(basename "$0") $*" >> "{log}"
if [ "$2" = show-environment ] && [ -e "{log}.unreachable" ]; then exit 1; fi
exit 0
"""


class TempHomeTestCase(unittest.TestCase):
    """A temporary HOME with a bin/ on PATH for fake systemctl and launchctl."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="ipa-ops-")
        self.bin = os.path.join(self.home, "fake-bin")
        os.mkdir(self.bin)
        self.calls_log = os.path.join(self.home, "manager-calls")
        self.env = {
            "HOME": self.home,
            "PATH": self.bin + ":/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def add_fake_manager(self, name, reachable=True):
        path = os.path.join(self.bin, name)
        with open(path, "w") as f:
            f.write(FAKE_MANAGER.format(log=self.calls_log))
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        if not reachable:
            open(self.calls_log + ".unreachable", "w").close()

    def manager_calls(self):
        try:
            with open(self.calls_log) as f:
                return [line.strip() for line in f]
        except FileNotFoundError:
            return []

    def run_agent(self, *args, env_extra=None, check_rc=0):
        env = dict(self.env)
        env.update(env_extra or {})
        result = subprocess.run([agent_binary(), *args], capture_output=True, text=True,
                                env=env, cwd=self.home, timeout=60)
        if check_rc is not None:
            self.assertEqual(result.returncode, check_rc,
                             "exit %d\nstdout:\n%s\nstderr:\n%s"
                             % (result.returncode, result.stdout, result.stderr))
        return result
