"""Hostile input (issue 15): whatever a user or another program puts in the
way, the agent prints one clear line, exits with the contract's code and
loses or damages nothing. One test per promise; each started as a reproducer
that failed."""

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
import unittest

from ipa_testing.cases import cannot_run
from ipa_testing.engines import docker_host
from ipa_testing.locations import agent_binary
from ipa_testing.registry_entries import assignment

NO_DOCKER = "unix:///nonexistent/docker.sock"  # assign only warns; nothing here needs an engine


def sanitized():
    """An AddressSanitizer build reserves terabytes of shadow memory up front."""
    with open(agent_binary(), "rb") as f:
        return b"__asan_init" in f.read()


def limit_memory(megabytes):
    """A child's address space capped, as a container or `ulimit -v` caps it
    (not under AddressSanitizer, which cannot start within such a cap)."""
    def apply():
        limit = megabytes << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return None if sanitized() else apply


def error_lines(result):
    """The lines on stderr that are not Docker's "assigning without asking" warning."""
    return [line for line in result.stderr.splitlines() if "without asking Docker" not in line]


class HostileInput(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ipa-hostile-")
        self.registry = os.path.join(self.dir, "port-registry.json")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_agent(self, *args, registry=None, env=None, cwd=None, timeout=30, preexec_fn=None):
        registry = self.registry if registry is None else registry
        return subprocess.run([os.fsencode(agent_binary()), b"--registry", os.fsencode(registry),
                               b"--docker-host", NO_DOCKER.encode(),
                               *[a if isinstance(a, bytes) else a.encode() for a in args]],
                              capture_output=True, text=True, errors="replace", timeout=timeout,
                              env=env, cwd=cwd, preexec_fn=preexec_fn)

    def write_registry(self, text):
        with open(self.registry, "w") as f:
            f.write(text)

    def registry_bytes(self):
        with open(self.registry, "rb") as f:
            return f.read()

    def python_view(self):
        with open(self.registry) as f:
            return json.load(f)

    def assert_one_clear_line(self, result, code, *words):
        self.assertEqual(result.returncode, code, result.stderr)
        lines = error_lines(result)
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("iris-port-agent: error: "), lines[0])
        for word in words:
            self.assertIn(word, lines[0])

    # 1 ---------------------------------------------------------------------

    def test_a_project_path_that_is_not_utf8_is_one_assignment_stored_as_python_stores_it(self):
        path = b"/p/x\xff"
        ports = [self.run_agent("assign", path).stdout for _ in range(3)]
        self.assertEqual(ports, ["1972\n"] * 3)
        self.assertEqual(self.run_agent("assign", b"/p/x\xff\xfe").stdout, "1973\n")
        self.assertEqual(self.run_agent("assign", b"/p/x\xfe\xff").stdout, "1974\n")
        stored = [a["project_path"] for a in self.python_view()["assignments"]]
        # What iris-devtester stores for that directory: os.getcwd() there is
        # os.fsdecode of its bytes, json.dump writes the lone surrogates.
        self.assertEqual(stored, [os.fsdecode(p) for p in (path, b"/p/x\xff\xfe", b"/p/x\xfe\xff")])
        self.assertIn(b'"/p/x\\udcff"', self.registry_bytes())
        self.assertEqual(self.run_agent("get", path).stdout, "1972\n")
        self.assertEqual(self.run_agent("release", path).returncode, 0)
        self.assertEqual(len(self.python_view()["assignments"]), 2)

    # 2 ---------------------------------------------------------------------

    def test_a_registry_far_larger_than_any_real_one_is_refused_with_exit_5_unread(self):
        with open(self.registry, "wb") as f:
            f.truncate(6 << 30)  # sparse: 6 GB that take no disk
        result = self.run_agent("status", preexec_fn=limit_memory(512))
        self.assert_one_clear_line(result, 5, self.registry, "MiB", "move it away")
        self.assertEqual(os.path.getsize(self.registry), 6 << 30)
        self.assertEqual(os.listdir(self.dir), ["port-registry.json"])

    # 3 ---------------------------------------------------------------------

    def test_a_config_file_that_is_not_a_regular_file_is_refused_with_exit_2(self):
        fifo = os.path.join(self.dir, "fifo.json")
        os.mkfifo(fifo)
        for config, words in (("/dev/zero", ["/dev/zero", "not a regular file"]),
                              (fifo, [fifo, "not a regular file"]),
                              (self.dir, [self.dir, "is a directory"])):
            result = self.run_agent("--config", config, "status", timeout=20,
                                    preexec_fn=limit_memory(512))
            self.assert_one_clear_line(result, 2, *words)

    def test_a_fifo_at_the_default_config_location_is_refused_not_waited_on(self):
        config_home = os.path.join(self.dir, "xdg")
        os.makedirs(os.path.join(config_home, "iris-port-agent"))
        os.mkfifo(os.path.join(config_home, "iris-port-agent", "config.json"))
        env = dict(os.environ, XDG_CONFIG_HOME=config_home)
        result = self.run_agent("status", env=env, timeout=20)
        self.assert_one_clear_line(result, 2, "config.json", "not a regular file")

    def test_a_config_file_larger_than_any_real_one_is_refused(self):
        config = os.path.join(self.dir, "config.json")
        with open(config, "wb") as f:
            f.truncate(2 << 30)
        result = self.run_agent("--config", config, "status", preexec_fn=limit_memory(512))
        self.assert_one_clear_line(result, 2, config, "MiB")

    # 4 ---------------------------------------------------------------------

    def test_a_refused_registry_leaves_no_lock_file_or_anything_else_behind(self):
        if os.geteuid() != 0:
            cannot_run(self, "needs root to give the registry to another user")
        self.write_registry(json.dumps({"schema_version": "1.0", "assignments": []}))
        os.chown(self.registry, 65534, 65534)
        for command in (["assign", "/p/a"], ["release", "/p/a"], ["clear", "--yes"], ["repair"],
                        ["--once"], []):  # [] is watch mode: it refuses at start, too
            result = self.run_agent(*command, timeout=10)
            self.assert_one_clear_line(result, 2, "uid 65534")
            self.assertEqual(os.listdir(self.dir), ["port-registry.json"], command)

    # 5 ---------------------------------------------------------------------

    def test_a_duplicated_key_is_read_as_python_reads_it_the_last_one_and_written_once(self):
        self.write_registry(
            '{"schema_version": "1.0", "assignments": [{"project_path": "/p/a", '
            '"port": 1972, "port": 1973, "assigned_at": "2025-01-17T10:30:00", '
            '"assignment_type": "auto", "status": "active", "container_name": null}], '
            '"x": {"k": 1, "k": 2}}')
        result = self.run_agent("assign", "/p/new")
        self.assertEqual(result.stdout, "1972\n", result.stderr)  # Python's /p/a holds 1973
        text = self.registry_bytes().decode()
        self.assertEqual(text.count('"port"'), 2, text)
        self.assertEqual(text.count('"k"'), 1, text)
        data = self.python_view()
        self.assertEqual([a["port"] for a in data["assignments"]], [1973, 1972])
        self.assertEqual(data["x"], {"k": 2})

    def test_a_duplicated_schema_version_is_read_as_python_reads_it_and_never_overwritten(self):
        text = '{"schema_version": "1.0", "assignments": [], "schema_version": "2.0"}'
        self.write_registry(text)
        result = self.run_agent("assign", "/p/new")
        self.assert_one_clear_line(result, 5, '"2.0"')
        self.assertEqual(self.registry_bytes().decode(), text)

    def test_a_duplicated_assignments_list_is_read_as_python_reads_it(self):
        self.write_registry(
            '{"schema_version": "1.0", "assignments": [], "assignments": [{"project_path": '
            '"/p/a", "port": 1972, "assigned_at": "2025-01-17T10:30:00", "assignment_type": '
            '"auto", "status": "active", "container_name": null}]}')
        self.assertEqual(self.run_agent("get", "/p/a").stdout, "1972\n")
        self.assertEqual(self.run_agent("assign", "/p/new").stdout, "1973\n")
        self.assertEqual(self.registry_bytes().decode().count('"assignments"'), 1)

    # 6 ---------------------------------------------------------------------

    def test_numbers_in_options_are_decimal_only(self):
        self.assertEqual(self.run_agent("assign", "/p/a", "--port", "02000").stdout, "2000\n")
        self.assertEqual(self.run_agent("assign", "/p/b", "--range", "01972-01975").stdout,
                         "1972\n")
        for bad in ("0x7b6", "0o17", "0b11", "1_000", "+5", " 5", "1e3", "\u0661\u0662"):
            result = self.run_agent("assign", "/p/c", "--port", bad)
            self.assert_one_clear_line(result, 2, "--port", "decimal")
        result = self.run_agent("--grace", "0x10", "status")
        self.assert_one_clear_line(result, 2, "--grace", "decimal")

    def test_grace_with_a_leading_zero_is_decimal_seconds(self):
        ten_seconds_ago = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 9))
        self.write_registry(json.dumps({"schema_version": "1.0", "assignments": [
            assignment("/p/pulling", 26900, assigned_at=ten_seconds_ago)]}))
        result = subprocess.run([agent_binary(), "--registry", self.registry, "--docker-host",
                                 docker_host(), "--grace", "010", "--once"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.python_view()["assignments"][0]["status"], "active")

    # 7 ---------------------------------------------------------------------

    def test_integers_you_did_not_change_keep_their_digits(self):
        self.write_registry('{"schema_version": "1.0", "assignments": [], '
                            '"big": 12345678901234567890123, "small": -98765432109876543210}')
        self.assertEqual(self.run_agent("assign", "/p/a").returncode, 0)
        text = self.registry_bytes().decode()
        self.assertIn('"big": 12345678901234567890123', text)
        self.assertIn('"small": -98765432109876543210', text)
        self.assertEqual(self.python_view()["big"], 12345678901234567890123)

    # 8 ---------------------------------------------------------------------

    def test_a_registry_path_that_is_not_a_file_is_refused_before_anything_is_created(self):
        inside = os.path.join(self.dir, "inside")
        os.mkdir(inside)
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        before = sorted(os.listdir(self.dir))
        for registry, words in ((inside + "/", ["names a directory"]),
                                (inside, ["is a directory"]),
                                (fifo, ["not a regular file"]),
                                (os.path.join(self.dir, "reg.lock"), ["its own lock file"])):
            for command in (["assign", "/p/a"], ["status"], ["repair"], ["get", "/p/a"]):
                result = self.run_agent(*command, registry=registry, timeout=20)
                self.assert_one_clear_line(result, 2, registry, *words)
                self.assertEqual(sorted(os.listdir(self.dir)), before, (registry, command))
                self.assertEqual(os.listdir(inside), [])

    def test_a_lock_path_that_is_a_directory_is_named_as_such(self):
        os.mkdir(os.path.join(self.dir, "port-registry.lock"))
        result = self.run_agent("assign", "/p/a")
        self.assert_one_clear_line(result, 2, "port-registry.lock", "is a directory")
        self.assertNotIn("permissions", result.stderr)

    # 9 ---------------------------------------------------------------------

    def test_option_errors_are_one_line_with_the_program_name(self):
        for args in (["assign", "/p/a", "--port", "0"], ["assign"], ["--no-such-option"],
                     ["assign", "/p/a", "--port"]):
            self.assert_one_clear_line(self.run_agent(*args), 2, "--help")

    def test_an_empty_registry_option_says_so_not_that_home_is_unset(self):
        result = self.run_agent("status", registry="")
        self.assert_one_clear_line(result, 2, "--registry is empty")
        self.assertNotIn("HOME", result.stderr)

    def test_a_read_only_directory_is_told_to_make_it_writable_not_to_free_space(self):
        if os.geteuid() != 0:
            cannot_run(self, "needs root to run the agent as another user")
        nobody = 65534
        directory = os.path.join(self.dir, "mine")
        os.mkdir(directory)
        registry = os.path.join(directory, "port-registry.json")
        with open(registry, "w") as f:
            json.dump({"schema_version": "1.0", "assignments": [assignment("/p/a", 1972)]}, f)
        open(os.path.join(directory, "port-registry.lock"), "w").close()
        for path in (directory, registry, os.path.join(directory, "port-registry.lock")):
            os.chown(path, nobody, nobody)
        os.chmod(self.dir, 0o711)
        os.chmod(directory, 0o500)

        def as_nobody():
            os.setgid(nobody)
            os.setuid(nobody)
        kept = self.run_agent("assign", "/p/a", registry=registry, preexec_fn=as_nobody)
        self.assertEqual(kept.returncode, 0, kept.stderr)  # nothing to save, only the copy fails
        saved = self.run_agent("release", "/p/a", registry=registry, preexec_fn=as_nobody)
        self.assertEqual(saved.returncode, 1, saved.stderr)
        for result in (kept, saved):
            self.assertIn("make " + directory + " writable", result.stderr)
            self.assertNotIn("free space", result.stderr)

    def test_a_read_only_file_system_is_named_as_such(self):
        mount = os.path.join(self.dir, "ro")
        os.mkdir(mount)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", mount], check=False)
        registry = os.path.join(mount, "port-registry.json")
        with open(registry, "w") as f:
            json.dump({"schema_version": "1.0", "assignments": [assignment("/p/a", 1972)]}, f)
        subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
        result = self.run_agent("release", "/p/a", registry=registry)
        self.assert_one_clear_line(result, 1, "read-only file system")
        self.assertNotIn("free space", result.stderr)
        self.assertNotIn("permissions", result.stderr)

    # 10 --------------------------------------------------------------------

    def test_control_characters_in_paths_are_escaped_in_every_human_readable_output(self):
        path = "/p/\x1b[31mred\nsecond line\x07"
        assigned = self.run_agent("assign", path)
        self.assertEqual(assigned.stdout, "1972\n", assigned.stderr)
        status = self.run_agent("status")
        self.assertEqual(status.returncode, 0, status.stderr)
        for text in (assigned.stderr, status.stdout, self.run_agent("release", "/p/none").stderr,
                     self.run_agent("release", path).stderr):
            self.assertNotIn("\x1b", text)
            self.assertNotIn("\x07", text)
            self.assertNotIn("red\nsecond", text)
        self.assertIn("/p/\\x1b[31mred\\nsecond line\\x07", status.stdout)
        self.assertEqual(len(status.stdout.splitlines()), 4, status.stdout)  # registry, agent, header, row
        self.assertEqual(self.python_view()["assignments"], [])

    # 11 --------------------------------------------------------------------

    def test_repair_does_not_trust_a_symlinked_last_good_copy(self):
        elsewhere = os.path.join(self.dir, "elsewhere.json")
        with open(elsewhere, "w") as f:
            json.dump({"schema_version": "1.0", "assignments": [assignment("/p/evil", 1972)]}, f)
        os.symlink(elsewhere, self.registry + ".bak")
        self.write_registry('{"schema_version": "1.0", "assign')
        before = self.registry_bytes()
        result = self.run_agent("repair")
        self.assert_one_clear_line(result, 2, "symbolic link", ".bak")
        self.assertEqual(self.registry_bytes(), before)
        # Only the lock file may have appeared (as every Python writer makes it).
        self.assertEqual(sorted(set(os.listdir(self.dir)) - {"port-registry.lock"}),
                         ["elsewhere.json", "port-registry.json", "port-registry.json.bak"])
        self.assertTrue(os.path.islink(self.registry + ".bak"))

    def test_repair_does_not_trust_a_last_good_copy_of_another_user(self):
        if os.geteuid() != 0:
            cannot_run(self, "needs root to give the copy to another user")
        with open(self.registry + ".bak", "w") as f:
            json.dump({"schema_version": "1.0", "assignments": [assignment("/p/evil", 1972)]}, f)
        os.chown(self.registry + ".bak", 65534, 65534)
        self.write_registry('{"schema_version": "1.0", "assign')
        before = self.registry_bytes()
        result = self.run_agent("repair")
        self.assert_one_clear_line(result, 2, ".bak")
        self.assertEqual(self.registry_bytes(), before)


if __name__ == "__main__":
    unittest.main()
