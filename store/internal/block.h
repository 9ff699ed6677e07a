// The columnar payload of one part block (store/part_format.md, "block"):
// BlockBuilder lays entries out column by column, cutting trace id, span id
// and timestamp text out of lines; DecodedBlock parses a payload and puts
// the lines back together. Not thread-safe; a DecodedBlock is immutable
// after Parse and may be shared.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/internal/function_allocator.h"
#include "store/internal/part_format.h"
#include "store/store.h"

namespace silt::store {

// A part's distinct trace ids, in order of first appearance; blocks refer to
// them by index.
struct TraceTable {
  std::string bytes;
  std::vector<std::string_view> ids;
};

// Memory for block payloads: sizes of 1 MiB and up are mapped on their own,
// 2 MiB aligned and marked for transparent huge pages (a fresh payload
// buffer is then faulted in a few times, not 256 times per MiB), and given
// back to a bounded process-wide pool for the next buffers of that size
// (store/internal/huge_pages.h); smaller ones come from malloc.
void* AllocateBlockBytes(size_t n);
void FreeBlockBytes(void* p, size_t n);
// The capacity to reserve in a BlockBuffer for at least n bytes: for mapped
// sizes, all of the mapping, so a later block a little larger still fits.
size_t BlockBufferRoom(size_t n);

template <typename T>
using BlockBufferAllocator =
    FunctionAllocator<T, AllocateBlockBytes, FreeBlockBytes>;

// A block payload being built or compressed.
using BlockBuffer =
    std::basic_string<char, std::char_traits<char>, BlockBufferAllocator<char>>;

// A column being built: bytes appended without std::string's per-call
// bookkeeping (a block adds ten small values per entry).
class ColumnBuffer {
 public:
  ColumnBuffer() { Grow(256); }
  const char* data() const { return buf_.get(); }
  size_t size() const { return static_cast<size_t>(end_ - buf_.get()); }
  bool empty() const { return end_ == buf_.get(); }
  void clear() { end_ = buf_.get(); }
  void PutVarint(uint64_t v) {
    if (cap_ - end_ < 10) Grow(10);
    while (v >= 0x80) {
      *end_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *end_++ = static_cast<char>(v);
  }
  void Append(std::string_view bytes) {
    if (static_cast<size_t>(cap_ - end_) < bytes.size()) Grow(bytes.size());
    if (!bytes.empty()) std::memcpy(end_, bytes.data(), bytes.size());
    end_ += bytes.size();
  }

 private:
  void Grow(size_t more);
  std::unique_ptr<char[]> buf_;
  char* end_ = nullptr;
  char* cap_ = nullptr;
};

class BlockBuilder {
 public:
  // `trace_index` is the entry's index in the part's trace table, or -1 if
  // it has no trace id.
  void Add(const EntryView& e, int64_t trace_index);
  // Makes room for about `lines_bytes` of lines in the next block (before
  // its first Add), so the buffer does not grow by doubling.
  void Reserve(size_t lines_bytes);
  uint32_t count() const { return n_; }
  bool empty() const { return n_ == 0; }
  // Uncompressed payload size so far, about (used to cut blocks).
  size_t raw_bytes() const { return bytes_; }
  // Finishes the block and resets the builder. The payload is
  // (*buf)[*offset, buf->size()): the builder swaps its buffer with *buf,
  // so the lines are not copied again and a buffer passed back in is reused
  // for the next block.
  void Finish(BlockBuffer* buf, size_t* offset);
  // The same, with the payload copied into *out.
  void Finish(std::string* out);

 private:
  void AddCutSequentially(const EntryView& e, bool has_trace);
  void FinishEntry(size_t stored_len, size_t meta_len);

  // The lines section is built in lines_ after gap_ bytes of room, where
  // Finish puts the header and the small sections in front of it.
  ColumnBuffer sec_[kNumSections];  // all but kSecLines
  BlockBuffer lines_;
  size_t gap_ = 32 << 10;
  size_t last_lines_ = 0;  // lines section bytes of the last block
  std::string scratch_;
  int64_t prev_ts_ = 0;
  int64_t prev_trace_ = -1;
  uint32_t n_ = 0;
  size_t bytes_ = 0;
};

// A parsed block. Parse decodes the columns and checks every cut; each
// line is put back together the first time it is read (a scan that stops
// early, or a trace lookup, rebuilds few lines), into a buffer sized once
// at Parse, so views stay valid for the block's life. Not thread-safe (the
// lazy rebuild writes): one reader at a time.
class DecodedBlock {
 public:
  // Parses `payload` (taking it); `traces` resolves trace indexes (may be
  // null if the part has none). kDataLoss if anything does not add up.
  absl::Status Parse(std::string payload,
                     std::shared_ptr<const TraceTable> traces);
  // The same for a payload already written into *payload_buffer(): a
  // reused block keeps its buffers, so decoding allocates nothing.
  std::string* payload_buffer() { return &payload_; }
  absl::Status ParseBuffer(std::shared_ptr<const TraceTable> traces);

  uint32_t size() const { return static_cast<uint32_t>(ents_.size()); }
  int64_t ts(uint32_t i) const { return ents_[i].ts; }
  std::string_view line(uint32_t i) const {
    const Ent& e = ents_[i];
    if (!e.built) Build(i);
    return std::string_view(text_.data() + e.line_off, e.line_len);
  }
  // Index of the trace id of entry i in the part's trace table, or -1.
  int64_t trace_index(uint32_t i) const { return ents_[i].trace; }
  std::string_view trace_id(uint32_t i) const {
    return ents_[i].trace >= 0 ? traces_->ids[ents_[i].trace]
                               : std::string_view();
  }
  EntryView entry(uint32_t i) const;

 private:
  struct Ent {
    int64_t ts;
    int64_t trace;                         // -1 none
    uint32_t line_off, line_len;           // in text_ (final line)
    uint32_t stored_off, stored_len;       // in payload (the cut line)
    uint32_t span_off, span_len;           // in payload
    uint32_t meta_off, meta_len;           // in payload
    uint32_t ts_pos, span_pos, trace_pos;  // cut position + 1, or 0
    uint8_t ts_form;
    bool built;
  };
  void Build(uint32_t i) const;

  std::string payload_;
  mutable std::string text_;  // the lines, put back together
  const char* data_ = nullptr;
  std::shared_ptr<const TraceTable> traces_;
  mutable std::vector<Ent> ents_;
};

// A decoded block from a process-wide pool: its buffers are reused by the
// next block once every reference is gone, so scans do not fault fresh
// pages for each block. Thread-safe.
std::shared_ptr<DecodedBlock> NewDecodedBlock();

// Bytes grown without zero-filling: pages never written are never touched
// (a compressed block fills a tenth of its worst-case bound).
class RawBuffer {
 public:
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }
  // Makes room for n bytes; the contents are lost if it grows.
  void Reserve(size_t n) {
    if (n <= capacity_) return;
    data_.reset(new char[n]);
    capacity_ = n;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// zstd compression of block payloads; keeps its context between blocks.
// Not thread-safe: one per thread.
class BlockCompressor {
 public:
  explicit BlockCompressor(int level);
  ~BlockCompressor();
  // Compresses `raw` into the front of *buf and returns the compressed
  // size. *buf is grown as needed and never shrunk, so a buffer reused
  // across blocks is not reallocated.
  absl::StatusOr<size_t> Compress(std::string_view raw, RawBuffer* buf);
  int level() const { return level_; }

 private:
  struct Rep;  // keeps <zstd.h> out of this header
  std::unique_ptr<Rep> rep_;
  int level_;
};

// Verifies `stored` against `checksum` and decompresses it into *raw
// (expecting `raw_size` bytes). kDataLoss on any mismatch.
absl::Status Decompress(std::string_view stored, uint64_t checksum,
                        uint32_t raw_size, std::string* raw);

uint64_t BlockChecksum(std::string_view stored);

}  // namespace silt::store
