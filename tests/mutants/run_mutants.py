"""Mutation check of the suite: each mutant breaks one contract rule; a test must notice.

Run through scripts/mutants. The mutants are in mutants.txt beside this file, in blocks:

    [name]
    rule: the contract rule the mutant breaks (section: rule)
    file: path/in/the/repository
    replace: exact text that occurs once in that file
    with: what it becomes (it must build under the project's warnings-as-errors)
    test: ctest REGEX                       (ctest -R on the scratch build)
    test: unittest DIR MODULE.Class.test    (python -m unittest in tests/DIR)

`replace`/`with` may repeat for a mutant that needs two edits in one file. Tests run in
the order given; the first that fails kills the mutant and the rest are skipped.
"""

import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIST = Path(__file__).with_name("mutants.txt")
# The scratch tree keeps the repository's layout, build/ inside it, so that a compiler cache
# with its base directory at the repository reuses the objects of the normal build.
SCRATCH = ROOT / "build-mutants"
SOURCE = SCRATCH / "tree"
BUILD = SOURCE / "build"
TEST_TIMEOUT_S = 600
# How long an interrupted test gets to clean up (its containers, its agents) after SIGINT.
TEST_CLEANUP_S = 10


@dataclass
class Mutant:
    name: str
    line: int
    rule: str = ""
    file: str = ""
    edits: list = field(default_factory=list)  # [(replace, with)]
    tests: list = field(default_factory=list)  # [(kind, args...)]


class ListError(Exception):
    pass


def parse_list(text):
    mutants, current, pending_replace = [], None, None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        where = "%s:%d" % (LIST.name, number)
        if line.startswith("[") and line.endswith("]"):
            if pending_replace is not None:
                raise ListError("%s: 'replace' without 'with' before it" % where)
            current = Mutant(line[1:-1].strip(), number)
            mutants.append(current)
            continue
        key, sep, value = line.partition(":")
        value = value.strip()
        if not sep or current is None:
            raise ListError("%s: expected [name] or 'key: value', got %r" % (where, line))
        if key == "rule":
            current.rule = value
        elif key == "file":
            current.file = value
        elif key == "replace":
            pending_replace = value
        elif key == "with":
            if pending_replace is None:
                raise ListError("%s: 'with' without 'replace'" % where)
            current.edits.append((pending_replace, value))
            pending_replace = None
        elif key == "test":
            kind, _, args = value.partition(" ")
            if kind == "ctest" and args:
                current.tests.append(("ctest", args.strip()))
            elif kind == "unittest" and len(args.split()) == 2:
                current.tests.append(("unittest", *args.split()))
            else:
                raise ListError("%s: a test is 'ctest REGEX' or 'unittest DIR ID', got %r"
                                % (where, value))
        else:
            raise ListError("%s: unknown key %r" % (where, key))
    names = set()
    for m in mutants:
        if not (m.rule and m.file and m.edits and m.tests):
            raise ListError("%s:%d: mutant %s needs rule, file, replace/with and test"
                            % (LIST.name, m.line, m.name))
        if m.name in names:
            raise ListError("%s:%d: mutant %s is listed twice" % (LIST.name, m.line, m.name))
        names.add(m.name)
    return mutants


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p]


def sync_scratch_copy():
    """Copies the working tree into the scratch source, writing only files that differ, so
    that the scratch build stays incremental (a rewritten file gets a fresh mtime)."""
    for rel in tracked_files():
        src, dst = ROOT / rel, SOURCE / rel
        if not src.is_file():
            continue
        data = src.read_bytes()
        if dst.is_file() and dst.read_bytes() == data:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        shutil.copymode(src, dst)


def configure():
    if (BUILD / "build.ninja").exists():
        return
    args = ["cmake", "-S", str(SOURCE), "-B", str(BUILD), "-G", "Ninja",
            "-DCMAKE_BUILD_TYPE=Release"]
    if shutil.which("ccache"):
        # Paths relative to the tree, as scripts/bootstrap builds: the unmutated objects of
        # the normal build are cache hits here.
        launcher = "env;CCACHE_BASEDIR=%s;ccache" % SOURCE
        args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=" + launcher]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def build(log, targets=()):
    with open(log, "w") as out:
        return subprocess.run(["ninja", "-C", str(BUILD), *targets], stdout=out,
                              stderr=subprocess.STDOUT).returncode == 0


def ctest_commands():
    """{test name: its command} of the scratch build, as ctest would run them."""
    listed = subprocess.run(["ctest", "--test-dir", str(BUILD), "--show-only=json-v1"],
                            capture_output=True, text=True, check=True).stdout
    return {t["name"]: t.get("command", []) for t in json.loads(listed)["tests"]}


def build_targets(mutant, commands):
    """The binaries the mutant's tests run: a mutant rebuilds only these, not every test
    program that links the file it changed. Python tests run the agent."""
    targets = set()
    for test in mutant.tests:
        if test[0] == "unittest":
            targets.add("iris-port-agent")
            continue
        pattern = re.compile(test[1])
        for name, command in commands.items():
            if not pattern.search(name):
                continue
            program = Path(command[0]) if command else None
            if program is not None and BUILD in program.parents:
                targets.add(str(program.relative_to(BUILD)))
            else:
                targets.add("iris-port-agent")
    return sorted(targets)


def test_environment():
    env = dict(os.environ)
    env["IPA_AGENT_BINARY"] = str(BUILD / "iris-port-agent")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # As tests/CMakeLists.txt sets it: every Python suite imports ipa_testing.
    env["PYTHONPATH"] = str(SOURCE / "tests" / "support")
    return env


def stop_group(process):
    """Ends a test that runs in its own session, and everything it started: SIGINT first, so
    that unittest's cleanups remove the containers it made, then SIGKILL."""
    for sig, grace in ((signal.SIGINT, TEST_CLEANUP_S), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            if sig == signal.SIGINT:
                os.killpg(process.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def run_test(test, log):
    if test[0] == "ctest":
        command = ["ctest", "--test-dir", str(BUILD), "--no-tests=error", "--output-on-failure",
                   "-R", test[1]]
        cwd = BUILD
        label = "ctest: " + test[1]
    else:
        command = ["/usr/bin/python3", "-m", "unittest", test[2]]
        cwd = SOURCE / "tests" / test[1]
        label = "unittest: " + test[2]
    with open(log, "a") as out:
        out.write("\n=== %s\n" % " ".join(command))
        out.flush()
        process = subprocess.Popen(command, cwd=cwd, env=test_environment(), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = process.wait(timeout=TEST_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            stop_group(process)
            return label + " (timed out)", False
        except BaseException:
            stop_group(process)
            raise
    try:
        os.killpg(process.pid, signal.SIGKILL)  # what the test left running (a mutated agent)
    except ProcessLookupError:
        pass
    return label, rc == 0


# Loads a unittest id without running it; exits non-zero when it names no test.
UNITTEST_EXISTS = """
import sys, unittest
suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[1])
names = [type(t).__name__ for t in suite] if isinstance(suite, unittest.TestSuite) else ["x"]
sys.exit(0 if names and "_FailedTest" not in names else 1)
"""


def missing_tests(mutants, ctest_names):
    """The named tests that do not exist in the unmutated build: a test that cannot run
    would otherwise fail, and count as a kill."""
    missing, seen = [], set()
    for m in mutants:
        for test in m.tests:
            if test in seen:
                continue
            seen.add(test)
            if test[0] == "ctest":
                # ctest -R searches the names with a regex as re.search does.
                pattern = re.compile(test[1])
                found = any(pattern.search(name) for name in ctest_names)
            else:
                found = subprocess.run(["/usr/bin/python3", "-c", UNITTEST_EXISTS, test[2]],
                                       cwd=SOURCE / "tests" / test[1], env=test_environment(),
                                       capture_output=True).returncode == 0
            if not found:
                missing.append("%s: %s %s" % (m.name, test[0], " ".join(test[1:])))
    return missing


def apply(mutant):
    """Applies the edits; returns the original text, or an error line."""
    path = SOURCE / mutant.file
    if not path.is_file():
        return None, "%s does not exist" % mutant.file
    original = path.read_text()
    text = original
    for old, new in mutant.edits:
        count = text.count(old)
        if count != 1:
            return None, "%r occurs %d times in %s (must be once)" % (old, count, mutant.file)
        text = text.replace(old, new)
    path.write_text(text)
    return original, None


def run_one(mutant, logs, commands):
    started = time.monotonic()
    log = logs / (mutant.name + ".log")
    original, error = apply(mutant)
    if error:
        return "did not apply: " + error, False, time.monotonic() - started
    try:
        if not build(log, build_targets(mutant, commands)):
            return "did not build (log: %s)" % log, False, time.monotonic() - started
        for test in mutant.tests:
            label, passed = run_test(test, log)
            if not passed:
                return label, True, time.monotonic() - started
        return "SURVIVED every named test (log: %s)" % log, False, time.monotonic() - started
    finally:
        (SOURCE / mutant.file).write_text(original)


def main(argv):
    try:
        mutants = parse_list(LIST.read_text())
    except (OSError, ListError) as e:
        print("mutants: %s" % e, file=sys.stderr)
        return 2
    if argv[:1] == ["--list"]:
        for m in mutants:
            print("%-34s %s" % (m.name, m.rule))
        return 0
    if argv:
        unmatched = [a for a in argv if not any(fnmatch.fnmatchcase(m.name, a) for m in mutants)]
        if unmatched:
            print("mutants: no mutant matches %s (see scripts/mutants --list)"
                  % ", ".join(unmatched), file=sys.stderr)
            return 2
        mutants = [m for m in mutants if any(fnmatch.fnmatchcase(m.name, a) for a in argv)]

    SOURCE.mkdir(parents=True, exist_ok=True)
    logs = SCRATCH / "logs"
    logs.mkdir(exist_ok=True)
    sync_scratch_copy()
    configure()
    if not build(logs / "unmutated.log"):
        print("mutants: the unmutated tree does not build (log: %s)" % (logs / "unmutated.log"),
              file=sys.stderr)
        return 1
    commands = ctest_commands()
    missing = missing_tests(mutants, commands)
    if missing:
        print("mutants: these named tests do not exist:\n  " + "\n  ".join(missing),
              file=sys.stderr)
        return 2

    rows, failures, total_started = [], 0, time.monotonic()
    for m in mutants:
        verdict, killed, seconds = run_one(m, logs, commands)
        failures += not killed
        rows.append((m.name, verdict, seconds))
        print("mutants: %-34s %-60s %6.1f s" % (m.name, verdict, seconds), flush=True)
    build(logs / "restored.log")

    print("\n%-34s %-60s %8s" % ("mutant", "killed by", "time"))
    for name, verdict, seconds in rows:
        print("%-34s %-60s %6.1f s" % (name, verdict, seconds))
    print("\nmutants: %d killed, %d not killed, in %.0f s"
          % (len(rows) - failures, failures, time.monotonic() - total_started))
    return 1 if failures else 0


def interrupted(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


if __name__ == "__main__":
    # scripts/mutants ends the runner with SIGTERM; either signal unwinds through run_one,
    # which puts the mutated file back.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("mutants: interrupted; the scratch tree is restored", file=sys.stderr)
        sys.exit(130)
