#include "agent/instance_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/sync/file_lock.hpp>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/file_path.hpp"
#include "base/unique_fd.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_lock.hpp"

namespace ipa {

struct InstanceLock::Impl {
  // POSIX record locks vanish when the process closes *any* descriptor of the
  // file, so the descriptor that wrote the pid stays open as long as the lock.
  UniqueFd pid_fd;
  boost::interprocess::file_lock lock;
};

std::string instance_lock_path_for(const std::string& registry_path) {
  std::string path = lock_path_for(registry_path);
  constexpr std::string_view kLockSuffix = ".lock";
  path.resize(path.size() - kLockSuffix.size());
  return path + ".agent.pid";
}

InstanceLock::InstanceLock(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InstanceLock::~InstanceLock() = default;
InstanceLock::InstanceLock(InstanceLock&&) noexcept = default;
InstanceLock& InstanceLock::operator=(InstanceLock&&) noexcept = default;

namespace {

long read_pid(const std::string& path) {
  auto text = read_file(path);
  return text ? std::strtol(text->c_str(), nullptr, 10) : 0;
}

}  // namespace

Result<InstanceLock> InstanceLock::acquire(const std::string& registry_path) {
  const std::string path = instance_lock_path_for(registry_path);
  ::mkdir(directory_of(path).c_str(), 0700);  // may exist; open() below reports real trouble
  auto impl = std::make_unique<Impl>();
  impl->pid_fd = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!impl->pid_fd.valid()) {
    return make_error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno) +
                                          "; check the registry directory's permissions");
  }
  try {
    impl->lock = boost::interprocess::file_lock(path.c_str());
    if (!impl->lock.try_lock()) {
      return make_error(ErrorCode::kConflict,
                        "another iris-port-agent (pid " + std::to_string(read_pid(path)) +
                            ") already watches " + registry_path +
                            "; stop it first, or use --once for a single reconcile");
    }
  } catch (const boost::interprocess::interprocess_exception& error) {
    return make_error(ErrorCode::kIo, "cannot lock " + path + ": " + error.what());
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(impl->pid_fd.get(), 0) != 0 ||
      ::pwrite(impl->pid_fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return make_error(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
  }
  return InstanceLock(std::move(impl));
}

long InstanceLock::running_agent_pid(const std::string& registry_path) {
  const std::string path = instance_lock_path_for(registry_path);
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    return 0;
  }
  // Ask, without taking it, whether someone holds a write lock on the file.
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd.get(), F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  return held ? static_cast<long>(probe.l_pid) : 0;
}

}  // namespace ipa
