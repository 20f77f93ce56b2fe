#include "reconciler/port_allocation.hpp"

#include <algorithm>

namespace ipa {
namespace {

std::optional<std::size_t> active_holder(const std::vector<Assignment>& assignments, int port,
                                         std::optional<std::size_t> except) {
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    if (i != except && assignments[i].status == AssignmentStatus::kActive &&
        assignments[i].port == port) {
      return i;
    }
  }
  return std::nullopt;
}

bool port_free(const std::vector<Assignment>& assignments, int port,
               const std::set<int>& published_ports, std::optional<std::size_t> except) {
  return !active_holder(assignments, port, except) && published_ports.count(port) == 0;
}

// One line, as every failure is: the holders are listed after "held by".
Error exhausted(const std::vector<Assignment>& assignments, const AssignRequest& request) {
  std::string message = "no free port in " + std::to_string(request.range_min) + "-" +
                        std::to_string(request.range_max) + " for " + request.project_path +
                        ": every port is held by an active assignment or published by a "
                        "Docker container (assignments:";
  for (const Assignment& assignment : assignments) {
    message += ' ';
    message += std::to_string(assignment.port);
    message += ' ';
    message += to_string(assignment.status);
    message += ' ';
    message += assignment.project_path;
    message += ';';
  }
  message +=
      " end); free a port with `iris-port-agent release PROJECT_PATH`, mark dead containers "
      "with `iris-port-agent --once`, or widen the range with --range";
  return make_error(ErrorCode::kConflict, message);
}

Result<int> choose_port(const std::vector<Assignment>& assignments, const AssignRequest& request,
                        const std::set<int>& published_ports, std::optional<std::size_t> own) {
  if (request.port) {
    const int port = *request.port;
    if (const auto holder = active_holder(assignments, port, own)) {
      return make_error(ErrorCode::kConflict,
                        "port " + std::to_string(port) + " is already assigned to " +
                            assignments[*holder].project_path + " (" +
                            assignments[*holder].assignment_type +
                            "); choose another --port or release that project first");
    }
    if (published_ports.count(port) != 0) {
      return make_error(ErrorCode::kConflict,
                        "port " + std::to_string(port) +
                            " is published by a running Docker container; choose another "
                            "--port or stop that container");
    }
    return port;
  }
  for (int port = request.range_min; port <= request.range_max; ++port) {
    if (port_free(assignments, port, published_ports, own)) {
      return port;
    }
  }
  return exhausted(assignments, request);
}

}  // namespace

std::string project_identity(std::string_view path, std::string_view cwd) {
  std::string absolute = python_abspath(path, cwd);
  if (absolute.rfind("//", 0) == 0) {
    absolute.erase(0, 1);
  }
  return absolute;
}

std::vector<std::size_t> find_project(const std::vector<Assignment>& assignments,
                                      const std::string& project_path, const std::string& cwd) {
  const std::string wanted = project_identity(project_path, cwd);
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    // The cheap test first: most stored paths are already in their normal form.
    if (assignments[i].project_path == project_path ||
        project_identity(assignments[i].project_path, cwd) == wanted) {
      found.push_back(i);
    }
  }
  return found;
}

Result<AssignDecision> decide_assignment(const std::vector<Assignment>& assignments,
                                         const AssignRequest& request,
                                         const std::set<int>& published_ports) {
  const auto entries = find_project(assignments, request.project_path, request.cwd);
  const auto own =
      entries.empty() ? std::optional<std::size_t>() : std::optional<std::size_t>(entries.front());
  if (own) {
    const Assignment& existing = assignments[*own];
    if (existing.status == AssignmentStatus::kActive) {
      return AssignDecision{AssignDecision::Kind::kExisting, *own, existing.port,
                            existing.assignment_type};
    }
    if (port_free(assignments, existing.port, published_ports, own)) {
      return AssignDecision{AssignDecision::Kind::kReactivate, *own, existing.port,
                            existing.assignment_type};
    }
  }
  auto port = choose_port(assignments, request, published_ports, own);
  if (!port) {
    return port.error();
  }
  return AssignDecision{own ? AssignDecision::Kind::kReplace : AssignDecision::Kind::kNew,
                        own.value_or(0), *port, request.port ? "manual" : "auto"};
}

}  // namespace ipa
