#pragma once

#include <string>

#include "registry/registry.hpp"

namespace ipa::test {

// An active auto assignment, as iris-devtester records one.
inline Assignment auto_assignment(const std::string& project_path, int port) {
  Assignment assignment;
  assignment.project_path = project_path;
  assignment.port = port;
  assignment.assigned_at = "2025-01-17T10:30:00.123456";
  assignment.assignment_type = "auto";
  return assignment;
}

// `count` active auto assignments on ports from 1972, each naming its
// container the way iris-devtester does: what the tests and the registry
// bench load, change and save.
inline Registry registry_with(int count, const std::string& prefix = "/home/dev/project-") {
  Registry registry;
  for (int i = 0; i < count; ++i) {
    Assignment assignment = auto_assignment(prefix + std::to_string(i), 1972 + i);
    assignment.container_name = "iris_0123abcd_" + std::to_string(1972 + i);
    registry.append(assignment);
  }
  return registry;
}

}  // namespace ipa::test
