"""iris-devtester's cleanup_stale() the way it does it, for `--once` to race.

    /usr/bin/python3 bench/peer_cleanup_stale.py REGISTRY DOCKER_HOST

One container list (python3-docker, all=True, name filter "iris_*"), then
under the registry's filelock a read-modify-write: an active assignment whose
container (its container_name, else iris_<md5(project)[:8]>_<port>) no longer
exists becomes stale; a stopped container keeps it active, as cleanup_stale()
does. Writes json.dump(indent=2) in place if anything changed. Prints the
number of assignments marked stale and, on stderr, the seconds spent after the
interpreter and imports were ready (so the import cost can be told apart).
"""

import time

START = time.perf_counter()

import hashlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import docker  # noqa: E402
from filelock import FileLock  # noqa: E402

IMPORTED = time.perf_counter()


def derived_name(assignment):
    digest = hashlib.md5(assignment["project_path"].encode()).hexdigest()[:8]
    return "iris_%s_%d" % (digest, assignment["port"])


def cleanup_stale(path, client):
    names = {c.name for c in client.containers.list(all=True, filters={"name": "iris_*"})}
    marked = 0
    with FileLock(str(path.with_suffix(".lock")), timeout=5):
        with open(path) as f:
            data = json.load(f)
        for assignment in data["assignments"]:
            if assignment.get("status") != "active":
                continue
            if (assignment.get("container_name") or derived_name(assignment)) not in names:
                assignment["status"] = "stale"
                marked += 1
        if marked:
            with open(path, "w") as f:
                json.dump(data, f, indent=2)
    return marked


def main():
    client = docker.DockerClient(base_url=sys.argv[2])
    marked = cleanup_stale(Path(sys.argv[1]), client)
    print(marked)
    print("imports %.6f work %.6f" % (IMPORTED - START, time.perf_counter() - IMPORTED),
          file=sys.stderr)


if __name__ == "__main__":
    main()
