// The Plan: what the rules decided, and the one-line summary the agent logs.

#include <string>
#include <vector>

#include "tests/reconciler/support.hpp"

namespace ipa::test {
namespace {

std::vector<Assignment> many(std::size_t count, Status status = Status::kActive) {
  std::vector<Assignment> result;
  for (std::size_t i = 0; i < count; ++i) {
    result.push_back(assignment("/home/dev/project-" + std::to_string(i),
                                1972 + static_cast<int>(i % 10), status));
  }
  return result;
}

TEST_CASE("Plan summary: reconciled 12 assignments: 3 stale, 1 backfilled, 8 unchanged") {
  Plan plan(many(12));
  plan.set_status(0, Status::kStale, "test");
  plan.set_status(1, Status::kStale, "test");
  plan.set_status(2, Status::kStale, "test");
  plan.set_container_name(3, "iris-3", "test");
  const Plan::Summary summary = plan.summary();
  CHECK(summary.total == 12);
  CHECK(summary.to_stale == 3);
  CHECK(summary.backfilled == 1);
  CHECK(summary.unchanged == 8);
  CHECK(to_string(summary) == "reconciled 12 assignments: 3 stale, 1 backfilled, 8 unchanged");
  CHECK(plan.changed());
}

TEST_CASE("Plan summary text, table") {
  struct Row {
    std::size_t total;
    std::vector<std::pair<std::size_t, Status>> statuses;
    std::vector<std::size_t> named;
    Status start;
    const char* text;
  };
  const Row row = GENERATE(values<Row>({
      {1, {}, {}, Status::kActive, "reconciled 1 assignment: 1 unchanged"},
      {2, {}, {}, Status::kActive, "reconciled 2 assignments: 2 unchanged"},
      {0, {}, {}, Status::kActive, "reconciled 0 assignments: none"},
      {3,
       {{0, Status::kReleased}},
       {},
       Status::kActive,
       "reconciled 3 assignments: 1 released, 2 unchanged"},
      {3,
       {{0, Status::kActive}, {1, Status::kActive}},
       {},
       Status::kStale,
       "reconciled 3 assignments: 2 active again, 1 unchanged"},
      {4,
       {{0, Status::kStale}, {1, Status::kReleased}},
       {2},
       Status::kActive,
       "reconciled 4 assignments: 1 stale, 1 released, 1 backfilled, 1 unchanged"},
  }));
  CAPTURE(row.text);
  Plan plan(many(row.total, row.start));
  for (const auto& [index, status] : row.statuses) {
    plan.set_status(index, status, "test");
  }
  for (const std::size_t index : row.named) {
    plan.set_container_name(index, "iris-" + std::to_string(index), "test");
  }
  CHECK(to_string(plan.summary()) == row.text);
}

TEST_CASE("Plan: setting a value it already has is no change") {
  Plan plan({assignment(kPathA, 1972, Status::kActive, "my-iris")});
  plan.set_status(0, Status::kActive, "test");
  plan.set_container_name(0, "my-iris", "test");
  CHECK_FALSE(plan.changed());
  CHECK(plan.log().empty());
  CHECK(plan.summary().unchanged == 1);
}

TEST_CASE("Plan: a full reconcile reports in its summary") {
  // 12 assignments: 3 lose their named container, 1 is found by its derived
  // name (backfill only), 8 stay as they are.
  std::vector<Assignment> list;
  std::vector<Container> containers;
  for (int i = 0; i < 3; ++i) {
    list.push_back(assignment("/home/dev/gone-" + std::to_string(i), 1972 + i, Status::kActive,
                              "gone-" + std::to_string(i)));
  }
  list.push_back(assignment(kPathA, 1975, Status::kActive));
  containers.push_back(container(name_a(1975), State::kRunning, {1975}));
  for (int i = 0; i < 8; ++i) {
    const std::string name = "kept-" + std::to_string(i);
    list.push_back(
        assignment("/home/dev/kept-" + std::to_string(i), 2000 + i, Status::kActive, name));
    containers.push_back(container(name, State::kRunning, {2000 + i}));
  }
  const Plan plan = reconciled(list, containers);
  CHECK(to_string(plan.summary()) ==
        "reconciled 12 assignments: 3 stale, 1 backfilled, 8 unchanged");
  // One log line per decision, each naming the project.
  CHECK(plan.log().size() == 4);
}

}  // namespace
}  // namespace ipa::test
