#include "reconciler/container_cache.hpp"

namespace ipa {
namespace {

constexpr std::size_t kRemovedRemembered = 1024;

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
// Podman's kill events carry no signal: counted as ending the process.
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
    case ContainerFact::Kind::kStopCameLate:
      return "stopped on request (the request came just after its death)";
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
    Entry entry;
    // A stop request seen before a reconnect still explains a die after it,
    // and a crash seen before it can still be corrected.
    if (const auto old = containers_.find(container.id); old != containers_.end()) {
      entry = old->second;
    }
    entry.container = container;
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

std::optional<ContainerFact> ContainerCache::removed(const Event& event) {
  Entry gone = entry_for(event);
  containers_.erase(event.id);
  if (removed_ids_.insert(event.id).second) {
    removed_order_.push_back(event.id);
    if (removed_order_.size() > kRemovedRemembered) {
      removed_ids_.erase(removed_order_.front());
      removed_order_.pop_front();
    }
  }
  return ContainerFact{ContainerFact::Kind::kRemoved, gone.container, "", event.time_nano,
                       event.action};
}

// Podman sends no oldName: the name the cache knew is the old one.
std::optional<ContainerFact> ContainerCache::renamed(const Event& event) {
  std::string old_name = without_slash(attribute(event, "oldName"));
  if (old_name.empty()) {
    if (const auto known = containers_.find(event.id); known != containers_.end()) {
      old_name = known->second.container.name;
    }
  }
  const Entry& entry = entry_for(event);
  return ContainerFact{ContainerFact::Kind::kRenamed, entry.container, old_name, event.time_nano,
                       event.action};
}

bool ContainerCache::just_crashed(const Entry& entry, const Event& event) const {
  return entry.crashed_at && event.time_nano >= *entry.crashed_at &&
         event.time_nano - *entry.crashed_at <= ordering_window_nanos_;
}

std::optional<ContainerFact> ContainerCache::requested(Entry& entry, const Event& event) {
  if (just_crashed(entry, event)) {
    entry.crashed_at.reset();
    return ContainerFact{ContainerFact::Kind::kStopCameLate, entry.container, "", event.time_nano,
                         event.action};
  }
  entry.stop_requested = true;
  return std::nullopt;
}

std::optional<ContainerFact> ContainerCache::died(Entry& entry, const Event& event) {
  entry.container.state = ContainerState::kExited;
  const bool requested = entry.stop_requested;
  entry.stop_requested = false;
  if (!requested) {
    entry.crashed_at = event.time_nano;
    entry.cleanups_since_crash = 0;
  }
  // Docker lists published ports of running containers only; keep the ones
  // we knew so the fact can still be matched by port.
  return ContainerFact{
      requested ? ContainerFact::Kind::kStoppedOnRequest : ContainerFact::Kind::kCrashed,
      entry.container, "", event.time_nano, event.action};
}

std::optional<ContainerFact> ContainerCache::observe(const Event& event) {
  if (event.type != "container" || event.id.empty() || removed_ids_.contains(event.id)) {
    return std::nullopt;
  }
  const std::string& action = event.action;
  if (action == "destroy" || action == "remove") {
    return removed(event);
  }
  if (action == "rename") {
    return renamed(event);
  }
  // `docker restart` on Docker sends restart after the start that ends it;
  // Podman sends it first, before the die it causes.
  const bool restart_request = [&] {
    if (action != "restart") {
      return false;
    }
    const auto known = containers_.find(event.id);
    return known == containers_.end() || !known->second.started_at ||
           event.time_nano - *known->second.started_at > ordering_window_nanos_;
  }();
  const bool stop_request = action == "stop" || restart_request ||
                            (action == "kill" && signal_ends_process(attribute(event, "signal")));
  // Podman 4.3's API cleans a container it stopped up itself, after the
  // container's own cleanup process did, and drops the stop event when that
  // process was first: "die cleanup cleanup" is a stop ("die cleanup" a
  // crash or a kill, whose kill event comes first).
  if (action == "cleanup") {
    const auto known = containers_.find(event.id);
    if (known != containers_.end() && just_crashed(known->second, event) &&
        ++known->second.cleanups_since_crash == 2) {
      return requested(known->second, event);
    }
    return std::nullopt;
  }
  static const std::unordered_set<std::string> kTracked = {"create",  "start", "pause",
                                                           "unpause", "die",   "died"};
  if (!stop_request && kTracked.count(action) == 0) {
    return std::nullopt;  // init, cleanup, exec_died, health_status, ...: no state change
  }
  Entry& entry = entry_for(event);
  if (stop_request) {
    return requested(entry, event);
  }
  if (action == "die" || action == "died") {
    return died(entry, event);
  }
  if (action == "start") {
    entry.container.state = ContainerState::kRunning;
    entry.stop_requested = false;
    entry.crashed_at.reset();
    entry.started_at = event.time_nano;
    return ContainerFact{ContainerFact::Kind::kStarted, entry.container, "", event.time_nano,
                         action};
  }
  entry.container.state = action == "create"  ? ContainerState::kCreated
                          : action == "pause" ? ContainerState::kPaused
                                              : ContainerState::kRunning;
  return std::nullopt;
}

}  // namespace ipa
