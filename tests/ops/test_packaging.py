"""cmake --install puts everything in its place; CPack's .deb installs and runs."""

import os
import shutil
import subprocess
import tempfile
import unittest

from ipa_testing.cases import cannot_run

BUILD_DIR = os.environ.get("IPA_BUILD_DIR", "")

INSTALLED_FILES = [
    "bin/iris-port-agent",
    "share/iris-port-agent/defaults.json",
    "share/iris-port-agent/templates/iris-port-agent.service",
    "share/iris-port-agent/templates/com.intersystems-community.iris-port-agent.plist",
    "lib/systemd/user/iris-port-agent.service",
    "share/doc/iris-port-agent/README.md",
    "share/doc/iris-port-agent/docs/protocol.md",
    "share/doc/iris-port-agent/docs/readers.md",
    "share/doc/iris-port-agent/docs/examples/read_registry.py",
]


def man_page_built():
    return bool(os.environ.get("IPA_MAN_PAGE"))


class PackagingTest(unittest.TestCase):

    def setUp(self):
        if not os.path.exists(os.path.join(BUILD_DIR, "CPackConfig.cmake")):
            cannot_run(self, "IPA_BUILD_DIR is not a configured build tree")
        self.dir = tempfile.mkdtemp(prefix="ipa-pkg-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def expected_files(self):
        files = list(INSTALLED_FILES)
        if man_page_built():
            files.append("share/man/man1/iris-port-agent.1")
        return files

    def test_cmake_install_puts_every_file_in_place(self):
        prefix = os.path.join(self.dir, "usr/local")
        subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], check=True,
                       capture_output=True, timeout=120)
        for relative in self.expected_files():
            self.assertTrue(os.path.isfile(os.path.join(prefix, relative)), relative)
        with open(os.path.join(prefix, "lib/systemd/user/iris-port-agent.service")) as f:
            unit = f.read()
        self.assertIn("\nExecStart=iris-port-agent\n", unit)
        self.assertNotIn("{{", unit)
        version = subprocess.run([os.path.join(prefix, "bin/iris-port-agent"), "--version"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(version.returncode, 0)

    def test_the_deb_installs_into_a_root_and_runs(self):
        if shutil.which("dpkg-deb") is None or shutil.which("dpkg-shlibdeps") is None:
            cannot_run(self, "dpkg-deb/dpkg-shlibdeps missing (apt-get install dpkg-dev)")
        out = os.path.join(self.dir, "out")
        result = subprocess.run(["cpack", "-G", "DEB", "--config",
                                 os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", out],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        debs = [name for name in os.listdir(out) if name.endswith(".deb")]
        self.assertEqual(len(debs), 1, os.listdir(out))
        deb = os.path.join(out, debs[0])

        def field(name):
            return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True,
                                  text=True, check=True).stdout.strip()

        self.assertEqual(field("Package"), "iris-port-agent")
        depends = field("Depends")
        for library in ("libuv1", "libcurl4", "libstdc++6", "libc6"):
            self.assertIn(library, depends)
        self.assertTrue(field("Maintainer"))

        root = os.path.join(self.dir, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True, timeout=60)
        for relative in self.expected_files():
            self.assertTrue(os.path.isfile(os.path.join(root, "usr", relative)), relative)
        binary = os.path.join(root, "usr/bin/iris-port-agent")
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 timeout=30)
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertRegex(version.stdout.strip(), r"^iris-port-agent %s$"
                         % field("Version").split("-")[0].replace(".", r"\."))
        # The installed binary writes a unit that starts itself.
        unit = subprocess.run([binary, "install-service", "--dry-run", "--systemd"],
                              capture_output=True, text=True, timeout=30,
                              env={"HOME": self.dir, "PATH": "/usr/bin:/bin"})
        self.assertIn("\nExecStart=%s\n" % binary, unit.stdout)


if __name__ == "__main__":
    unittest.main()
