// Which container is an assignment's (docs/protocol.md): (a) container_name, and no
// other; else (b) iris_<md5[:8]>_<port>; else (c) the container publishing
// host port `port` for 1972/tcp. First match backfills container_name.

#include <algorithm>
#include <string>
#include <vector>

#include "reconciler/matching.hpp"
#include "tests/reconciler/support.hpp"

namespace ipa::test {
namespace {

// Assigned long ago: an unmatched assignment with a null name becomes stale.
constexpr const char* kLongAgo = "2024-06-01T09:00:00.000001";

// The event `action` of the container first listed as `listed_name`, now called `name`.
Event event_of(const std::string& listed_name, const std::string& action, const std::string& name,
               std::int64_t time_nano, std::map<std::string, std::string> extra = {}) {
  Event result = event(action, name, time_nano, std::move(extra));
  result.id = id_for(listed_name);
  return result;
}

std::size_t count_active(const Plan& plan) {
  return static_cast<std::size_t>(
      std::count_if(plan.current().begin(), plan.current().end(),
                    [](const Assignment& a) { return a.status == Status::kActive; }));
}

TEST_CASE(
    "derived name iris_<md5[:8]>_<port> matches (md5 of /home/dev/project-a gives "
    "iris_71a751fb_1972)") {
  SECTION("the name") {
    struct Row {
      const char* path;
      int port;
      const char* name;
    };
    const Row row = GENERATE(values<Row>({
        {"/home/dev/project-a", 1972, "iris_71a751fb_1972"},
        {"/home/dev/project-a", 1981, "iris_71a751fb_1981"},
        {"/home/dev/project-b", 1972, "iris_74ffc199_1972"},
        {"/home/dev/project-c", 1975, "iris_ef01b612_1975"},
        {"/home/dev/my project/\xc3\xbc"
         "n\xc3\xaf"
         "code",
         1972, "iris_492e6b24_1972"},
    }));
    CAPTURE(row.path, row.port);
    CHECK(derived_container_name(row.path, row.port) == row.name);
    ContainerNamer namer;
    CHECK(namer.name_for(row.path, row.port) == row.name);
  }
  SECTION("reconcile matches the container of that name") {
    const Plan plan = reconciled({assignment(kPathA, 1972, Status::kStale, std::nullopt, kLongAgo)},
                                 {container("iris_71a751fb_1972", State::kCreated)});
    CHECK(plan.current()[0].status == Status::kActive);
    CHECK(plan.current()[0].container_name == std::optional<std::string>("iris_71a751fb_1972"));
  }
  SECTION("a name for another port or another project does not match") {
    const Plan plan = reconciled(
        {assignment(kPathA, 1972, Status::kActive, std::nullopt, kLongAgo)},
        {container(name_a(1973), State::kRunning), container(name_b(1972), State::kRunning)});
    CHECK(plan.current()[0].status == Status::kStale);
    CHECK_FALSE(plan.current()[0].container_name.has_value());
  }
}

TEST_CASE("container_name set matches that container and no other") {
  const Status before = GENERATE(Status::kActive, Status::kStale);
  CAPTURE(before);

  SECTION("its own container decides") {
    const State state = GENERATE(State::kRunning, State::kExited);
    const Plan plan =
        reconciled({assignment(kPathA, 1972, before, "my-iris", kLongAgo)},
                   {container(name_a(1972), State::kRunning, {1972}), container("my-iris", state)});
    CHECK(plan.current()[0].status ==
          (state == State::kRunning ? Status::kActive : Status::kStale));
  }
  SECTION("neither the derived name nor the published port stands in for it") {
    const std::vector<Container> list = GENERATE(values<std::vector<Container>>({
        {container(name_a(1972), State::kRunning)},
        {container("some-iris", State::kRunning, {1972})},
        {container(name_a(1972), State::kRunning, {1972})},
    }));
    const Plan plan = reconciled({assignment(kPathA, 1972, before, "my-iris", kLongAgo)}, list);
    CHECK(plan.current()[0].status == Status::kStale);
    CHECK(plan.current()[0].container_name == std::optional<std::string>("my-iris"));
  }
  SECTION("events of the derived-name container do not touch it") {
    Harness h(
        {assignment(kPathA, 1972, before, "my-iris", kLongAgo)},
        {container(name_a(1972), State::kRunning, {1972}), container("my-iris", State::kRunning)});
    h.feed(events(name_a(1972), {"kill", "die", "stop", "start", "die", "destroy"}));
    CHECK(h.status(0) == before);
    CHECK(h.name(0) == std::optional<std::string>("my-iris"));
  }
  SECTION("match_all") {
    ContainerNamer namer;
    const std::vector<Assignment> list{assignment(kPathA, 1972, before, "my-iris")};
    const std::vector<Container> containers{container(name_a(1972), State::kRunning, {1972}),
                                            container("my-iris", State::kExited)};
    const auto matches = ContainerMatcher(list, namer).match_all(containers);
    REQUIRE(matches.size() == 1);
    REQUIRE(matches[0] != nullptr);
    CHECK(matches[0]->name == "my-iris");
  }
}

TEST_CASE("published host port for 1972/tcp matches when no name matches") {
  SECTION("a running container publishing the port") {
    const std::vector<int> ports =
        GENERATE(values<std::vector<int>>({{1972}, {11972, 1972}, {1972, 1972}}));
    CAPTURE(ports);
    const Plan plan = reconciled({assignment(kPathA, 1972, Status::kStale, std::nullopt, kLongAgo)},
                                 {container("some-iris", State::kRunning, ports)});
    CHECK(plan.current()[0].status == Status::kActive);
    CHECK(plan.current()[0].container_name == std::optional<std::string>("some-iris"));
  }
  SECTION("another port does not match") {
    const Plan plan =
        reconciled({assignment(kPathA, 1972, Status::kActive, std::nullopt, kLongAgo)},
                   {container("some-iris", State::kRunning, {1973, 52773})});
    CHECK(plan.current()[0].status == Status::kStale);
    CHECK_FALSE(plan.current()[0].container_name.has_value());
  }
  SECTION("the derived name wins over the port when its container exists") {
    const State state = GENERATE(State::kExited, State::kCreated);
    CAPTURE(state);
    const Plan plan = reconciled(
        {assignment(kPathA, 1972, Status::kActive, std::nullopt, kLongAgo)},
        {container("some-iris", State::kRunning, {1972}), container(name_a(1972), state)});
    CHECK(plan.current()[0].container_name == std::optional<std::string>(name_a(1972)));
    CHECK(plan.current()[0].status == (state == State::kExited ? Status::kStale : Status::kActive));
  }
  SECTION("events of a port-matched container apply (ports known from the list)") {
    Harness h({assignment(kPathA, 1972, Status::kActive, std::nullopt, kLongAgo)},
              {container("some-iris", State::kRunning, {1972})});
    h.feed(events("some-iris", {"die"}));
    CHECK(h.status(0) == Status::kStale);
    CHECK(h.name(0) == std::optional<std::string>("some-iris"));
  }
}

TEST_CASE("first match backfills container_name") {
  SECTION("reconcile, by derived name or by port, whatever the state") {
    const State state = GENERATE(State::kRunning, State::kCreated, State::kPaused,
                                 State::kRestarting, State::kExited, State::kDead);
    const bool by_port = GENERATE(false, true);
    CAPTURE(state, by_port);
    const std::string name = by_port ? "some-iris" : name_a(1972);
    const Plan plan =
        reconciled({assignment(kPathA, 1972, Status::kActive, std::nullopt, kLongAgo)},
                   {container(name, state, {1972})});
    CHECK(plan.current()[0].container_name == std::optional<std::string>(name));
  }
  SECTION("on start and on die") {
    const std::vector<std::string> actions =
        GENERATE(values<std::vector<std::string>>({{"start"}, {"die"}, {"kill", "die", "stop"}}));
    const bool by_port = GENERATE(false, true);
    CAPTURE(actions, by_port);
    const std::string name = by_port ? "some-iris" : name_a(1972);
    Harness h({assignment(kPathA, 1972, Status::kActive)},
              {container(name, State::kRunning, {1972})});
    h.feed(events(name, actions));
    CHECK(h.name(0) == std::optional<std::string>(name));
  }
  SECTION("a set container_name is never overwritten") {
    const Plan plan = reconciled(
        {assignment(kPathA, 1972, Status::kActive, "my-iris")},
        {container("my-iris", State::kRunning, {1972}), container(name_a(1972), State::kRunning)});
    CHECK(plan.current()[0].container_name == std::optional<std::string>("my-iris"));
    CHECK_FALSE(plan.changed());
  }
  SECTION("no match, no name") {
    const Plan plan = reconciled({assignment(kPathA, 1972, Status::kActive)},
                                 {container("postgres", State::kRunning)}, RuleOptions{},
                                 utc_clock(kJan17_1030Utc + 10));
    CHECK_FALSE(plan.current()[0].container_name.has_value());
    CHECK_FALSE(plan.changed());
  }
}

TEST_CASE("rename is followed") {
  SECTION("container_name follows the container to its new name") {
    const bool by_derived_name = GENERATE(false, true);
    CAPTURE(by_derived_name);
    const std::string old_name = by_derived_name ? name_a(1972) : "my-iris";
    const std::optional<std::string> set_name =
        by_derived_name ? std::nullopt : std::optional<std::string>("my-iris");
    Harness h({assignment(kPathA, 1972, Status::kActive, set_name)},
              {container(old_name, State::kRunning)});
    h.feed(event_of(old_name, "rename", "renamed-iris", kT0, {{"oldName", "/" + old_name}}));
    CHECK(h.name(0) == std::optional<std::string>("renamed-iris"));

    // Later events of the renamed container still belong to the assignment.
    h.feed(event_of(old_name, "die", "renamed-iris", kT0 + kSecond));
    CHECK(h.status(0) == Status::kStale);
    h.feed(event_of(old_name, "start", "renamed-iris", kT0 + 2 * kSecond));
    CHECK(h.status(0) == Status::kActive);

    // And the next full reconcile finds it under its new name.
    h.reconcile({container("renamed-iris", State::kExited)});
    CHECK(h.status(0) == Status::kStale);
    CHECK(h.name(0) == std::optional<std::string>("renamed-iris"));
  }
  SECTION("renaming an unrelated container changes nothing") {
    Harness h({assignment(kPathA, 1972, Status::kActive, "my-iris")},
              {container("my-iris", State::kRunning), container("postgres", State::kRunning)});
    h.feed(event_of("postgres", "rename", "pg", kT0, {{"oldName", "/postgres"}}));
    CHECK_FALSE(h.plan.changed());
  }
}

TEST_CASE("ties: two assignments on one port") {
  SECTION("a start does not re-activate one while the other is active") {
    Harness h({assignment(kPathA, 1972, Status::kStale), assignment(kPathB, 1972, Status::kActive)},
              {container(name_a(1972), State::kExited), container(name_b(1972), State::kRunning)});
    h.feed(event("start", name_a(1972), kT0));
    CHECK(h.status(0) == Status::kStale);
    CHECK(h.status(1) == Status::kActive);
  }
  SECTION("once the holder's container dies, the other one's start wins the port") {
    Harness h({assignment(kPathA, 1972, Status::kStale), assignment(kPathB, 1972, Status::kActive)},
              {container(name_a(1972), State::kExited), container(name_b(1972), State::kRunning)});
    h.feed(events(name_b(1972), {"kill", "die", "stop"}));
    h.feed(event("start", name_a(1972), kT0 + 5 * kSecond));
    CHECK(h.status(0) == Status::kActive);
    CHECK(h.status(1) == Status::kReleased);
  }
  SECTION("one port-published container, two stale claimants: at most one becomes active") {
    const Plan plan = reconciled({assignment(kPathA, 1972, Status::kStale, std::nullopt, kLongAgo),
                                  assignment(kPathB, 1972, Status::kStale, std::nullopt, kLongAgo)},
                                 {container("some-iris", State::kRunning, {1972})});
    CHECK(count_active(plan) == 1);
  }
  SECTION("events on each container touch only its own assignment") {
    Harness h({assignment(kPathA, 1972, Status::kActive), assignment(kPathB, 1972, Status::kStale)},
              {container(name_a(1972), State::kRunning), container(name_b(1972), State::kExited)});
    h.feed(events(name_a(1972), {"die"}));
    CHECK(h.status(0) == Status::kStale);
    CHECK(h.status(1) == Status::kStale);
  }
}

TEST_CASE("ties: one container matching two assignments (duplicate project paths)") {
  const std::vector<Assignment> duplicates{assignment(kPathA, 1972, Status::kActive),
                                           assignment(kPathA, 1972, Status::kActive)};
  SECTION("die after kill releases both") {
    Harness h(duplicates, {container(name_a(1972), State::kRunning)});
    h.feed(events(name_a(1972), {"kill", "die", "stop"}));
    CHECK(h.status(0) == Status::kReleased);
    CHECK(h.status(1) == Status::kReleased);
  }
  SECTION("destroy marks both stale") {
    Harness h(duplicates, {container(name_a(1972), State::kRunning)});
    h.feed(events(name_a(1972), {"kill", "die", "destroy"}));
    CHECK(h.status(0) == Status::kStale);
    CHECK(h.status(1) == Status::kStale);
  }
  SECTION("reconcile: exited marks both stale and backfills both") {
    const Plan plan = reconciled(duplicates, {container(name_a(1972), State::kExited)});
    for (const Assignment& a : plan.current()) {
      CHECK(a.status == Status::kStale);
      CHECK(a.container_name == std::optional<std::string>(name_a(1972)));
    }
  }
  SECTION("reconcile: running, both stale: one active, the port is not held twice") {
    const Plan plan = reconciled(
        {assignment(kPathA, 1972, Status::kStale), assignment(kPathA, 1972, Status::kStale)},
        {container(name_a(1972), State::kRunning, {1972})});
    CHECK(count_active(plan) == 1);
  }
  SECTION("same project on two ports: two containers, each its own") {
    Harness h(
        {assignment(kPathA, 1972, Status::kActive), assignment(kPathA, 1973, Status::kActive)},
        {container(name_a(1972), State::kRunning), container(name_a(1973), State::kRunning)});
    h.feed(events(name_a(1973), {"kill", "die"}));
    CHECK(h.status(0) == Status::kActive);
    CHECK(h.status(1) == Status::kReleased);
  }
}

TEST_CASE("ties: containers that are not IRIS containers at all have no effect") {
  const std::vector<Assignment> list{
      assignment(kPathA, 1972, Status::kActive, std::nullopt, "2025-01-18T10:29:00"),
      assignment(kPathB, 1973, Status::kStale, std::nullopt, "2025-01-18T10:29:00"),
      assignment(kPathC, 1974, Status::kReleased, "my-iris"),
  };
  const std::vector<Container> others{
      container("postgres", State::kRunning),
      container("redis", State::kExited),
      container("nginx", State::kRunning),
      container("iris_71a751fb", State::kRunning),        // no port: not the derived name
      container("iris_71a751fb_19720", State::kRunning),  // another port
      container("my-iris-2", State::kRunning),
  };
  const std::vector<Container> iris{container("my-iris", State::kExited)};

  SECTION("reconcile: the same result with and without them") {
    std::vector<Container> with_others = others;
    with_others.insert(with_others.end(), iris.begin(), iris.end());
    const Plan plain = reconciled(list, iris);
    const Plan mixed = reconciled(list, with_others);
    for (std::size_t i = 0; i < list.size(); ++i) {
      CAPTURE(i);
      CHECK(mixed.current()[i].status == plain.current()[i].status);
      CHECK(mixed.current()[i].container_name == plain.current()[i].container_name);
    }
  }
  SECTION("events: nothing changes") {
    Harness h(list, others);
    for (const Container& c : others) {
      h.feed(events(c.name, {"kill", "die", "stop", "start", "die", "destroy"}));
    }
    CHECK_FALSE(h.plan.changed());
  }
  SECTION("events: a container never listed, no ports known") {
    Harness h(list, {});
    h.feed(events("mystery", {"create", "start", "kill", "die", "destroy"}));
    CHECK_FALSE(h.plan.changed());
  }
  SECTION("non-container events are ignored") {
    Harness h(list, {container(name_a(1972), State::kRunning)});
    for (const char* type : {"network", "volume", "image"}) {
      Event e = event("destroy", name_a(1972), kT0);
      e.type = type;
      h.feed(e);
    }
    CHECK_FALSE(h.plan.changed());
  }
}

TEST_CASE("ties: ports outside 1972-1981 work the same") {
  const int port = GENERATE(1972, 1981, 1982, 2000, 11972, 51773);
  CAPTURE(port);
  SECTION("derived name") {
    CHECK(derived_container_name(kPathA, port) == name_a(port));
    const Plan plan = reconciled({assignment(kPathA, port, Status::kStale)},
                                 {container(name_a(port), State::kRunning)});
    CHECK(plan.current()[0].status == Status::kActive);
  }
  SECTION("published port") {
    const Plan plan = reconciled({assignment(kPathA, port, Status::kStale)},
                                 {container("some-iris", State::kRunning, {port})});
    CHECK(plan.current()[0].status == Status::kActive);
    CHECK(plan.current()[0].container_name == std::optional<std::string>("some-iris"));
  }
  SECTION("events") {
    Harness h({assignment(kPathA, port, Status::kActive)},
              {container(name_a(port), State::kRunning, {port})});
    h.feed(events(name_a(port), {"kill", "die", "stop"}));
    CHECK(h.status(0) == Status::kReleased);
    h.feed(event("destroy", name_a(port), kT0 + 10 * kSecond));
    CHECK(h.status(0) == Status::kStale);
  }
  SECTION("port conflict") {
    Harness h({assignment(kPathA, port, Status::kStale), assignment(kPathB, port, Status::kActive)},
              {container(name_a(port), State::kExited), container(name_b(port), State::kRunning)});
    h.feed(event("start", name_a(port), kT0));
    CHECK(h.status(0) == Status::kStale);
  }
}

TEST_CASE(
    "ties: a container claimed by name by one assignment is not taken by another's port "
    "rule") {
  const Status claimer_status = GENERATE(Status::kActive, Status::kStale);
  CAPTURE(claimer_status);

  SECTION("claimed by container_name") {
    // project-c's container publishes 1972 (project-c's registry port is 1980).
    const std::vector<Assignment> list{
        assignment(kPathC, 1980, claimer_status, "iris-c"),
        assignment(kPathB, 1972, Status::kActive, std::nullopt, kLongAgo)};
    const Plan plan = reconciled(list, {container("iris-c", State::kExited, {1972})});
    CHECK_FALSE(plan.current()[1].container_name.has_value());
    CHECK(plan.current()[1].status == Status::kStale);  // no container of its own

    Harness h(list, {container("iris-c", State::kRunning, {1972})});
    h.feed(events("iris-c", {"die", "start", "kill", "die", "destroy"}));
    CHECK(h.status(1) == Status::kActive);
    CHECK_FALSE(h.name(1).has_value());
  }
  SECTION("claimed by derived name") {
    const std::vector<Assignment> list{
        assignment(kPathA, 1972, claimer_status, std::nullopt, kLongAgo),
        assignment(kPathB, 1972, Status::kReleased, std::nullopt, kLongAgo)};
    const Plan plan = reconciled(list, {container(name_a(1972), State::kRunning, {1972})});
    CHECK(plan.current()[0].container_name == std::optional<std::string>(name_a(1972)));
    CHECK(plan.current()[0].status == Status::kActive);
    CHECK_FALSE(plan.current()[1].container_name.has_value());
    CHECK(plan.current()[1].status == Status::kStale);

    Harness h(list, {container(name_a(1972), State::kRunning, {1972})});
    h.feed(events(name_a(1972), {"start", "kill", "die", "stop", "destroy"}));
    CHECK(h.status(1) == Status::kReleased);
    CHECK_FALSE(h.name(1).has_value());
  }
}

}  // namespace
}  // namespace ipa::test
