#pragma once

#include <chrono>
#include <functional>

#include <uv.h>

namespace ipa::test {

// A libuv loop the test drives by hand: pump it until a condition holds.
// Between pumps nothing runs, which lets a test make the engine act while
// the client is not looking.
class LoopDriver {
 public:
  LoopDriver();
  ~LoopDriver();  // runs the loop until every handle is closed, then closes it
  LoopDriver(const LoopDriver&) = delete;
  LoopDriver& operator=(const LoopDriver&) = delete;

  uv_loop_t* loop() { return &loop_; }
  // Runs the loop until `done` holds or `timeout` passes; returns done().
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  // Runs the loop for `duration` whatever happens.
  void pump_for(std::chrono::milliseconds duration);
  // Runs the loop until nothing keeps it alive; false if that took over `timeout`.
  bool drain(std::chrono::milliseconds timeout);

 private:
  uv_loop_t loop_{};
  uv_timer_t guard_{};  // wakes a pump at its deadline
};

}  // namespace ipa::test
