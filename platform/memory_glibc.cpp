#include <malloc.h>

#include <algorithm>
#include <climits>

#include "platform/memory.hpp"

namespace ipa::platform {

void tune_allocator_for_one_writer(std::size_t keep_freed_bytes) {
  const int bytes = static_cast<int>(std::min<std::size_t>(keep_freed_bytes, INT_MAX));
  ::mallopt(M_ARENA_MAX, 1);
  ::mallopt(M_TRIM_THRESHOLD, bytes);
  ::mallopt(M_MMAP_THRESHOLD, bytes);
}

void return_freed_memory() {
  ::malloc_trim(0);
}

}  // namespace ipa::platform
