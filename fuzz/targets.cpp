#include "fuzz/targets.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/docker/docker_json.hpp"
#include "agent/docker/line_splitter.hpp"
#include "registry/registry.hpp"

// Not assert(): NDEBUG builds (Release, RelWithDebInfo) would drop it.
#define IPA_FUZZ_CHECK(condition)                                                            \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace ipa::fuzz {

void event_stream(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return;
  }
  // The first byte picks the chunk size, so the same line reaches the
  // splitter whole, byte by byte, or cut anywhere in between.
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kMaxLine = 256;
  LineSplitter splitter(kMaxLine);
  std::size_t delivered = 0;
  const auto on_line = [&](std::string_view line) {
    IPA_FUZZ_CHECK(line.size() <= kMaxLine);
    IPA_FUZZ_CHECK(line.find('\n') == std::string_view::npos);
    delivered += line.size();
    auto event = parse_event_line(line);
    if (event) {
      // Whatever parsed must be usable as is: the fields are plain strings.
      IPA_FUZZ_CHECK(event->type.size() <= line.size());
      IPA_FUZZ_CHECK(event->id.size() <= line.size());
    } else {
      IPA_FUZZ_CHECK(!event.error().message.empty());
    }
  };
  const auto on_oversized = [](std::size_t dropped) { IPA_FUZZ_CHECK(dropped > kMaxLine); };
  for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
    splitter.feed(bytes.substr(offset, chunk), on_line, on_oversized);
  }
  IPA_FUZZ_CHECK(delivered <= bytes.size());
  // The same bytes as one container-list body: the other parser of the same peer.
  (void)parse_container_list(bytes);
}

void registry_parse(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = Registry::parse(bytes, "fuzz");
  if (!parsed) {
    IPA_FUZZ_CHECK(!parsed.error().message.empty());
    return;
  }
  const auto assignments = parsed->assignments();
  IPA_FUZZ_CHECK(assignments.size() == parsed->size());
  (void)parsed->agent_json();
  const std::string first = parsed->serialize();
  auto again = Registry::parse(first, "fuzz (re-read)");
  IPA_FUZZ_CHECK(again.ok());
  IPA_FUZZ_CHECK(again->serialize() == first);
  // The agent's own edits must keep the document valid too.
  if (!assignments.empty()) {
    again->set_status(0, AssignmentStatus::kStale);
    again->set_container_name(0, "iris_0123abcd_1972");
    IPA_FUZZ_CHECK(Registry::parse(again->serialize(), "fuzz (edited)").ok());
  }
}

}  // namespace ipa::fuzz
