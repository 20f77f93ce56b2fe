"""Many containers made or removed at once: the engine is the bottleneck."""

import concurrent.futures

from ipa_testing.engines import IMAGE


def create_many(docker, names, start=False):
    """docker create (or run -d) for many containers at once."""
    def one(name):
        docker.made.append(name)
        args = ["run", "-d"] if start else ["create"]
        docker.run(*args, "--name", name, "--stop-timeout", "1", IMAGE, "sleep", "3600")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, names))


def remove_many(docker, names):
    """One `docker rm -f` per batch of ten, in parallel: a storm of destroy events."""
    batches = [names[i:i + 10] for i in range(0, len(names), 10)]
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        list(pool.map(lambda batch: docker.run("rm", "-f", *batch), batches))
