// The in-memory head: entries appended since the last cut, per tenant and
// stream, in arrival order. Line, trace id, span id and metadata bytes live
// in one chunked arena whose chunks never move, so string_views into a head
// stay valid for as long as the Head object lives.
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
#include "store/store.h"

namespace silt::store {

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

class Head {
 public:
  struct FreeDeleter {
    void operator()(char* p) const { std::free(p); }
  };
  using Chunk = std::unique_ptr<char, FreeDeleter>;

  struct Stream {
    uint64_t id = 0;
    std::string key;
    std::vector<HeadEntry> entries;
  };
  using TenantStreams = absl::flat_hash_map<uint64_t, std::unique_ptr<Stream>>;

  Head();
  ~Head();  // returns the arena's chunks to a process-wide pool
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // The stream, created if new (*created says so).
  Stream* GetStream(std::string_view tenant, uint64_t id, std::string_view key,
                    bool* created);
  const Stream* FindStream(std::string_view tenant, uint64_t id) const;
  // Copies the entry's bytes into the arena.
  void Add(Stream* stream, const EntryView& e);

  const absl::flat_hash_map<std::string, TenantStreams>& tenants() const {
    return tenants_;
  }
  uint64_t entries() const { return entries_; }
  // Arena bytes plus per-entry overhead: what head_max_bytes limits.
  uint64_t bytes() const { return bytes_; }
  // steady_clock ms when the first entry arrived (0: empty).
  int64_t first_append_ms() const { return first_append_ms_; }

  // The WAL segments with seq <= wal_seq hold this head's entries (set when
  // it is frozen).
  uint64_t wal_seq = 0;

 private:
  char* Allocate(size_t n);

  absl::flat_hash_map<std::string, TenantStreams> tenants_;
  std::vector<Chunk> chunks_;                        // kChunkBytes each
  std::vector<std::unique_ptr<char[]>> big_chunks_;  // one large entry each
  char* cur_ = nullptr;
  size_t left_ = 0;
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
  int64_t first_append_ms_ = 0;
};

}  // namespace silt::store
