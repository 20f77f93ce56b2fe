"""The registry lock held by a Python writer for 10 s while 50 containers go."""

import os
import time
import unittest

from ipa_testing.cases import AgentTestCase, wait_statuses
from ipa_testing.figures import figure
from ipa_testing.fleets import create_many, remove_many
from ipa_testing.python_peers import python_lock_holder
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for



class LockHeld(AgentTestCase):

    def test_the_loop_keeps_reading_while_locked_and_applies_all_50_within_1_s_of_release(self):
        names = [self.name("l%02d" % i) for i in range(50)]
        create_many(self.docker, names)
        self.write_registry([assignment("/p/%02d" % i, 27100 + i, container_name=n)
                             for i, n in enumerate(names)])
        agent = self.start_agent("--log-level", "debug")
        before = self.registry_text()
        holder = python_lock_holder(os.path.join(self.dir, "port-registry.lock"), 60)
        held_at = time.monotonic()
        try:
            remove_many(self.docker, names)
            # The loop reads every event while the lock is taken (Docker would
            # drop a subscriber that stops reading).
            wait_for(lambda: agent.text().count("event destroy") >= 50, timeout=9,
                     what="all 50 destroy events read while the lock is held")
            self.assertEqual(self.registry_text(), before)
            remaining = 10.0 - (time.monotonic() - held_at)
            if remaining > 0:
                time.sleep(remaining)
            self.assertEqual(self.registry_text(), before)
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        released_at = time.monotonic()
        done = wait_statuses(self, {"/p/%02d" % i: "stale" for i in range(50)}, timeout=5)
        figure("lock held 10 s: all 50 applied after release", "%.3f s" % (done - released_at))
        self.assertLess(done - released_at, 1.0)
        self.assertIsNone(agent.process.poll())


if __name__ == "__main__":
    unittest.main()
