#include "common/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace silt {

absl::Status ErrnoToStatus(int err, std::string_view op,
                           std::string_view path) {
  std::string msg(op);
  msg.append(" ").append(path).append(": ").append(strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(msg);
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(msg);
    default:
      return absl::UnavailableError(msg);
  }
}

absl::StatusOr<std::unique_ptr<WritableFile>> WritableFile::Open(
    const std::string& path, bool append) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  uint64_t size = 0;
  if (append) {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoToStatus(err, "fstat", path);
    }
    size = st.st_size;
  }
  return std::unique_ptr<WritableFile>(new WritableFile(path, fd, size));
}

WritableFile::~WritableFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status WritableFile::Append(std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write", path_);
    }
    p += n;
    left -= n;
    size_ += n;
  }
  return absl::OkStatus();
}

absl::Status WritableFile::AppendV(std::span<const std::string_view> pieces) {
  // writev takes at most IOV_MAX pieces and may write short; go on from
  // wherever it stopped.
  constexpr size_t kMaxIov = 1024;
  iovec iov[kMaxIov];
  size_t next = 0;  // first piece not yet given to writev
  size_t skip = 0;  // bytes of pieces[next] already written
  while (next < pieces.size()) {
    size_t n = 0;
    for (size_t i = next; i < pieces.size() && n < kMaxIov; ++i) {
      const std::string_view piece =
          i == next ? pieces[i].substr(skip) : pieces[i];
      if (piece.empty()) continue;
      iov[n].iov_base = const_cast<char*>(piece.data());
      iov[n].iov_len = piece.size();
      ++n;
    }
    if (n == 0) break;
    ssize_t w = ::writev(fd_, iov, static_cast<int>(n));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write", path_);
    }
    size_ += static_cast<uint64_t>(w);
    size_t done = static_cast<size_t>(w);
    while (next < pieces.size() && done >= pieces[next].size() - skip) {
      done -= pieces[next].size() - skip;
      skip = 0;
      ++next;
    }
    skip += done;
  }
  return absl::OkStatus();
}

absl::Status WritableFile::Sync() {
  if (::fdatasync(fd_) != 0) return ErrnoToStatus(errno, "fdatasync", path_);
  return absl::OkStatus();
}

absl::Status WritableFile::Truncate(uint64_t size) {
  if (::ftruncate(fd_, size) != 0) {
    return ErrnoToStatus(errno, "ftruncate", path_);
  }
  // O_APPEND writes go to the new end; without it, move the offset back.
  if (::lseek(fd_, size, SEEK_SET) < 0) {
    return ErrnoToStatus(errno, "lseek", path_);
  }
  size_ = size;
  return absl::OkStatus();
}

absl::Status WritableFile::Close() {
  if (fd_ < 0) return absl::OkStatus();
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return ErrnoToStatus(errno, "close", path_);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> RandomAccessFile::Open(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoToStatus(err, "fstat", path);
  }
  return std::unique_ptr<RandomAccessFile>(
      new RandomAccessFile(path, fd, st.st_size));
}

RandomAccessFile::~RandomAccessFile() { ::close(fd_); }

absl::Status RandomAccessFile::Read(uint64_t offset, size_t n,
                                    std::string* out) const {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, offset + done);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "pread", path_);
    }
    if (r == 0) {
      return absl::DataLossError(absl::StrCat("short read of ", path_, " at ",
                                              offset, ": wanted ", n,
                                              " bytes, got ", done));
    }
    done += r;
  }
  return absl::OkStatus();
}

absl::Status ReadFileToString(const std::string& path, std::string* out) {
  auto file = RandomAccessFile::Open(path);
  if (!file.ok()) return file.status();
  return (*file)->Read(0, (*file)->size(), out);
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, "open dir", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoToStatus(err, "fsync dir", dir);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    auto file = WritableFile::Open(tmp);
    if (!file.ok()) return file.status();
    absl::Status s = (*file)->Append(data);
    if (s.ok()) s = (*file)->Sync();
    if (s.ok()) s = (*file)->Close();
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = ErrnoToStatus(errno, "rename", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDir(DirName(path));
}

absl::Status CreateDirs(const std::string& dir) {
  if (dir.empty() || IsDirectory(dir)) return absl::OkStatus();
  std::string parent = DirName(dir);
  if (parent != dir) {
    absl::Status s = CreateDirs(parent);
    if (!s.ok()) return s;
  }
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST && IsDirectory(dir)) return absl::OkStatus();
    return ErrnoToStatus(errno, "mkdir", dir);
  }
  return SyncDir(parent);
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoToStatus(errno, "opendir", dir);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoToStatus(errno, "unlink", path);
  return absl::OkStatus();
}

absl::Status RemoveDir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return ErrnoToStatus(errno, "rmdir", path);
  return absl::OkStatus();
}

absl::Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoToStatus(errno, "rename", from);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoToStatus(errno, "stat", path);
  return static_cast<uint64_t>(st.st_size);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace silt
