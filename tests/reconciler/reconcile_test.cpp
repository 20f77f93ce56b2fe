// The full reconcile from one container list (docs/protocol.md, "Status rules").

#include <string>
#include <vector>

#include "tests/reconciler/support.hpp"

namespace ipa::test {
namespace {

RuleOptions with(OnDie mode, std::int64_t grace = 600) {
  RuleOptions options;
  options.on_die = mode;
  options.grace_seconds = grace;
  return options;
}

TEST_CASE("reconcile: running/created/paused/restarting container means active") {
  const State state =
      GENERATE(State::kRunning, State::kCreated, State::kPaused, State::kRestarting);
  const Status before = GENERATE(Status::kActive, Status::kReleased, Status::kStale);
  const OnDie mode = GENERATE(OnDie::kMark, OnDie::kKeep);
  CAPTURE(state, before);

  SECTION("matched by derived name") {
    const Plan plan = reconciled({assignment(kPathA, 1972, before)},
                                 {container(name_a(1972), state)}, with(mode));
    CHECK(plan.current()[0].status == Status::kActive);
  }
  SECTION("matched by container_name") {
    const Plan plan = reconciled({assignment(kPathA, 1972, before, "my-iris")},
                                 {container("my-iris", state)}, with(mode));
    CHECK(plan.current()[0].status == Status::kActive);
  }
}

TEST_CASE("reconcile: port conflict rule as for start") {
  const State state =
      GENERATE(State::kRunning, State::kCreated, State::kPaused, State::kRestarting);
  const Status before = GENERATE(Status::kReleased, Status::kStale);
  CAPTURE(state, before);
  // project-b holds 1972 and its container runs; project-a's container exists too.
  const State other = state == State::kRunning ? State::kCreated : State::kRunning;
  Harness h({assignment(kPathA, 1972, before), assignment(kPathB, 1972, Status::kActive)});
  h.reconcile({container(name_a(1972), state), container(name_b(1972), other)});
  CHECK(h.status(0) == before);
  CHECK(h.status(1) == Status::kActive);
  CHECK(h.log_mentions("conflict"));
}

TEST_CASE("reconcile: exited or dead container means stale") {
  const State state = GENERATE(State::kExited, State::kDead);
  CAPTURE(state);

  SECTION("active becomes stale") {
    const Plan plan =
        reconciled({assignment(kPathA, 1972, Status::kActive)}, {container(name_a(1972), state)});
    CHECK(plan.current()[0].status == Status::kStale);
  }
  SECTION("stale stays stale") {
    const Plan plan =
        reconciled({assignment(kPathA, 1972, Status::kStale)}, {container(name_a(1972), state)});
    CHECK(plan.current()[0].status == Status::kStale);
  }
  SECTION("matched by container_name") {
    const Plan plan = reconciled({assignment(kPathA, 1972, Status::kActive, "my-iris")},
                                 {container("my-iris", state)});
    CHECK(plan.current()[0].status == Status::kStale);
  }
  SECTION("on_die keep leaves it active while the stopped container exists") {
    const Plan plan = reconciled({assignment(kPathA, 1972, Status::kActive)},
                                 {container(name_a(1972), state)}, with(OnDie::kKeep));
    CHECK(plan.current()[0].status == Status::kActive);
  }
}

TEST_CASE("reconcile: released stays released while its container exists") {
  const State state = GENERATE(State::kExited, State::kDead);
  const OnDie mode = GENERATE(OnDie::kMark, OnDie::kKeep);
  CAPTURE(state);
  const Plan plan = reconciled({assignment(kPathA, 1972, Status::kReleased)},
                               {container(name_a(1972), state)}, with(mode));
  CHECK(plan.current()[0].status == Status::kReleased);
}

TEST_CASE("reconcile: no container and container_name set means stale") {
  const Status before = GENERATE(Status::kActive, Status::kReleased, Status::kStale);
  const OnDie mode = GENERATE(OnDie::kMark, OnDie::kKeep);
  CAPTURE(before);
  // Assigned a second ago: the grace period is for a null container_name only.
  const Clock clock = utc_clock(kJan17_1030Utc + 1);
  const Plan plan = reconciled({assignment(kPathA, 1972, before, "my-iris", "2025-01-17T10:30:00")},
                               {container("unrelated", State::kRunning)}, with(mode), clock);
  CHECK(plan.current()[0].status == Status::kStale);
  CHECK(plan.current()[0].container_name == std::optional<std::string>("my-iris"));
}

TEST_CASE("reconcile: no container, null name, within grace: untouched") {
  const Status before = GENERATE(Status::kActive, Status::kReleased, Status::kStale);
  struct Row {
    std::int64_t grace;
    std::int64_t age;
  };
  const Row row = GENERATE(values<Row>({{600, 0}, {600, 1}, {600, 599}, {600, 600}, {60, 60}}));
  CAPTURE(before, row.grace, row.age);
  const Clock clock = utc_clock(kJan17_1030Utc + row.age);
  const Plan plan =
      reconciled({assignment(kPathA, 1972, before, std::nullopt, "2025-01-17T10:30:00")}, {},
                 with(OnDie::kMark, row.grace), clock);
  CHECK(plan.current()[0].status == before);
  CHECK_FALSE(plan.changed());
}

TEST_CASE("reconcile: no container, null name, older than grace: stale") {
  const Status before = GENERATE(Status::kActive, Status::kReleased);
  struct Row {
    std::int64_t grace;
    std::int64_t age;
  };
  const Row row = GENERATE(values<Row>({{600, 601}, {600, 3600}, {600, 86400 * 30}, {60, 61}}));
  CAPTURE(before, row.grace, row.age);
  const Clock clock = utc_clock(kJan17_1030Utc + row.age);
  const Plan plan =
      reconciled({assignment(kPathA, 1972, before, std::nullopt, "2025-01-17T10:30:00")}, {},
                 with(OnDie::kMark, row.grace), clock);
  CHECK(plan.current()[0].status == Status::kStale);
  CHECK_FALSE(plan.current()[0].container_name.has_value());
}

// Python's datetime.now() is local time: the local offset comes from the Clock.
TEST_CASE("naive assigned_at is local time (offset from Clock)") {
  struct Row {
    const char* zone;
    std::int64_t local_offset;
    std::int64_t age;  // seconds since assigned_at, as an instant
    Status expected;
  };
  const Row row = GENERATE(values<Row>({
      {"UTC", 0, 300, Status::kActive},
      {"UTC", 0, 700, Status::kStale},
      {"Europe/Paris (+01:00)", 3600, 300, Status::kActive},
      {"Europe/Paris (+01:00)", 3600, 700, Status::kStale},
      {"America/New_York (-05:00)", -18000, 300, Status::kActive},
      {"America/New_York (-05:00)", -18000, 700, Status::kStale},
      {"Asia/Kolkata (+05:30)", 19800, 300, Status::kActive},
      {"Asia/Kolkata (+05:30)", 19800, 700, Status::kStale},
  }));
  CAPTURE(row.zone, row.age);
  // 10:30 local wall time is 10:30 UTC minus the local offset.
  const std::int64_t assigned = kJan17_1030Utc - row.local_offset;
  const Clock clock{assigned + row.age, row.local_offset};
  const Plan plan = reconciled(
      {assignment(kPathA, 1972, Status::kActive, std::nullopt, "2025-01-17T10:30:00.123456")}, {},
      with(OnDie::kMark), clock);
  CHECK(plan.current()[0].status == row.expected);
}

TEST_CASE("assigned_at with an offset is honoured") {
  struct Row {
    const char* assigned_at;
    std::int64_t instant;
  };
  const Row row = GENERATE(values<Row>({
      {"2025-01-17T10:30:00+00:00", kJan17_1030Utc},
      {"2025-01-17T10:30:00Z", kJan17_1030Utc},
      {"2025-01-17T10:30:00.123456+05:30", kJan17_1030Utc - 19800},
      {"2025-01-17T10:30:00-08:00", kJan17_1030Utc + 28800},
  }));
  // The machine's own zone must not matter once an offset is written.
  const std::int64_t local_offset =
      GENERATE(std::int64_t{0}, std::int64_t{3600}, std::int64_t{-18000});
  const std::int64_t age = GENERATE(std::int64_t{300}, std::int64_t{700});
  CAPTURE(row.assigned_at, local_offset, age);
  const Clock clock{row.instant + age, local_offset};
  const Plan plan =
      reconciled({assignment(kPathA, 1972, Status::kActive, std::nullopt, row.assigned_at)}, {},
                 with(OnDie::kMark), clock);
  CHECK(plan.current()[0].status == (age > 600 ? Status::kStale : Status::kActive));
}

TEST_CASE(
    "reconcile: marks come before activations (a stale-to-be assignment does not hold its port)") {
  // project-a is active but its container exited; project-b's container runs on the same port.
  const bool b_first = GENERATE(false, true);
  CAPTURE(b_first);
  std::vector<Assignment> list{assignment(kPathA, 1972, Status::kActive),
                               assignment(kPathB, 1972, Status::kStale)};
  if (b_first) {
    std::swap(list[0], list[1]);
  }
  const Plan plan = reconciled(list, {container(name_a(1972), State::kExited),
                                      container(name_b(1972), State::kRunning, {1972})});
  const std::size_t a = b_first ? 1 : 0;
  const std::size_t b = b_first ? 0 : 1;
  CHECK(plan.current()[a].status == Status::kStale);
  CHECK(plan.current()[b].status == Status::kActive);
}

TEST_CASE("reconcile: an active assignment within grace holds its port") {
  const Clock clock = utc_clock(kJan17_1030Utc + 60);
  Harness h({assignment(kPathA, 1972, Status::kActive, std::nullopt, "2025-01-17T10:30:00"),
             assignment(kPathB, 1972, Status::kStale, std::nullopt, "2025-01-17T10:30:00")});
  h.reconcile({container(name_b(1972), State::kCreated)}, clock);
  CHECK(h.status(0) == Status::kActive);
  CHECK(h.status(1) == Status::kStale);
  CHECK(h.log_mentions("conflict"));
}

TEST_CASE("reconcile: a second reconcile of the same list changes nothing") {
  std::vector<Assignment> list{
      assignment(kPathA, 1972, Status::kStale),
      assignment(kPathB, 1973, Status::kActive),
      assignment(kPathC, 1974, Status::kActive, "gone"),
      assignment("/home/dev/project-d", 1975, Status::kReleased),
  };
  const std::vector<Container> containers{
      container(name_a(1972), State::kRunning, {1972}),
      container(name_b(1973), State::kExited),
      container("iris-d", State::kExited),
  };
  const Plan first = reconciled(list, containers);
  REQUIRE(first.changed());
  const Plan second = reconciled(first.current(), containers);
  CHECK_FALSE(second.changed());
  CHECK(second.log().empty());
}

}  // namespace
}  // namespace ipa::test
