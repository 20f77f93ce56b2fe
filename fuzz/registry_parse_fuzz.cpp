// libFuzzer entry point: the registry loader (Registry::parse).
#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ipa::fuzz::registry_parse(data, size);
  return 0;
}
