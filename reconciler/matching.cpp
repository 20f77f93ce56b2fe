#include "reconciler/matching.hpp"

#include <algorithm>

namespace ipa {

ContainerMatcher::ContainerMatcher(const std::vector<Assignment>& assignments,
                                   ContainerNamer& namer)
    : assignments_(assignments) {
  names_.reserve(assignments.size());
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    const Assignment& assignment = assignments[i];
    names_.push_back(assignment.container_name
                         ? *assignment.container_name
                         : namer.name_for(assignment.project_path, assignment.port));
    by_name_[names_.back()].push_back(i);
    if (!assignment.container_name) {
      unnamed_by_port_[assignment.port].push_back(i);
    }
  }
}

std::vector<std::size_t> ContainerMatcher::claimants_by_name(const std::string& name) const {
  const auto found = by_name_.find(name);
  return found == by_name_.end() ? std::vector<std::size_t>{} : found->second;
}

std::vector<std::size_t> ContainerMatcher::claimants(
    const Container& container, const std::unordered_set<std::string>& present_names) const {
  std::vector<std::size_t> result = claimants_by_name(container.name);
  if (!result.empty()) {
    return result;
  }
  for (const int port : container.iris_host_ports) {
    const auto found = unnamed_by_port_.find(port);
    if (found == unnamed_by_port_.end()) {
      continue;
    }
    for (const std::size_t i : found->second) {
      if (present_names.count(names_[i]) == 0 &&
          std::find(result.begin(), result.end(), i) == result.end()) {
        result.push_back(i);
      }
    }
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<const Container*> ContainerMatcher::match_all(
    const std::vector<Container>& containers) const {
  std::unordered_map<std::string, const Container*> by_container_name;
  std::unordered_map<int, const Container*> unclaimed_by_port;
  for (const Container& container : containers) {
    by_container_name.emplace(container.name, &container);
  }
  for (const Container& container : containers) {
    if (by_name_.count(container.name) != 0) {
      continue;
    }
    for (const int port : container.iris_host_ports) {
      unclaimed_by_port.emplace(port, &container);
    }
  }
  std::vector<const Container*> matches(assignments_.size(), nullptr);
  for (std::size_t i = 0; i < assignments_.size(); ++i) {
    if (const auto named = by_container_name.find(names_[i]); named != by_container_name.end()) {
      matches[i] = named->second;
    } else if (!assignments_[i].container_name) {
      const auto by_port = unclaimed_by_port.find(assignments_[i].port);
      matches[i] = by_port == unclaimed_by_port.end() ? nullptr : by_port->second;
    }
  }
  return matches;
}

}  // namespace ipa
