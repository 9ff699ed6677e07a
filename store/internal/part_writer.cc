#include "store/internal/part_writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "store/internal/coding.h"
#include "store/internal/compress_pool.h"
#include "store/internal/part_format.h"
#include "xxhash.h"

namespace silt::store {

absl::StatusOr<std::unique_ptr<PartWriter>> PartWriter::Create(
    const PartWriterOptions& options, const std::string& path,
    std::string_view tenant) {
  auto file = WritableFile::Open(path + kTmpSuffix);
  if (!file.ok()) return file.status();
  return std::unique_ptr<PartWriter>(new PartWriter(
      options, path, std::string(tenant), std::move(file).value()));
}

struct PartWriter::InFlight {
  std::mutex mu;
  std::condition_variable cv;  // a block's `done` turned true
  std::deque<std::unique_ptr<PendingBlock>> blocks;  // in file order
};

namespace {
// What a pool thread builds blocks with: reused from block to block, so
// their buffers are warm.
struct ThreadBlockTools {
  BlockBuilder builder;
  std::unique_ptr<BlockCompressor> compressor;
};
ThreadBlockTools& ToolsForThisThread(int level) {
  thread_local ThreadBlockTools tools;
  if (tools.compressor == nullptr || tools.compressor->level() != level) {
    tools.compressor = std::make_unique<BlockCompressor>(level);
  }
  return tools;
}
constexpr size_t kPrefetchAhead = 16;
// Spare blocks kept between writers: every cut makes new writers, and
// blocks with fresh buffers would fault in (and zero) megabytes of new
// pages per part. Enough for the blocks in flight on the pool.
constexpr size_t kMaxSpareBlocks = 8;
}  // namespace

struct PartWriter::SparePool {
  std::mutex mu;
  std::vector<std::unique_ptr<PendingBlock>> blocks;
};

std::atomic<uint32_t>& PartWriter::TraceHint() {
  static std::atomic<uint32_t> hint{0};
  return hint;
}

PartWriter::SparePool& PartWriter::Spares() {
  static SparePool* pool = new SparePool();
  return *pool;
}

PartWriter::PartWriter(const PartWriterOptions& options, std::string path,
                       std::string tenant, std::unique_ptr<WritableFile> file)
    : options_(options),
      path_(std::move(path)),
      tenant_(std::move(tenant)),
      file_(std::move(file)),
      inflight_(std::make_shared<InFlight>()),
      cur_(nullptr) {
  cur_ = NewBlock();
  // Parts of one store are alike: size the trace table for as many ids as
  // the last part had, so it is not rehashed as it fills.
  const uint32_t hint = TraceHint().load(std::memory_order_relaxed);
  trace_index_.reserve(hint);
  trace_loc_.reserve(hint);
}

PartWriter::~PartWriter() {
  // Compression tasks still running hold the InFlight (and with it their
  // blocks), not the writer.
  if (!finished_) {
    file_.reset();
    ::unlink((path_ + kTmpSuffix).c_str());
  }
  spare_.push_back(std::move(cur_));
  SparePool& pool = Spares();
  std::lock_guard<std::mutex> l(pool.mu);
  for (auto& b : spare_) {
    if (pool.blocks.size() >= kMaxSpareBlocks) break;
    if (b == nullptr) continue;
    b->copies.clear();  // the raw and stored buffers are what is worth keeping
    pool.blocks.push_back(std::move(b));
  }
}

absl::Status PartWriter::StartStream(uint64_t stream, std::string_view key) {
  if (!status_.ok()) return status_;
  if (!streams_.empty() && stream <= streams_.back().first) {
    status_ = absl::InternalError("part streams must be added in id order");
    return status_;
  }
  streams_.emplace_back(stream, std::string(key));
  in_run_ = false;
  return absl::OkStatus();
}

uint32_t PartWriter::TraceIndex(std::string_view id) {
  uint64_t h = XXH3_64bits(id.data(), id.size());
  while (true) {
    auto [it, added] =
        trace_index_.try_emplace(h, static_cast<uint32_t>(trace_loc_.size()));
    if (added) {
      PutVarint32(&trace_bytes_, static_cast<uint32_t>(id.size()));
      trace_loc_.emplace_back(static_cast<uint32_t>(trace_bytes_.size()),
                              static_cast<uint32_t>(id.size()));
      trace_bytes_.append(id);
      return it->second;
    }
    const auto [off, len] = trace_loc_[it->second];
    if (std::string_view(trace_bytes_.data() + off, len) == id) {
      return it->second;
    }
    h = h * 0x9E3779B97F4A7C15ull + 1;  // collision: probe another key
  }
}

absl::Status PartWriter::Add(const EntryView& e) {
  if (!status_.ok()) return status_;
  if (streams_.empty()) {
    status_ = absl::InternalError("PartWriter::Add before StartStream");
    return status_;
  }
  if (!in_run_) {
    runs_.push_back(Run{streams_.back().first, e.ts_ns, e.ts_ns, num_blocks_,
                        static_cast<uint32_t>(cur_->entries.size()), 0, 0});
    in_run_ = true;
  }
  Run& run = runs_.back();
  run.max_ts = e.ts_ns;  // entries arrive sorted
  run.count++;
  run.line_bytes += static_cast<uint32_t>(e.line.size());
  int64_t trace = -1;
  if (!e.trace_id.empty()) {
    trace = TraceIndex(e.trace_id);
  }
  if (options_.copy_entries) {
    // One string per entry (a deque never moves them): line, trace id, span
    // id and metadata back to back, viewed as before.
    std::string& c = cur_->copies.emplace_back();
    c.reserve(e.line.size() + e.trace_id.size() + e.span_id.size() +
              e.metadata.size());
    for (std::string_view part : {e.line, e.trace_id, e.span_id, e.metadata}) {
      c.append(part.data(), part.size());
    }
    EntryView v = e;
    const char* p = c.data();
    v.line = std::string_view(p, e.line.size());
    p += e.line.size();
    v.trace_id = std::string_view(p, e.trace_id.size());
    p += e.trace_id.size();
    v.span_id = std::string_view(p, e.span_id.size());
    p += e.span_id.size();
    v.metadata = std::string_view(p, e.metadata.size());
    cur_->entries.emplace_back(v, trace);
  } else {
    cur_->entries.emplace_back(e, trace);
  }
  // The line without the ids cut out of it (usually), its metadata, and
  // about 10 bytes of varints.
  const size_t ids = e.trace_id.size() + e.span_id.size();
  cur_->est_bytes +=
      (e.line.size() > ids ? e.line.size() - ids : 0) + e.metadata.size() + 10;
  ++entries_;
  line_bytes_ += e.line.size();
  if (e.ts_ns < min_ts_) min_ts_ = e.ts_ns;
  if (e.ts_ns > max_ts_) max_ts_ = e.ts_ns;
  // A run's line_bytes is a fixed32: also cut before it could overflow.
  if (cur_->est_bytes >= options_.target_block_bytes ||
      run.line_bytes > (1u << 31)) {
    return FlushBlock();
  }
  return absl::OkStatus();
}

std::unique_ptr<PartWriter::PendingBlock> PartWriter::NewBlock() {
  std::unique_ptr<PendingBlock> b;
  if (!spare_.empty()) {
    b = std::move(spare_.back());
    spare_.pop_back();
  } else {
    SparePool& pool = Spares();
    std::lock_guard<std::mutex> l(pool.mu);
    if (!pool.blocks.empty()) {
      b = std::move(pool.blocks.back());
      pool.blocks.pop_back();
    }
  }
  if (b == nullptr) b = std::make_unique<PendingBlock>();
  b->entries.clear();
  b->copies.clear();
  b->est_bytes = 0;
  b->done = false;
  b->status = absl::OkStatus();
  return b;
}

absl::Status PartWriter::Build(PendingBlock* b, BlockBuilder* builder,
                               BlockCompressor* compressor) {
  const size_t n = b->entries.size();
  builder->Reserve(b->est_bytes);
  for (size_t i = 0; i < n; ++i) {
    // Entries lie all over the head's memory: fetch every cache line of an
    // entry (line and the ids after it) well ahead, so the builder does
    // not wait on each.
    if (i + kPrefetchAhead < n) {
      const EntryView& next = b->entries[i + kPrefetchAhead].first;
      const uintptr_t from =
          reinterpret_cast<uintptr_t>(next.line.data()) & ~uintptr_t{63};
      const uintptr_t to = reinterpret_cast<uintptr_t>(next.line.data()) +
                           next.line.size() + next.trace_id.size() +
                           next.span_id.size();
      for (uintptr_t a = from; a < to && a < from + 2048; a += 64) {
        __builtin_prefetch(reinterpret_cast<const void*>(a));
      }
    }
    builder->Add(b->entries[i].first, b->entries[i].second);
  }
  builder->Finish(&b->raw, &b->raw_offset);
  auto size = compressor->Compress(b->payload(), &b->stored);
  if (!size.ok()) return size.status();
  b->stored_size = *size;
  return absl::OkStatus();
}

absl::Status PartWriter::FlushBlock() {
  in_run_ = false;
  if (cur_->entries.empty()) return absl::OkStatus();
  std::unique_ptr<PendingBlock> b = std::move(cur_);
  cur_ = NewBlock();
  ++num_blocks_;  // runs already name this index; blocks are written in order
  if (options_.pool == nullptr) {
    ThreadBlockTools& tools = ToolsForThisThread(options_.zstd_level);
    status_ = Build(b.get(), &tools.builder, tools.compressor.get());
    if (status_.ok()) status_ = WriteBlock(*b);
    spare_.push_back(std::move(b));
    return status_;
  }
  PendingBlock* raw = b.get();
  {
    std::lock_guard<std::mutex> l(inflight_->mu);
    inflight_->blocks.push_back(std::move(b));
  }
  options_.pool->Run([inflight = inflight_, raw, level = options_.zstd_level] {
    ThreadBlockTools& tools = ToolsForThisThread(level);
    absl::Status s = Build(raw, &tools.builder, tools.compressor.get());
    std::lock_guard<std::mutex> l(inflight->mu);
    raw->status = s;
    raw->done = true;
    inflight->cv.notify_all();
  });
  const size_t limit =
      static_cast<size_t>(std::max(1, options_.max_blocks_in_flight));
  return WriteBlocks(limit - 1);
}

absl::Status PartWriter::WriteBlocks(size_t keep) {
  while (true) {
    std::unique_ptr<PendingBlock> b;
    {
      std::unique_lock<std::mutex> l(inflight_->mu);
      auto& q = inflight_->blocks;
      if (q.empty()) break;
      // Write whatever is done at the front; wait only past `keep`.
      if (!q.front()->done) {
        if (q.size() <= keep) break;
        inflight_->cv.wait(l, [&q] { return q.front()->done; });
      }
      b = std::move(q.front());
      q.pop_front();
    }
    if (status_.ok()) status_ = b->status;
    if (status_.ok()) status_ = WriteBlock(*b);
    spare_.push_back(std::move(b));
  }
  return status_;
}

absl::Status PartWriter::WriteBlock(const PendingBlock& b) {
  const std::string_view stored(b.stored.data(), b.stored_size);
  PutFixed64(&handles_, file_->size());
  PutFixed32(&handles_, static_cast<uint32_t>(stored.size()));
  PutFixed32(&handles_, static_cast<uint32_t>(b.payload().size()));
  PutFixed64(&handles_, BlockChecksum(stored));
  return file_->Append(stored);
}

absl::StatusOr<PartInfo> PartWriter::Finish() {
  if (!status_.ok()) return status_;
  status_ = FlushBlock();
  if (status_.ok()) status_ = WriteBlocks(0);
  if (!status_.ok()) return status_;
  TraceHint().store(static_cast<uint32_t>(trace_loc_.size()),
                    std::memory_order_relaxed);
  // The trace table: one zstd frame, like a block.
  const uint64_t trace_offset = file_->size();
  uint32_t trace_raw = 0;
  uint64_t trace_checksum = 0;
  uint32_t trace_stored = 0;
  if (!trace_index_.empty()) {
    std::string raw;
    RawBuffer stored;
    PutVarint32(&raw, static_cast<uint32_t>(trace_loc_.size()));
    raw.append(trace_bytes_);
    trace_raw = static_cast<uint32_t>(raw.size());
    auto n = ToolsForThisThread(options_.zstd_level)
                 .compressor->Compress(raw, &stored);
    if (!n.ok()) {
      status_ = n.status();
      return status_;
    }
    const std::string_view frame(stored.data(), *n);
    trace_checksum = BlockChecksum(frame);
    trace_stored = static_cast<uint32_t>(frame.size());
    status_ = file_->Append(frame);
    if (!status_.ok()) return status_;
  }
  std::string meta = std::move(handles_);
  const uint64_t block_table_offset = file_->size();
  const uint64_t run_index_offset = block_table_offset + meta.size();
  for (const Run& r : runs_) {
    PutFixed64(&meta, r.stream);
    PutFixed64(&meta, static_cast<uint64_t>(r.min_ts));
    PutFixed64(&meta, static_cast<uint64_t>(r.max_ts));
    PutFixed32(&meta, r.block);
    PutFixed32(&meta, r.first);
    PutFixed32(&meta, r.count);
    PutFixed32(&meta, r.line_bytes);
  }
  const uint64_t stream_table_offset = block_table_offset + meta.size();
  PutVarint32(&meta, static_cast<uint32_t>(tenant_.size()));
  meta.append(tenant_);
  PutVarint32(&meta, static_cast<uint32_t>(streams_.size()));
  for (const auto& [id, key] : streams_) {
    PutFixed64(&meta, id);
    PutVarint32(&meta, static_cast<uint32_t>(key.size()));
    meta.append(key);
  }
  const uint64_t meta_checksum = XXH3_64bits(meta.data(), meta.size());
  std::string footer;
  PutFixed64(&footer, block_table_offset);
  PutFixed32(&footer, num_blocks_);
  PutFixed32(&footer, static_cast<uint32_t>(runs_.size()));
  PutFixed64(&footer, run_index_offset);
  PutFixed64(&footer, stream_table_offset);
  PutFixed64(&footer, meta_checksum);
  PutFixed64(&footer, static_cast<uint64_t>(entries_ ? min_ts_ : 0));
  PutFixed64(&footer, static_cast<uint64_t>(entries_ ? max_ts_ : 0));
  PutFixed64(&footer, trace_offset);
  PutFixed32(&footer, trace_stored);
  PutFixed32(&footer, trace_raw);
  PutFixed64(&footer, trace_checksum);
  PutFixed32(&footer, static_cast<uint32_t>(trace_loc_.size()));
  PutFixed32(&footer, kPartVersion);
  PutFixed64(&footer, XXH3_64bits(footer.data(), kFooterChecksum));
  PutFixed64(&footer, kPartMagic);
  meta.append(footer);
  status_ = file_->Append(meta);
  if (status_.ok() && options_.fsync) status_ = file_->Sync();
  if (status_.ok()) status_ = file_->Close();
  if (status_.ok()) status_ = RenameFile(path_ + kTmpSuffix, path_);
  if (status_.ok() && options_.fsync) status_ = SyncDir(DirName(path_));
  if (!status_.ok()) return status_;
  finished_ = true;
  PartInfo info;
  info.path = path_;
  info.file_bytes = file_->size();
  info.blocks = num_blocks_;
  info.runs = static_cast<uint32_t>(runs_.size());
  info.streams = static_cast<uint32_t>(streams_.size());
  info.entries = entries_;
  info.line_bytes = line_bytes_;
  return info;
}

}  // namespace silt::store
