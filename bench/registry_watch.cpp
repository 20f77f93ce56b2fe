// Watches one registry file and says, with a CLOCK_REALTIME timestamp (the
// clock dockerd stamps events with, `timeNano`), when each version of it
// appeared and which projects it shows as stale for the first time.
//
//   registry_watch REGISTRY
//
// Prints "ready" once the watch is in place, then one line per version:
//   W <ns> <changed> <n>    a write (<n> > 1: several writes seen in one read, read
//                           once); <changed> = assignments whose status differs
//                           from the previous version (0: a write without a change)
//   S <ns> <project_path>   the first version that shows this project stale
//   E <ns> <what>           a version that could not be read or parsed
// The agent replaces the registry by rename (IN_MOVED_TO on the directory);
// a Python writer rewrites it in place (IN_CLOSE_WRITE). The timestamp is
// taken as soon as read(2) returns the inotify event, before any parsing.

#include <rapidjson/document.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace {

long long realtime_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

class Observer {
 public:
  explicit Observer(std::string path) : path_(std::move(path)) {}

  void on_version(long long stamp, int writes) {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    rapidjson::Document doc;
    doc.Parse(bytes.str().c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("assignments") ||
        !doc["assignments"].IsArray()) {
      std::printf("E %lld unparsable\n", stamp);
      return;
    }
    std::unordered_map<std::string, std::string> status;
    for (const auto& entry : doc["assignments"].GetArray()) {
      if (!entry.IsObject() || !entry.HasMember("project_path") || !entry.HasMember("status") ||
          !entry["project_path"].IsString() || !entry["status"].IsString()) {
        continue;
      }
      status[entry["project_path"].GetString()] = entry["status"].GetString();
    }
    int changed = 0;
    for (const auto& [project, value] : status) {
      const auto before = last_.find(project);
      if (before == last_.end() || before->second != value) {
        ++changed;
      }
    }
    std::printf("W %lld %d %d\n", stamp, changed, writes);
    for (const auto& [project, value] : status) {
      if (value == "stale" && reported_.insert(project).second) {
        std::printf("S %lld %s\n", stamp, project.c_str());
      }
    }
    last_ = std::move(status);
  }

  // The first version is the baseline: what the bench wrote before starting us.
  void baseline() {
    on_version(realtime_ns(), 0);
    reported_.clear();
    for (const auto& [project, value] : last_) {
      if (value == "stale") {
        reported_.insert(project);  // already stale: not news
      }
    }
  }

 private:
  std::string path_;
  std::unordered_map<std::string, std::string> last_;
  std::unordered_set<std::string> reported_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: registry_watch REGISTRY\n");
    return 2;
  }
  const std::string path = argv[1];
  const auto slash = path.find_last_of('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);

  const int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0 || inotify_add_watch(fd, directory.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    std::fprintf(stderr, "registry_watch: cannot watch %s: %s\n", directory.c_str(),
                 std::strerror(errno));
    return 1;
  }
  Observer observer(path);
  observer.baseline();
  std::printf("ready\n");
  std::fflush(stdout);

  alignas(inotify_event) std::array<char, 65536> buffer{};
  while (true) {
    const ssize_t length = read(fd, buffer.data(), buffer.size());
    const long long stamp = realtime_ns();
    if (length < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::perror("registry_watch: read");
      return 1;
    }
    int ours = 0;
    for (ssize_t offset = 0; offset < length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
      if (event->len > 0 && name == event->name) {
        ++ours;
      }
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    // Several events in one read are one observation: we read the file once.
    if (ours > 0) {
      observer.on_version(stamp, ours);
      std::fflush(stdout);
    }
  }
}
