#include "common/record_batch.h"

#include <cstring>
#include <mutex>

namespace silt {

const char* RejectName(Reject r) {
  switch (r) {
    case Reject::kNone:
      return "";
    case Reject::kInvalidJson:
      return "invalid_json";
    case Reject::kInvalidUtf8:
      return "invalid_utf8";
    case Reject::kTruncated:
      return "line_too_long";
  }
  return "unknown";
}

namespace {
// Bounds the memory a pooled batch keeps for streams it may not see again.
constexpr size_t kMaxSpareStreams = 1024;
}  // namespace

void RecordBatch::Reset() {
  used_ = 0;
  line_bytes_ = 0;
  side_.clear();
  records_.clear();
  // Moved, not destroyed: their strings keep their memory for AddStream().
  for (BatchStream& s : streams) {
    if (spare_streams_.size() >= kMaxSpareStreams) break;
    spare_streams_.push_back(std::move(s));
  }
  streams.clear();
  metadata_json.clear();
  origins.clear();
  origins.emplace_back();
  fallback_labels.clear();
  tenant = "default";
  input.clear();
  received_ns = 0;
  sync_ack = true;
  source_ts_fallback = false;
  EnsurePadding();
}

namespace {
// Enough for every TCP connection's batches in flight on a busy silt;
// arenas past kMaxPooledArena (large HTTP bodies) are not kept.
constexpr size_t kMaxPooled = 64;
constexpr size_t kMaxPooledArena = 4 << 20;

struct BatchPool {
  std::mutex mu;
  std::vector<RecordBatch> free;
};
BatchPool& Pool() {
  static BatchPool* pool = new BatchPool();
  return *pool;
}
}  // namespace

RecordBatch RecordBatch::FromPool() {
  BatchPool& pool = Pool();
  {
    std::lock_guard<std::mutex> l(pool.mu);
    if (!pool.free.empty()) {
      RecordBatch b = std::move(pool.free.back());
      pool.free.pop_back();
      return b;
    }
  }
  return RecordBatch();
}

void RecordBatch::Recycle(RecordBatch&& batch) {
  if (batch.arena_.size() > kMaxPooledArena) return;
  RecordBatch b = std::move(batch);
  b.Reset();
  BatchPool& pool = Pool();
  std::lock_guard<std::mutex> l(pool.mu);
  if (pool.free.size() < kMaxPooled) pool.free.push_back(std::move(b));
}

void RecordBatch::Grow(size_t want) {
  if (arena_.size() >= want) return;
  // Capacity doubles, with 1/32 to spare, but only the bytes asked for are
  // zero-filled: the spare room takes the lines redaction rewrites (a few
  // per batch) without copying a full 256 KiB batch to grow it.
  if (arena_.capacity() < want) {
    arena_.reserve(std::max(want + want / 32, arena_.capacity() * 2));
  }
  arena_.resize(want);
}

void RecordBatch::EnsurePadding() {
  Grow(used_ + kBatchPadding);
  std::memset(arena_.data() + used_, 0, kBatchPadding);
}

char* RecordBatch::Reserve(size_t bytes) {
  Grow(used_ + bytes + kBatchPadding);
  return arena_.data() + used_;
}

void RecordBatch::ReserveCapacity(size_t bytes) {
  arena_.reserve(used_ + bytes + kBatchPadding);
}

void RecordBatch::CommitBytes(size_t bytes) {
  used_ += bytes;
  EnsurePadding();
}

uint32_t RecordBatch::AddRecord(uint32_t offset, uint32_t length,
                                uint32_t origin, int64_t ts_ns) {
  // Built in place: a Record assembled on the stack and copied in costs a
  // store-forwarding stall per line (field stores, then wide loads).
  Record& r = records_.emplace_back();
  r.offset = offset;
  r.length = length;
  r.origin = origin;
  r.ts_ns = ts_ns;
  line_bytes_ += length;
  return static_cast<uint32_t>(records_.size() - 1);
}

uint32_t RecordBatch::Append(std::string_view line, uint32_t origin,
                             int64_t ts_ns) {
  char* dst = Reserve(line.size());
  if (!line.empty()) std::memcpy(dst, line.data(), line.size());
  uint32_t off = static_cast<uint32_t>(used_);
  CommitBytes(line.size());
  return AddRecord(off, static_cast<uint32_t>(line.size()), origin, ts_ns);
}

BatchStream& RecordBatch::AddStream() {
  if (spare_streams_.empty()) return streams.emplace_back();
  streams.push_back(std::move(spare_streams_.back()));
  spare_streams_.pop_back();
  return streams.back();
}

uint32_t RecordBatch::AddSide(std::string_view bytes) {
  uint32_t off = static_cast<uint32_t>(side_.size());
  side_.append(bytes.data(), bytes.size());
  return off;
}

void RecordBatch::SetTraceId(size_t i, std::string_view id) {
  if (id.size() > 0xffff) id = id.substr(0, 0xffff);
  records_[i].trace_off = AddSide(id);
  records_[i].trace_len = static_cast<uint16_t>(id.size());
}

void RecordBatch::SetSpanId(size_t i, std::string_view id) {
  if (id.size() > 0xffff) id = id.substr(0, 0xffff);
  records_[i].span_off = AddSide(id);
  records_[i].span_len = static_cast<uint16_t>(id.size());
}

void RecordBatch::ReplaceLine(size_t i, std::string_view line) {
  Record& r = records_[i];
  if (line.size() <= r.length) {
    // Fits where the old line was: no arena growth (a batch read from a
    // socket has no room left after its last line).
    if (!line.empty())
      std::memmove(arena_.data() + r.offset, line.data(), line.size());
    line_bytes_ -= r.length - line.size();
    r.length = static_cast<uint32_t>(line.size());
    return;
  }
  char* dst = Reserve(line.size());
  if (!line.empty()) std::memcpy(dst, line.data(), line.size());
  uint32_t off = static_cast<uint32_t>(used_);
  CommitBytes(line.size());
  line_bytes_ -= records_[i].length;
  line_bytes_ += line.size();
  records_[i].offset = off;
  records_[i].length = static_cast<uint32_t>(line.size());
}

void RecordBatch::SetMetadata(size_t i, std::string json) {
  metadata_json.push_back(std::move(json));
  records_[i].metadata = static_cast<uint32_t>(metadata_json.size());
}

}  // namespace silt
