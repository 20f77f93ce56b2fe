"""The bench's scenarios, one method each: the floor (0), event-to-registry latency (1),
a burst (2), changes piled up behind a held lock (2b), idle (3), --once (4) and the full
reconcile (5) over fleets in mixed states. Each returns its figures as a dict."""

import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import docker
from filelock import FileLock

from clocks import POLL, EngineEvents, RegistryWatch
from ipa_testing.engines import IMAGE
from ipa_testing.proc import context_switches, cpu_ns, cpu_ticks, memory_kib, tasks
from ipa_testing.registry_entries import assignment, derived_name, write_registry
from ipa_testing.waiting import wait_for
from percentiles import percentile
from sides import Side

LABEL = "ipa-bench"


def log(text):
    print(text, file=sys.stderr, flush=True)


def settle(predicate, timeout):
    """Waits like wait_for but lets a side that lost events be reported as such."""
    try:
        wait_for(predicate, timeout, POLL, "")
    except AssertionError:
        pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.run_tag = uuid.uuid4().hex[:6]
        self.client = docker.DockerClient(base_url=args.host, max_pool_size=16)
        self.api = self.client.api
        self.dir = tempfile.mkdtemp(prefix="ipa-bench-")
        self.events = EngineEvents(args.events, args.host)
        self.events.settle(self.make_containers(["ipab-%s-probe" % self.run_tag])[0])
        self.results = {}
        self.restarts = []
        self.calls = 0

    # containers

    def make_containers(self, names, command=("sleep", "3600")):
        def create(name):
            self.api.create_container(IMAGE, list(command), name=name,
                                      labels={LABEL: self.run_tag},
                                      host_config=self.api.create_host_config(network_mode="none"))
            return name
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(create, names))
        return [self.client.containers.get(n) for n in names[:1]]

    def start_containers(self, names):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(self.api.start, names))

    def remove_all(self):
        names = [c["Id"] for c in self.api.containers(
            all=True, filters={"label": "%s=%s" % (LABEL, self.run_tag)})]
        for start in range(0, len(names), 200):
            subprocess.run(["docker", "-H", self.args.host, "rm", "-f", *names[start:start + 200]],
                           capture_output=True)

    def docker_rm(self, names):
        subprocess.run(["docker", "-H", self.args.host, "rm", "-f", *names], check=True,
                       capture_output=True)

    # one tracked registry with one side watching it

    def fleet(self, section, trial, side, count, port_base):
        """`count` containers with active assignments naming them, plus the
        sentinel whose container never existed (the agent's sync signal)."""
        self.calls += 1  # a trial redone after an engine restart gets new names
        base = "/bench/%s/%s%d%s%d" % (self.run_tag, section, trial, side[0], self.calls)
        projects = ["%s/p%d" % (base, i) for i in range(count)]
        names = [derived_name(p, port_base + i) for i, p in enumerate(projects)]
        self.make_containers(names)
        registry = os.path.join(self.dir, "%s-%d-%s-%d" % (section, trial, side, self.calls),
                                "port-registry.json")
        os.makedirs(os.path.dirname(registry))
        sentinel = base + "/sentinel"
        entries = [assignment(p, port_base + i, container_name=n)
                   for i, (p, n) in enumerate(zip(projects, names))]
        entries.append(assignment(sentinel, 1, container_name="ipab-absent-" + self.run_tag))
        write_registry(registry, entries)
        return registry, projects, names, sentinel

    @contextlib.contextmanager
    def watched(self, section, side, trial, count, port_base):
        """A fleet of `count` (see fleet) with one side watching its registry,
        settled; the side and the watch stop when the block ends."""
        registry, projects, names, sentinel = self.fleet(section, trial, side, count, port_base)
        watch, proc = self.start(side, registry, sentinel)
        time.sleep(0.3)
        try:
            yield registry, projects, names, watch, proc
        finally:
            proc.stop()
            watch.close()

    def start(self, side, registry, sentinel):
        watch = RegistryWatch(self.args.watch, registry)
        try:
            return watch, Side(side, self.args, registry, watch, sentinel)
        except Exception:
            watch.close()
            raise

    # 0. the floor: what one durable atomic replace costs on this disk right now

    def floor(self):
        """The agent's unavoidable I/O for one change, timed alone: temp file,
        write, fsync, rename (what precedes the registry showing it), then the
        directory fsync. Spaced like the latency test's removals."""
        directory = os.path.join(self.dir, "floor")
        os.makedirs(directory)
        data = json.dumps({"schema_version": "1.0", "assignments": [
            assignment("/bench/floor/p%d" % i, 20000 + i) for i in range(300)]},
            indent=2).encode()
        target = os.path.join(directory, "port-registry.json")
        visible, total = [], []
        for i in range(60):
            start = time.perf_counter()
            temp = os.path.join(directory, ".tmp-%d" % i)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.rename(temp, target)
            visible.append((time.perf_counter() - start) * 1000)
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(fd)
            os.close(fd)
            total.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)
        return {"visible_p50": percentile(visible, 50), "visible_p99": percentile(visible, 99),
                "total_p50": percentile(total, 50), "total_p99": percentile(total, 99)}

    # 1. one event at a time

    def latency(self, side, trial):
        samples, delivery = [], []
        with self.watched("lat", side, trial, self.args.latency_count, 20000) as (
                _, projects, names, watch, _):
            for project, name in zip(projects, names):
                self.api.remove_container(name)
                wait_for(lambda p=project: watch.stale_at(p) is not None, 10, POLL,
                         project + " stale")
                wait_for(lambda n=name: self.events.destroy_ns(n) is not None, 10, POLL,
                         name + " event")
                samples.append((watch.stale_at(project) - self.events.destroy_ns(name)) / 1e6)
                delivery.append(self.events.delivery_ms(name))
                time.sleep(0.02)  # a quiet spell: each removal is a lone event
        # What the watcher itself adds: its latency less the engine's delivery of
        # the same event to another subscriber.
        own = [total - engine for total, engine in zip(samples, delivery)]
        return {"p50": percentile(samples, 50), "p99": percentile(samples, 99),
                "delivery_p50": percentile(delivery, 50), "delivery_p99": percentile(delivery, 99),
                "own_p50": percentile(own, 50), "own_p99": percentile(own, 99)}

    # 2. many at once

    def burst(self, side, trial):
        with self.watched("burst", side, trial, self.args.burst_count, 21000) as (
                _, projects, names, watch, proc):
            before_ns = cpu_ns(proc.pid)
            start = time.time_ns()
            self.docker_rm(names)
            wait_for(lambda: all(self.events.destroy_ns(n) for n in names), 120, POLL,
                     "the destroys")
            settle(lambda: watch.all_stale(projects), 60)
            time.sleep(0.2)  # count any trailing write too
            cpu = (cpu_ns(proc.pid) - before_ns) / 1e6
        seen = [(p, n) for p, n in zip(projects, names) if watch.stale_at(p) is not None]
        lags = [(watch.stale_at(p) - self.events.destroy_ns(n)) / 1e6 for p, n in seen]
        delivery = [self.events.delivery_ms(n) for _, n in seen]
        last_destroy = max(self.events.destroy_ns(n) for n in names)
        complete = (max(watch.stale_at(p) for p, _ in seen) - last_destroy) / 1e6
        writes, idle_writes = watch.writes_since(start)
        span = (last_destroy - min(self.events.destroy_ns(n) for n in names)) / 1e9
        return {"p50": percentile(lags, 50), "p99": percentile(lags, 99), "complete": complete,
                "delivery_p50": percentile(delivery, 50), "delivery_p99": percentile(delivery, 99),
                "writes": writes, "empty_writes": idle_writes, "cpu_ms": cpu, "span_s": span,
                "missed": len(projects) - len(seen), "unreadable": watch.errors}

    # 2b. changes piled up behind a held lock

    def pileup(self, side, trial):
        with self.watched("pile", side, trial, self.args.burst_count, 22000) as (
                registry, projects, names, watch, _):
            lock = FileLock(registry[:-len(".json")] + ".lock")
            lock.acquire()
            try:
                start = time.time_ns()
                self.docker_rm(names)
                wait_for(lambda: all(self.events.destroy_ns(n) for n in names), 120, POLL,
                         "the destroys")
                time.sleep(0.3)  # every change is now waiting on the lock
                held_writes = watch.writes_since(start)[0]
                released = time.time_ns()
            finally:
                lock.release()
            settle(lambda: watch.all_stale(projects), 60)
            time.sleep(0.2)
        seen = [watch.stale_at(p) for p in projects if watch.stale_at(p) is not None]
        complete = (max(seen) - released) / 1e6
        return {"writes": watch.writes_since(released)[0], "held_writes": held_writes,
                "complete": complete, "missed": len(projects) - len(seen)}

    # 3. doing nothing

    def idle(self):
        count = 20
        self.calls += 1
        base = "/bench/%s/idle%d" % (self.run_tag, self.calls)
        projects = ["%s/p%d" % (base, i) for i in range(count)]
        names = [derived_name(p, 23000 + i) for i, p in enumerate(projects)]
        self.make_containers(names)
        self.start_containers(names)
        entries = [assignment(p, 23000 + i, container_name=n)
                   for i, (p, n) in enumerate(zip(projects, names))]
        # 1,000 assignments in all: the rest without containers, already settled.
        for i in range(count, 1000):
            status = "stale" if i % 2 else "released"
            project = "%s/p%d" % (base, i)
            entries.append(assignment(project, 23000 + i, status, derived_name(project, 23000 + i)))
        results = {}
        sides = {}
        watches = []
        try:
            for side in ("agent", "peer"):
                self.calls += 1
                registry = os.path.join(self.dir, "idle-%s-%d" % (side, self.calls),
                                        "port-registry.json")
                os.makedirs(os.path.dirname(registry))
                sentinel = base + "/sentinel"
                write_registry(registry, entries + [assignment(
                    sentinel, 1, container_name="ipab-absent-" + self.run_tag)])
                watch, proc = self.start(side, registry, sentinel)
                watches.append(watch)
                sides[side] = proc
            for attempt in range(3):
                # Past the startup: its write, and curl's connect timeout timer,
                # which fires once 5 s after connecting and is not re-armed.
                time.sleep(6 if attempt == 0 else 1)
                start_ns = time.time_ns()
                before = {s: (cpu_ticks(p.pid), context_switches(p.pid), cpu_ns(p.pid))
                          for s, p in sides.items()}
                time.sleep(self.args.idle_seconds)
                after = {s: (cpu_ticks(p.pid), context_switches(p.pid), cpu_ns(p.pid))
                         for s, p in sides.items()}
                foreign = self.events.count_between(start_ns, time.time_ns())
                for side, proc in sides.items():
                    if proc.process.poll() is not None:
                        # The peer's event stream ends when dockerd restarts.
                        raise TimeoutError("%s exited during the idle window" % side)
                    results[side] = dict(
                        ticks=after[side][0] - before[side][0],
                        switches=after[side][1] - before[side][1],
                        cpu_ms=(after[side][2] - before[side][2]) / 1e6,
                        threads=len(tasks(proc.pid)), foreign_events=foreign,
                        **memory_kib(proc.pid))
                if foreign == 0:
                    break
                log("  idle: %d container events from other users of the engine during the "
                    "window; measuring again" % foreign)
        finally:
            for proc in sides.values():
                proc.stop()
            for watch in watches:
                watch.close()
            self.docker_rm(names)
        return results

    # 4 and 5. one reconcile over a fleet in mixed states

    def once_entries(self, index):
        """Assignment and container of fleet member `index` (kinds cycle by 3):
        0: container named the iris-devtester way, container_name null, status
           cycling active/stale/released; 1: assignment whose container_name
           names no container (an unrelated iris_ container keeps the count);
           2: container_name set, container present, active."""
        project = "/bench/%s/once/p%d" % (self.run_tag, index)
        port = 24000 + index
        name = derived_name(project, port)
        kind = index % 3
        if kind == 0:
            entry = assignment(project, port, ("active", "stale", "released")[(index // 3) % 3])
            return entry, name
        if kind == 1:
            entry = assignment(project, port, "active", name)
            return entry, derived_name("/bench/%s/other/p%d" % (self.run_tag, index), port)
        return assignment(project, port, "active", name), name

    def grow_fleet(self, have, want):
        names = [self.once_entries(i)[1] for i in range(have, want)]
        # A few running and a few exited ones in the first hundred, so every
        # state is there; the rest stay created (starting is slow here).
        running = [self.once_entries(i)[1] for i in range(0, 18, 3)] if have == 0 else []
        exited = [self.once_entries(i)[1] for i in range(2, 14, 3)] if have == 0 else []
        self.make_containers([n for n in names if n not in exited])
        self.make_containers(exited, command=("true",))
        self.start_containers(running + exited)

    def fleet_registry(self, size):
        path = os.path.join(self.dir, "once-%d" % size, "port-registry.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_registry(path, [self.once_entries(i)[0] for i in range(size)])
        with open(path, "rb") as f:
            return path, f.read()

    def timed(self, command, registry, pristine):
        for attempt in range(3):
            with open(registry, "wb") as f:
                f.write(pristine)  # every trial does the same work
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if done.returncode == 0:
                return elapsed * 1000, done
            # python3-docker inspects every listed container: one removed by
            # another user of the engine in between fails the whole run.
            log("  %s failed (%s); again" % (os.path.basename(command[-3] if len(command) > 3
                                                              else command[0]),
                                             done.stderr.strip().splitlines()[-1:]))
        raise RuntimeError("%s failed: %s" % (command, done.stderr))

    def once(self, size):
        registry, pristine = self.fleet_registry(size)
        agent = [self.args.agent, "--once", "--registry", registry, "--docker-host",
                 self.args.host, "--log-level", "warning"]
        python = [sys.executable, os.path.join(self.args.here, "peer_cleanup_stale.py"), registry,
                  self.args.host]
        agent_ms = [self.timed(agent, registry, pristine)[0] for _ in range(self.args.best_of)]
        python_runs = [self.timed(python, registry, pristine) for _ in range(self.args.best_of)]
        python_ms = [ms for ms, _ in python_runs]
        python_work = [float(done.stderr.split()[-1]) * 1000 for _, done in python_runs]
        return {"agent": min(agent_ms), "python": min(python_ms), "python_work": min(python_work),
                **self.once_floor()}

    def once_floor(self):
        """What no `--once` built on libcurl can go below here: starting a
        process that loads libcurl's ~35 libraries, and the engine's own
        time to list the containers (one list request less one ping)."""
        socket = self.args.host[len("unix://"):]

        def best(command):
            runs = []
            for _ in range(self.args.best_of):
                start = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                runs.append((time.perf_counter() - start) * 1000)
            return min(runs)

        def request(path):
            return ["curl", "-s", "--unix-socket", socket, "http://docker" + path]
        return {"libcurl_start": best(["curl", "--version"]),
                "engine_list": best(request("/containers/json?all=1")) - best(request("/_ping"))}

    def full_reconcile(self, size):
        registry, pristine = self.fleet_registry(size)
        best = float("inf")
        for _ in range(self.args.best_of):
            with open(registry, "wb") as f:
                f.write(pristine)
            start = time.perf_counter()
            process = subprocess.Popen([self.args.agent, "--registry", registry, "--docker-host",
                                        self.args.host, "--log-level", "info"],
                                       stderr=subprocess.PIPE, text=True)
            for line in process.stderr:
                if "reconciled " in line:
                    best = min(best, (time.perf_counter() - start) * 1000)
                    break
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)
        if best == float("inf"):
            raise RuntimeError("the agent never logged \"reconciled\" for %d containers" % size)
        return best

    def reconnect(self):
        self.restarts.append(time.time())
        wait_for(self._pings, 120, POLL, "the engine to answer again")
        self.events.close()
        self.events = EngineEvents(self.args.events, self.args.host)
        self.events.settle(self.make_containers(["ipab-%s-probe%d" % (self.run_tag,
                                                                     len(self.restarts))])[0])

    def _pings(self):
        try:
            return self.api.ping()
        except Exception:
            time.sleep(0.5)
            return False

    def containers_in_engine(self):
        return len(self.api.containers(all=True, quiet=True))

    def close(self):
        self.events.close()
        self.remove_all()
        shutil.rmtree(self.dir, ignore_errors=True)
