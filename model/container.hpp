#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ipa {

// Docker's container states, as the list and events report them.
enum class ContainerState { kCreated, kRunning, kPaused, kRestarting, kRemoving, kExited, kDead };

std::optional<ContainerState> parse_container_state(const std::string& text);
const char* to_string(ContainerState state);

struct Container {
  std::string id;
  std::string name;  // without Docker's leading '/'
  ContainerState state = ContainerState::kCreated;
  // Host ports published for container port 1972/tcp (running containers only).
  std::vector<int> iris_host_ports;
  // Every host port the container publishes, whatever the container port.
  std::vector<int> published_host_ports;
};

// One Docker event, by the fields API 1.52 still has.
struct Event {
  std::string type;    // "container"
  std::string action;  // "start", "die", "kill", "stop", "destroy", "rename", ...
  std::string id;      // Actor.ID
  std::map<std::string, std::string> attributes;  // Actor.Attributes
  std::int64_t time_nano = 0;                     // timeNano
};

}  // namespace ipa
