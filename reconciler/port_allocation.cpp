#include "reconciler/port_allocation.hpp"

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

Error exhausted(const std::vector<Assignment>& assignments, const AssignRequest& request) {
  std::string message = "no free port in " + std::to_string(request.range_min) + "-" +
                        std::to_string(request.range_max) + " for " + request.project_path +
                        ": every port is held by an active assignment or published by a "
                        "Docker container.";
  message += "\ncurrent assignments:";
  for (const Assignment& assignment : assignments) {
    message += "\n  " + std::to_string(assignment.port) + "  " + to_string(assignment.status) +
               "  " + assignment.project_path;
  }
  message +=
      "\nfree a port with `iris-port-agent release PROJECT_PATH`, mark dead containers with "
      "`iris-port-agent --once`, or widen the range with --range";
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

std::optional<std::size_t> find_project(const std::vector<Assignment>& assignments,
                                        const std::string& project_path) {
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    if (assignments[i].project_path == project_path) {
      return i;
    }
  }
  return std::nullopt;
}

Result<AssignDecision> decide_assignment(const std::vector<Assignment>& assignments,
                                         const AssignRequest& request,
                                         const std::set<int>& published_ports) {
  const auto own = find_project(assignments, request.project_path);
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
