#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <uv.h>

#include "agent/docker/docker_endpoint.hpp"
#include "agent/docker/engine_info.hpp"
#include "base/result.hpp"
#include "model/container.hpp"

namespace ipa {

// A non-blocking Docker Engine API client: curl's multi interface bound to a
// libuv loop (sockets on uv_poll_t, curl's timer on uv_timer_t). Every call
// returns at once; callbacks run on the loop, never from inside curl, so they
// may call back into the client (but must not destroy it). Errors name the
// endpoint and what failed: kDockerUnreachable for transport failures,
// kProtocol for HTTP error statuses and bodies that do not parse.
class DockerClient {
 public:
  DockerClient(uv_loop_t* loop, DockerEndpoint endpoint);
  ~DockerClient();
  DockerClient(const DockerClient&) = delete;
  DockerClient& operator=(const DockerClient&) = delete;

  // GET /_ping; yields the engine's Api-Version (empty if it sent none) and
  // uses it for the paths of later calls (/v1.41/...).
  void ping(std::function<void(Result<std::string>)> done);
  // GET /containers/json?all=1
  void list_containers(std::function<void(Result<std::vector<Container>>)> done);
  // The list entry of one container (Docker reports published ports only in
  // the list); an empty list when it is gone. `id` must be hex.
  void list_container(const std::string& id,
                      std::function<void(Result<std::vector<Container>>)> done);
  // GET /events?filters={"type":["container"]}[&since=S.N], streamed. on_open
  // runs when the engine has answered 2xx (it has then subscribed, or is about
  // to). Every well-formed line goes to on_event; malformed or oversized
  // lines are logged and skipped. on_end runs once when the stream ends for
  // any reason (the stream has no overall timeout).
  void stream_events(std::optional<std::int64_t> since_nano, std::function<void()> on_open,
                     std::function<void(const Event&)> on_event,
                     std::function<void(const Error&)> on_end);
  // Ends every transfer without calling their callbacks.
  void cancel_all();

  const DockerEndpoint& endpoint() const;
  // Which engine answered the last successful ping.
  const EngineInfo& engine() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipa
