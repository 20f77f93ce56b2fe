#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "model/assignment.hpp"

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
  // Read as Python's json.load reads them: a repeated key takes its last
  // value (in the place of its first); a number beyond a double's range is
  // read too (an integer exactly, a float as inf). Errors: kRegistryCorrupt
  // (bad JSON or shape, naming the field; an integer Python refuses, over
  // 4300 digits) or
  // kRegistryUnsupported (schema major other than 1). A missing
  // schema_version reads as 1.0; a missing "assignments" is corrupt.
  static Result<Registry> parse(std::string_view bytes, const std::string& path);

  // Byte for byte what Python's json.dump(obj, f, indent=2) writes: two-space
  // indent, "key": value, non-ASCII as lowercase \uXXXX, floats as repr(),
  // no trailing newline. Integers come back with the digits they were read
  // with, also beyond 64 bits; a key that was repeated comes back once.
  std::string serialize() const;

  // The contract's view of every assignment, in file order.
  std::vector<Assignment> assignments() const;
  std::size_t size() const;

  // `index` must be below size(). A changed key keeps its place; a new one
  // goes last in the assignment.
  void set_status(std::size_t index, AssignmentStatus status);
  void set_container_name(std::size_t index, const std::string& name);
  // Appends an assignment with exactly the contract's keys.
  void append(const Assignment& assignment);
  void remove(std::size_t index);
  void clear_assignments();

  // The agent's own metadata under the top-level "agent" key, as a compact
  // JSON object text; nullopt when absent or not an object.
  std::optional<std::string> agent_json() const;
  // kUsage when `object_json` is not a JSON object; the registry is unchanged then.
  Result<Ok> set_agent_json(std::string_view object_json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `text` as Python's json.dumps writes a str: quoted, non-ASCII as \uXXXX,
// a surrogate-escaped byte as its lone "\udcXX". Always ASCII, always valid.
std::string python_json_string(std::string_view text);

}  // namespace ipa
