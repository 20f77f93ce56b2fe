#include "agent/container_snapshot.hpp"

#include <uv.h>

#include <optional>

#include "agent/docker/docker_client.hpp"
#include "agent/docker/engine_alternatives.hpp"
#include "config/config.hpp"

namespace ipa {

namespace {

Result<std::vector<Container>> list_once(const DockerEndpoint& endpoint) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::optional<Result<std::vector<Container>>> result;
  {
    DockerClient client(&loop, endpoint);
    client.ping([&](const Result<std::string>& version) {
      if (!version) {
        result = version.error();
        return;
      }
      client.list_containers(
          [&](Result<std::vector<Container>> list) { result = std::move(list); });
    });
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (!result) {
    return make_error(ErrorCode::kDockerUnreachable,
                      "Docker engine at " + endpoint.url + " gave no answer");
  }
  return std::move(*result);
}

}  // namespace

Result<std::vector<Container>> fetch_container_list(const ResolvedEngine& engine) {
  auto list = list_once(engine.endpoint);
  if (!list && list.error().code == ErrorCode::kDockerUnreachable) {
    return make_error(ErrorCode::kDockerUnreachable,
                      list.error().message + engine_alternatives(engine, process_environment()));
  }
  return list;
}

}  // namespace ipa
