"""scripts/demo runs from start to end and leaves nothing behind."""

import os
import re
import subprocess
import unittest

from ipa_testing.cases import cannot_run
from ipa_testing.locations import agent_binary, source_dir


class DemoTest(unittest.TestCase):

    def test_demo_shows_beta_going_stale_and_cleans_up(self):
        if not os.environ.get("IPA_TEST_DOCKER_HOST"):
            cannot_run(self, "no sandbox engine (run the suite with scripts/test)")
        result = subprocess.run([os.path.join(source_dir(), "scripts", "demo")],
                                capture_output=True, text=True, timeout=300,
                                env=dict(os.environ, IPA_DEMO_AGENT=agent_binary()))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        out = result.stdout
        self.assertRegex(out, r"/projects/beta +\d+ +active +iris_[0-9a-f]{8}_\d+")
        self.assertRegex(out, r"/projects/beta +\d+ +stale +iris_[0-9a-f]{8}_\d+")
        self.assertRegex(out, r"/projects/alpha +\d+ +active")
        self.assertNotRegex(out, r"/projects/alpha +\d+ +(stale|released)")
        # The agent is gone (SIGTERM, not orphaned).
        pid = int(re.search(r"agent stopped \(pid (\d+)\)", out).group(1))
        self.assertFalse(os.path.exists("/proc/%d" % pid) and
                         open("/proc/%d/stat" % pid).read().split()[2] != "Z",
                         "the agent still runs")
        self.assertRegex(out, r"agent: running \(pid %d\)" % pid)
        work = re.search(r"temporary directory removed: (\S+)", out).group(1)
        self.assertFalse(os.path.exists(work))
        names = re.search(r"containers removed: (.*)", out).group(1).split()
        listed = subprocess.run(["docker", "-H", os.environ["IPA_TEST_DOCKER_HOST"], "ps", "-a",
                                 "--format", "{{.Names}}"], capture_output=True, text=True,
                                check=True).stdout.split()
        self.assertFalse(set(names) & set(listed))


if __name__ == "__main__":
    unittest.main()
