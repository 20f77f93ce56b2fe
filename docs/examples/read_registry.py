#!/usr/bin/env python3
"""Read the IRIS port registry without its lock; say whether an agent keeps it true.

    read_registry.py [REGISTRY]

Prints "watching<TAB>PID" or "not-watching", then one line per assignment:
STATUS<TAB>PORT<TAB>PROJECT<TAB>TRUST, where TRUST is "watched" while an agent
watches, and otherwise what this script found out about the container itself.
Standard library only; it runs `iris-port-agent` and `docker` when they are on PATH.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time


def default_registry():
    return os.environ.get("IRIS_PORT_REGISTRY") or os.path.expanduser(
        "~/.iris-devtester/port-registry.json")


def read_registry(path, attempts=10, pause=0.05):
    """The registry as a dict. A missing file is an empty registry.

    The agent replaces the file atomically, but Python writers rewrite it in
    place: a read can catch one half-way. Try again before calling it broken.
    """
    for attempt in range(attempts):
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {"schema_version": "1.0", "assignments": []}
        except json.JSONDecodeError:
            if attempt + 1 == attempts:
                raise
            time.sleep(pause)


def watching_agent(path):
    """The pid of the agent watching `path` right now, or None.

    `status --json` asks the agent's instance lock. The registry's "agent" key
    cannot answer this: it stays behind when the agent stops.
    """
    agent = shutil.which("iris-port-agent")
    if agent is None:
        return None
    result = subprocess.run([agent, "status", "--json", "--registry", path],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        return None
    return (json.loads(result.stdout)["agent"] or {}).get("pid")


def container_state(assignment):
    """Without an agent, look at the container ourselves: its state, or "no container"."""
    name = assignment.get("container_name") or "iris_%s_%d" % (
        hashlib.md5(assignment["project_path"].encode()).hexdigest()[:8], assignment["port"])
    if shutil.which("docker") is None:
        return "unchecked"
    result = subprocess.run(["docker", "inspect", "--format", "{{.State.Status}}", name],
                            capture_output=True, text=True, timeout=30)
    return "container " + result.stdout.strip() if result.returncode == 0 else "no container"


def main(argv):
    path = argv[1] if len(argv) > 1 else default_registry()
    registry = read_registry(path)
    pid = watching_agent(path)
    print("watching\t%d" % pid if pid else "not-watching")
    for assignment in registry["assignments"]:
        if pid:
            trust = "watched"
        elif assignment["status"] == "active":
            trust = container_state(assignment)
        else:
            trust = "not holding its port"
        print("%s\t%d\t%s\t%s" % (assignment["status"], assignment["port"],
                                  assignment["project_path"], trust))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
