#include "reconciler/rules.hpp"

#include <optional>

#include "reconciler/matching.hpp"

namespace ipa {
namespace {

bool is_live(ContainerState state) {
  return state == ContainerState::kRunning || state == ContainerState::kCreated ||
         state == ContainerState::kPaused || state == ContainerState::kRestarting;
}

std::string container_label(const Container& container) {
  return "container " + container.name + " (" + container.id.substr(0, 12) + ")";
}

// The active assignment other than `index` that holds `port`, if any.
std::optional<std::size_t> active_holder(const Plan& plan, std::size_t index) {
  const auto& assignments = plan.current();
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    if (i != index && assignments[i].status == AssignmentStatus::kActive &&
        assignments[i].port == assignments[index].port) {
      return i;
    }
  }
  return std::nullopt;
}

// A matching container is alive: active again, unless another active
// assignment holds the port (then leave it and say so).
void activate(Plan& plan, std::size_t index, const std::string& why) {
  const Assignment& assignment = plan.current()[index];
  if (assignment.status == AssignmentStatus::kActive) {
    return;
  }
  if (const auto holder = active_holder(plan, index)) {
    const Assignment& other = plan.current()[*holder];
    plan.note(why + ": " + assignment.project_path + " (port " + std::to_string(assignment.port) +
              ") stays " + to_string(assignment.status) + ": port conflict, " + other.project_path +
              " holds port " + std::to_string(other.port));
    return;
  }
  plan.set_status(index, AssignmentStatus::kActive, why);
}

void backfill(Plan& plan, std::size_t index, const Container& container, const std::string& why) {
  if (!plan.current()[index].container_name) {
    plan.set_container_name(index, container.name, why + " (backfill)");
  }
}

bool older_than_grace(const Assignment& assignment, const RuleOptions& options,
                      const Clock& clock) {
  const auto assigned = parse_iso8601_instant(assignment.assigned_at, clock);
  // The contract marks only what is known to be older; an unreadable
  // assigned_at is left for a person to look at.
  return assigned && clock.utc_seconds - *assigned > options.grace_seconds;
}

void reconcile_missing(Plan& plan, std::size_t index, const RuleOptions& options,
                       const Clock& clock) {
  const Assignment& assignment = plan.current()[index];
  if (assignment.status == AssignmentStatus::kStale) {
    return;
  }
  if (assignment.container_name) {
    plan.set_status(index, AssignmentStatus::kStale,
                    "reconcile: container " + *assignment.container_name + " does not exist");
  } else if (older_than_grace(assignment, options, clock)) {
    plan.set_status(index, AssignmentStatus::kStale,
                    "reconcile: no container after the grace period of " +
                        std::to_string(options.grace_seconds) + " s");
  }
}

void reconcile_stopped(Plan& plan, std::size_t index, const Container& container,
                       const RuleOptions& options) {
  const Assignment& assignment = plan.current()[index];
  if (options.on_die == OnDie::kKeep || assignment.status != AssignmentStatus::kActive) {
    return;  // a released one stays released while its container exists
  }
  plan.set_status(index, AssignmentStatus::kStale,
                  "reconcile: " + container_label(container) + " is " + to_string(container.state));
}

void apply_fact(Plan& plan, const ContainerFact& fact, const ContainerMatcher& matcher,
                const std::unordered_set<std::string>& present_names, const RuleOptions& options) {
  const std::string why = fact.action + " of " + container_label(fact.container);
  if (fact.kind == ContainerFact::Kind::kRenamed) {
    for (const std::size_t i : matcher.claimants_by_name(fact.old_name)) {
      plan.set_container_name(i, fact.container.name, why + " from " + fact.old_name);
    }
    return;
  }
  for (const std::size_t i : matcher.claimants(fact.container, present_names)) {
    const AssignmentStatus status = plan.current()[i].status;
    switch (fact.kind) {
      case ContainerFact::Kind::kStarted:
        backfill(plan, i, fact.container, why);
        activate(plan, i, why);
        break;
      case ContainerFact::Kind::kStoppedOnRequest:
      case ContainerFact::Kind::kCrashed:
        backfill(plan, i, fact.container, why);
        if (options.on_die == OnDie::kMark && status == AssignmentStatus::kActive) {
          plan.set_status(i,
                          fact.kind == ContainerFact::Kind::kCrashed ? AssignmentStatus::kStale
                                                                     : AssignmentStatus::kReleased,
                          why);
        }
        break;
      case ContainerFact::Kind::kStopCameLate:
        // Only the crash just before it made the assignment stale: both free
        // the port, released says the user asked for it.
        if (options.on_die == OnDie::kMark && status == AssignmentStatus::kStale) {
          plan.set_status(i, AssignmentStatus::kReleased, why + " just after its death");
        }
        break;
      case ContainerFact::Kind::kRemoved:
        plan.set_status(i, AssignmentStatus::kStale, why);
        break;
      case ContainerFact::Kind::kRenamed:
        break;
    }
  }
}

}  // namespace

void reconcile_full(Plan& plan, const std::vector<Container>& containers,
                    const RuleOptions& options, const Clock& clock, ContainerNamer& namer) {
  const std::vector<const Container*> matches =
      ContainerMatcher(plan.current(), namer).match_all(containers);
  // Marks first, activations second: an assignment that is about to become
  // stale must not block another one's port.
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const Container* container = matches[i];
    if (container == nullptr) {
      reconcile_missing(plan, i, options, clock);
      continue;
    }
    backfill(plan, i, *container, "reconcile: " + container_label(*container));
    if (!is_live(container->state)) {
      reconcile_stopped(plan, i, *container, options);
    }
  }
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (matches[i] != nullptr && is_live(matches[i]->state)) {
      activate(
          plan, i,
          "reconcile: " + container_label(*matches[i]) + " is " + to_string(matches[i]->state));
    }
  }
}

void apply_facts(Plan& plan, const std::vector<ContainerFact>& facts,
                 const std::unordered_set<std::string>& present_names, const RuleOptions& options,
                 ContainerNamer& namer) {
  std::optional<ContainerMatcher> matcher;
  std::size_t matched_version = 0;
  for (const ContainerFact& fact : facts) {
    // Names decide matching; rebuild only after a fact changed one.
    if (!matcher || matched_version != plan.name_version()) {
      matcher.emplace(plan.current(), namer);
      matched_version = plan.name_version();
    }
    apply_fact(plan, fact, *matcher, present_names, options);
  }
}

}  // namespace ipa
