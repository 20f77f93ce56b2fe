#pragma once

namespace ipa {

// What a `die` does to an active assignment: mark it (released or stale), or
// keep it active while its stopped container exists, as iris-devtester's own
// cleanup_stale() does. A setting of the config, read by the rules.
enum class OnDie { kMark, kKeep };

}  // namespace ipa
