"""The Python side of the registry: what iris-devtester's PortRegistry does to it, and the
rougher writers the tests race the agent with. Every test runs it with /usr/bin/python3
(python3-filelock): `devtester.py COMMAND ARGS...`; test_readers imports it.

assign and release follow iris_devtester/ports/registry.py and assignment.py (release 1.8.0)
step by step, leaving out only its look at the ports Docker containers publish: a missing
registry is created empty; every change holds filelock.FileLock on the registry path with its
suffix replaced by ".lock" (5 s timeout), reads the file with json.load, rebuilds each
assignment from its six known keys (PortAssignment.from_dict / to_dict, so assigned_at goes
through datetime.fromisoformat and back through isoformat(), and other keys are dropped), and
rewrites the file in place with json.dump(indent=2): not atomically. A new assignment's
assigned_at is datetime.now().isoformat().

    assign REGISTRY PROJECT [--whole-second]   prints the port; --whole-second: the clock
                                               reads a whole second (microsecond 0)
    release REGISTRY PROJECT

The other writers all take the lock as filelock.FileLock and write in place with
json.dump(indent=2), as iris-devtester does:

    counted REGISTRY WRITER_ID COUNT           COUNT times (lock: REGISTRY's suffix replaced by
        ".lock", 60 s): append /python/WRITER_ID/i on port 20000 + i, bump this writer's counter
        under the unknown top-level key "python_counters", a 2 ms pause before the rewrite
    append REGISTRY LOCK PREFIX COUNT          COUNT times (30 s): append PREFIX-i on port
        40000 + i; every third time also drop PREFIX-(i-1)
    assign-from REGISTRY LOCK PORT_BASE PROJECT...   PortRegistry.assign_port as it is, per
        project (30 s): the first port from PORT_BASE no active assignment holds; the project
        string is stored unchanged
    rewrite REGISTRY LOCK STOP                 until the file STOP exists (30 s): rewrite the
        registry's own content in 4 KiB pieces, 1 ms apart, 40 ms between rewrites; prints
        "rewriting" after the first
    half-write REGISTRY LOCK PROJECT           under the lock (30 s): append PROJECT on port
        39999, write the first half of the file, print "half" and wait to be killed
    hold LOCK SECONDS                          take the lock, print "held", hold it SECONDS
"""

import json
import os
import sys
import time
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


def new_entry(project, port, assigned_at="2025-01-17T10:30:00.123456"):
    return {"project_path": project, "port": port, "assigned_at": assigned_at,
            "assignment_type": "auto", "status": "active", "container_name": None}


def load(registry):
    with open(registry) as f:
        return json.load(f)


def dump_in_place(registry, data):
    with open(registry, "w") as f:
        json.dump(data, f, indent=2)


def counted(registry, writer_id, count):
    registry = Path(registry)
    for index in range(int(count)):
        with FileLock(str(registry.with_suffix(".lock")), timeout=60):
            data = load(registry)
            data["assignments"].append(new_entry(f"/python/{writer_id}/{index}", 20000 + index,
                                             datetime.now().isoformat()))
            counters = data.setdefault("python_counters", {})
            counters[writer_id] = counters.get(writer_id, 0) + 1
            # Widen the read-modify-write window so that a lock which does not
            # exclude this process loses updates reliably.
            time.sleep(0.002)
            dump_in_place(registry, data)


def append(registry, lock_path, prefix, count):
    for i in range(int(count)):
        with FileLock(lock_path, timeout=30):
            data = load(registry)
            data["assignments"].append(new_entry("%s-%d" % (prefix, i), 40000 + i))
            if i % 3 == 2:
                data["assignments"] = [a for a in data["assignments"]
                                       if a["project_path"] != "%s-%d" % (prefix, i - 1)]
            dump_in_place(registry, data)


def assign_from(registry, lock_path, port_base, *projects):
    port_base = int(port_base)
    for project in projects:
        with FileLock(lock_path, timeout=30):
            try:
                data = load(registry)
            except FileNotFoundError:
                data = {"schema_version": "1.0", "assignments": []}
            used = {a["port"] for a in data["assignments"] if a["status"] == "active"}
            port = next(p for p in range(port_base, port_base + 200) if p not in used)
            data["assignments"].append(new_entry(project, port, datetime.now().isoformat()))
            dump_in_place(registry, data)


def rewrite(registry, lock_path, stop):
    """iris-devtester's save: under the lock, open("w") and write; the pieces and the
    pause between them make the half-written file last long enough to be read."""
    text = json.dumps(load(registry), indent=2)
    first = True
    while not os.path.exists(stop):
        with FileLock(lock_path, timeout=30):
            with open(registry, "w") as f:
                for i in range(0, len(text), 4096):
                    f.write(text[i:i + 4096])
                    f.flush()
                    time.sleep(0.001)
        if first:
            print("rewriting", flush=True)
            first = False
        time.sleep(0.04)


def half_write(registry, lock_path, project):
    """A writer that dies half way: the test SIGKILLs it once it says "half"."""
    with FileLock(lock_path, timeout=30):
        data = load(registry)
        data["assignments"].append(new_entry(project, 39999))
        text = json.dumps(data, indent=2)
        f = open(registry, "w")
        f.write(text[: len(text) // 2])
        f.flush()
        print("half", flush=True)
        time.sleep(3600)


def hold(lock_path, seconds):
    lock = FileLock(lock_path)
    lock.acquire()
    print("held", flush=True)
    time.sleep(float(seconds))


def assign_command(registry, project, *flags):
    now = datetime.now
    if "--whole-second" in flags:
        def now():
            return datetime.now().replace(microsecond=0)
    print(assign(Path(registry), project, now))


def release_command(registry, project):
    release(Path(registry), project)


COMMANDS = {
    "assign": assign_command,
    "release": release_command,
    "counted": counted,
    "append": append,
    "assign-from": assign_from,
    "rewrite": rewrite,
    "half-write": half_write,
    "hold": hold,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        raise SystemExit("usage: devtester.py {%s} ARGS..." % ",".join(COMMANDS))
    COMMANDS[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
