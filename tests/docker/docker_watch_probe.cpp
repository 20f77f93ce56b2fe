// docker_watch_probe [--host URL] [--events N]
//
// Watches the engine (URL, else $DOCKER_HOST, else the default socket) and
// prints one line per event with its delivery latency: the wall clock at
// on_event minus the engine's timeNano (same host, same clock). With
// --events N it exits after N events, printing p50/p99; otherwise it runs
// until SIGINT/SIGTERM, idle between events (for measuring idle cost).
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "agent/docker/docker_watch.hpp"

namespace {

struct Probe {
  std::vector<double> latencies_ms;
  long wanted = 0;
  ipa::DockerWatch* watch = nullptr;
  uv_signal_t sigint{};
  uv_signal_t sigterm{};

  void finish() {
    watch->stop();
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
    if (latencies_ms.empty()) {
      return;
    }
    std::vector<double> sorted = latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&](double q) {
      return sorted[std::min(sorted.size() - 1,
                             static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
    };
    std::printf("events %zu  latency ms: p50 %.3f  p99 %.3f  max %.3f\n", sorted.size(), at(0.5),
                at(0.99), sorted.back());
  }
};

double now_ns() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

}  // namespace

int main(int argc, char** argv) {
  std::string host;
  Probe probe;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--host" && i + 1 < argc) {
      host = argv[++i];
    } else if (arg == "--events" && i + 1 < argc) {
      probe.wanted = std::strtol(argv[++i], nullptr, 10);
    } else {
      (void)std::fprintf(stderr, "usage: docker_watch_probe [--host URL] [--events N]\n");
      return 2;
    }
  }
  if (host.empty()) {
    const char* env = std::getenv("DOCKER_HOST");
    host = env != nullptr && *env != '\0' ? env : "unix:///var/run/docker.sock";
  }
  std::map<std::string, std::string> env;
  for (const char* key : {"DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "HOME"}) {
    if (const char* value = std::getenv(key)) {
      env[key] = value;
    }
  }
  auto endpoint = ipa::DockerEndpoint::parse(host, env);
  if (!endpoint) {
    (void)std::fprintf(stderr, "%s\n", endpoint.error().message.c_str());
    return 2;
  }

  uv_loop_t* loop = uv_default_loop();
  ipa::DockerWatch watch(
      loop, endpoint.value(), {},
      {
          [](const std::vector<ipa::Container>& list) {
            std::printf("synced: %zu containers\n", list.size());
            (void)std::fflush(stdout);
          },
          [&probe](const ipa::Event& event) {
            const double latency = (now_ns() - static_cast<double>(event.time_nano)) / 1e6;
            probe.latencies_ms.push_back(latency);
            std::printf("%-8s %.12s  %.3f ms\n", event.action.c_str(), event.id.c_str(), latency);
            (void)std::fflush(stdout);
            if (probe.wanted > 0 && static_cast<long>(probe.latencies_ms.size()) >= probe.wanted) {
              probe.finish();
            }
          },
          [](const ipa::Error& error) { std::printf("lost: %s\n", error.message.c_str()); },
      });
  probe.watch = &watch;
  const auto on_signal = [](uv_signal_t* handle, int) {
    static_cast<Probe*>(handle->data)->finish();
  };
  for (uv_signal_t* signal : {&probe.sigint, &probe.sigterm}) {
    uv_signal_init(loop, signal);
    signal->data = &probe;
  }
  uv_signal_start(&probe.sigint, on_signal, SIGINT);
  uv_signal_start(&probe.sigterm, on_signal, SIGTERM);
  std::printf("pid %d watching %s\n", static_cast<int>(uv_os_getpid()), host.c_str());
  (void)std::fflush(stdout);
  watch.start();
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}
