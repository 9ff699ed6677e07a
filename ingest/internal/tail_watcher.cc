#include "ingest/internal/tail_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace silt::ingest::internal {

DirWatcher::~DirWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

bool DirWatcher::Init() {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    LogWarn("tail: inotify unavailable, polling",
            {{"error", std::strerror(errno)}});
    return false;
  }
  return true;
}

bool DirWatcher::Watch(const std::string& dir) {
  if (fd_ < 0) return false;
  if (by_dir_.count(dir)) return true;
  const int wd = inotify_add_watch(
      fd_, dir.c_str(),
      IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
          IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
  if (wd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return true;  // gone already
    if (!failed_) {
      LogWarn("tail: cannot watch a directory, polling from now on",
              {{"dir", dir}, {"error", std::strerror(errno)}});
    }
    failed_ = true;
    return false;
  }
  by_wd_[wd] = dir;
  by_dir_[dir] = wd;
  return true;
}

void DirWatcher::ReadEvents(
    absl::FunctionRef<void(const std::string&, std::string_view, Kind)> fn) {
  if (fd_ < 0) return;
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) return;  // EAGAIN: nothing more queued
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        fn(std::string(), {}, kOverflow);
        continue;
      }
      auto it = by_wd_.find(ev->wd);
      if (it == by_wd_.end()) continue;
      if (ev->mask & IN_IGNORED) {
        // The directory is gone (or moved): forget it; a rescan re-adds.
        by_dir_.erase(it->second);
        fn(it->second, {}, kEntriesChanged);
        by_wd_.erase(it);
        continue;
      }
      std::string_view name(ev->len ? ev->name : "");
      if (!name.empty()) name = std::string_view(ev->name, strlen(ev->name));
      if (ev->mask & (IN_MODIFY | IN_CLOSE_WRITE)) {
        fn(it->second, name, kModified);
      }
      if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                      IN_DELETE_SELF | IN_MOVE_SELF)) {
        fn(it->second, name, kEntriesChanged);
      }
    }
  }
}

}  // namespace silt::ingest::internal
