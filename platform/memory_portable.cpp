#include "platform/memory.hpp"

// Without glibc's knobs the allocator keeps its own policy: macOS's hands
// freed pages back by itself, so there is nothing to tune or trim.
namespace ipa::platform {

void tune_allocator_for_one_writer(std::size_t /*keep_freed_bytes*/) {}

void return_freed_memory() {}

}  // namespace ipa::platform
