#include "reconciler/container_cache.hpp"

namespace ipa {
namespace {

std::string attribute(const Event& event, const std::string& key) {
  const auto found = event.attributes.find(key);
  return found == event.attributes.end() ? std::string() : found->second;
}

std::string without_slash(std::string name) {
  if (!name.empty() && name.front() == '/') {
    name.erase(0, 1);
  }
  return name;
}

// `docker kill -s WINCH` and friends are requests, not stops: a crash after
// them is still a crash. Docker reports the signal as a number or a name.
bool signal_ends_process(const std::string& signal) {
  static const std::unordered_set<std::string> kHarmless = {
      "17",      "18",      "19",      "20",      "21",      "22",      "23",     "28",
      "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGWINCH",
      "CHLD",    "CONT",    "STOP",    "TSTP",    "TTIN",    "TTOU",    "URG",    "WINCH"};
  return kHarmless.count(signal) == 0;
}

}  // namespace

const char* to_string(ContainerFact::Kind kind) {
  switch (kind) {
    case ContainerFact::Kind::kStarted:
      return "started";
    case ContainerFact::Kind::kStoppedOnRequest:
      return "stopped on request";
    case ContainerFact::Kind::kCrashed:
      return "died on its own";
    case ContainerFact::Kind::kRemoved:
      return "removed";
    case ContainerFact::Kind::kRenamed:
      return "renamed";
  }
  return "?";
}

void ContainerCache::replace(const std::vector<Container>& containers) {
  std::unordered_map<std::string, Entry> fresh;
  fresh.reserve(containers.size());
  for (const Container& container : containers) {
    Entry entry{container, false};
    // A stop request seen before a reconnect still explains a die after it.
    if (const auto old = containers_.find(container.id); old != containers_.end()) {
      entry.stop_requested = old->second.stop_requested;
    }
    fresh.emplace(container.id, std::move(entry));
  }
  containers_ = std::move(fresh);
}

void ContainerCache::learn_ports(const Container& listed) {
  const auto found = containers_.find(listed.id);
  if (found != containers_.end()) {
    found->second.container.iris_host_ports = listed.iris_host_ports;
    found->second.container.published_host_ports = listed.published_host_ports;
  }
}

std::unordered_set<std::string> ContainerCache::names() const {
  std::unordered_set<std::string> names;
  names.reserve(containers_.size());
  for (const auto& [id, entry] : containers_) {
    names.insert(entry.container.name);
  }
  return names;
}

ContainerCache::Entry& ContainerCache::entry_for(const Event& event) {
  auto& entry = containers_[event.id];
  entry.container.id = event.id;
  // Events carry the current name; the cache may have missed a rename.
  if (const std::string name = attribute(event, "name"); !name.empty()) {
    entry.container.name = without_slash(name);
  }
  return entry;
}

std::optional<ContainerFact> ContainerCache::observe(const Event& event) {
  if (event.type != "container" || event.id.empty()) {
    return std::nullopt;
  }
  const std::string& action = event.action;
  if (action == "destroy") {
    Entry removed = entry_for(event);
    containers_.erase(event.id);
    return ContainerFact{ContainerFact::Kind::kRemoved, removed.container, "", event.time_nano,
                         action};
  }
  if (action == "rename") {
    Entry& entry = entry_for(event);
    return ContainerFact{ContainerFact::Kind::kRenamed, entry.container,
                         without_slash(attribute(event, "oldName")), event.time_nano, action};
  }
  Entry& entry = entry_for(event);
  if (action == "create") {
    entry.container.state = ContainerState::kCreated;
    return std::nullopt;
  }
  if (action == "stop" || (action == "kill" && signal_ends_process(attribute(event, "signal")))) {
    entry.stop_requested = true;
    return std::nullopt;
  }
  if (action == "pause") {
    entry.container.state = ContainerState::kPaused;
    return std::nullopt;
  }
  if (action == "unpause") {
    entry.container.state = ContainerState::kRunning;
    return std::nullopt;
  }
  if (action == "start") {
    entry.container.state = ContainerState::kRunning;
    entry.stop_requested = false;
    return ContainerFact{ContainerFact::Kind::kStarted, entry.container, "", event.time_nano,
                         action};
  }
  if (action == "die") {
    entry.container.state = ContainerState::kExited;
    const bool requested = entry.stop_requested;
    entry.stop_requested = false;
    // Docker lists published ports of running containers only; keep the ones
    // we knew so the fact can still be matched by port.
    return ContainerFact{
        requested ? ContainerFact::Kind::kStoppedOnRequest : ContainerFact::Kind::kCrashed,
        entry.container, "", event.time_nano, action};
  }
  return std::nullopt;
}

}  // namespace ipa
