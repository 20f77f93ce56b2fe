#include "tests/docker/support/loop_driver.hpp"

#include <catch2/catch.hpp>

namespace ipa::test {

LoopDriver::LoopDriver() {
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &guard_);
}

LoopDriver::~LoopDriver() {
  uv_close(reinterpret_cast<uv_handle_t*>(&guard_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop_) == 0);
}

bool LoopDriver::pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return done();
    }
    uv_timer_start(
        &guard_, [](uv_timer_t*) {}, static_cast<uint64_t>(left.count()), 0);
    uv_run(&loop_, UV_RUN_ONCE);
  }
  uv_timer_stop(&guard_);
  return true;
}

void LoopDriver::pump_for(std::chrono::milliseconds duration) {
  (void)pump_until([] { return false; }, duration);
}

bool LoopDriver::drain(std::chrono::milliseconds timeout) {
  uv_timer_stop(&guard_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (uv_run(&loop_, UV_RUN_NOWAIT) != 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    uv_run(&loop_, UV_RUN_ONCE);
  }
  return true;
}

}  // namespace ipa::test
