#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "agent/agent_note.hpp"
#include "agent/registry_update.hpp"
#include "config/config.hpp"
#include "reconciler/container_cache.hpp"
#include "reconciler/plan.hpp"
#include "reconciler/rules.hpp"

namespace ipa {

// One thing the registry has yet to hear: an event's fact, or a whole
// container list (a full reconcile). Kept in the order they happened, since a
// fact older than a list must be applied before it.
using ContainerList = std::shared_ptr<const std::vector<Container>>;
using PendingStep = std::variant<ContainerFact, ContainerList>;

struct ReconcileJob {
  std::vector<PendingStep> steps;
  std::unordered_set<std::string> present_names;  // containers that exist now
  RuleOptions options;
  Clock clock;
  std::optional<AgentNote> agent_note;  // to record when anything changed
  // After a full sync: record agent_note even when nothing else changed if
  // the file names another agent (pid) or another engine, so that a reader
  // sees the running agent and its engine at once. A plain reconnect to the
  // same engine writes nothing, and a registry without assignments is not
  // created or rewritten for the note.
  bool always_record_agent = false;
  RegistryAccess access;  // --allow-unsafe-registry
};

struct ReconcileResult {
  Result<UpdateOutcome> outcome = UpdateOutcome{};
  std::vector<std::string> decisions;  // one line per decision
  Plan::Summary summary;
};

// The one place a job takes the settings from: the rules' options, the
// registry access, and the wall clock read now. Watch mode adds what only it
// knows (the containers present, its note).
ReconcileJob reconcile_job_for(const Config& config, std::vector<PendingStep> steps);

// A job with a container list in it is a full reconcile.
bool includes_full_list(const ReconcileJob& job);

// What a writer carries from one job to the next: the names it derived, and
// what the last good copy holds.
struct WriterMemory {
  ContainerNamer namer;
  LastGoodCopy last_good;
};

// Applies the steps to the registry in one locked read-modify-write. Pure
// decisions come from reconciler/; this only moves them into the file.
ReconcileResult run_reconcile_job(const std::string& registry_path, const ReconcileJob& job,
                                  LockWait wait, WriterMemory& memory);

}  // namespace ipa
