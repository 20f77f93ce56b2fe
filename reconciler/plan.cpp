#include "reconciler/plan.hpp"

#include <utility>

namespace ipa {

Plan::Plan(std::vector<Assignment> assignments)
    : original_(std::move(assignments)), current_(original_) {}

std::string Plan::describe(std::size_t index) const {
  const Assignment& assignment = current_[index];
  return assignment.project_path + " (port " + std::to_string(assignment.port) + ")";
}

void Plan::set_status(std::size_t index, AssignmentStatus status, std::string_view why) {
  Assignment& assignment = current_[index];
  if (assignment.status == status) {
    return;
  }
  log_.push_back(std::string(why) + ": " + describe(index) + " " + to_string(assignment.status) +
                 " -> " + to_string(status));
  assignment.status = status;
}

void Plan::set_container_name(std::size_t index, const std::string& name, std::string_view why) {
  Assignment& assignment = current_[index];
  if (assignment.container_name == name) {
    return;
  }
  log_.push_back(std::string(why) + ": " + describe(index) + " container_name " +
                 assignment.container_name.value_or("null") + " -> " + name);
  assignment.container_name = name;
  ++name_version_;
}

void Plan::note(std::string line) {
  log_.push_back(std::move(line));
}

bool Plan::changed() const {
  for (std::size_t i = 0; i < current_.size(); ++i) {
    if (current_[i].status != original_[i].status ||
        current_[i].container_name != original_[i].container_name) {
      return true;
    }
  }
  return false;
}

Plan::Summary Plan::summary() const {
  Summary summary;
  summary.total = current_.size();
  for (std::size_t i = 0; i < current_.size(); ++i) {
    const Assignment& before = original_[i];
    const Assignment& after = current_[i];
    const bool status_changed = before.status != after.status;
    const bool name_changed = before.container_name != after.container_name;
    if (!status_changed && !name_changed) {
      ++summary.unchanged;
    }
    if (name_changed) {
      ++summary.backfilled;
    }
    if (status_changed) {
      switch (after.status) {
        case AssignmentStatus::kActive:
          ++summary.to_active;
          break;
        case AssignmentStatus::kReleased:
          ++summary.to_released;
          break;
        case AssignmentStatus::kStale:
          ++summary.to_stale;
          break;
      }
    }
  }
  return summary;
}

std::string to_string(const Plan::Summary& summary) {
  std::string text = "reconciled " + std::to_string(summary.total) + " assignment" +
                     (summary.total == 1 ? "" : "s") + ":";
  bool first = true;
  const auto part = [&](std::size_t count, const char* what) {
    if (count == 0) {
      return;
    }
    text += first ? " " : ", ";
    text += std::to_string(count) + " " + what;
    first = false;
  };
  part(summary.to_stale, "stale");
  part(summary.to_released, "released");
  part(summary.to_active, "active again");
  part(summary.backfilled, "backfilled");
  part(summary.unchanged, "unchanged");
  if (first) {
    text += " none";
  }
  return text;
}

}  // namespace ipa
