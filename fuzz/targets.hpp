#pragma once

#include <cstddef>
#include <cstdint>

// The bodies of the libFuzzer targets, shared with the Catch2 test that
// replays fuzz/regressions/ and fuzz/corpus/ (tests/faults), so that every
// input the fuzzer ever crashed on stays a test in the normal suite. Each one
// aborts (via IPA_FUZZ_CHECK) when an invariant breaks; the sanitizers catch
// memory and undefined-behaviour errors.
namespace ipa::fuzz {

// The /events bytes as the network delivers them: split into chunks by the
// input itself, through LineSplitter (small cap, so oversized lines are
// exercised), then each line through parse_event_line.
void event_stream(const std::uint8_t* data, std::size_t size);

// Registry::parse on arbitrary bytes; what parses must serialize, parse
// again, and serialize to the same bytes (the agent rewrites what it reads).
// That also holds the loader to writing a repeated key once (a second read
// would drop it) and an integer with its own digits (seeds 05-07).
void registry_parse(const std::uint8_t* data, std::size_t size);

}  // namespace ipa::fuzz
