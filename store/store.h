// The durable, compressed log store.
//
// Write path: Append() copies a resolved RecordBatch into the write-ahead
// log buffer and the in-memory head; a group-commit thread writes and
// fdatasyncs the WAL and then calls each batch's callback, so a callback
// with OK means the entries survive kill -9. Entries are visible to readers
// as soon as Append() returns.
//
// The head is cut into immutable part files (entries grouped by stream and
// time into zstd blocks; format: store/part_format.md) when it grows past
// head_max_bytes or head_max_age_ms, or on Flush(). Parts are partitioned by
// tenant and UTC day: <data_dir>/parts/<tenant>/<YYYYMMDD>/<seq>.part, so
// tiering and retention are whole-file operations. After a part set is
// durable the WAL segments it covers are deleted.
//
// Open() loads every part's footer index and replays the WAL. Identical
// entries (same stream, ts and line) are returned once by Scan(), so data
// redelivered after a crash never shows twice.
//
// Corruption (bad checksum, short file, bad magic) is kDataLoss, confined to
// the damaged block or WAL record: it is logged, counted in
// silt_corruptions_total, and the rest stays readable.
//
// Thread-safe: any number of Append() and Scan() callers concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/record_batch.h"

namespace silt::store {

struct StoreOptions {
  std::string data_dir = "./silt-data";
  int zstd_level = 1;  // hot parts: fast; warm tiers recompress higher
  uint32_t target_block_bytes = 1 << 20;    // uncompressed, per block
  size_t head_max_bytes = 32u << 20;        // cut a part set past this
  int64_t head_max_age_ms = 5 * 60 * 1000;  // ... or when the oldest is older
  // Group commit: once a commit starts, wait up to this long for more
  // writers before fsync (0: commit at once; throughput comes from batching
  // whatever queued during the previous fsync).
  int64_t commit_delay_us = 0;
  bool fsync = true;  // false only for benchmarks of the non-durable path
  // Batches with sync_ack=false (sources that acknowledge nothing, e.g.
  // plain TCP) are written to the WAL at once (they survive kill -9) and
  // fdatasynced at least this often (they survive a machine crash after).
  int64_t wal_sync_interval_ms = 1000;
  // Write the WAL with O_DIRECT where the file system allows it
  // (store/wal_format.md, Direct I/O). Off: it costs less CPU, but each
  // write then waits for the device, and on the 2-core benchmark machine
  // ingest ran 10-20% slower end to end than through the page cache.
  bool wal_direct_io = false;
  // Part indexes (store/part_index_format.md: block filters for line
  // filters, trace tables) are built by a background thread at idle
  // priority, no sooner than index_delay_ms after a part is written.
  bool index_parts = true;
  int64_t index_delay_ms = 2000;
};

// One entry as read back. Views are valid only during the Scan callback.
struct EntryView {
  int64_t ts_ns = 0;
  std::string_view line;
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view metadata;  // compact JSON object, or empty
};

struct ScanOptions {
  std::string tenant = "default";
  std::vector<uint64_t> streams;  // sorted stream ids to read
  int64_t start_ns = 0;           // inclusive
  int64_t end_ns = INT64_MAX;     // exclusive
  bool backward = false;          // descending ts within a stream
  // Literals every returned line contains (LogQL `|=` filters): other
  // entries are not returned, and blocks whose part index rules a literal
  // out are not read at all.
  std::vector<std::string> must_contain;
  // With must_contain, called as blocks and head entries are examined
  // (worker index as in ParallelScan, entries and line bytes looked at,
  // returned or not); returning false stops the scan. Lets a caller bound
  // and cancel work that returns nothing.
  std::function<bool(int worker, uint64_t entries, uint64_t bytes)> progress;
  // If set, entries older (backward) or newer (forward) than *bound_ns are
  // not wanted: runs entirely past it are not read. A caller keeping the
  // newest N moves it as its cut-off rises (read atomically, any time).
  const std::atomic<int64_t>* bound_ns = nullptr;
};

struct StoreStats {
  uint64_t streams = 0;
  uint64_t parts = 0;
  uint64_t blocks = 0;
  uint64_t part_bytes = 0;    // compressed bytes on disk in parts
  uint64_t head_entries = 0;  // entries not yet in a part
  uint64_t head_bytes = 0;
  uint64_t wal_bytes = 0;
};

// What index/stats needs per stream over a time range.
struct StreamStats {
  uint64_t chunks = 0;  // blocks (+1 if the head holds entries)
  uint64_t entries = 0;
  uint64_t bytes = 0;  // uncompressed line bytes
};

class Store {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);
  ~Store();  // stops background threads after making everything durable

  using DoneCallback = std::function<void(absl::Status)>;

  // REQUIRES: every batch stream has its id (the index stage ran).
  // Calls `done` (from the commit thread) once the entries are durable
  // (batch.sync_ack: WAL fdatasynced; otherwise: WAL written, synced within
  // wal_sync_interval_ms), or
  // with kUnavailable/kInternal if the WAL write failed (not acknowledged).
  // The batch may be reused as soon as Append returns.
  void Append(const RecordBatch& batch, DoneCallback done);

  // Waits until everything appended so far is durable, then cuts the head
  // into parts and deletes the covered WAL. After it returns, the data is in
  // part files and visible.
  absl::Status Flush();

  // Every stored stream of every tenant (from parts, head and WAL), for the
  // index to be rebuilt at start.
  void ForEachStream(
      const std::function<void(std::string_view tenant, uint64_t id,
                               const Labels& labels)>& fn) const;

  // Calls fn(stream_id, entry) for every entry of the given streams in
  // [start, end), each distinct (stream, ts, line) once, grouped by stream,
  // in ascending ts order within a stream (descending if backward). Returning
  // false from fn stops the scan for that stream. kDataLoss damaged blocks are
  // skipped (counted, logged) and do not fail the scan.
  absl::Status Scan(
      const ScanOptions& options,
      const std::function<bool(uint64_t stream, const EntryView& entry)>& fn)
      const;

  // Like Scan, with the streams split over up to `threads` threads: fn is
  // called from several threads at once (never for one stream from two),
  // with the index of the calling worker (0 .. threads-1).
  absl::Status ParallelScan(
      const ScanOptions& options, int threads,
      const std::function<bool(int worker, uint64_t stream,
                               const EntryView& entry)>& fn) const;

  // Calls fn for every entry of the tenant whose trace id is `trace_id`
  // and whose ts is in [start, end), in every stream, in (ts, stream, line)
  // order, identical entries once. Parts whose index lacks the id are
  // skipped in memory and only the blocks holding it are read; a part not
  // indexed yet is read in full, the head entry by entry. Returning false
  // from fn stops the lookup.
  absl::Status LookupTrace(
      std::string_view tenant, std::string_view trace_id, int64_t start_ns,
      int64_t end_ns,
      const std::function<bool(uint64_t stream, const EntryView& entry)>& fn)
      const;

  // Waits until every part has its index (tests and benchmarks).
  void WaitIndexed() const;

  // Live tail: `fn` sees every batch Append() takes, right after its
  // entries became visible (before they are durable), on the appending
  // thread; it must be quick (copy what it needs and return). Costs Append
  // nothing while nobody subscribes. Returns an id for Unsubscribe, after
  // which fn is not called any more (a call in progress finishes first).
  using AppendListener = std::function<void(const RecordBatch& batch)>;
  uint64_t Subscribe(AppendListener fn) const;
  void Unsubscribe(uint64_t id) const;

  // Per-stream counts over [start, end) without decompressing where the
  // block index says enough.
  StreamStats Stats(const ScanOptions& options) const;

  StoreStats stats() const;

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::store
