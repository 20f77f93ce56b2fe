#include "agent/reconcile_job.hpp"

#include <algorithm>

#include "agent/wall_clock.hpp"

namespace ipa {
namespace {

// Whether the registry's note already names this agent on this engine.
bool names_this_watcher(const std::optional<std::string>& recorded, const AgentNote& fresh) {
  const auto note = recorded ? parse_agent_note(*recorded) : std::nullopt;
  return note && same_watcher(*note, fresh);
}

Plan plan_steps(const Registry& registry, const ReconcileJob& job, ContainerNamer& namer) {
  Plan plan(registry.assignments());
  std::vector<ContainerFact> facts;
  const auto flush_facts = [&] {
    if (!facts.empty()) {
      apply_facts(plan, facts, job.present_names, job.options, namer);
      facts.clear();
    }
  };
  for (const PendingStep& step : job.steps) {
    if (const auto* fact = std::get_if<ContainerFact>(&step)) {
      facts.push_back(*fact);
    } else {
      flush_facts();
      reconcile_full(plan, *std::get<ContainerList>(step), job.options, job.clock, namer);
    }
  }
  flush_facts();
  return plan;
}

void write_plan(Registry& registry, const Plan& plan) {
  const auto& before = plan.original();
  const auto& after = plan.current();
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (after[i].status != before[i].status) {
      registry.set_status(i, after[i].status);
    }
    if (after[i].container_name != before[i].container_name && after[i].container_name) {
      registry.set_container_name(i, *after[i].container_name);
    }
  }
}

}  // namespace

ReconcileJob reconcile_job_for(const Config& config, std::vector<PendingStep> steps) {
  ReconcileJob job;
  job.steps = std::move(steps);
  job.options = RuleOptions{config.on_die, config.grace_seconds};
  job.clock = read_clock();
  job.access = RegistryAccess{config.allow_unsafe_registry};
  return job;
}

bool includes_full_list(const ReconcileJob& job) {
  return std::any_of(job.steps.begin(), job.steps.end(),
                     [](const auto& step) { return std::holds_alternative<ContainerList>(step); });
}

ReconcileResult run_reconcile_job(const std::string& registry_path, const ReconcileJob& job,
                                  LockWait wait, WriterMemory& memory) {
  ReconcileResult result;
  result.outcome = update_registry(
      registry_path, wait, memory.last_good,
      [&](Registry& registry) -> Result<Mutation> {
        const Plan plan = plan_steps(registry, job, memory.namer);
        result.decisions = plan.log();
        result.summary = plan.summary();
        const bool record_note = job.always_record_agent && job.agent_note &&
                                 !plan.current().empty() &&
                                 !names_this_watcher(registry.agent_json(), *job.agent_note);
        if (!plan.changed() && !record_note) {
          return Mutation::kUnchanged;
        }
        write_plan(registry, plan);
        if (job.agent_note) {
          if (auto recorded = registry.set_agent_json(to_json(*job.agent_note)); !recorded) {
            return recorded.error();
          }
        }
        return Mutation::kChanged;
      },
      job.access);
  return result;
}

}  // namespace ipa
