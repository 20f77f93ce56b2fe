// Status rules driven by Docker events (docs/protocol.md, "Status rules"): each
// event goes through ContainerCache::observe, as the agent feeds them.

#include <string>
#include <vector>

#include "tests/reconciler/support.hpp"

namespace ipa::test {
namespace {

RuleOptions on_die(OnDie value) {
  RuleOptions options;
  options.on_die = value;
  return options;
}

TEST_CASE("destroy marks the assignment stale") {
  const Status before = GENERATE(Status::kActive, Status::kReleased, Status::kStale);
  const OnDie mode = GENERATE(OnDie::kMark, OnDie::kKeep);
  CAPTURE(before, mode == OnDie::kKeep ? "keep" : "mark");

  SECTION("container matched by its derived name") {
    Harness h({assignment(kPathA, 1972, before)}, {container(name_a(1972), State::kExited)},
              on_die(mode));
    h.feed(event("destroy", name_a(1972), kT0));
    CHECK(h.status(0) == Status::kStale);
  }
  SECTION("container matched by container_name") {
    Harness h({assignment(kPathA, 1972, before, "my-iris")}, {container("my-iris", State::kExited)},
              on_die(mode));
    h.feed(event("destroy", "my-iris", kT0));
    CHECK(h.status(0) == Status::kStale);
  }
  SECTION("container matched by its published port (known from the list)") {
    Harness h({assignment(kPathA, 1972, before)}, {container("some-iris", State::kRunning, {1972})},
              on_die(mode));
    h.feed(event("destroy", "some-iris", kT0));
    CHECK(h.status(0) == Status::kStale);
  }
}

TEST_CASE("die after kill marks released") {
  const std::vector<std::string> actions = GENERATE(values<std::vector<std::string>>({
      {"kill", "die"},          // docker kill
      {"kill", "die", "stop"},  // docker stop
      {"stop", "die"},          // a stop event before the die
  }));
  CAPTURE(actions);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(events(name_a(1972), actions));
  CHECK(h.status(0) == Status::kReleased);
}

TEST_CASE("a kill with a harmless signal is no stop: a die after it marks stale (crash)") {
  const std::string signal = GENERATE("28", "SIGWINCH", "WINCH", "SIGCONT", "18");
  CAPTURE(signal);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(event("kill", name_a(1972), kT0, {{"signal", signal}}));
  h.feed(event("die", name_a(1972), kT0 + kSecond / 2));
  CHECK(h.status(0) == Status::kStale);
}

TEST_CASE("die without kill or stop marks stale (crash)") {
  const std::vector<std::string> actions = GENERATE(values<std::vector<std::string>>({
      {"die"},         // crash, exited on its own
      {"oom", "die"},  // out of memory
  }));
  CAPTURE(actions);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(events(name_a(1972), actions));
  CHECK(h.status(0) == Status::kStale);
}

TEST_CASE("die after a kill of another container marks stale (crash)") {
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning), container("other", State::kRunning)});
  h.feed(event("kill", "other", kT0));
  h.feed(event("die", name_a(1972), kT0 + kSecond));
  CHECK(h.status(0) == Status::kStale);
}

TEST_CASE("on_die keep leaves a stopped container's assignment active") {
  const std::vector<std::string> actions = GENERATE(values<std::vector<std::string>>({
      {"kill", "die", "stop"},  // docker stop
      {"kill", "die"},          // docker kill
      {"die"},                  // crash
  }));
  CAPTURE(actions);
  Harness h({assignment(kPathA, 1972, Status::kActive)}, {container(name_a(1972), State::kRunning)},
            on_die(OnDie::kKeep));
  h.feed(events(name_a(1972), actions));
  CHECK(h.status(0) == Status::kActive);

  SECTION("until the container is removed") {
    h.feed(event("destroy", name_a(1972), kT0 + 10 * kSecond));
    CHECK(h.status(0) == Status::kStale);
  }
}

TEST_CASE("start re-activates a stale assignment") {
  const Status before = GENERATE(Status::kStale, Status::kReleased);
  CAPTURE(before);

  SECTION("matched by derived name") {
    Harness h({assignment(kPathA, 1972, before)}, {container(name_a(1972), State::kExited)});
    h.feed(event("start", name_a(1972), kT0));
    CHECK(h.status(0) == Status::kActive);
  }
  SECTION("matched by container_name") {
    Harness h({assignment(kPathA, 1972, before, "my-iris")},
              {container("my-iris", State::kExited)});
    h.feed(event("start", "my-iris", kT0));
    CHECK(h.status(0) == Status::kActive);
  }
}

TEST_CASE("start leaves it when another active assignment holds the port") {
  const Status before = GENERATE(Status::kStale, Status::kReleased);
  CAPTURE(before);
  Harness h({assignment(kPathA, 1972, before), assignment(kPathB, 1972, Status::kActive)},
            {container(name_a(1972), State::kExited), container(name_b(1972), State::kRunning)});
  h.feed(event("start", name_a(1972), kT0));
  CHECK(h.status(0) == before);
  CHECK(h.status(1) == Status::kActive);
  CHECK(h.log_mentions("conflict"));
}

// kill/stop memory through ContainerCache::observe, with the event sequences
// the docker CLI really produces.
TEST_CASE("kill/stop memory: docker CLI event sequences decide what a die means") {
  struct Row {
    const char* command;
    std::vector<std::string> actions;
    Status expected;
  };
  const Row row = GENERATE(values<Row>({
      {"docker stop", {"kill", "die", "stop"}, Status::kReleased},
      {"docker kill", {"kill", "die"}, Status::kReleased},
      {"docker rm -f", {"kill", "die", "destroy"}, Status::kStale},
      {"crash", {"die"}, Status::kStale},
      {"oom kill", {"oom", "die"}, Status::kStale},
      {"docker restart", {"kill", "die", "stop", "start", "restart"}, Status::kActive},
      {"docker stop; docker start", {"kill", "die", "stop", "start"}, Status::kActive},
      {"docker stop; docker start; crash", {"kill", "die", "stop", "start", "die"}, Status::kStale},
      {"docker restart; crash", {"kill", "die", "stop", "start", "restart", "die"}, Status::kStale},
      {"crash; restart policy starts it", {"die", "start"}, Status::kActive},
      {"docker pause; docker unpause", {"pause", "unpause"}, Status::kActive},
  }));
  CAPTURE(row.command, row.actions);

  SECTION("container matched by name") {
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container(name_a(1972), State::kRunning)});
    h.feed(events(name_a(1972), row.actions));
    CHECK(h.status(0) == row.expected);
  }
  SECTION("container matched by published port") {
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container("some-iris", State::kRunning, {1972})});
    h.feed(events("some-iris", row.actions));
    CHECK(h.status(0) == row.expected);
  }
}

TEST_CASE("kill/stop memory: a kill seen before a reconnect still explains the die after it") {
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(event("kill", name_a(1972), kT0));
  h.cache.replace({container(name_a(1972), State::kRunning)});  // reconnect: a fresh list
  h.feed(event("die", name_a(1972), kT0 + kSecond));
  CHECK(h.status(0) == Status::kReleased);
}

// `docker stop -t 120` sends SIGTERM (kill), waits for the container to exit,
// and only sends SIGKILL (a second kill) at the timeout. IRIS can take more
// than a minute to shut down cleanly: its die still follows the user's stop,
// with no other event of that container in between.
TEST_CASE("kill/stop memory: die after a slow graceful stop is still released") {
  struct Row {
    const char* what;
    std::int64_t die_after_seconds;
  };
  const Row row = GENERATE(values<Row>({
      {"exits 5 s after SIGTERM", 5},
      {"exits 30 s after SIGTERM", 30},
      {"exits 90 s after SIGTERM (docker stop -t 120)", 90},
      {"exits 250 s after SIGTERM (docker stop -t 300)", 250},
  }));
  CAPTURE(row.what);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(event("kill", name_a(1972), kT0, {{"signal", "15"}}));
  h.feed(event("die", name_a(1972), kT0 + row.die_after_seconds * kSecond));
  h.feed(event("stop", name_a(1972), kT0 + row.die_after_seconds * kSecond + kSecond / 10));
  CHECK(h.status(0) == Status::kReleased);
}

TEST_CASE("kill/stop memory: docker stop that times out and sends SIGKILL is released") {
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(event("kill", name_a(1972), kT0, {{"signal", "15"}}));
  h.feed(event("kill", name_a(1972), kT0 + 120 * kSecond, {{"signal", "9"}}));
  h.feed(event("die", name_a(1972), kT0 + 120 * kSecond + kSecond / 10));
  h.feed(event("stop", name_a(1972), kT0 + 120 * kSecond + kSecond / 5));
  CHECK(h.status(0) == Status::kReleased);
}

}  // namespace
}  // namespace ipa::test
