// RecordBatch: the one unit of work that flows through every stage
// (ingest -> parse -> redact -> index -> store). It owns one byte arena that
// holds the raw lines back to back, with simdjson's padding readable after
// the last line, plus per-record columns that later stages fill in.
//
// A batch belongs to one tenant. It is moved between stages, never copied,
// and reused with Reset(). Not thread-safe: one stage works on it at a time.
//
// A bad line is data: it carries a reject reason, is counted, and is stored
// as it came; it never fails the batch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"

namespace silt {

// Readable bytes kept after the last line (simdjson::SIMDJSON_PADDING).
inline constexpr size_t kBatchPadding = 64;

// Why a record is not a clean JSON object. The record is stored regardless
// (kTruncated: stored cut at the max line size).
enum class Reject : uint8_t {
  kNone = 0,
  kInvalidJson,  // not a JSON object: stored as plain text
  kInvalidUtf8,  // bytes are not UTF-8: stored as they came
  kTruncated,    // longer than the max line size: stored cut, marked
};
const char* RejectName(Reject r);  // "invalid_json", ... ; "" for kNone

// A stream of this batch: labels and the id the index stage assigns.
struct BatchStream {
  Labels labels;    // canonical
  std::string key;  // LabelsToString(labels)
  uint64_t id = 0;  // StreamId(tenant, key); 0 until the index stage runs
};

struct Record {
  uint32_t offset = 0;  // line bytes: arena[offset, offset + length)
  uint32_t length = 0;
  int64_t ts_ns = 0;       // 0: unknown (parse takes it from the line, else
                           // falls back to the batch's received_ns)
  uint32_t origin = 0;     // index into RecordBatch::origins
  uint32_t stream = 0;     // index into RecordBatch::streams (parse fills)
  uint32_t trace_off = 0;  // trace id bytes in side arena (parse fills)
  uint32_t span_off = 0;
  uint16_t trace_len = 0;
  uint16_t span_len = 0;
  uint32_t metadata = 0;  // 0: none; else 1 + index into metadata_json
  Reject reject = Reject::kNone;
};

class RecordBatch {
 public:
  RecordBatch() { Reset(); }
  RecordBatch(RecordBatch&&) = default;
  RecordBatch& operator=(RecordBatch&&) = default;
  RecordBatch(const RecordBatch&) = delete;
  RecordBatch& operator=(const RecordBatch&) = delete;

  // Empties the batch but keeps its capacity. origins gets one empty entry.
  void Reset();

  // A reset batch from a process-wide pool of used ones, or a new one.
  // Sources take batches from here and the pipeline gives them back once
  // stored, so the arenas (and their memory, whose first touch costs a page
  // fault per page) are reused rather than allocated per batch.
  static RecordBatch FromPool();
  // Gives a batch back to the pool (dropped if the pool is full or its
  // arena is unusually large). Thread-safe, as is FromPool().
  static void Recycle(RecordBatch&& batch);

  // Appends one line (without its newline). Returns the record index.
  // The line must not exceed 4 GiB in total per batch.
  uint32_t Append(std::string_view line, uint32_t origin = 0,
                  int64_t ts_ns = 0);
  // Appends a line copied from `data` in place, for sources that read
  // straight into the arena: reserve with Reserve(), write into
  // WritableTail(), then AppendRecordAt(offset,len) for each line.
  char* Reserve(size_t bytes);     // returns pointer to `bytes` writable bytes
                                   // at the end of the arena (before padding)
  void CommitBytes(size_t bytes);  // marks `bytes` of Reserve() as used
  // Room for `bytes` more line bytes without moving the arena, neither
  // zero-filled nor touched (Reserve() zero-fills what it hands out).
  void ReserveCapacity(size_t bytes);
  uint32_t AddRecord(uint32_t offset, uint32_t length, uint32_t origin = 0,
                     int64_t ts_ns = 0);

  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  Record& record(size_t i) { return records_[i]; }
  const Record& record(size_t i) const { return records_[i]; }
  std::vector<Record>& records() { return records_; }
  const std::vector<Record>& records() const { return records_; }

  std::string_view line(size_t i) const {
    const Record& r = records_[i];
    return std::string_view(arena_.data() + r.offset, r.length);
  }
  // Start of the arena; kBatchPadding bytes are readable past arena_bytes().
  const char* arena_data() const { return arena_.data(); }
  size_t arena_bytes() const { return used_; }
  // Total line bytes (what metrics call bytes received).
  size_t line_bytes() const { return line_bytes_; }

  // Side arena for small values stages extract (trace ids, span ids).
  uint32_t AddSide(std::string_view bytes);
  std::string_view side(uint32_t off, uint32_t len) const {
    return std::string_view(side_.data() + off, len);
  }
  std::string_view trace_id(size_t i) const {
    const Record& r = records_[i];
    return side(r.trace_off, r.trace_len);
  }
  std::string_view span_id(size_t i) const {
    const Record& r = records_[i];
    return side(r.span_off, r.span_len);
  }
  void SetTraceId(size_t i, std::string_view id);
  void SetSpanId(size_t i, std::string_view id);

  // Rewrites record i's line (e.g. redaction): over the old bytes when the
  // new line is not longer, else at the end of the arena (the old bytes then
  // stay unused until Reset()). Views of the old line become invalid.
  void ReplaceLine(size_t i, std::string_view line);

  // Structured metadata (Loki push): a compact JSON object per record.
  void SetMetadata(size_t i, std::string json);
  std::string_view metadata(size_t i) const {
    const Record& r = records_[i];
    return r.metadata == 0 ? std::string_view() : metadata_json[r.metadata - 1];
  }

  // Set by the source.
  std::string tenant = "default";
  std::string input;        // "tcp", "http", "push", ...: metric label
  int64_t received_ns = 0;  // wall clock when the source built the batch
  // True when the source acknowledges the batch to a client once it is
  // done (HTTP push, Kafka offsets, tail checkpoints): the store then
  // fdatasyncs the WAL before `done`. Sources that acknowledge nothing
  // (plain TCP) set false: written to the WAL (safe from kill -9) and
  // synced within the store's wal_sync_interval_ms.
  bool sync_ack = true;
  // True when a record's ts_ns from the source is only a fallback (a
  // container log envelope's time): the line's own timestamp field wins,
  // and ts_ns is used when the line has none.
  bool source_ts_fallback = false;
  // Labels given by the origin (Loki push stream labels, later Kubernetes
  // path labels). They win over labels parsed from the line. origins[0] is
  // the default (empty unless the source sets it).
  std::vector<Labels> origins;
  // Used when a record ends up with no label at all (e.g. a non-JSON line
  // from a source without origin labels), so every stream is selectable.
  Labels fallback_labels;

  // Filled by parse: the distinct streams of this batch.
  std::vector<BatchStream> streams;
  // Appends an entry to `streams` and returns it. The entry is one Reset()
  // emptied earlier when there is one, with its labels and key still holding
  // their memory, so assigning into it does not allocate; callers assign
  // every field.
  BatchStream& AddStream();
  std::vector<std::string> metadata_json;

 private:
  void EnsurePadding();
  void Grow(size_t want);  // arena_.size() >= want

  std::string arena_;  // used_ bytes of lines, then >= kBatchPadding zeros
  size_t used_ = 0;
  size_t line_bytes_ = 0;
  std::string side_;
  std::vector<Record> records_;
  // Entries of `streams` emptied by Reset(), kept for AddStream().
  std::vector<BatchStream> spare_streams_;
};

}  // namespace silt
