#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace ipa {

// `<registry>.bak`, the copy `repair` restores from.
std::string backup_path_for(const std::string& registry_path);

// The last good copy of the registry (mode 0600), and what this writer last
// found or put there. keep() rewrites the copy only when `bytes` differ from
// it; while the copy is still the file seen then (same device, inode, size
// and times to the nanosecond), it is not read back to compare: the hash of
// the bytes it held says whether they differ. A writer that updates the
// registry again and again (watch mode) keeps one LastGoodCopy from write to
// write; anything else that touches the file changes what identifies it, and
// the copy is read again.
// The caller holds the registry lock, as for save_atomically.
class LastGoodCopy {
 public:
  // `bytes` must be a registry that parsed.
  Result<Ok> keep(const std::string& registry_path, const std::string& bytes);

 private:
  struct Identity {
    std::int64_t device = 0;
    std::int64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t modified_ns = 0;
    std::int64_t changed_ns = 0;
    bool operator==(const Identity&) const = default;
  };
  struct Seen {
    std::string path;
    Identity identity;
    std::size_t hash = 0;
  };

  static std::optional<Identity> identity_of(const std::string& path);
  void remember(const std::string& path, std::size_t hash);

  std::optional<Seen> seen_;
};

}  // namespace ipa
