// The status rules on Podman 4.3.1 (Debian's `podman system service`, read
// through its Docker-compatible /events): the fixtures are the sequences it
// sent for each docker CLI command, with the observed gaps between events.
// Podman names a removal `remove`, sends kill without `signal`, rename
// without `oldName`, extra actions (init, cleanup, ...) and, racing with the
// container's cleanup process, sometimes no stop event at all.

#include <string>
#include <vector>

#include "tests/reconciler/support.hpp"

namespace ipa::test {
namespace {

constexpr std::int64_t kMilli = kSecond / 1000;

struct Step {
  std::string action;
  std::int64_t after_ms;  // after the previous event
  std::map<std::string, std::string> attributes = {};
};

// An event as Podman's compat API sends it: no signal on kill, no oldName on
// rename, an exit code on die.
Event podman_event(const Step& step, const std::string& name, std::int64_t time_nano) {
  Event result;
  result.type = "container";
  result.action = step.action;
  result.id = id_for(name);
  result.time_nano = time_nano;
  result.attributes = step.attributes;
  result.attributes["name"] = name;
  result.attributes["image"] = "localhost/iris-sandbox:latest";
  result.attributes["podId"] = "";
  return result;
}

std::vector<Event> podman_events(const std::string& name, const std::vector<Step>& steps,
                                 std::int64_t start = kT0) {
  std::vector<Event> result;
  std::int64_t t = start;
  for (const Step& step : steps) {
    t += step.after_ms * kMilli;
    result.push_back(podman_event(step, name, t));
  }
  return result;
}

const std::map<std::string, std::string> kExit137 = {{"exitCode", "137"}};

// What Podman 4.3.1 sent, command by command.
const std::vector<Step> kStop = {
    {"stop", 0}, {"die", 32, kExit137}, {"cleanup", 81}, {"cleanup", 103}};
const std::vector<Step> kStopWithoutStopEvent = {
    {"die", 0, kExit137}, {"cleanup", 83}, {"cleanup", 65}};
const std::vector<Step> kKill = {{"kill", 0}, {"die", 29, kExit137}, {"cleanup", 222}};
const std::vector<Step> kRmForceRunning = {{"die", 0, kExit137}, {"remove", 94}};
const std::vector<Step> kCrash = {{"die", 0, {{"exitCode", "3"}}}, {"cleanup", 99}};
const std::vector<Step> kRestart = {
    {"restart", 0}, {"die", 1185, kExit137}, {"init", 202}, {"start", 33}};
const std::vector<Step> kStart = {{"init", 0}, {"start", 52}};

std::vector<Step> then(std::vector<Step> first, const std::vector<Step>& second,
                       std::int64_t gap_ms = 1500) {
  bool head = true;
  for (Step step : second) {
    if (head) {
      step.after_ms += gap_ms;
      head = false;
    }
    first.push_back(step);
  }
  return first;
}

TEST_CASE("Podman: remove marks the assignment stale") {
  struct Row {
    const char* command;
    State listed;
    std::vector<Step> steps;
  };
  const Row row = GENERATE(values<Row>({
      {"docker rm of a stopped container", State::kExited, {{"remove", 0}}},
      {"docker rm -f of a running container", State::kRunning, kRmForceRunning},
      {"docker rm of a crashed container", State::kRunning, then(kCrash, {{"remove", 0}})},
  }));
  const Status before = GENERATE(Status::kActive, Status::kReleased);
  CAPTURE(row.command, before);

  SECTION("matched by derived name") {
    Harness h({assignment(kPathA, 1972, before)}, {container(name_a(1972), row.listed)});
    h.feed(podman_events(name_a(1972), row.steps));
    CHECK(h.status(0) == Status::kStale);
  }
  SECTION("matched by container_name") {
    Harness h({assignment(kPathA, 1972, before, "my-iris")}, {container("my-iris", row.listed)});
    h.feed(podman_events("my-iris", row.steps));
    CHECK(h.status(0) == Status::kStale);
  }
  SECTION("matched by published port (known from the list)") {
    Harness h({assignment(kPathA, 1972, before)}, {container("some-iris", row.listed, {1972})});
    h.feed(podman_events("some-iris", row.steps));
    CHECK(h.status(0) == Status::kStale);
  }
}

TEST_CASE("Podman: the observed sequences decide what a die means") {
  struct Row {
    const char* command;
    std::vector<Step> steps;
    Status expected;
  };
  const Row row = GENERATE(values<Row>({
      {"docker stop", kStop, Status::kReleased},
      {"docker kill (no signal attribute)", kKill, Status::kReleased},
      {"crash", kCrash, Status::kStale},
      {"docker restart", kRestart, Status::kActive},
      {"docker stop; docker start", then(kStop, kStart), Status::kActive},
      {"docker stop; docker start; crash", then(then(kStop, kStart), kCrash), Status::kStale},
      {"docker kill; docker start; crash", then(then(kKill, kStart), kCrash), Status::kStale},
      {"docker restart; crash", then(kRestart, kCrash), Status::kStale},
      {"crash; docker start", then(kCrash, kStart), Status::kActive},
      // Podman's API service lost the race with the container's cleanup
      // process and sent no stop event (2 of 7 stops without a port, 2 of 3
      // with one): its own cleanup, the second, still tells.
      {"docker stop whose stop event Podman dropped", kStopWithoutStopEvent, Status::kReleased},
      {"docker kill; docker start; docker stop (no stop event)",
       then(then(kKill, kStart), kStopWithoutStopEvent), Status::kReleased},
      {"crash; a cleanup long after it", then(kCrash, {{"cleanup", 0}}, 2500), Status::kStale},
  }));
  CAPTURE(row.command);

  SECTION("container matched by name") {
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container(name_a(1972), State::kRunning)});
    h.feed(podman_events(name_a(1972), row.steps));
    CHECK(h.status(0) == row.expected);
  }
  SECTION("container matched by published port") {
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container("some-iris", State::kRunning, {1972})});
    h.feed(podman_events("some-iris", row.steps));
    CHECK(h.status(0) == row.expected);
  }
}

TEST_CASE("Podman: docker restart never shows the assignment as stale on the way") {
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  for (const Event& e : podman_events(name_a(1972), kRestart)) {
    h.feed(e);
    CHECK(h.status(0) != Status::kStale);
  }
  CHECK(h.status(0) == Status::kActive);
}

// The ordering window: a stop or kill that comes just after the die (by the
// events' own times) turns the crash into a stop on request.
TEST_CASE("ordering window: a stop/kill just after the die corrects the crash") {
  struct Row {
    const char* action;
    std::int64_t after_die_ms;
    Status expected;
  };
  const Row row = GENERATE(values<Row>({
      {"stop", 0, Status::kReleased},
      {"stop", 30, Status::kReleased},
      {"kill", 300, Status::kReleased},
      {"stop", 2000, Status::kReleased},
      {"stop", 2001, Status::kStale},
      {"kill", 60000, Status::kStale},
  }));
  CAPTURE(row.action, row.after_die_ms);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(podman_events(name_a(1972), {{"die", 0, kExit137}, {row.action, row.after_die_ms}}));
  CHECK(h.status(0) == row.expected);
}

TEST_CASE("ordering window: its length is a parameter") {
  const std::int64_t window_ms = GENERATE(0, 100, 5000);
  CAPTURE(window_ms);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.cache = ContainerCache(window_ms * kMilli);
  h.cache.replace({container(name_a(1972), State::kRunning)});
  h.feed(podman_events(name_a(1972), {{"die", 0}, {"stop", 100}}));
  CHECK(h.status(0) == (window_ms >= 100 ? Status::kReleased : Status::kStale));
}

TEST_CASE("ordering window: a late stop never reopens a released or kept assignment") {
  SECTION("on_die keep: the assignment stays active") {
    RuleOptions keep;
    keep.on_die = OnDie::kKeep;
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container(name_a(1972), State::kRunning)}, keep);
    h.feed(podman_events(name_a(1972), {{"die", 0}, {"stop", 30}}));
    CHECK(h.status(0) == Status::kActive);
  }
  SECTION("a die after a request, then the stop: released once") {
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container(name_a(1972), State::kRunning)});
    h.feed(podman_events(name_a(1972), {{"kill", 0}, {"die", 30}, {"stop", 30}}));
    CHECK(h.status(0) == Status::kReleased);
  }
  SECTION("a start in between ends the window") {
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container(name_a(1972), State::kRunning)});
    h.feed(podman_events(name_a(1972), {{"die", 0}, {"start", 100}, {"stop", 100}}));
    CHECK(h.status(0) == Status::kActive);
  }
}

TEST_CASE("Podman: actions after a removal never bring the container back") {
  const std::string late = GENERATE("cleanup", "died", "die", "start", "sync", "exec_died",
                                    "health_status", "stop", "kill", "init", "rename");
  CAPTURE(late);
  Harness h({assignment(kPathA, 1972, Status::kActive, "my-iris")},
            {container("my-iris", State::kRunning)});
  h.feed(podman_events("my-iris", then(kRmForceRunning, {{late, 0}}, 5)));
  CHECK(h.status(0) == Status::kStale);
  CHECK(h.cache.size() == 0);
  CHECK(h.cache.names().count("my-iris") == 0);
}

TEST_CASE("Podman: extra actions change nothing and add no container") {
  const std::string extra = GENERATE("init", "cleanup", "sync", "exec_died", "health_status",
                                     "attach", "mount", "checkpoint");
  CAPTURE(extra);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(podman_events(name_a(1972), {{extra, 0}}));
  h.feed(podman_events("unknown-container", {{extra, 0}}));
  CHECK(h.status(0) == Status::kActive);
  CHECK(h.cache.size() == 1);
}

TEST_CASE("Podman: rename without oldName still follows the container") {
  Harness h({assignment(kPathA, 1972, Status::kActive, "old-name")},
            {container("old-name", State::kRunning)});
  Event rename = podman_event({"rename", 0}, "new-name", kT0);
  rename.id = id_for("old-name");  // the same container, under its new name
  h.feed(rename);
  CHECK(h.name(0) == "new-name");

  Event removal = podman_event({"remove", 0}, "new-name", kT0 + kSecond);
  removal.id = id_for("old-name");
  h.feed(removal);
  CHECK(h.status(0) == Status::kStale);
}

TEST_CASE("died (older Podman) is a death") {
  struct Row {
    const char* what;
    std::vector<Step> steps;
    Status expected;
  };
  const Row row = GENERATE(values<Row>({
      {"crash", {{"died", 0}}, Status::kStale},
      {"podman stop", {{"stop", 0}, {"died", 30}}, Status::kReleased},
      {"podman kill", {{"kill", 0}, {"died", 30}}, Status::kReleased},
  }));
  CAPTURE(row.what);
  Harness h({assignment(kPathA, 1972, Status::kActive)},
            {container(name_a(1972), State::kRunning)});
  h.feed(podman_events(name_a(1972), row.steps));
  CHECK(h.status(0) == row.expected);
}

}  // namespace
}  // namespace ipa::test
