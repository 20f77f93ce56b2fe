#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/container.hpp"
#include "model/on_die.hpp"
#include "reconciler/container_cache.hpp"
#include "reconciler/container_name.hpp"
#include "reconciler/plan.hpp"
#include "reconciler/timestamps.hpp"

namespace ipa {

struct RuleOptions {
  OnDie on_die = OnDie::kMark;
  std::int64_t grace_seconds = 600;
};

// The full reconcile, from one container list: run at every start of the
// agent, every reconnect to Docker, and --once.
void reconcile_full(Plan& plan, const std::vector<Container>& containers,
                    const RuleOptions& options, const Clock& clock, ContainerNamer& namer);

// The event rules, one fact at a time, in the order the events happened.
// `present_names` are the names of the containers that exist now.
void apply_facts(Plan& plan, const std::vector<ContainerFact>& facts,
                 const std::unordered_set<std::string>& present_names, const RuleOptions& options,
                 ContainerNamer& namer);

}  // namespace ipa
