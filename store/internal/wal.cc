#include "store/internal/wal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "store/internal/coding.h"
#include "store/internal/paths.h"
#include "store/internal/wal_format.h"
#include "xxhash.h"

namespace silt::store {

namespace {
uint64_t RecordChecksum(const char* payload, uint32_t len) {
  return XXH3_64bits_withSeed(payload, len, len);
}

char* PutBytes(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
// True if data[pos, end) is the zeros a direct write puts after its last
// record: fewer than one sector of them, up to a 512-byte boundary.
bool SectorZeros(const std::string& data, size_t pos) {
  if (data.size() % 512 != 0 || data.size() - pos >= kWalMaxDirectAlign) {
    return false;
  }
  return data.find_first_not_of('\0', pos) == std::string::npos;
}
}  // namespace

size_t WalRecordBound(const RecordBatch& batch) {
  size_t bound = kWalRecordHeaderSize + 10 + batch.tenant.size() + 10;
  for (const BatchStream& s : batch.streams) bound += 8 + 5 + s.key.size();
  bound += 10 + batch.size() * (5 + 10 + 4 * 5);
  for (size_t i = 0; i < batch.size(); ++i) {
    const Record& r = batch.record(i);
    bound += r.length + r.trace_len + r.span_len;
    if (r.metadata != 0) bound += batch.metadata(i).size();
  }
  return bound;
}

size_t EncodeWalRecordTo(const RecordBatch& batch, char* dst,
                         const char** entry_data, const uint32_t* order) {
  // Written through a raw pointer into space sized by WalRecordBound: this
  // runs for every byte ingested, so no per-field std::string appends.
  char* p = dst + kWalRecordHeaderSize;
  p = EncodeVarint64(p, batch.tenant.size());
  p = PutBytes(p, batch.tenant);
  p = EncodeVarint64(p, batch.streams.size());
  for (const BatchStream& s : batch.streams) {
    std::memcpy(p, &s.id, 8);
    p += 8;
    p = EncodeVarint64(p, s.key.size());
    p = PutBytes(p, s.key);
  }
  p = EncodeVarint64(p, batch.size());
  for (size_t k = 0; k < batch.size(); ++k) {
    const size_t i = order != nullptr ? order[k] : k;
    const Record& r = batch.record(i);
    std::string_view meta = batch.metadata(i);
    p = EncodeVarint64(p, r.stream);
    p = EncodeVarint64(p, ZigZag(r.ts_ns));
    p = EncodeVarint64(p, r.length);
    p = EncodeVarint64(p, r.trace_len);
    p = EncodeVarint64(p, r.span_len);
    p = EncodeVarint64(p, meta.size());
    if (entry_data != nullptr) entry_data[i] = p;
    p = PutBytes(p, batch.line(i));
    p = PutBytes(p, batch.trace_id(i));
    p = PutBytes(p, batch.span_id(i));
    p = PutBytes(p, meta);
  }
  const uint32_t len = static_cast<uint32_t>(p - dst - kWalRecordHeaderSize);
  const uint64_t sum = RecordChecksum(dst + kWalRecordHeaderSize, len);
  std::memcpy(dst, &len, 4);
  std::memcpy(dst + 4, &sum, 8);
  return static_cast<size_t>(p - dst);
}

void EncodeWalRecord(const RecordBatch& batch, std::string* out) {
  const size_t start = out->size();
  out->resize(start + WalRecordBound(batch));
  const size_t n = EncodeWalRecordTo(batch, out->data() + start, nullptr);
  out->resize(start + n);
}

absl::Status DecodeWalPayload(std::string_view payload, WalBatch* out) {
  Decoder d(payload);
  out->tenant = d.LengthPrefixed();
  uint64_t nstreams = d.Varint64();
  if (!d.ok() || nstreams > d.remaining()) {
    return absl::DataLossError("wal record: bad stream count");
  }
  out->streams.clear();
  for (uint64_t i = 0; i < nstreams; ++i) {
    uint64_t id = d.Fixed64();
    out->streams.emplace_back(id, d.LengthPrefixed());
  }
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) {
    return absl::DataLossError("wal record: bad entry count");
  }
  out->entries.resize(n);
  for (auto& e : out->entries) {
    e.stream = d.Varint32();
    e.view.ts_ns = UnZigZag(d.Varint64());
    uint32_t ll = d.Varint32(), tl = d.Varint32(), sl = d.Varint32(),
             ml = d.Varint32();
    e.view.line = d.Bytes(ll);
    e.view.trace_id = d.Bytes(tl);
    e.view.span_id = d.Bytes(sl);
    e.view.metadata = d.Bytes(ml);
    if (!d.ok() || e.stream >= nstreams) {
      return absl::DataLossError("wal record: bad entry");
    }
  }
  if (!d.ok() || d.remaining() != 0) {
    return absl::DataLossError("wal record: trailing bytes");
  }
  return absl::OkStatus();
}

namespace {
// Direct I/O alignment for an open file: max(memory, offset) alignment from
// statx, or 0 if the file system has none to offer (or one too large).
size_t DirectAlign(int fd) {
  struct statx st;
  std::memset(&st, 0, sizeof(st));
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &st) != 0) return 0;
  if ((st.stx_mask & STATX_DIOALIGN) == 0) return 0;
  const size_t a =
      std::max<size_t>(st.stx_dio_mem_align, st.stx_dio_offset_align);
  if (a == 0 || a > kWalMaxDirectAlign || (a & (a - 1)) != 0) return 0;
  return std::max<size_t>(a, 512);
}

char* AlignedAlloc(size_t align, size_t n) {
  void* p = nullptr;
  if (::posix_memalign(&p, align, n) != 0) throw std::bad_alloc();
  return static_cast<char*>(p);
}

// pwritev of all of iov at `offset`, in IOV_MAX pieces, resuming after
// short writes. Returns 0 or an errno.
int PwritevAll(int fd, std::vector<struct iovec>& iov, uint64_t offset) {
  size_t i = 0;
  while (i < iov.size()) {
    const int n = static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX));
    const ssize_t w = ::pwritev(fd, &iov[i], n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    offset += static_cast<uint64_t>(w);
    size_t left = static_cast<size_t>(w);
    while (left > 0 && left >= iov[i].iov_len) left -= iov[i++].iov_len;
    if (left > 0) {
      iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
      iov[i].iov_len -= left;
    }
  }
  return 0;
}
}  // namespace

WalWriter::WalWriter(uint64_t seq, std::string path, int fd, size_t align,
                     bool fsync)
    : seq_(seq),
      path_(std::move(path)),
      fd_(fd),
      direct_(align != 0),
      align_(align),
      fsync_(fsync) {
  if (direct_) {
    tail_ = AlignedAlloc(align_, align_);
    std::memset(tail_, 0, align_);
  }
}

WalWriter::~WalWriter() {
  if (fd_ >= 0) ::close(fd_);
  std::free(tail_);
  std::free(bounce_);
}

absl::StatusOr<std::unique_ptr<WalWriter>> WalWriter::Create(
    const std::string& dir, uint64_t seq, bool fsync, bool direct_io,
    bool sync) {
  std::string path = dir + "/" + SeqFileName(seq, kWalSuffix);
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  int fd = ::open(path.c_str(), flags | (direct_io ? O_DIRECT : 0), 0644);
  if (fd < 0 && direct_io && errno == EINVAL) {
    fd = ::open(path.c_str(), flags, 0644);
  }
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  size_t align = 0;
  const int fl = ::fcntl(fd, F_GETFL);
  if ((fl & O_DIRECT) != 0) {
    align = DirectAlign(fd);
    if (align == 0) ::fcntl(fd, F_SETFL, fl & ~O_DIRECT);
  }
  std::unique_ptr<WalWriter> w(new WalWriter(seq, path, fd, align, fsync));
  std::string header;
  PutFixed64(&header, kWalMagic);
  PutFixed32(&header, kWalVersion);
  PutFixed32(&header, 0);
  w->dir_ = dir;
  absl::Status s = w->Write(header, sync);
  if (s.ok() && fsync && sync) s = SyncDir(dir);
  if (!s.ok()) {
    w.reset();
    RemoveFile(path).IgnoreError();
    return s;
  }
  return w;
}

absl::Status WalWriter::Sync() {
  if (synced_) return absl::OkStatus();
  if (!fsync_) {  // syncing is off: nothing to wait for
    synced_ = true;
    return absl::OkStatus();
  }
  if (::fdatasync(fd_) != 0) return ErrnoToStatus(errno, "fdatasync", path_);
  synced_ = true;
  return absl::OkStatus();
}

absl::Status WalWriter::SyncConcurrent(bool dir) const {
  if (!fsync_) return absl::OkStatus();
  if (::fdatasync(fd_) != 0) return ErrnoToStatus(errno, "fdatasync", path_);
  if (dir) return SyncDir(dir_);
  return absl::OkStatus();
}

absl::Status WalWriter::Write(std::string_view records, bool sync) {
  return Write(std::span<const std::string_view>(&records, 1), sync);
}

absl::Status WalWriter::Write(std::span<const std::string_view> records,
                              bool sync) {
  const uint64_t good = size_;
  char good_tail[kWalMaxDirectAlign];
  const size_t tail_bytes = direct_ ? size_ % align_ : 0;
  if (tail_bytes > 0) std::memcpy(good_tail, tail_, tail_bytes);
  absl::Status s = direct_ ? WriteDirect(records) : WriteBuffered(records);
  if (s.ok()) synced_ = false;
  if (s.ok() && sync) s = Sync();
  if (!s.ok()) {
    // Leave no half record in the middle of the segment: the next group
    // would be unreachable behind it at replay. The next write starts at
    // `good` again (over whatever a failed truncate left).
    ::ftruncate(fd_, static_cast<off_t>(good));
    size_ = good;
    if (tail_bytes > 0) std::memcpy(tail_, good_tail, tail_bytes);
  }
  return s;
}

absl::Status WalWriter::WriteBuffered(
    std::span<const std::string_view> records) {
  iov_.clear();
  uint64_t n = 0;
  for (std::string_view r : records) {
    if (r.empty()) continue;
    iov_.push_back({const_cast<char*>(r.data()), r.size()});
    n += r.size();
  }
  const int err = PwritevAll(fd_, iov_, size_);
  if (err != 0) return ErrnoToStatus(err, "write", path_);
  size_ += n;
  return absl::OkStatus();
}

absl::Status WalWriter::WriteDirect(std::span<const std::string_view> records) {
  const size_t A = align_;
  // Bounce room: the first and last partial sectors, a pad and the partial
  // sectors at both ends of every piece, or all of a short piece.
  size_t need = 2 * A;
  for (std::string_view r : records) {
    need += (r.size() < 2 * A ? r.size() : 0) + 4 * A + kWalMaxPad;
  }
  if (bounce_cap_ < need) {
    std::free(bounce_);
    bounce_cap_ = std::max(need, bounce_cap_ * 2);
    bounce_ = AlignedAlloc(A, bounce_cap_);
  }
  iov_.clear();
  size_t bused = 0;        // bounce bytes handed out, whole sectors
  char* sector = nullptr;  // the bounce sector being filled
  uint64_t off = size_;    // file offset of the next byte
  auto add_iov = [this](char* p, size_t n) {
    if (!iov_.empty()) {
      iovec& last = iov_.back();
      if (static_cast<char*>(last.iov_base) + last.iov_len == p) {
        last.iov_len += n;
        return;
      }
    }
    iov_.push_back({p, n});
  };
  auto copy = [&](const char* p, size_t n) {
    while (n > 0) {
      const size_t in = off % A;
      if (in == 0) {
        sector = bounce_ + bused;
        bused += A;
        add_iov(sector, A);
      }
      const size_t k = std::min(n, A - in);
      if (p != nullptr) {
        std::memcpy(sector + in, p, k);
        p += k;
      } else {
        std::memset(sector + in, 0, k);
      }
      n -= k;
      off += k;
    }
  };
  if (off % A != 0) {
    sector = bounce_;
    bused = A;
    add_iov(sector, A);
    std::memcpy(sector, tail_, off % A);
  }
  for (std::string_view r : records) {
    const char* p = r.data();
    size_t n = r.size();
    if (n < 2 * A) {
      copy(p, n);
      continue;
    }
    const size_t skew = (reinterpret_cast<uintptr_t>(p) - off) % A;
    if (skew != 0) {
      // A pad lines the piece's address up with its file offset.
      const uint32_t pad =
          static_cast<uint32_t>(skew < kWalMinPad ? skew + A : skew);
      char marker[4];
      const uint32_t v = kWalPadFlag | pad;
      std::memcpy(marker, &v, 4);
      copy(marker, 4);
      copy(nullptr, pad - 4);
    }
    // Up to the first sector boundary through the bounce sector, then whole
    // sectors straight from the piece, the rest through the bounce again.
    const size_t lead = std::min(n, (A - off % A) % A);
    copy(p, lead);
    p += lead;
    n -= lead;
    const size_t whole = n & ~(A - 1);
    if (whole > 0) {
      add_iov(const_cast<char*>(p), whole);
      p += whole;
      n -= whole;
      off += whole;
    }
    copy(p, n);
  }
  const size_t in = off % A;
  if (in != 0) std::memset(sector + in, 0, A - in);
  const uint64_t base = size_ - size_ % A;
  int err = PwritevAll(fd_, iov_, base);
  if (err == EINVAL && size_ <= A) {
    // The file system took O_DIRECT at open but refuses the write: write
    // this segment through the page cache (the layout is valid there too).
    const int fl = ::fcntl(fd_, F_GETFL);
    if (fl >= 0 && ::fcntl(fd_, F_SETFL, fl & ~O_DIRECT) == 0) {
      direct_ = false;
      err = PwritevAll(fd_, iov_, base);
      if (err == 0 && in != 0) {
        // Through the page cache the zeros after the last byte are not
        // needed and would sit in front of the next (buffered) write.
        if (::ftruncate(fd_, static_cast<off_t>(off)) != 0) err = errno;
      }
    }
  }
  if (err != 0) return ErrnoToStatus(err, "write", path_);
  if (in != 0) std::memcpy(tail_, sector, in);
  size_ = off;
  return absl::OkStatus();
}

absl::StatusOr<WalReplayResult> ReplayWalSegment(
    const std::string& path, const std::function<void(const WalBatch&)>& fn) {
  WalReplayResult result;
  std::string data;
  absl::Status s = ReadFileToString(path, &data);
  if (!s.ok()) return s;
  if (data.size() < kWalHeaderSize) {
    // Created but its header never synced: nothing was acknowledged in it.
    result.torn_tail = !data.empty();
    return result;
  }
  const uint32_t version = DecodeFixed32(data.data() + 8);
  if (DecodeFixed64(data.data()) != kWalMagic ||
      (version != kWalVersion && version != kWalVersion1)) {
    result.corrupt = true;
    return result;
  }
  size_t pos = kWalHeaderSize;
  WalBatch batch;
  while (pos < data.size()) {
    const size_t left = data.size() - pos;
    if (version != kWalVersion1 && left >= 4 &&
        (DecodeFixed32(data.data() + pos) & kWalPadFlag) != 0) {
      const uint32_t n = DecodeFixed32(data.data() + pos) & ~kWalPadFlag;
      if (n < kWalMinPad || n > kWalMaxPad) {
        result.corrupt = true;
        break;
      }
      if (n > left) {
        result.torn_tail = true;
        break;
      }
      for (size_t i = pos + 4; i < pos + n; ++i) {
        if (data[i] != 0) {
          result.corrupt = true;
          break;
        }
      }
      if (result.corrupt) break;
      pos += n;
      continue;
    }
    if (left < kWalRecordHeaderSize) {
      if (version != kWalVersion1 && SectorZeros(data, pos)) break;
      result.torn_tail = true;
      break;
    }
    const uint32_t len = DecodeFixed32(data.data() + pos);
    const uint64_t sum = DecodeFixed64(data.data() + pos + 4);
    if (len == 0) {
      // A zero tail is what a file system leaves when the size reached disk
      // but the data did not; zeros anywhere else are damage.
      const size_t nz = data.find_first_not_of('\0', pos);
      if (nz == std::string::npos) {
        // Version 2: what a direct write leaves after its last record.
        result.torn_tail = version == kWalVersion1 || !SectorZeros(data, pos);
      } else if (version != kWalVersion1 && nz % 512 == 0 &&
                 nz - pos < kWalMaxDirectAlign) {
        // The zeros after a direct write's last record, then part of a
        // next write whose first sector never landed: not acknowledged.
        result.torn_tail = true;
      } else {
        result.corrupt = true;
      }
      break;
    }
    if (len > kWalMaxRecordBytes) {
      result.corrupt = true;
      break;
    }
    if (left - kWalRecordHeaderSize < len) {
      result.torn_tail = true;
      break;
    }
    const char* payload = data.data() + pos + kWalRecordHeaderSize;
    const size_t end = pos + kWalRecordHeaderSize + len;
    const bool at_end = end == data.size() ||
                        (version != kWalVersion1 && SectorZeros(data, end));
    if (RecordChecksum(payload, len) != sum ||
        !DecodeWalPayload(std::string_view(payload, len), &batch).ok()) {
      // The last record may be torn in place (size made it, bytes did not);
      // it was never acknowledged. Anything followed by more data is damage.
      if (at_end) {
        result.torn_tail = true;
      } else {
        result.corrupt = true;
      }
      break;
    }
    fn(batch);
    ++result.records;
    result.entries += batch.entries.size();
    pos += kWalRecordHeaderSize + len;
  }
  return result;
}

}  // namespace silt::store
