#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_path.hpp"
#include "base/result.hpp"
#include "model/assignment.hpp"

namespace ipa {

// What identifies a project whatever spelling of its path either side used:
// python_abspath in `cwd` (a relative path stored by a Python writer is taken
// as relative to the directory the command runs in, as os.path.abspath would
// take it there), with a leading "//" read as "/", which it is on Linux and
// macOS.
std::string project_identity(std::string_view path, std::string_view cwd);

// iris-devtester's PortRegistry.assign_port, decided without I/O.
struct AssignRequest {
  std::string project_path;  // absolute
  std::string cwd;           // for project_identity of stored paths
  std::optional<int> port;   // --port: a manual assignment
  int range_min = 1972;
  int range_max = 1981;
};

struct AssignDecision {
  enum class Kind {
    kExisting,    // the project already holds an active assignment: give it back
    kReactivate,  // its stale/released assignment's port is free again
    kReplace,     // its old port is taken: same entry, new port
    kNew,         // a new assignment at the end
  };
  Kind kind = Kind::kNew;
  std::size_t index = 0;  // the project's entry, for all but kNew
  int port = 0;
  std::string assignment_type;  // "auto" or "manual"
};

// `published_ports` are host ports Docker containers publish (defence in
// depth, as iris-devtester does). Errors: kConflict naming the holder of a
// manual port; kConflict for an exhausted range, with the assignments and the
// commands that free ports.
Result<AssignDecision> decide_assignment(const std::vector<Assignment>& assignments,
                                         const AssignRequest& request,
                                         const std::set<int>& published_ports);

// The project's entries, in file order: each whose path has the same
// project_identity. iris-devtester finds the first; one project should have
// one, but a file two spellings wrote to can hold more.
std::vector<std::size_t> find_project(const std::vector<Assignment>& assignments,
                                      const std::string& project_path, const std::string& cwd);

}  // namespace ipa
