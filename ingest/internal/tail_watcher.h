// inotify on the directories of the tail input. Only tells which directory
// entries changed; the tail thread decides what that means. Not
// thread-safe; owned by the tail thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace silt::ingest::internal {

class DirWatcher {
 public:
  DirWatcher() = default;
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  // False (and the caller polls) if inotify is not available.
  bool Init();
  bool ok() const { return fd_ >= 0 && !failed_; }
  // The descriptor to poll for POLLIN, or -1.
  int fd() const { return fd_; }

  // Watches `dir` for modifications, creations, moves and deletions of its
  // entries. False if the watch cannot be added (e.g. the
  // max_user_watches limit): ok() turns false, the caller falls back to
  // polling.
  bool Watch(const std::string& dir);
  bool Watching(const std::string& dir) const {
    return by_dir_.count(dir) != 0;
  }

  enum Kind : uint8_t { kModified, kEntriesChanged, kOverflow };
  // Reads what is queued without blocking; calls fn(dir, name, kind).
  void ReadEvents(absl::FunctionRef<void(const std::string& dir,
                                         std::string_view name, Kind kind)>
                      fn);

 private:
  int fd_ = -1;
  bool failed_ = false;
  std::map<int, std::string> by_wd_;
  std::map<std::string, int> by_dir_;
};

}  // namespace silt::ingest::internal
