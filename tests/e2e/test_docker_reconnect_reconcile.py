"""Events are hints, the list is the truth: a removal that no event can bring back
is found by the full reconcile after a reconnect.

The agent reaches the sandbox dockerd through a forwarding socket the test takes
away and brings back (the engine itself stays up). While it is away the test
removes a container and then pushes more than the 256 events Docker keeps past
it, so that resuming with `since` cannot replay the removal. The flood touches
the shared engine's event buffer: ctest runs this module alone (RUN_SERIAL).
"""

import http.client
import os
import socket
import subprocess
import time
import unittest

from ipa_testing.agent import Agent
from ipa_testing.cases import AgentTestCase
from ipa_testing.engines import docker_host
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for

# A byte-for-byte forwarder from one unix socket to the engine's; killing it drops
# every connection through it, as an engine going away does.
FORWARDER = r"""
import asyncio, os, sys
listen, target = sys.argv[1], sys.argv[2]

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()

async def handle(client_reader, client_writer):
    engine_reader, engine_writer = await asyncio.open_unix_connection(target)
    await asyncio.gather(pipe(client_reader, engine_writer), pipe(engine_reader, client_writer))

async def main():
    if os.path.exists(listen):
        os.unlink(listen)
    server = await asyncio.start_unix_server(handle, path=listen)
    print("serving", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""

DOCKER_EVENT_BUFFER = 256  # past events dockerd keeps in memory for `since`


class EngineConnection(http.client.HTTPConnection):
    """HTTP over the engine's unix socket, one kept-alive connection for many requests."""

    def __init__(self, path):
        super().__init__("localhost", timeout=20)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(self.socket_path)


class ReconnectReconcile(AgentTestCase):

    def start_forwarder(self, path):
        forwarder = subprocess.Popen(
            ["/usr/bin/python3", "-c", FORWARDER, path, docker_host()[len("unix://"):]],
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(forwarder.wait)
        self.addCleanup(forwarder.kill)
        self.addCleanup(forwarder.stdout.close)
        self.assertEqual(forwarder.stdout.readline().strip(), "serving")
        return forwarder

    def push_events_past_the_buffer(self, name, other_name):
        """Renames `name` back and forth: one container event each, milliseconds apart."""
        engine = EngineConnection(docker_host()[len("unix://"):])
        try:
            for i in range(DOCKER_EVENT_BUFFER + 44):
                to = other_name if i % 2 == 0 else name
                engine.request("POST", "/containers/%s/rename?name=%s"
                               % (name if i % 2 == 0 else other_name, to))
                response = engine.getresponse()
                response.read()
                self.assertEqual(response.status, 204, "rename %d" % i)
        finally:
            engine.close()

    def test_a_removal_no_event_can_replay_is_found_by_the_reconcile_after_a_reconnect(self):
        gone = self.docker.create(self.name("gone"))
        busy = self.docker.create(self.name("busy"), start=False)
        self.docker.made.append(self.name("busy2"))
        self.write_registry([assignment("/p/gone", 29500, container_name=gone)])
        path = os.path.join(self.dir, "engine.sock")
        forwarder = self.start_forwarder(path)
        agent = Agent(self.registry, "--log-level", "debug", host="unix://" + path)
        self.agents.append(agent)
        agent.wait_synced()

        forwarder.kill()
        forwarder.wait()
        wait_for(lambda: "retrying until the engine answers" in agent.text(),
                 what="the agent to notice the engine is gone")
        removed_at = time.time() - 1
        self.docker.run("rm", "-f", gone)
        self.push_events_past_the_buffer(busy, self.name("busy2"))
        # The premise: the engine itself can no longer tell anyone about the removal.
        self.assertNotIn("destroy", self.docker.actions(gone, removed_at))
        self.assertEqual(self.statuses()["/p/gone"], "active")

        self.start_forwarder(path)
        wait_for(lambda: "reconnected to the Docker engine" in agent.text(), timeout=30,
                 what="the reconnect")
        self.wait_status("/p/gone", "stale")
        self.assertNotIn("event destroy " + gone, agent.text())


if __name__ == "__main__":
    unittest.main()
