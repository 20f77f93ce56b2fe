#pragma once

#include <optional>
#include <string>

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

}  // namespace ipa
