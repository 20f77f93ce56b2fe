// Times one read-modify-write of the registry as the agent does it: load and
// validate, change one status, save atomically (fsync of file and directory),
// keep the last good copy (one LastGoodCopy from round to round, as watch mode).
// Prints the median and p99 in microseconds for 10, 1,000 and 10,000
// assignments. Usage: registry_bench [DIRECTORY] (default: a new one in /tmp).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "registry/last_good_copy.hpp"
#include "registry/registry.hpp"
#include "registry/registry_file.hpp"
#include "tests/registry/synthetic_registry.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Timings {
  std::vector<double> load;
  std::vector<double> change;
  std::vector<double> save;
  std::vector<double> keep;
};

void report(const ipa::Error& error) {
  // Nothing better to do if stderr itself fails.
  (void)std::fprintf(stderr, "registry_bench: %s\n", error.message.c_str());
}

double microseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
  return samples[index];
}

// One measured round; false (with a message) when the registry code fails.
bool measure_round(const std::string& path, int round, ipa::LastGoodCopy& copy, Timings& timings) {
  auto start = Clock::now();
  auto loaded = ipa::load_registry(path);
  timings.load.push_back(microseconds_since(start));
  if (!loaded) {
    report(loaded.error());
    return false;
  }
  start = Clock::now();
  const auto status =
      round % 2 == 0 ? ipa::AssignmentStatus::kStale : ipa::AssignmentStatus::kActive;
  loaded->registry.set_status(loaded->registry.size() / 2, status);
  const std::string bytes = loaded->registry.serialize();
  timings.change.push_back(microseconds_since(start));
  start = Clock::now();
  const auto saved = ipa::save_atomically(path, bytes);
  timings.save.push_back(microseconds_since(start));
  if (!saved) {
    report(saved.error());
    return false;
  }
  start = Clock::now();
  const auto kept = copy.keep(path, bytes);
  timings.keep.push_back(microseconds_since(start));
  if (!kept) {
    report(kept.error());
    return false;
  }
  return true;
}

void print_row(const char* what, int count, const std::vector<double>& samples) {
  std::printf("%7d assignments  %-24s median %10.1f us   p99 %10.1f us\n", count, what,
              percentile(samples, 0.5), percentile(samples, 0.99));
}

bool bench(const std::string& directory, int count, int rounds) {
  const std::string path = directory + "/port-registry-" + std::to_string(count) + ".json";
  if (!ipa::save_atomically(path, ipa::test::registry_with(count).serialize())) {
    return false;
  }
  Timings timings;
  ipa::LastGoodCopy copy;
  for (int round = 0; round < rounds; ++round) {
    if (!measure_round(path, round, copy, timings)) {
      return false;
    }
  }
  print_row("load + validate", count, timings.load);
  print_row("change + serialize", count, timings.change);
  print_row("save (fsync, rename)", count, timings.save);
  print_row("keep the last good copy", count, timings.keep);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string directory;
  if (argc > 1) {
    directory = argv[1];
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "ipa-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    directory = pattern;
  }
  std::printf("registry bench in %s\n", directory.c_str());
  const bool ok =
      bench(directory, 10, 500) && bench(directory, 1000, 200) && bench(directory, 10000, 50);
  if (argc <= 1) {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
  return ok ? 0 : 1;
}
