#include "store/internal/block.h"

#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/find.h"
#include "store/internal/coding.h"
#include "store/internal/huge_pages.h"
#include "store/internal/line_codec.h"
#include "xxhash.h"

namespace silt::store {

namespace {
constexpr size_t kNone = SIZE_MAX;

// Position of the first occurrence of `part` in `text`, or kNone.
size_t Find(std::string_view text, std::string_view part) {
  if (part.empty() || part.size() > text.size()) return kNone;
  // A first/last byte filter (not string::find's memchr+memcmp loop): the
  // first character of a hex id recurs all over a line.
  const char* hit = FindSubstring(text, part);
  return hit == nullptr ? kNone : hit - text.data();
}

// Cuts `part` out of *line if it occurs there; returns position + 1, or 0.
uint64_t CutOut(std::string* line, std::string_view part) {
  const size_t p = Find(*line, part);
  if (p == kNone) return 0;
  line->erase(p, part.size());
  return p + 1;
}

struct Region {
  size_t pos = kNone, len = 0;
  bool found() const { return pos != kNone; }
  bool Overlaps(const Region& o) const {
    return found() && o.found() && pos < o.pos + o.len && o.pos < pos + len;
  }
  // Bytes of this region (disjoint from r) that lie before r.
  size_t LenBefore(const Region& r) const {
    return found() && pos < r.pos ? len : 0;
  }
};
}  // namespace

namespace {
constexpr size_t kMappedFrom = 1 << 20;

// Mapped payload buffers given back, for the next blocks: every cut makes
// and drops pending blocks, and builders and blocks trade buffers, so
// without it each new block buffer would fault in (and the kernel zero)
// fresh huge pages. Room for the blocks in flight on the compress pool and
// the spares kept between writers.
HugePagePool& BlockBytesPool() {
  static HugePagePool* pool = new HugePagePool(32 << 20);
  return *pool;
}
}  // namespace

void* AllocateBlockBytes(size_t n) {
  if (n < kMappedFrom) {
    void* p = std::malloc(n);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  return BlockBytesPool().Take(n);
}

void FreeBlockBytes(void* p, size_t n) {
  if (n < kMappedFrom) {
    std::free(p);
  } else {
    BlockBytesPool().Give(p, n);
  }
}

size_t BlockBufferRoom(size_t n) {
  // A BlockBuffer allocates capacity + 1 bytes (the terminator).
  if (n + 1 < kMappedFrom) return n;
  return HugePageRound(n + 1) - 1;
}

void ColumnBuffer::Grow(size_t more) {
  const size_t used = size();
  const size_t cap =
      std::max(used + more, 2 * static_cast<size_t>(cap_ - buf_.get()));
  std::unique_ptr<char[]> bigger(new char[cap]);
  if (used > 0) std::memcpy(bigger.get(), buf_.get(), used);
  buf_ = std::move(bigger);
  end_ = buf_.get() + used;
  cap_ = buf_.get() + cap;
}

void BlockBuilder::Reserve(size_t lines_bytes) {
  if (n_ == 0) {
    lines_.reserve(BlockBufferRoom(gap_ + lines_bytes + lines_bytes / 16));
  }
}

void BlockBuilder::Add(const EntryView& e, int64_t trace_index) {
  if (n_ == 0) {
    // Room for what goes before the lines, and for as many lines as the
    // last block had (a buffer passed back in from Finish usually has it).
    lines_.reserve(BlockBufferRoom(gap_ + last_lines_ + last_lines_ / 8));
    lines_.resize(gap_);
  }
  // Timestamps of one run are close together: deltas are 1-4 byte varints
  // and zstd finds their repeats; a new run's first delta may be negative.
  sec_[kSecTs].PutVarint(ZigZag(e.ts_ns - prev_ts_));
  prev_ts_ = e.ts_ns;
  if (trace_index >= 0) {
    sec_[kSecTrace].PutVarint(1 + ZigZag(trace_index - prev_trace_));
    prev_trace_ = trace_index;
  } else {
    sec_[kSecTrace].PutVarint(0);
  }
  sec_[kSecSpanLen].PutVarint(static_cast<uint32_t>(e.span_id.size()));
  sec_[kSecSpans].Append(e.span_id);
  sec_[kSecMetaLen].PutVarint(static_cast<uint32_t>(e.metadata.size()));
  sec_[kSecMetas].Append(e.metadata);

  // Random ids are what zstd cannot compress, so each is kept once: trace
  // ids in the part's table, span ids in their column; the timestamp text
  // is rebuilt from the ts column. The format's cuts are sequential (each
  // position is in the line as left by the previous cut; DecodedBlock
  // undoes them in reverse), but for disjoint occurrences those positions
  // follow from the positions in the original line, so the line is copied
  // once, around the three regions.
  const std::string_view line = e.line;
  Region trace, span, ts;
  int ts_form = 0;
  if (trace_index >= 0) trace = {Find(line, e.trace_id), e.trace_id.size()};
  span = {Find(line, e.span_id), e.span_id.size()};
  if (!FindTsText(line, e.ts_ns, &ts.pos, &ts_form, &ts.len)) ts = {};
  if (trace.Overlaps(span) || trace.Overlaps(ts) || span.Overlaps(ts)) {
    AddCutSequentially(e, trace_index >= 0);
    return;
  }
  sec_[kSecTracePos].PutVarint(trace.found() ? trace.pos + 1 : 0);
  sec_[kSecSpanPos].PutVarint(
      span.found() ? span.pos - trace.LenBefore(span) + 1 : 0);
  const size_t ts_pos = ts.pos - trace.LenBefore(ts) - span.LenBefore(ts);
  sec_[kSecTsText].PutVarint(ts.found() ? 1 + ts_pos * kNumTsForms + ts_form
                                        : 0);
  // Copy what is left, in line order.
  Region cuts[3] = {trace, span, ts};
  auto order = [](Region& a, Region& b) {
    if (b.pos < a.pos) std::swap(a, b);
  };
  order(cuts[0], cuts[1]);
  order(cuts[1], cuts[2]);
  order(cuts[0], cuts[1]);
  BlockBuffer& out = lines_;
  const size_t before = out.size();
  size_t from = 0;
  for (const Region& c : cuts) {
    if (!c.found()) break;  // kNone sorts last
    out.append(line.data() + from, c.pos - from);
    from = c.pos + c.len;
  }
  out.append(line.data() + from, line.size() - from);
  FinishEntry(out.size() - before, e.metadata.size());
}

void BlockBuilder::AddCutSequentially(const EntryView& e, bool has_trace) {
  // Occurrences that overlap (an id inside another, say): cut one after the
  // other, exactly as the format describes.
  scratch_.assign(e.line.data(), e.line.size());
  sec_[kSecTracePos].PutVarint(has_trace ? CutOut(&scratch_, e.trace_id) : 0);
  sec_[kSecSpanPos].PutVarint(CutOut(&scratch_, e.span_id));
  size_t ts_pos, ts_len;
  int form;
  if (FindTsText(scratch_, e.ts_ns, &ts_pos, &form, &ts_len)) {
    sec_[kSecTsText].PutVarint(1 + ts_pos * kNumTsForms + form);
    scratch_.erase(ts_pos, ts_len);
  } else {
    sec_[kSecTsText].PutVarint(0);
  }
  lines_.append(scratch_);
  FinishEntry(scratch_.size(), e.metadata.size());
}

void BlockBuilder::FinishEntry(size_t stored_len, size_t meta_len) {
  sec_[kSecLineLen].PutVarint(static_cast<uint32_t>(stored_len));
  // Close enough for cutting blocks: the varints are ~10 bytes.
  bytes_ += stored_len + meta_len + 10;
  ++n_;
}

void BlockBuilder::Finish(BlockBuffer* buf, size_t* offset) {
  if (n_ == 0) lines_.resize(gap_);
  const size_t lines_size = lines_.size() - gap_;
  char header[5 + kNumSections * 10];
  char* h = EncodeVarint64(header, n_);
  size_t front = 0;  // header and the sections before the lines
  for (int i = 0; i < kNumSections; ++i) {
    const size_t size = i == kSecLines ? lines_size : sec_[i].size();
    h = EncodeVarint64(h, size);
    if (i < kSecLines) front += sec_[i].size();
  }
  const size_t header_size = static_cast<size_t>(h - header);
  front += header_size;
  if (front <= gap_) {
    char* p = lines_.data() + gap_ - front;
    std::memcpy(p, header, header_size);
    p += header_size;
    for (int i = 0; i < kSecLines; ++i) {
      if (sec_[i].empty()) continue;
      std::memcpy(p, sec_[i].data(), sec_[i].size());
      p += sec_[i].size();
    }
    for (int i = kSecLines + 1; i < kNumSections; ++i) {
      lines_.append(sec_[i].data(), sec_[i].size());
    }
    *offset = gap_ - front;
    buf->swap(lines_);
  } else {
    // More entries than the room was made for: copy once, and make more
    // room next time.
    buf->clear();
    buf->append(header, header_size);
    for (int i = 0; i < kSecLines; ++i)
      buf->append(sec_[i].data(), sec_[i].size());
    buf->append(lines_, gap_, lines_size);
    for (int i = kSecLines + 1; i < kNumSections; ++i) {
      buf->append(sec_[i].data(), sec_[i].size());
    }
    *offset = 0;
  }
  // Room for the next block: blocks of one part are alike.
  gap_ = std::max<size_t>(4096, front + front / 4);
  last_lines_ = lines_size;
  lines_.clear();
  for (auto& s : sec_) s.clear();
  n_ = 0;
  bytes_ = 0;
  prev_ts_ = 0;
  prev_trace_ = -1;
}

void BlockBuilder::Finish(std::string* out) {
  BlockBuffer buf;
  size_t offset;
  Finish(&buf, &offset);
  out->assign(buf.data() + offset, buf.size() - offset);
}

absl::Status DecodedBlock::Parse(std::string payload,
                                 std::shared_ptr<const TraceTable> traces) {
  payload_ = std::move(payload);
  return ParseBuffer(std::move(traces));
}

absl::Status DecodedBlock::ParseBuffer(
    std::shared_ptr<const TraceTable> traces) {
  traces_ = std::move(traces);
  ents_.clear();
  auto bad = [this](const char* why) {
    ents_.clear();
    return absl::DataLossError(absl::StrCat("block: ", why));
  };
  Decoder d(payload_);
  uint32_t n = d.Varint32();
  uint64_t sizes[kNumSections];
  uint64_t total = 0;
  for (int i = 0; i < kNumSections; ++i) {
    sizes[i] = d.Varint64();
    total += sizes[i];
  }
  if (!d.ok() || total != d.remaining()) return bad("header");
  if (n > d.remaining()) return bad("more entries than bytes");
  data_ = d.pos();
  const char* sec[kNumSections];
  uint64_t off = 0;
  for (int i = 0; i < kNumSections; ++i) {
    sec[i] = data_ + off;
    off += sizes[i];
  }
  auto dec = [&](int i) { return Decoder(sec[i], sizes[i]); };
  Decoder ts = dec(kSecTs), ll = dec(kSecLineLen), tr = dec(kSecTrace),
          tp = dec(kSecTracePos), sl = dec(kSecSpanLen), sp = dec(kSecSpanPos),
          tt = dec(kSecTsText), ml = dec(kSecMetaLen);
  Decoder lines = dec(kSecLines), spans = dec(kSecSpans),
          metas = dec(kSecMetas);
  const size_t ntraces = traces_ ? traces_->ids.size() : 0;
  ents_.resize(n);
  // Text form lengths: "YYYY-MM-DDTHH:MM:SS" + fraction + "Z".
  static constexpr uint32_t kTsLen[kNumTsForms] = {20, 24, 27, 30};
  static constexpr int kFracDigits[kNumTsForms] = {0, 3, 6, 9};
  uint64_t used = 0;
  int64_t prev = 0, prev_trace = -1;
  for (uint32_t i = 0; i < n; ++i) {
    Ent& e = ents_[i];
    prev += UnZigZag(ts.Varint64());
    e.ts = prev;
    const uint64_t t = tr.Varint64();
    const uint64_t trace_pos = tp.Varint64();
    size_t trace_len = 0;
    e.trace = -1;
    if (t != 0) {
      e.trace = prev_trace + UnZigZag(t - 1);
      prev_trace = e.trace;
      if (e.trace < 0 || static_cast<size_t>(e.trace) >= ntraces) {
        return bad("trace index out of range");
      }
      trace_len = traces_->ids[e.trace].size();
    } else if (trace_pos != 0) {
      return bad("trace cut without a trace");
    }
    e.span_len = sl.Varint32();
    const uint64_t span_pos = sp.Varint64();
    std::string_view span = spans.Bytes(e.span_len);
    e.span_off = static_cast<uint32_t>(span.data() - data_);
    const uint64_t ts_text = tt.Varint64();
    std::string_view stored = lines.Bytes(ll.Varint32());
    e.stored_off = static_cast<uint32_t>(stored.data() - data_);
    e.stored_len = static_cast<uint32_t>(stored.size());
    e.meta_len = ml.Varint32();
    e.meta_off = static_cast<uint32_t>(metas.Bytes(e.meta_len).data() - data_);
    if (!ts.ok() || !tr.ok() || !tp.ok() || !sl.ok() || !sp.ok() || !tt.ok() ||
        !ll.ok() || !lines.ok() || !spans.ok() || !ml.ok() || !metas.ok()) {
      return bad("columns shorter than their entries");
    }
    // Check the cuts now (the rebuild comes later): each position is in
    // the line as rebuilt so far, in the order timestamp, span, trace.
    uint64_t len = stored.size();
    e.ts_pos = e.span_pos = e.trace_pos = 0;
    e.ts_form = 0;
    if (ts_text != 0) {
      const uint64_t pos = (ts_text - 1) / kNumTsForms;
      const int form = static_cast<int>((ts_text - 1) % kNumTsForms);
      uint64_t unit = 1;
      for (int k = kFracDigits[form]; k < 9; ++k) unit *= 10;
      if (pos > len || e.ts < 0 || (e.ts % 1000000000) % unit != 0) {
        return bad("bad timestamp cut");
      }
      e.ts_pos = static_cast<uint32_t>(pos + 1);
      e.ts_form = static_cast<uint8_t>(form);
      len += kTsLen[form];
    }
    if (span_pos != 0) {
      if (span_pos - 1 > len) return bad("bad span cut");
      e.span_pos = static_cast<uint32_t>(span_pos);
      len += span.size();
    }
    if (trace_pos != 0) {
      if (trace_pos - 1 > len) return bad("bad trace cut");
      e.trace_pos = static_cast<uint32_t>(trace_pos);
      len += trace_len;
    }
    if (used + len > UINT32_MAX) return bad("lines too long");
    e.line_off = static_cast<uint32_t>(used);
    e.line_len = static_cast<uint32_t>(len);
    e.built = false;
    used += len;
  }
  if (ts.remaining() || tr.remaining() || tp.remaining() || sl.remaining() ||
      sp.remaining() || tt.remaining() || ll.remaining() || lines.remaining() ||
      spans.remaining() || ml.remaining() || metas.remaining()) {
    return bad("columns longer than their entries");
  }
  // Sized once, so views into it stay valid; grown (zero-filled) only when
  // a reused block meets a larger one.
  if (text_.size() < used) text_.resize(used);
  return absl::OkStatus();
}

void DecodedBlock::Build(uint32_t i) const {
  Ent& e = ents_[i];
  struct Seg {
    const char* p;
    size_t n;
  };
  Seg segs[7] = {{data_ + e.stored_off, e.stored_len}};
  int nseg = 1;
  auto insert = [&](size_t pos, const char* p, size_t k) {
    int j = 0;
    while (j < nseg && pos > segs[j].n) pos -= segs[j++].n;
    if (j == nseg) {
      segs[nseg++] = {p, k};
      return;
    }
    for (int m = nseg - 1; m > j; --m) segs[m + 2] = segs[m];
    Seg tail{segs[j].p + pos, segs[j].n - pos};
    segs[j].n = pos;
    segs[j + 1] = {p, k};
    segs[j + 2] = tail;
    nseg += 2;
  };
  char ts_buf[32];
  if (e.ts_pos != 0) {
    size_t k = FormatTsText(e.ts, e.ts_form, ts_buf);
    insert(e.ts_pos - 1, ts_buf, k);
  }
  if (e.span_pos != 0) insert(e.span_pos - 1, data_ + e.span_off, e.span_len);
  if (e.trace_pos != 0) {
    std::string_view id = traces_->ids[e.trace];
    insert(e.trace_pos - 1, id.data(), id.size());
  }
  char* out = text_.data() + e.line_off;
  for (int j = 0; j < nseg; ++j) {
    std::memcpy(out, segs[j].p, segs[j].n);
    out += segs[j].n;
  }
  e.built = true;
}

EntryView DecodedBlock::entry(uint32_t i) const {
  const Ent& e = ents_[i];
  EntryView v;
  v.ts_ns = e.ts;
  v.line = line(i);
  if (e.trace >= 0) v.trace_id = traces_->ids[e.trace];
  v.span_id = std::string_view(data_ + e.span_off, e.span_len);
  v.metadata = std::string_view(data_ + e.meta_off, e.meta_len);
  return v;
}

namespace {

// Spare decoded blocks; bounded so an idle server keeps little memory.
struct BlockPool {
  static constexpr size_t kMaxSpare = 8;
  std::mutex mu;
  std::vector<DecodedBlock*> spare;
};

BlockPool& Pool() {
  static BlockPool* pool = new BlockPool();
  return *pool;
}

}  // namespace

std::shared_ptr<DecodedBlock> NewDecodedBlock() {
  DecodedBlock* b = nullptr;
  {
    std::lock_guard<std::mutex> l(Pool().mu);
    if (!Pool().spare.empty()) {
      b = Pool().spare.back();
      Pool().spare.pop_back();
    }
  }
  if (b == nullptr) b = new DecodedBlock();
  return std::shared_ptr<DecodedBlock>(b, [](DecodedBlock* d) {
    {
      std::lock_guard<std::mutex> l(Pool().mu);
      if (Pool().spare.size() < BlockPool::kMaxSpare) {
        Pool().spare.push_back(d);
        return;
      }
    }
    delete d;
  });
}

struct BlockCompressor::Rep {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ~Rep() { ZSTD_freeCCtx(cctx); }
};

BlockCompressor::BlockCompressor(int level)
    : rep_(std::make_unique<Rep>()), level_(level) {}
BlockCompressor::~BlockCompressor() = default;

absl::StatusOr<size_t> BlockCompressor::Compress(std::string_view raw,
                                                 RawBuffer* buf) {
  buf->Reserve(ZSTD_compressBound(raw.size()));
  size_t n = ZSTD_compressCCtx(rep_->cctx, buf->data(), buf->capacity(),
                               raw.data(), raw.size(), level_);
  if (ZSTD_isError(n)) {
    return absl::InternalError(
        absl::StrCat("zstd compress: ", ZSTD_getErrorName(n)));
  }
  return n;
}

uint64_t BlockChecksum(std::string_view stored) {
  return XXH3_64bits(stored.data(), stored.size());
}

absl::Status Decompress(std::string_view stored, uint64_t checksum,
                        uint32_t raw_size, std::string* raw) {
  if (BlockChecksum(stored) != checksum) {
    return absl::DataLossError("checksum mismatch");
  }
  // One decompression context per thread: scans run on many threads and a
  // context is ~100 KiB worth reusing.
  struct DCtxDeleter {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  raw->resize(raw_size);
  size_t n = ZSTD_decompressDCtx(ctx.get(), raw->data(), raw->size(),
                                 stored.data(), stored.size());
  if (ZSTD_isError(n)) {
    return absl::DataLossError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
  }
  if (n != raw_size) return absl::DataLossError("raw size mismatch");
  return absl::OkStatus();
}

}  // namespace silt::store
