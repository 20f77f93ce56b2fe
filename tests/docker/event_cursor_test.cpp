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
  CHECK(cursor.admit(event(10, "create")));
  CHECK(cursor.admit(event(30, "start")));
  CHECK(cursor.admit(event(20, "attach")));  // stamped out of order by the engine
  CHECK(cursor.since() == 30);
}

TEST_CASE("Docker: an event re-sent at the resume timestamp is a repeat, others are not",
          "[cursor]") {
  ipa::EventCursor cursor;
  cursor.admit(event(30, "kill"));
  cursor.admit(event(30, "die"));
  cursor.resume();
  CHECK_FALSE(cursor.admit(event(30, "kill")));
  CHECK_FALSE(cursor.admit(event(30, "die")));
  CHECK(cursor.admit(event(30, "stop")));
  CHECK(cursor.admit(event(30, "kill", "c2")));
  CHECK(cursor.admit(event(31, "kill")));
  CHECK(cursor.admit(event(30, "kill")));  // the replay is over
}

TEST_CASE("Podman: events re-sent from before the resume timestamp are repeats", "[cursor]") {
  // Podman reads since=S.N as a float: since=1796164455.606740782 brought
  // back the die stamped 1796164455606740781 and the events after it.
  constexpr std::int64_t kDie = 1796164455606740781;
  constexpr std::int64_t kCleanup = 1796164455709642402;
  ipa::EventCursor cursor;
  cursor.admit(event(kDie, "die"));
  cursor.admit(event(kCleanup, "cleanup"));
  cursor.resume();
  CHECK_FALSE(cursor.admit(event(kDie, "die")));
  CHECK_FALSE(cursor.admit(event(kCleanup, "cleanup")));
  CHECK(cursor.admit(event(kCleanup + 1, "remove")));
}

TEST_CASE("events older than the recent window are not remembered", "[cursor]") {
  ipa::EventCursor cursor;
  cursor.admit(event(0, "die"));
  cursor.admit(event(ipa::EventCursor::kRecentNanos + 1, "start"));
  cursor.resume();
  CHECK(cursor.admit(event(0, "die")));
}

TEST_CASE("a live stream keeps distinct events an engine stamped in the same second", "[cursor]") {
  constexpr std::int64_t kSecond = 1'700'000'000'000'000'000;
  ipa::EventCursor cursor;
  CHECK(cursor.admit(event(kSecond, "start")));
  CHECK(cursor.admit(event(kSecond, "die")));
  CHECK(cursor.admit(event(kSecond, "start")));
  cursor.resume();
  CHECK_FALSE(cursor.admit(event(kSecond, "start")));
  CHECK_FALSE(cursor.admit(event(kSecond, "die")));
  CHECK_FALSE(cursor.admit(event(kSecond, "start")));
  CHECK(cursor.admit(event(kSecond, "start")));
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
