#include "agent/port_commands.hpp"

#include <iostream>
#include <set>

#include "agent/assignment_json.hpp"
#include "agent/configured_engine.hpp"
#include "agent/container_snapshot.hpp"
#include "agent/exit_codes.hpp"
#include "agent/passive_read.hpp"
#include "agent/registry_update.hpp"
#include "agent/wall_clock.hpp"
#include "base/file_path.hpp"
#include "base/log.hpp"
#include "base/surrogate_escape.hpp"
#include "reconciler/port_allocation.hpp"

namespace ipa {
namespace {

RegistryAccess access_for(const Config& config) {
  return RegistryAccess{config.allow_unsafe_registry};
}

LockWait lock_wait(const Config& config) {
  return LockWait{std::chrono::milliseconds(config.lock_timeout_ms)};
}

// Ports Docker containers publish; Docker being away is only a warning here.
std::set<int> published_ports(const Config& config) {
  std::set<int> ports;
  auto engine = resolve_configured_engine(config);
  if (!engine) {
    log_warn(engine.error().message + "; assigning without asking Docker");
    return ports;
  }
  auto containers = fetch_container_list(*engine);
  if (!containers) {
    log_warn(containers.error().message + "; assigning without asking Docker");
    return ports;
  }
  for (const Container& container : *containers) {
    ports.insert(container.published_host_ports.begin(), container.published_host_ports.end());
  }
  return ports;
}

// The directory relative paths stored by a Python writer are read in, in the
// form the registry holds (see registry_project_path).
std::string registry_cwd() {
  return registry_project_path(".");
}

int fail(const Error& error) {
  log_error(error.message);
  return exit_code_for(error);
}

const char* describe(AssignDecision::Kind kind) {
  switch (kind) {
    case AssignDecision::Kind::kExisting:
      return "already assigned";
    case AssignDecision::Kind::kReactivate:
      return "re-activated";
    case AssignDecision::Kind::kReplace:
      return "old port taken, newly assigned";
    case AssignDecision::Kind::kNew:
      return "assigned";
  }
  return "?";
}

}  // namespace

std::string registry_project_path(const std::string& path) {
  return surrogate_escaped(absolute_path(path));
}

int run_assign(const Config& config, const AssignOptions& options) {
  const std::set<int> published = published_ports(config);
  AssignRequest request{registry_project_path(options.project_path), registry_cwd(), options.port,
                        config.port_min, config.port_max};
  Assignment chosen;
  std::optional<AssignDecision> decision;
  auto updated = update_registry(
      config.registry_path, lock_wait(config),
      [&](Registry& registry) -> Result<Mutation> {
        const auto assignments = registry.assignments();
        auto decided = decide_assignment(assignments, request, published);
        if (!decided) {
          return decided.error();
        }
        decision = *decided;
        switch (decided->kind) {
          case AssignDecision::Kind::kExisting:
            chosen = assignments[decided->index];
            return Mutation::kUnchanged;
          case AssignDecision::Kind::kReactivate:
            registry.set_status(decided->index, AssignmentStatus::kActive);
            chosen = assignments[decided->index];
            chosen.status = AssignmentStatus::kActive;
            return Mutation::kChanged;
          case AssignDecision::Kind::kReplace:
            // iris-devtester drops the old entry and appends a new one.
            registry.remove(decided->index);
            break;
          case AssignDecision::Kind::kNew:
            break;
        }
        chosen = Assignment{request.project_path,         decided->port,
                            AssignmentStatus::kActive,    std::nullopt,
                            python_local_isoformat_now(), decided->assignment_type};
        registry.append(chosen);
        return Mutation::kChanged;
      },
      access_for(config));
  if (!updated) {
    return fail(updated.error());
  }
  log_info(chosen.project_path + ": port " + std::to_string(chosen.port) + " (" +
           describe(decision->kind) + ", " + chosen.assignment_type + ")");
  std::cout << (options.json ? assignment_json(chosen) : std::to_string(chosen.port)) << std::endl;
  return kExitOk;
}

int run_release(const Config& config, const std::string& argument) {
  const std::string project_path = registry_project_path(argument);
  const std::string cwd = registry_cwd();
  std::optional<Assignment> released;
  auto updated = update_registry(
      config.registry_path, lock_wait(config),
      [&](Registry& registry) -> Result<Mutation> {
        const auto assignments = registry.assignments();
        const auto entries = find_project(assignments, project_path, cwd);
        if (entries.empty()) {
          return Mutation::kUnchanged;
        }
        released = assignments[entries.front()];
        // Every spelling of the project goes, as Python's release_port drops
        // every entry with its path: none may keep holding a port.
        for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
          registry.remove(*entry);
        }
        return Mutation::kChanged;
      },
      access_for(config));
  if (!updated) {
    return fail(updated.error());
  }
  if (!released) {
    log_error("no port assignment for " + project_path + " in " + config.registry_path +
              "; nothing to release (see `iris-port-agent status`)");
    return kExitFailure;
  }
  log_info("released port " + std::to_string(released->port) + " of " + project_path);
  return kExitOk;
}

int run_get(const Config& config, const std::string& argument, bool json) {
  const std::string project_path = registry_project_path(argument);
  auto loaded = load_registry_passively(config.registry_path, access_for(config));
  if (!loaded) {
    return fail(loaded.error());
  }
  const auto assignments = loaded->registry.assignments();
  const auto entries = find_project(assignments, project_path, registry_cwd());
  if (entries.empty()) {
    log_error("no port assignment for " + project_path +
              "; take one with "
              "`iris-port-agent assign " +
              project_path + "`");
    return kExitFailure;
  }
  const Assignment& found = assignments[entries.front()];
  std::cout << (json ? assignment_json(found) : std::to_string(found.port)) << std::endl;
  return kExitOk;
}

int run_clear(const Config& config, bool confirmed) {
  if (!confirmed) {
    log_error("clear removes every assignment in " + config.registry_path +
              "; run `iris-port-agent clear --yes` to do it");
    return kExitUsage;
  }
  std::size_t removed = 0;
  auto updated = update_registry(
      config.registry_path, lock_wait(config),
      [&](Registry& registry) -> Result<Mutation> {
        removed = registry.size();
        registry.clear_assignments();
        return removed == 0 ? Mutation::kUnchanged : Mutation::kChanged;
      },
      access_for(config));
  if (!updated) {
    return fail(updated.error());
  }
  log_info("removed " + std::to_string(removed) + " assignment(s) from " + config.registry_path);
  return kExitOk;
}

}  // namespace ipa
