#include "model/container.hpp"

#include "model/enum_names.hpp"

namespace ipa {
namespace {

constexpr EnumNames<ContainerState, 7> kStateNames{{
    {ContainerState::kCreated, "created"},
    {ContainerState::kRunning, "running"},
    {ContainerState::kPaused, "paused"},
    {ContainerState::kRestarting, "restarting"},
    {ContainerState::kRemoving, "removing"},
    {ContainerState::kExited, "exited"},
    {ContainerState::kDead, "dead"},
}};

}  // namespace

const char* to_string(ContainerState state) {
  return name_of(kStateNames, state);
}

std::optional<ContainerState> parse_container_state(const std::string& text) {
  return value_named(kStateNames, text);
}

}  // namespace ipa
