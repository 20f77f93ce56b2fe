#include <catch2/catch.hpp>

#include "agent/docker/docker_watch.hpp"
#include "agent/docker/event_cursor.hpp"

namespace {

ipa::Event event(std::int64_t t, const char* action, const char* id = "c1") {
  ipa::Event e;
  e.type = "container";
  e.action = action;
  e.id = id;
  e.time_nano = t;
  return e;
}

}  // namespace

TEST_CASE("the cursor resumes at the newest event delivered", "[cursor]") {
  ipa::EventCursor cursor;
  CHECK_FALSE(cursor.since());
  cursor.record(event(10, "create"));
  cursor.record(event(30, "start"));
  cursor.record(event(20, "attach"));  // stamped out of order by the engine
  CHECK(cursor.since() == 30);
}

TEST_CASE("an event re-sent at the resume timestamp is a repeat, others are not", "[cursor]") {
  ipa::EventCursor cursor;
  cursor.record(event(30, "kill"));
  cursor.record(event(30, "die"));
  CHECK(cursor.is_repeat(event(30, "kill")));
  CHECK(cursor.is_repeat(event(30, "die")));
  CHECK_FALSE(cursor.is_repeat(event(30, "stop")));
  CHECK_FALSE(cursor.is_repeat(event(30, "kill", "c2")));
  CHECK_FALSE(cursor.is_repeat(event(31, "kill")));
  cursor.record(event(31, "stop"));
  CHECK_FALSE(cursor.is_repeat(event(30, "kill")));
}

TEST_CASE("the backoff doubles from the initial delay up to the cap, jittered in the upper half",
          "[backoff]") {
  const ipa::Backoff backoff{100, 10000};
  CHECK(ipa::backoff_delay_ms(backoff, 0, 0.0) == 50);
  CHECK(ipa::backoff_delay_ms(backoff, 0, 0.999) <= 100);
  CHECK(ipa::backoff_delay_ms(backoff, 1, 0.999) <= 200);
  CHECK(ipa::backoff_delay_ms(backoff, 1, 0.0) == 100);
  CHECK(ipa::backoff_delay_ms(backoff, 3, 0.0) == 400);
  CHECK(ipa::backoff_delay_ms(backoff, 7, 0.0) == 5000);  // capped at 10 s before jitter
  CHECK(ipa::backoff_delay_ms(backoff, 1000, 0.999) <= 10000);
  CHECK(ipa::backoff_delay_ms(backoff, 1000, 0.0) == 5000);
  CHECK(ipa::backoff_delay_ms(backoff, -1, 0.0) == 50);
}
