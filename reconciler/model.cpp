#include "reconciler/model.hpp"

#include <array>
#include <utility>

namespace ipa {
namespace {

constexpr std::array<std::pair<AssignmentStatus, const char*>, 3> kStatusNames{{
    {AssignmentStatus::kActive, "active"},
    {AssignmentStatus::kReleased, "released"},
    {AssignmentStatus::kStale, "stale"},
}};

constexpr std::array<std::pair<ContainerState, const char*>, 7> kStateNames{{
    {ContainerState::kCreated, "created"},
    {ContainerState::kRunning, "running"},
    {ContainerState::kPaused, "paused"},
    {ContainerState::kRestarting, "restarting"},
    {ContainerState::kRemoving, "removing"},
    {ContainerState::kExited, "exited"},
    {ContainerState::kDead, "dead"},
}};

}  // namespace

const char* to_string(AssignmentStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) {
      return name;
    }
  }
  return "?";
}

std::optional<AssignmentStatus> parse_assignment_status(const std::string& text) {
  for (const auto& [value, name] : kStatusNames) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

const char* to_string(ContainerState state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) {
      return name;
    }
  }
  return "?";
}

std::optional<ContainerState> parse_container_state(const std::string& text) {
  for (const auto& [value, name] : kStateNames) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace ipa
