#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace ipa {

// iris-devtester's PortRegistry operations for shells and CI, on the same
// file, lock and atomic save as the agent.
struct AssignOptions {
  std::string project_path;
  std::optional<int> port;  // --port: manual
  bool json = false;
};

int run_assign(const Config& config, const AssignOptions& options);
int run_release(const Config& config, const std::string& project_path);
int run_get(const Config& config, const std::string& project_path, bool json);
int run_clear(const Config& config, bool confirmed);

// PROJECT_PATH made absolute the way os.path.abspath does it (no symlinks
// resolved, "." and ".." folded).
std::string absolute_project_path(const std::string& path);

}  // namespace ipa
