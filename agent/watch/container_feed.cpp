#include "agent/watch/container_feed.hpp"

#include <utility>

#include "agent/wall_clock.hpp"
#include "base/log.hpp"

namespace ipa {

ContainerFeed::ContainerFeed(uv_loop_t* loop, Callbacks callbacks)
    : loop_(loop), callbacks_(std::move(callbacks)) {}

void ContainerFeed::follow(const DockerEndpoint& endpoint, Backoff backoff) {
  std::vector<PendingStep> steps;
  if (watch_) {
    watch_->stop();
    watch_.reset();
    release_held_without_ports(steps);
  }
  watch_ = std::make_unique<DockerWatch>(
      loop_, endpoint, backoff,
      DockerWatch::Callbacks{[this](std::vector<Container> list) { on_synced(std::move(list)); },
                             [this](const Event& event) { on_event(event); },
                             [this](const Error& error) { callbacks_.on_lost(error); }});
  watch_->start();
  deliver(std::move(steps));
}

void ContainerFeed::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  if (watch_) {
    watch_->stop();
  }
  std::vector<PendingStep> steps;
  release_held_without_ports(steps);
  deliver(std::move(steps));
}

EngineInfo ContainerFeed::engine_info() const {
  return watch_ ? watch_->engine() : EngineInfo{};
}

void ContainerFeed::on_synced(std::vector<Container> containers) {
  // Facts from before a reconnect go first (their lookups died with the
  // connection): the list that follows them is the truth.
  std::vector<PendingStep> steps;
  release_held_without_ports(steps);
  cache_.replace(containers);
  steps.emplace_back(std::make_shared<const std::vector<Container>>(std::move(containers)));
  last_change_nano_ = wall_clock_nano();
  last_synced_nano_ = last_change_nano_;
  deliver(std::move(steps));
}

void ContainerFeed::on_event(const Event& event) {
  if (stopped_) {
    return;
  }
  auto fact = cache_.observe(event);
  if (!fact) {
    return;
  }
  log_debug(std::string("event ") + event.action + " " + fact->container.name + ": " +
            to_string(fact->kind));
  last_change_nano_ = event.time_nano;
  const bool needs_ports = fact->kind == ContainerFact::Kind::kStarted;
  if (held_.empty() && !needs_ports) {
    std::vector<PendingStep> steps;
    steps.emplace_back(std::move(*fact));
    deliver(std::move(steps));
    return;
  }
  held_.push_back(HeldFact{std::move(*fact), !needs_ports});
  release_held();
}

void ContainerFeed::release_held() {
  std::vector<PendingStep> steps;
  while (!held_.empty() && held_.front().ready) {
    steps.emplace_back(std::move(held_.front().fact));
    held_.pop_front();
  }
  if (!held_.empty() && !lookup_in_flight_) {
    lookup_in_flight_ = true;
    watch_->lookup(held_.front().fact.container.id,
                   [this, asked = ++lookups_asked_](const Result<std::vector<Container>>& listed) {
                     if (asked == lookups_asked_) {  // else a later lookup replaced it
                       on_looked_up(listed);
                     }
                   });
  }
  deliver(std::move(steps));
}

// Without ports rather than not at all; an answer still on its way is dropped.
void ContainerFeed::release_held_without_ports(std::vector<PendingStep>& steps) {
  for (HeldFact& held : held_) {
    steps.emplace_back(std::move(held.fact));
  }
  held_.clear();
  lookup_in_flight_ = false;
  ++lookups_asked_;
}

void ContainerFeed::on_looked_up(const Result<std::vector<Container>>& listed) {
  lookup_in_flight_ = false;
  if (held_.empty()) {
    return;
  }
  HeldFact& front = held_.front();
  if (listed && !listed->empty()) {
    cache_.learn_ports(listed->front());
    front.fact.container.iris_host_ports = listed->front().iris_host_ports;
    front.fact.container.published_host_ports = listed->front().published_host_ports;
  } else if (!listed) {
    log_debug("no list entry for " + front.fact.container.name + ": " + listed.error().message);
  }
  front.ready = true;
  release_held();
}

void ContainerFeed::deliver(std::vector<PendingStep> steps) {
  if (!steps.empty()) {
    callbacks_.on_steps(std::move(steps));
  }
}

}  // namespace ipa
