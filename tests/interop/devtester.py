"""What iris-devtester's PortRegistry does to the registry: the real Python writer of the tests.

It follows iris_devtester/ports/registry.py and assignment.py (release 1.8.0) step by step,
leaving out only its look at the ports Docker containers publish: a missing registry is created empty; every change holds filelock.FileLock on the registry
path with its suffix replaced by ".lock" (5 s timeout), reads the file with json.load,
rebuilds each assignment from its six known keys (PortAssignment.from_dict / to_dict, so
assigned_at goes through datetime.fromisoformat and back through isoformat(), and other
keys are dropped), and rewrites the file in place with json.dump(indent=2): not atomically.
A new assignment's assigned_at is datetime.now().isoformat().

    devtester.py REGISTRY assign PROJECT [--whole-second]   prints the port
    devtester.py REGISTRY release PROJECT
--whole-second: the clock reads a whole second (datetime.now() then has microsecond 0).
"""

import json
import sys
from datetime import datetime
from pathlib import Path

from filelock import FileLock

PORT_RANGE = range(1972, 1982)


def as_python_rewrites_it(entry):
    return {
        "project_path": entry["project_path"],
        "port": entry["port"],
        "assigned_at": datetime.fromisoformat(entry["assigned_at"]).isoformat(),
        "assignment_type": entry["assignment_type"],
        "status": entry["status"],
        "container_name": entry.get("container_name"),
    }


def write_in_place(registry, data):
    registry.parent.mkdir(parents=True, exist_ok=True)
    with open(registry, "w") as f:
        json.dump(data, f, indent=2)


def change(registry, edit):
    if not registry.exists():
        write_in_place(registry, {"schema_version": "1.0", "assignments": []})
    with FileLock(registry.with_suffix(".lock"), timeout=5):
        with open(registry) as f:
            data = json.load(f)
        entries = [as_python_rewrites_it(a) for a in data["assignments"]]
        result, entries = edit(entries)
        data["assignments"] = entries
        write_in_place(registry, data)
        return result


def assign(registry, project, now=datetime.now):
    def edit(entries):
        for entry in entries:
            if entry["project_path"] == project:
                return entry["port"], entries
        used = {e["port"] for e in entries if e["status"] == "active"}
        port = next(p for p in PORT_RANGE if p not in used)
        entries.append({"project_path": project, "port": port,
                        "assigned_at": now().isoformat(), "assignment_type": "auto",
                        "status": "active", "container_name": None})
        return port, entries
    return change(registry, edit)


def release(registry, project):
    def edit(entries):
        kept = [e for e in entries if e["project_path"] != project]
        if len(kept) == len(entries):
            raise KeyError("No port assignment exists for project: " + project)
        return None, kept
    change(registry, edit)


def main(argv):
    registry, command, project = Path(argv[1]), argv[2], argv[3]
    if command == "assign":
        now = datetime.now
        if "--whole-second" in argv:
            def now():
                return datetime.now().replace(microsecond=0)
        print(assign(registry, project, now))
    elif command == "release":
        release(registry, project)
    else:
        raise SystemExit("unknown command " + command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
