#pragma once

#include <cstddef>

// The allocator's knobs, where the C library has them: glibc's malloc keeps
// per-thread arenas and trims eagerly, which a writer that runs on one pool
// thread does not want. Elsewhere (macOS, musl) both calls do nothing.
namespace ipa::platform {

// One malloc arena, and freed memory kept up to `bytes` (no trimming, no mmap below it) — glibc's
// mallopt(M_ARENA_MAX,1), M_TRIM_THRESHOLD, M_MMAP_THRESHOLD; elsewhere nothing.
void tune_allocator_for_one_writer(std::size_t keep_freed_bytes);

// Hands freed memory back to the OS: glibc malloc_trim(0); elsewhere nothing.
void return_freed_memory();

}  // namespace ipa::platform
