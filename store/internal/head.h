// The in-memory head: entries appended since the last cut, per tenant and
// stream, in arrival order. An entry's line, trace id, span id and metadata
// bytes lie back to back in a Slab; slabs never move, so string_views into
// a head stay valid for as long as the Head object lives.
//
// Appends from the store do not copy: the WAL record of a batch is encoded
// into a slab once and the head entries point into that record (the WAL
// lays out each entry's bytes the way HeadEntry wants them), while the
// commit thread writes the same bytes to the WAL. Add() copies, for WAL
// replay and tests.
//
// Not thread-safe: the active head is guarded by the store mutex; a frozen
// head (being cut into parts) is immutable and read without locks.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/internal/entry_memory.h"
#include "store/store.h"

namespace silt::store {

// A block of memory filled front to back by one writer and then read by
// many; shared (shared_ptr) by every head and WAL group whose entries lie
// in it. Slabs of the standard size come from a process-wide pool of
// huge-page-backed chunks, since first-touching fresh memory costs more
// than the copy into it; larger ones are allocated for one batch.
class Slab {
 public:
  static constexpr size_t kStandardBytes = 4 << 20;

  // A slab with at least `min_bytes` free.
  static std::shared_ptr<Slab> Make(size_t min_bytes);
  ~Slab();
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  char* tail() { return data_ + used_; }
  size_t left() const { return capacity_ - used_; }
  // Marks n bytes at tail() as written. REQUIRES: n <= left().
  void Commit(size_t n) { used_ += n; }
  bool pooled() const { return pooled_; }

 private:
  Slab(char* data, size_t capacity, bool pooled)
      : data_(data), capacity_(capacity), pooled_(pooled) {}
  char* data_;
  size_t capacity_;
  size_t used_ = 0;
  bool pooled_;
};

struct HeadEntry {
  int64_t ts_ns;
  const char* data;  // line, trace, span, metadata back to back
  uint32_t line_len;
  uint32_t meta_len;
  uint16_t trace_len;
  uint16_t span_len;

  std::string_view line() const { return {data, line_len}; }
  EntryView view() const {
    EntryView v;
    v.ts_ns = ts_ns;
    v.line = std::string_view(data, line_len);
    v.trace_id = std::string_view(data + line_len, trace_len);
    v.span_id = std::string_view(data + line_len + trace_len, span_len);
    v.metadata =
        std::string_view(data + line_len + trace_len + span_len, meta_len);
    return v;
  }
};

// A stream's entries in a head, in memory from SizeClassArena::Entries().
using HeadEntries = std::vector<HeadEntry, EntryAllocator<HeadEntry>>;

class Head {
 public:
  struct Stream {
    uint64_t id = 0;
    std::string key;
    HeadEntries entries;
  };
  using TenantStreams = absl::flat_hash_map<uint64_t, std::unique_ptr<Stream>>;

  Head();
  // A head that reserves, for each stream of `previous`, room for a quarter
  // more entries than it had there (rounded up to a power of two) (heads are
  // cut at about the same size, so the entry vectors need not grow by
  // doubling). The room comes from the entry vectors of heads already destroyed
  // where one is large enough (a process-wide pool, bounded), so it is not
  // fresh memory either.
  explicit Head(const Head* previous);
  ~Head();
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // The stream, created if new (*created says so).
  Stream* GetStream(std::string_view tenant, uint64_t id, std::string_view key,
                    bool* created);
  const Stream* FindStream(std::string_view tenant, uint64_t id) const;
  // Copies the entry's bytes into a slab of the head's own.
  void Add(Stream* stream, const EntryView& e);
  // Keeps `slab` alive as long as the head and counts `bytes` of it
  // (what AddShared entries will point into) towards bytes().
  void Keep(std::shared_ptr<Slab> slab, size_t bytes);
  // Adds an entry whose bytes (line, trace, span, metadata back to back at
  // e.data) lie in a slab given to Keep().
  void AddShared(Stream* stream, const HeadEntry& e) {
    stream->entries.push_back(e);
    bytes_ += sizeof(HeadEntry);
    if (entries_++ == 0) NoteFirstAppend();
  }

  // AddShared of n entries at once, in order.
  void AddSharedRun(Stream* stream, const HeadEntry* e, size_t n) {
    stream->entries.insert(stream->entries.end(), e, e + n);
    bytes_ += n * sizeof(HeadEntry);
    if (entries_ == 0 && n > 0) NoteFirstAppend();
    entries_ += n;
  }

  const absl::flat_hash_map<std::string, TenantStreams>& tenants() const {
    return tenants_;
  }
  uint64_t entries() const { return entries_; }
  // Slab bytes plus per-entry overhead: what head_max_bytes limits.
  uint64_t bytes() const { return bytes_; }
  // steady_clock ms when the first entry arrived (0: empty).
  int64_t first_append_ms() const { return first_append_ms_; }

  // The WAL segments with seq <= wal_seq hold this head's entries (set when
  // it is frozen).
  uint64_t wal_seq = 0;

 private:
  void NoteFirstAppend();

  absl::flat_hash_map<std::string, TenantStreams> tenants_;
  absl::flat_hash_map<uint64_t, uint32_t> size_hints_;  // stream id -> count
  std::vector<std::shared_ptr<Slab>> slabs_;
  std::shared_ptr<Slab> own_;  // where Add() copies to
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
  int64_t first_append_ms_ = 0;
};

}  // namespace silt::store
