// libFuzzer entry point: the /events stream (LineSplitter + parse_event_line).
#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ipa::fuzz::event_stream(data, size);
  return 0;
}
