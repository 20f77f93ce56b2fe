"""The agent SIGKILLed at random moments during a storm of removals, 20 rounds."""

import json
import os
import random
import re
import signal
import subprocess
import time
import unittest

from ipa_testing.cases import AgentTestCase, wait_statuses
from ipa_testing.figures import figure
from ipa_testing.fleets import create_many
from ipa_testing.registry_entries import assignment
from ipa_testing.registry_files import temp_files

ROUNDS = 20
PER_ROUND = 3
KEYS = {"project_path", "port", "assigned_at", "assignment_type", "status", "container_name"}


class CrashStorm(AgentTestCase):

    def check_whole(self, count):
        """The registry parses and has its full structure: a half-written file would not."""
        with open(self.registry) as f:
            data = json.load(f)
        self.assertEqual(data["schema_version"], "1.0")
        self.assertEqual(data["keep_me"], [1, 2, 3])
        self.assertEqual(len(data["assignments"]), count)
        for entry in data["assignments"]:
            self.assertEqual(set(entry) - {"extra"}, KEYS)
            self.assertEqual(entry["extra"], {"kept": True})
        return {a["project_path"]: a["status"] for a in data["assignments"]}

    def test_sigkill_mid_storm_never_tears_the_registry_or_loses_a_written_change(self):
        rng = random.Random(6)
        count = ROUNDS * PER_ROUND
        names = [self.name("k%02d" % i) for i in range(count)]
        create_many(self.docker, names)
        self.write_registry([assignment("/p/%02d" % i, 28000 + i, container_name=n,
                                        extra={"kept": True})
                             for i, n in enumerate(names)], keep_me=[1, 2, 3])
        written = set()
        kills_mid_write = 0
        for r in range(ROUNDS):
            if r % 2 == 0:
                # What a kill inside save_atomically or LastGoodCopy::keep leaves
                # (the kills below rarely land there): the restart must sweep it.
                for name in (".port-registry.json.tmp-99999-00000000deadbeef",
                             ".port-registry.json.bak.tmp-99999-00000000deadbeef"):
                    with open(os.path.join(self.dir, name), "w") as f:
                        f.write('{"schema_version": "1.0", "assig')
            agent = self.start_agent()
            # After the restart's first locked access no temp file is left.
            self.assertEqual(temp_files(self.dir), [], "round %d" % r)
            batch = names[r * PER_ROUND:(r + 1) * PER_ROUND]
            remover = subprocess.Popen(["docker", "-H", self.docker.host, "rm", "-f", *batch],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 0.4))
            agent.process.send_signal(signal.SIGKILL)
            agent.process.wait()
            agent.log.close()
            remover.wait()
            if temp_files(self.dir):
                kills_mid_write += 1
            statuses = self.check_whole(count)
            # A decision is logged only after its write: each must be in the file.
            written |= set(re.findall(r"(/p/\d+) \(port \d+\) \w+ -> stale", agent.text()))
            stale = {p for p, s in statuses.items() if s == "stale"}
            self.assertTrue(written <= stale, "round %d lost %s" % (r, written - stale))
        # Holds trivially when nothing was logged: some kill must have come after a write.
        self.assertTrue(written, "no round wrote a change before its kill")
        figure("crash storm: rounds killed with a temp file present", kills_mid_write)
        figure("crash storm: changes written before a kill", len(written))
        # A last start reconciles whatever the kills cut short.
        self.start_agent()
        self.assertEqual(temp_files(self.dir), [])
        wait_statuses(self, {"/p/%02d" % i: "stale" for i in range(count)})
        self.check_whole(count)


if __name__ == "__main__":
    unittest.main()
