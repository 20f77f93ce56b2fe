#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ipa {

// The registry's three states; only `active` holds a port.
enum class AssignmentStatus { kActive, kReleased, kStale };

const char* to_string(AssignmentStatus status);
std::optional<AssignmentStatus> parse_assignment_status(const std::string& text);

// The fields of one registry assignment that the rules read. The registry
// keeps everything else (unknown keys, formatting) on its side.
struct Assignment {
  std::string project_path;
  int port = 0;
  AssignmentStatus status = AssignmentStatus::kActive;
  std::optional<std::string> container_name;
  std::string assigned_at;      // as written, naive local or with offset
  std::string assignment_type;  // "auto" or "manual"
};

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
