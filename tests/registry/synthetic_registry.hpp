#pragma once

#include <string>

#include "registry/registry.hpp"

namespace ipa::test {

// `count` active auto assignments on ports from 1972, each naming its
// container the way iris-devtester does: what the tests and the registry
// bench load, change and save.
inline Registry registry_with(int count, const std::string& prefix = "/home/dev/project-") {
  Registry registry;
  for (int i = 0; i < count; ++i) {
    Assignment assignment;
    assignment.project_path = prefix + std::to_string(i);
    assignment.port = 1972 + i;
    assignment.assigned_at = "2025-01-17T10:30:00.123456";
    assignment.assignment_type = "auto";
    assignment.container_name = "iris_0123abcd_" + std::to_string(1972 + i);
    registry.append(assignment);
  }
  return registry;
}

}  // namespace ipa::test
