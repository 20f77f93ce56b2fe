"""--help for every command, the man page, and the README against the defaults."""

import json
import os
import re
import subprocess
import unittest

from ipa_testing.cases import cannot_run
from ipa_testing.locations import agent_binary, source_dir

COMMANDS = ["status", "repair", "assign", "release", "get", "clear", "install-service",
            "uninstall-service"]


def run(*args):
    return subprocess.run([agent_binary(), *args], capture_output=True, text=True, timeout=30)


class HelpTest(unittest.TestCase):

    def test_main_help_lists_every_command_and_the_exit_codes(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        for command in COMMANDS:
            self.assertRegex(result.stdout, r"\n  %s +\S" % re.escape(command))
        self.assertIn("3 Docker unreachable", result.stdout)
        for option in ("--registry PATH", "--docker-host URL", "--grace SECONDS",
                       "--config FILE", "--log-level LEVEL", "--once"):
            self.assertIn(option, result.stdout)

    def test_every_command_has_help(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                result = run(command, "--help")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn("Usage: iris-port-agent %s" % command, result.stdout)
                self.assertIn("common options", result.stdout)

    def test_version(self):
        result = run("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout.strip(), r"^iris-port-agent \d+\.\d+\.\d+$")


class ManPageTest(unittest.TestCase):

    def test_man_page_has_every_command(self):
        man_page = os.environ.get("IPA_MAN_PAGE")
        if not man_page:
            cannot_run(self, "no man page in this build (help2man is not installed)")
        with open(man_page) as f:
            text = f.read()
        self.assertTrue(text.startswith(".\\\" DO NOT MODIFY THIS FILE!"), text[:80])
        self.assertIn('.TH IRIS-PORT-AGENT "1"', text)
        for command in COMMANDS:
            self.assertIn(".SS %s\n" % command, text)
        for section in ("ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES"):
            self.assertIn('.SH "%s"' % section if " " in section else ".SH %s" % section, text)


class ReadmeTest(unittest.TestCase):
    """The README's configuration table names every key of config/defaults.json."""

    def test_every_config_key_is_documented_with_its_default(self):
        with open(os.path.join(source_dir(), "config", "defaults.json")) as f:
            defaults = json.load(f)
        with open(os.path.join(source_dir(), "README.md")) as f:
            readme = f.read()
        rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", readme, re.M))
        self.assertEqual(sorted(rows), sorted(defaults))
        for key, value in defaults.items():
            self.assertEqual(rows[key], json.dumps(value), key)

    def test_the_shipped_defaults_are_a_valid_config_file(self):
        path = os.path.join(source_dir(), "config", "defaults.json")
        result = subprocess.run([agent_binary(), "--config", path, "--registry",
                                 "/nonexistent-ipa-dir/port-registry.json", "status", "--json"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
