#pragma once

// Builders and a small harness for the reconciler's table-driven tests. Every
// expectation in these tests comes from docs/protocol.md ("Which container is
// an assignment's", "Status rules"), not from the code.

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/assignment.hpp"
#include "model/container.hpp"
#include "reconciler/container_cache.hpp"
#include "reconciler/container_name.hpp"
#include "reconciler/plan.hpp"
#include "reconciler/rules.hpp"
#include "reconciler/timestamps.hpp"

namespace Catch {
template <>
struct StringMaker<ipa::AssignmentStatus> {
  static std::string convert(ipa::AssignmentStatus status) { return ipa::to_string(status); }
};
template <>
struct StringMaker<ipa::ContainerState> {
  static std::string convert(ipa::ContainerState state) { return ipa::to_string(state); }
};
}  // namespace Catch

namespace ipa::test {

using Status = AssignmentStatus;
using State = ContainerState;

// md5("/home/dev/project-a") = 71a751fb..., md5("/home/dev/project-b") = 74ffc199...
inline const std::string kPathA = "/home/dev/project-a";
inline const std::string kPathB = "/home/dev/project-b";
inline const std::string kPathC = "/home/dev/project-c";
inline std::string name_a(int port) {
  return "iris_71a751fb_" + std::to_string(port);
}
inline std::string name_b(int port) {
  return "iris_74ffc199_" + std::to_string(port);
}
inline std::string name_c(int port) {
  return "iris_ef01b612_" + std::to_string(port);
}

// 2025-01-17T10:30:00Z
inline constexpr std::int64_t kJan17_1030Utc = 1737109800;
// "Now" for most tests: a day after every assigned_at used below, in UTC.
inline constexpr std::int64_t kNow = kJan17_1030Utc + 86400;
inline constexpr std::int64_t kSecond = 1'000'000'000;
inline constexpr std::int64_t kT0 = kNow * kSecond;

inline Clock utc_clock(std::int64_t now = kNow) {
  return Clock{now, 0};
}

inline Assignment assignment(const std::string& path, int port, Status status,
                             std::optional<std::string> container_name = std::nullopt,
                             std::string assigned_at = "2025-01-17T10:30:00.123456") {
  Assignment result;
  result.project_path = path;
  result.port = port;
  result.status = status;
  result.container_name = std::move(container_name);
  result.assigned_at = std::move(assigned_at);
  result.assignment_type = "auto";
  return result;
}

// A stable 64-hex-digit id per name, so events and lists agree.
inline std::string id_for(const std::string& name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  std::size_t h = std::hash<std::string>{}(name);
  for (int i = 0; i < 64; ++i) {
    id += kHex[(h >> ((i % 16) * 4)) & 0xf];
  }
  return id;
}

inline Container container(const std::string& name, State state, std::vector<int> ports = {}) {
  Container result;
  result.id = id_for(name);
  result.name = name;
  result.state = state;
  result.iris_host_ports = std::move(ports);
  return result;
}

// A container event as Docker API 1.52 sends it: Actor.Attributes carry the
// name (without '/') and the image; kill carries the signal.
inline Event event(const std::string& action, const std::string& name, std::int64_t time_nano,
                   std::map<std::string, std::string> extra = {}) {
  Event result;
  result.type = "container";
  result.action = action;
  result.id = id_for(name);
  result.time_nano = time_nano;
  result.attributes = std::move(extra);
  result.attributes["name"] = name;
  result.attributes["image"] = "intersystemsdc/iris-community:latest";
  if (action == "kill" && result.attributes.count("signal") == 0) {
    result.attributes["signal"] = "15";
  }
  return result;
}

// Events for one container, 500 ms apart, starting at `start`.
inline std::vector<Event> events(const std::string& name, const std::vector<std::string>& actions,
                                 std::int64_t start = kT0) {
  std::vector<Event> result;
  std::int64_t t = start;
  for (const std::string& action : actions) {
    result.push_back(event(action, name, t));
    t += kSecond / 2;
  }
  return result;
}

// The engine as the agent drives it: the container list fills the cache,
// each event goes through ContainerCache::observe and the event rules.
struct Harness {
  explicit Harness(std::vector<Assignment> assignments, std::vector<Container> listed = {},
                   RuleOptions rule_options = {})
      : plan(std::move(assignments)), options(rule_options) {
    cache.replace(listed);
  }

  void feed(const Event& e) {
    if (const auto fact = cache.observe(e)) {
      apply_facts(plan, {*fact}, cache.names(), options, namer);
    }
  }
  void feed(const std::vector<Event>& es) {
    for (const Event& e : es) {
      feed(e);
    }
  }
  void reconcile(const std::vector<Container>& containers, const Clock& clock = utc_clock()) {
    reconcile_full(plan, containers, options, clock, namer);
  }

  Status status(std::size_t i) const { return plan.current().at(i).status; }
  const std::optional<std::string>& name(std::size_t i) const {
    return plan.current().at(i).container_name;
  }
  bool log_mentions(const std::string& text) const {
    for (const std::string& line : plan.log()) {
      if (line.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  Plan plan;
  ContainerCache cache;
  ContainerNamer namer;
  RuleOptions options;
};

// The full reconcile alone, from a fresh plan.
inline Plan reconciled(std::vector<Assignment> assignments, const std::vector<Container>& list,
                       RuleOptions options = {}, const Clock& clock = utc_clock()) {
  Plan plan(std::move(assignments));
  ContainerNamer namer;
  reconcile_full(plan, list, options, clock, namer);
  return plan;
}

}  // namespace ipa::test
