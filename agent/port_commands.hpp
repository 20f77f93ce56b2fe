#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace ipa {

// iris-devtester's PortRegistry operations for shells and CI, on the same
// file, lock and atomic save as the agent.
struct AssignOptions {
  std::string project_path;  // as given: registry_project_path makes it what is stored
  std::optional<int> port;   // --port: manual
  bool json = false;
};

int run_assign(const Config& config, const AssignOptions& options);
// PROJECT_PATH as given on the command line, as for AssignOptions.
int run_release(const Config& config, const std::string& project_path);
int run_get(const Config& config, const std::string& project_path, bool json);
int run_clear(const Config& config, bool confirmed);

// PROJECT_PATH as the registry stores it, which is what iris-devtester stores
// for the same directory: absolute_path (base/file_path.hpp), its bytes read as Python's
// os.fsdecode reads them (bytes that are not UTF-8 surrogate-escaped, written
// to the JSON as "\udcXX"), so that one directory is one string.
std::string registry_project_path(const std::string& path);

}  // namespace ipa
