#include "agent/port_commands.hpp"

#include <unistd.h>

#include <iostream>
#include <set>
#include <vector>

#include "agent/assignment_json.hpp"
#include "agent/configured_engine.hpp"
#include "agent/container_snapshot.hpp"
#include "agent/exit_codes.hpp"
#include "agent/passive_read.hpp"
#include "agent/registry_update.hpp"
#include "agent/wall_clock.hpp"
#include "base/log.hpp"
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

std::string absolute_project_path(const std::string& path) {
  std::string joined = path;
  if (path.empty() || path.front() != '/') {
    std::vector<char> cwd(4096);
    joined =
        std::string(::getcwd(cwd.data(), cwd.size()) != nullptr ? cwd.data() : "") + "/" + path;
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= joined.size()) {
    const std::size_t slash = std::min(joined.find('/', start), joined.size());
    const std::string part = joined.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string result;
  for (const std::string& part : parts) {
    result += "/" + part;
  }
  return result.empty() ? "/" : result;
}

int run_assign(const Config& config, const AssignOptions& options) {
  const std::set<int> published = published_ports(config);
  AssignRequest request{options.project_path, options.port, config.port_min, config.port_max};
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

int run_release(const Config& config, const std::string& project_path) {
  std::optional<Assignment> released;
  auto updated = update_registry(
      config.registry_path, lock_wait(config),
      [&](Registry& registry) -> Result<Mutation> {
        const auto assignments = registry.assignments();
        const auto index = find_project(assignments, project_path);
        if (!index) {
          return Mutation::kUnchanged;
        }
        released = assignments[*index];
        registry.remove(*index);
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

int run_get(const Config& config, const std::string& project_path, bool json) {
  auto loaded = load_registry_passively(config.registry_path, access_for(config));
  if (!loaded) {
    return fail(loaded.error());
  }
  const auto assignments = loaded->registry.assignments();
  const auto index = find_project(assignments, project_path);
  if (!index) {
    log_error("no port assignment for " + project_path +
              "; take one with "
              "`iris-port-agent assign " +
              project_path + "`");
    return kExitFailure;
  }
  std::cout << (json ? assignment_json(assignments[*index])
                     : std::to_string(assignments[*index].port))
            << std::endl;
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
