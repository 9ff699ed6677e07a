// A small POSIX file layer that reports errors as absl::Status, so callers
// can act on the code: kResourceExhausted (ENOSPC/EDQUOT: back off),
// kNotFound, kPermissionDenied, kDataLoss (short read of data that must be
// there), kUnavailable (any other I/O error: retry later).
//
// WritableFile and RandomAccessFile are not synchronised; RandomAccessFile's
// Read uses pread and may be called from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace silt {

// Maps an errno value from `op` on `path` to a Status (see above).
absl::Status ErrnoToStatus(int err, std::string_view op, std::string_view path);

// An append-only file.
class WritableFile {
 public:
  // Creates `path` (truncating it if it exists) or, with `append`, opens it
  // for appending at its end.
  static absl::StatusOr<std::unique_ptr<WritableFile>> Open(
      const std::string& path, bool append = false);
  ~WritableFile();  // closes without syncing

  // Writes all of `data` (loops over short writes).
  absl::Status Append(std::string_view data);
  // Writes the pieces in order, as one (writev) or few system calls.
  absl::Status AppendV(std::span<const std::string_view> pieces);
  // fdatasync: data and the size are durable when it returns OK.
  absl::Status Sync();
  // Cuts the file to `size` bytes (e.g. back to the last good record after a
  // failed write) and continues appending there.
  absl::Status Truncate(uint64_t size);
  absl::Status Close();

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

// A read-only file read with pread. Thread-safe.
class RandomAccessFile {
 public:
  static absl::StatusOr<std::unique_ptr<RandomAccessFile>> Open(
      const std::string& path);
  ~RandomAccessFile();

  // Reads exactly `n` bytes at `offset` into *out (resized). Reading past
  // the end is kDataLoss (the caller trusted an index that said it is there).
  absl::Status Read(uint64_t offset, size_t n, std::string* out) const;

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  RandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

absl::Status ReadFileToString(const std::string& path, std::string* out);

// Writes `data` to `path` so that a crash leaves either the old file or the
// new one: path.tmp, fdatasync, rename, fsync of the directory.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view data);

// fsync of a directory, so entries created/renamed/removed in it persist.
absl::Status SyncDir(const std::string& dir);

// mkdir -p. Syncs each parent whose entry it created so the new directories
// survive a crash.
absl::Status CreateDirs(const std::string& dir);

// Names (not paths) of the entries of `dir`, without "." and "..", sorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir);

absl::Status RemoveFile(const std::string& path);
// Removes an empty directory.
absl::Status RemoveDir(const std::string& path);
absl::Status RenameFile(const std::string& from, const std::string& to);
absl::StatusOr<uint64_t> FileSize(const std::string& path);
bool FileExists(const std::string& path);
bool IsDirectory(const std::string& path);

// "a/b/c" -> "a/b"; "c" -> ".".
std::string DirName(const std::string& path);

}  // namespace silt
