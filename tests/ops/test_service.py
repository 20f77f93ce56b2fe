"""install-service / uninstall-service: the unit and plist they write, where,
and what they ask the service manager to do."""

import os
import plistlib
import shutil
import subprocess
import unittest

from ipa_testing.cases import cannot_run
from ipa_testing.locations import agent_binary
from ipa_testing.service_managers import TempHomeTestCase

UNIT_RELATIVE = ".config/systemd/user/iris-port-agent.service"
PLIST_RELATIVE = "Library/LaunchAgents/com.intersystems-community.iris-port-agent.plist"


def unit_settings(text):
    """key -> [values] of a unit file (comments skipped)."""
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


class SystemdUnitTest(TempHomeTestCase):

    def verify_unit(self, text):
        if shutil.which("systemd-analyze") is None:
            cannot_run(self, "systemd-analyze is not installed (apt-get install systemd)")
        unit_dir = os.path.join(self.home, "verify")
        runtime = os.path.join(self.home, "runtime")
        os.makedirs(unit_dir)
        os.makedirs(runtime, mode=0o700)
        path = os.path.join(unit_dir, "iris-port-agent.service")
        with open(path, "w") as f:
            f.write(text)
        # --man=no: the man page need not be installed to check the unit.
        result = subprocess.run(["systemd-analyze", "--user", "--man=no", "verify", path],
                                capture_output=True, text=True, timeout=60,
                                env={"PATH": "/usr/bin:/bin", "HOME": self.home,
                                     "XDG_RUNTIME_DIR": runtime})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stderr.strip(), "", "systemd-analyze has remarks")

    def test_dry_run_prints_a_unit_that_systemd_accepts_and_changes_nothing(self):
        result = self.run_agent("install-service", "--dry-run", "--systemd")
        self.assertEqual(os.listdir(self.home), ["fake-bin"])
        self.verify_unit(result.stdout)
        settings = unit_settings(result.stdout)
        self.assertEqual(settings["Type"], ["notify"])
        self.assertEqual(settings["Restart"], ["on-failure"])
        self.assertEqual(settings["WantedBy"], ["default.target"])
        self.assertEqual(settings["ExecStart"], [os.path.realpath(agent_binary())])
        self.assertNotIn("Environment", settings)
        self.assertIn("would write the systemd user unit above to %s/%s"
                      % (self.home, UNIT_RELATIVE), result.stderr)
        self.assertIn("would run: systemctl --user daemon-reload", result.stderr)
        self.assertIn("would run: systemctl --user enable iris-port-agent.service", result.stderr)

    def test_flags_and_environment_reach_the_service_quoted(self):
        result = self.run_agent("--registry", "my dir/100%$HOME.json", "--grace", "30",
                                "install-service", "--dry-run", "--systemd",
                                env_extra={"DOCKER_HOST": "unix:///run/user/1000/docker.sock",
                                           "IRIS_PORT_REGISTRY": "reg.json"})
        self.verify_unit(result.stdout)
        settings = unit_settings(result.stdout)
        self.assertEqual(settings["ExecStart"],
                         ['%s --registry "%s/my dir/100%%%%$$HOME.json" --grace 30'
                          % (os.path.realpath(agent_binary()), self.home)])
        self.assertEqual(settings["Environment"],
                         ["DOCKER_HOST=unix:///run/user/1000/docker.sock",
                          "IRIS_PORT_REGISTRY=%s/reg.json" % self.home])

    def test_the_docker_context_reaches_the_service(self):
        """The service must watch the engine this shell's docker CLI sees: --context, and
        DOCKER_CONTEXT and DOCKER_CONFIG (made absolute: the service starts elsewhere)."""
        result = self.run_agent("--context", "colima", "install-service", "--dry-run",
                                "--systemd", env_extra={"DOCKER_CONTEXT": "desktop-linux",
                                                        "DOCKER_CONFIG": "dot-docker"})
        self.verify_unit(result.stdout)
        settings = unit_settings(result.stdout)
        self.assertEqual(settings["ExecStart"],
                         ["%s --context colima" % os.path.realpath(agent_binary())])
        self.assertEqual(settings["Environment"],
                         ["DOCKER_CONFIG=%s/dot-docker" % self.home,
                          "DOCKER_CONTEXT=desktop-linux"])

    def test_docker_host_and_context_together_are_refused(self):
        result = self.run_agent("--docker-host", "unix:///a.sock", "--context", "b",
                                "install-service", "--dry-run", check_rc=2)
        self.assertIn("--context", result.stderr)
        self.assertEqual(os.listdir(self.home), ["fake-bin"])

    def test_install_and_uninstall_with_a_user_manager(self):
        self.add_fake_manager("systemctl")
        result = self.run_agent("install-service")
        unit = os.path.join(self.home, UNIT_RELATIVE)
        with open(unit) as f:
            self.verify_unit(f.read())
        self.assertIn("wrote " + unit, result.stdout)
        self.assertEqual(self.manager_calls(), [
            "systemctl --user show-environment",
            "systemctl --user daemon-reload",
            "systemctl --user enable iris-port-agent.service",
            "systemctl --user restart --no-block iris-port-agent.service",
        ])
        os.remove(self.calls_log)

        result = self.run_agent("uninstall-service")
        self.assertFalse(os.path.exists(unit))
        self.assertIn("removed " + unit, result.stdout)
        self.assertEqual(self.manager_calls(), [
            "systemctl --user show-environment",
            "systemctl --user disable --now iris-port-agent.service",
            "systemctl --user daemon-reload",
        ])

    def test_without_a_user_manager_it_says_what_to_run(self):
        self.add_fake_manager("systemctl", reachable=False)
        result = self.run_agent("install-service")
        self.assertTrue(os.path.exists(os.path.join(self.home, UNIT_RELATIVE)))
        self.assertIn("no systemd user manager is reachable", result.stdout)
        self.assertIn("  systemctl --user enable iris-port-agent.service", result.stdout)
        self.assertEqual(self.manager_calls(), ["systemctl --user show-environment"])

        # What `systemctl --user enable` would have made, to see it go.
        wants = os.path.join(self.home, ".config/systemd/user/default.target.wants")
        os.makedirs(wants)
        os.symlink("../iris-port-agent.service", os.path.join(wants, "iris-port-agent.service"))
        result = self.run_agent("uninstall-service")
        self.assertEqual(os.listdir(wants), [])
        self.assertFalse(os.path.exists(os.path.join(self.home, UNIT_RELATIVE)))
        self.assertIn("systemctl --user stop iris-port-agent.service", result.stdout)

    def test_without_systemctl_at_all(self):
        result = self.run_agent("install-service", env_extra={"PATH": self.bin})
        self.assertTrue(os.path.exists(os.path.join(self.home, UNIT_RELATIVE)))
        self.assertIn("systemctl --user daemon-reload", result.stdout)

    def test_xdg_config_home_is_where_systemd_looks(self):
        config_home = os.path.join(self.home, "elsewhere")
        self.run_agent("install-service", env_extra={"XDG_CONFIG_HOME": config_home,
                                                     "PATH": self.bin})
        self.assertTrue(os.path.exists(
            os.path.join(config_home, "systemd/user/iris-port-agent.service")))

    def test_uninstall_of_nothing_is_fine(self):
        result = self.run_agent("uninstall-service")
        self.assertIn("nothing to remove", result.stdout)
        result = self.run_agent("uninstall-service", "--dry-run")
        self.assertIn("nothing to remove", result.stderr)

    def test_uninstall_dry_run_keeps_the_file(self):
        self.run_agent("install-service", env_extra={"PATH": self.bin})
        result = self.run_agent("uninstall-service", "--dry-run")
        self.assertIn("would remove %s/%s" % (self.home, UNIT_RELATIVE), result.stderr)
        self.assertIn("would run: systemctl --user disable --now", result.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.home, UNIT_RELATIVE)))

    def test_bad_input_is_one_line_and_exit_2(self):
        result = self.run_agent("install-service", "--systemd", "--launchd", check_rc=2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("--systemd and --launchd", result.stderr)
        result = self.run_agent("install-service", "--exec-path", "relative/agent", check_rc=2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("not an executable absolute path", result.stderr)


class LaunchdPlistTest(TempHomeTestCase):

    def test_dry_run_prints_a_plist_that_parses(self):
        result = self.run_agent("--registry", "a&b<c>.json", "install-service", "--dry-run",
                                "--launchd", env_extra={"DOCKER_HOST": "unix:///x/docker.sock"})
        plist = plistlib.loads(result.stdout.encode())
        self.assertEqual(plist["Label"], "com.intersystems-community.iris-port-agent")
        self.assertEqual(plist["ProgramArguments"],
                         [os.path.realpath(agent_binary()), "--registry",
                          os.path.join(self.home, "a&b<c>.json")])
        self.assertEqual(plist["EnvironmentVariables"], {"DOCKER_HOST": "unix:///x/docker.sock"})
        self.assertTrue(plist["RunAtLoad"])
        self.assertEqual(plist["KeepAlive"], {"SuccessfulExit": False})
        self.assertEqual(plist["StandardErrorPath"],
                         os.path.join(self.home, "Library/Logs/iris-port-agent.log"))
        self.assertIn("would write the launchd LaunchAgent above to %s/%s"
                      % (self.home, PLIST_RELATIVE), result.stderr)
        self.assertIn("would run: launchctl bootstrap gui/%d" % os.getuid(), result.stderr)

    def test_install_and_uninstall_with_launchctl(self):
        self.add_fake_manager("launchctl")
        self.run_agent("install-service", "--launchd")
        path = os.path.join(self.home, PLIST_RELATIVE)
        with open(path, "rb") as f:
            self.assertEqual(plistlib.load(f)["ProgramArguments"],
                             [os.path.realpath(agent_binary())])
        domain = "gui/%d" % os.getuid()
        self.assertEqual(self.manager_calls(), [
            "launchctl bootout %s/com.intersystems-community.iris-port-agent" % domain,
            "launchctl bootstrap %s %s" % (domain, path),
        ])
        os.remove(self.calls_log)
        self.run_agent("uninstall-service", "--launchd")
        self.assertFalse(os.path.exists(path))
        self.assertEqual(self.manager_calls(), [
            "launchctl bootout %s/com.intersystems-community.iris-port-agent" % domain,
        ])


if __name__ == "__main__":
    unittest.main()
