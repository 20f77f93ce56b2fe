#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/assignment.hpp"
#include "model/container.hpp"
#include "reconciler/container_name.hpp"

namespace ipa {

// Which container is an assignment's (the contract's rules a, b, c):
// (a) the container named container_name and no other; else (b) the container
// named iris_<md5[:8]>_<port>; else (c) a container publishing host port
// `port` for 1972/tcp. A container that some assignment claims by name is
// never taken by another one's port rule: the name says whose it is.
class ContainerMatcher {
 public:
  ContainerMatcher(const std::vector<Assignment>& assignments, ContainerNamer& namer);

  // Every assignment's container in `containers` (nullptr: none), by index.
  std::vector<const Container*> match_all(const std::vector<Container>& containers) const;

  // The assignments whose container is `container`; `present_names` are the
  // names of all containers that exist (rule c yields to a present rule-b name).
  std::vector<std::size_t> claimants(const Container& container,
                                     const std::unordered_set<std::string>& present_names) const;

  // The assignments that claim a container of this name (rules a and b).
  std::vector<std::size_t> claimants_by_name(const std::string& name) const;

 private:
  const std::vector<Assignment>& assignments_;
  std::vector<std::string> names_;  // each assignment's claimed name
  std::unordered_map<std::string, std::vector<std::size_t>> by_name_;
  std::unordered_map<int, std::vector<std::size_t>> unnamed_by_port_;
};

}  // namespace ipa
