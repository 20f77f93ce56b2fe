#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "reconciler/model.hpp"

namespace ipa {

// The port registry document. It keeps the parsed JSON as it was read so that
// keys and values this program does not own survive a load-modify-save
// untouched; the typed accessors only read and write the contract's fields.
class Registry {
 public:
  Registry();  // the empty registry: schema 1.0, no assignments
  ~Registry();
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  Registry(const Registry& other);
  Registry& operator=(const Registry& other);

  // Parses and validates bytes read from `path` (used in messages only).
  // Errors: kRegistryCorrupt (bad JSON or shape, naming the field) or
  // kRegistryUnsupported (schema major other than 1).
  static Result<Registry> parse(std::string_view bytes, const std::string& path);

  // Pretty-printed like Python's json.dump(indent=2): two-space indent,
  // ", " free separators, non-ASCII escaped, no trailing newline.
  std::string serialize() const;

  // The contract's view of every assignment, in file order.
  std::vector<Assignment> assignments() const;
  std::size_t size() const;

  void set_status(std::size_t index, AssignmentStatus status);
  void set_container_name(std::size_t index, const std::string& name);
  // Appends an assignment with exactly the contract's keys.
  void append(const Assignment& assignment);
  void remove(std::size_t index);
  void clear_assignments();

  // The agent's own metadata under the top-level "agent" key, as a JSON
  // object text; nullopt when absent.
  std::optional<std::string> agent_json() const;
  void set_agent_json(std::string_view object_json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipa
