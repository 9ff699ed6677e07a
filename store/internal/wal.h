// The write-ahead log (store/wal_format.md): encoding of one appended batch
// as a record, a writer for one segment, and replay of a segment.
// WalWriter is not thread-safe (the store's commit thread owns it).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/file.h"
#include "common/record_batch.h"
#include "store/store.h"

namespace silt::store {

// Appends one framed record holding `batch` to *out.
void EncodeWalRecord(const RecordBatch& batch, std::string* out);

// At least the bytes EncodeWalRecordTo writes for `batch`.
size_t WalRecordBound(const RecordBatch& batch);
// Writes one framed record holding `batch` at `dst` (WalRecordBound(batch)
// bytes must be writable) and returns its size. If `entry_data` is not null
// it gets, per batch record, where that entry's line starts in the record;
// its trace id, span id and metadata follow back to back (the layout of a
// HeadEntry). With `order` (a permutation of the batch's record indexes)
// the entries are written in that order.
size_t EncodeWalRecordTo(const RecordBatch& batch, char* dst,
                         const char** entry_data,
                         const uint32_t* order = nullptr);

// A decoded record; views point into the segment bytes.
struct WalBatch {
  std::string_view tenant;
  std::vector<std::pair<uint64_t, std::string_view>> streams;  // id, key
  struct Entry {
    uint32_t stream;  // index into streams
    EntryView view;
  };
  std::vector<Entry> entries;
};

// Parses a record payload. kDataLoss if it does not decode exactly.
absl::Status DecodeWalPayload(std::string_view payload, WalBatch* out);

class WalWriter {
 public:
  // Creates <dir>/<seq>.wal with its header, synced (file and directory)
  // unless `sync` is false (then SyncConcurrent(true) does it later).
  // With `direct_io`, records are written with direct I/O where the file
  // system allows it (store/wal_format.md, Direct I/O); otherwise, and
  // where it does not, through the page cache.
  static absl::StatusOr<std::unique_ptr<WalWriter>> Create(
      const std::string& dir, uint64_t seq, bool fsync, bool direct_io,
      bool sync = true);
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Writes `records` and, if `sync`, fdatasyncs. On failure the file is cut
  // back to its previous size so later records stay reachable. Written
  // records survive a crash of silt (they are on the device, or in the page
  // cache); only synced ones survive a crash of the machine.
  absl::Status Write(std::string_view records, bool sync = true);
  // The same for records in several pieces, written in order. The pieces'
  // memory is read by the device: it must stay unchanged until Write
  // returns.
  absl::Status Write(std::span<const std::string_view> records, bool sync);
  // fdatasync of everything written so far (no-op if already synced).
  absl::Status Sync();
  bool synced() const { return synced_; }
  // fdatasync of everything written before the call (and with `dir` the
  // directory entry), safe to call from another thread while Write runs;
  // does not change synced().
  absl::Status SyncConcurrent(bool dir) const;
  uint64_t seq() const { return seq_; }
  // Bytes of header, records and pads (not the zeros after the last one).
  uint64_t size() const { return size_; }
  // Sector size of direct writes; 0 when writing through the page cache.
  size_t direct_align() const { return direct_ ? align_ : 0; }

 private:
  WalWriter(uint64_t seq, std::string path, int fd, size_t align, bool fsync);
  absl::Status WriteDirect(std::span<const std::string_view> records);
  absl::Status WriteBuffered(std::span<const std::string_view> records);

  uint64_t seq_;
  std::string dir_;
  std::string path_;
  int fd_;
  bool direct_;
  size_t align_;  // A: sector size of direct writes
  bool fsync_;
  bool synced_ = true;
  uint64_t size_ = 0;
  // Direct writes: the bytes of the file's last partial sector (size_ % A
  // of them), an A-aligned bounce buffer and its capacity, iovecs.
  char* tail_ = nullptr;
  char* bounce_ = nullptr;
  size_t bounce_cap_ = 0;
  std::vector<struct iovec> iov_;
};

struct WalReplayResult {
  uint64_t records = 0;
  uint64_t entries = 0;
  bool torn_tail = false;  // an unacknowledged tail was ignored
  bool corrupt = false;    // a damaged record; the rest was skipped
};

// Calls fn for every intact record of the segment at `path`, in order.
// Corruption is reported in the result (the caller logs and counts it);
// only I/O errors are returned.
absl::StatusOr<WalReplayResult> ReplayWalSegment(
    const std::string& path, const std::function<void(const WalBatch&)>& fn);

}  // namespace silt::store
