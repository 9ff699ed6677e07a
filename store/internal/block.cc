#include "store/internal/block.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/find.h"
#include "store/internal/coding.h"
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

void BlockBuilder::Add(const EntryView& e, int64_t trace_index) {
  if (n_ == 0) lines_.resize(gap_);  // room for what goes before the lines
  // Timestamps of one run are close together: deltas are 1-4 byte varints
  // and zstd finds their repeats; a new run's first delta may be negative.
  PutVarint64(&sec_[kSecTs], ZigZag(e.ts_ns - prev_ts_));
  prev_ts_ = e.ts_ns;
  if (trace_index >= 0) {
    PutVarint64(&sec_[kSecTrace], 1 + ZigZag(trace_index - prev_trace_));
    prev_trace_ = trace_index;
  } else {
    PutVarint64(&sec_[kSecTrace], 0);
  }
  PutVarint32(&sec_[kSecSpanLen], static_cast<uint32_t>(e.span_id.size()));
  sec_[kSecSpans].append(e.span_id);
  PutVarint32(&sec_[kSecMetaLen], static_cast<uint32_t>(e.metadata.size()));
  sec_[kSecMetas].append(e.metadata);

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
  PutVarint64(&sec_[kSecTracePos], trace.found() ? trace.pos + 1 : 0);
  PutVarint64(&sec_[kSecSpanPos],
              span.found() ? span.pos - trace.LenBefore(span) + 1 : 0);
  const size_t ts_pos = ts.pos - trace.LenBefore(ts) - span.LenBefore(ts);
  PutVarint64(&sec_[kSecTsText],
              ts.found() ? 1 + ts_pos * kNumTsForms + ts_form : 0);
  // Copy what is left, in line order.
  Region cuts[3] = {trace, span, ts};
  std::sort(std::begin(cuts), std::end(cuts),
            [](const Region& a, const Region& b) { return a.pos < b.pos; });
  std::string& out = lines_;
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
  PutVarint64(&sec_[kSecTracePos],
              has_trace ? CutOut(&scratch_, e.trace_id) : 0);
  PutVarint64(&sec_[kSecSpanPos], CutOut(&scratch_, e.span_id));
  size_t ts_pos, ts_len;
  int form;
  if (FindTsText(scratch_, e.ts_ns, &ts_pos, &form, &ts_len)) {
    PutVarint64(&sec_[kSecTsText], 1 + ts_pos * kNumTsForms + form);
    scratch_.erase(ts_pos, ts_len);
  } else {
    PutVarint64(&sec_[kSecTsText], 0);
  }
  lines_.append(scratch_);
  FinishEntry(scratch_.size(), e.metadata.size());
}

void BlockBuilder::FinishEntry(size_t stored_len, size_t meta_len) {
  PutVarint32(&sec_[kSecLineLen], static_cast<uint32_t>(stored_len));
  // Close enough for cutting blocks: the varints are ~10 bytes.
  bytes_ += stored_len + meta_len + 10;
  ++n_;
}

void BlockBuilder::Finish(std::string* buf, size_t* offset) {
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
    for (int i = kSecLines + 1; i < kNumSections; ++i) lines_.append(sec_[i]);
    *offset = gap_ - front;
    buf->swap(lines_);
  } else {
    // More entries than the room was made for: copy once, and make more
    // room next time.
    buf->clear();
    buf->append(header, header_size);
    for (int i = 0; i < kSecLines; ++i) buf->append(sec_[i]);
    buf->append(lines_, gap_, lines_size);
    for (int i = kSecLines + 1; i < kNumSections; ++i) buf->append(sec_[i]);
    *offset = 0;
  }
  // Room for the next block: blocks of one part are alike.
  gap_ = std::max<size_t>(4096, front + front / 4);
  lines_.clear();
  for (auto& s : sec_) s.clear();
  n_ = 0;
  bytes_ = 0;
  prev_ts_ = 0;
  prev_trace_ = -1;
}

void BlockBuilder::Finish(std::string* out) {
  std::string buf;
  size_t offset;
  Finish(&buf, &offset);
  out->assign(buf, offset, std::string::npos);
}

absl::Status DecodedBlock::Parse(std::string payload,
                                 std::shared_ptr<const TraceTable> traces) {
  payload_ = std::move(payload);
  return ParseBuffer(std::move(traces));
}

namespace {

// FormatTsText with the "YYYY-MM-DDTHH:MM:SS" of the last second kept:
// the entries of a block are seconds apart at most, mostly.
class TsTextCache {
 public:
  size_t Format(int64_t ts_ns, int form, char* buf) {
    static constexpr int kFracDigits[kNumTsForms] = {0, 3, 6, 9};
    const int64_t secs = ts_ns / 1000000000;
    if (ts_ns < 0 || secs != secs_) {
      size_t n = FormatTsText(ts_ns, form, buf);
      if (n >= 19) {
        secs_ = secs;
        std::memcpy(prefix_, buf, 19);
      }
      return n;
    }
    if (form < 0 || form >= kNumTsForms) return 0;
    const int digits = kFracDigits[form];
    uint64_t frac = static_cast<uint64_t>(ts_ns % 1000000000);
    uint64_t unit = 1;
    for (int i = digits; i < 9; ++i) unit *= 10;
    if (frac % unit != 0) return 0;
    std::memcpy(buf, prefix_, 19);
    char* p = buf + 19;
    if (digits > 0) {
      *p++ = '.';
      uint64_t v = frac / unit;
      for (int i = digits - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
      }
      p += digits;
    }
    *p++ = 'Z';
    return p - buf;
  }

 private:
  int64_t secs_ = -1;
  char prefix_[19];
};

}  // namespace

absl::Status DecodedBlock::ParseBuffer(std::shared_ptr<const TraceTable> traces,
                                       std::string_view only_trace) {
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
  // Lines are rebuilt in place at the end of text_, whose size is its
  // capacity (grown, never shrunk, so a reused block does not zero-fill).
  size_t used = 0;
  auto reserve = [&](size_t more) {
    if (used + more > text_.size()) {
      text_.resize(
          std::max(text_.size() * 2,
                   std::max<size_t>(used + more, sizes[kSecLines] + n * 48)));
    }
  };
  TsTextCache ts_cache;
  int64_t prev = 0, prev_trace = -1;
  for (uint32_t i = 0; i < n; ++i) {
    Ent& e = ents_[i];
    prev += UnZigZag(ts.Varint64());
    e.ts = prev;
    const uint64_t t = tr.Varint64();
    const uint64_t trace_pos = tp.Varint64();
    std::string_view trace;
    e.trace = -1;
    if (t != 0) {
      e.trace = prev_trace + UnZigZag(t - 1);
      prev_trace = e.trace;
      if (e.trace < 0 || static_cast<size_t>(e.trace) >= ntraces) {
        return bad("trace index out of range");
      }
      trace = traces_->ids[e.trace];
    } else if (trace_pos != 0) {
      return bad("trace cut without a trace");
    }
    e.span_len = sl.Varint32();
    const uint64_t span_pos = sp.Varint64();
    std::string_view span = spans.Bytes(e.span_len);
    e.span_off = static_cast<uint32_t>(span.data() - data_);
    const uint64_t ts_text = tt.Varint64();
    std::string_view stored = lines.Bytes(ll.Varint32());
    e.meta_len = ml.Varint32();
    e.meta_off = static_cast<uint32_t>(metas.Bytes(e.meta_len).data() - data_);
    if (!ts.ok() || !tr.ok() || !tp.ok() || !sl.ok() || !sp.ok() || !tt.ok() ||
        !ll.ok() || !lines.ok() || !spans.ok() || !ml.ok() || !metas.ok()) {
      return bad("columns shorter than their entries");
    }
    if (!only_trace.empty() && trace != only_trace) {
      e.line_off = static_cast<uint32_t>(used);
      e.line_len = 0;
      continue;
    }
    // Undo the cuts in reverse order: timestamp text, span, trace. Each
    // position is in the line as rebuilt so far, so the pieces are first
    // laid out as at most 7 segments, then copied once.
    struct Seg {
      const char* p;
      size_t n;
    };
    Seg segs[7] = {{stored.data(), stored.size()}};
    int nseg = 1;
    size_t len = stored.size();
    auto insert = [&](size_t pos, const char* p, size_t k) {
      int i = 0;
      while (i < nseg && pos > segs[i].n) pos -= segs[i++].n;
      if (i == nseg) {  // pos == len: append
        segs[nseg++] = {p, k};
      } else {
        for (int j = nseg - 1; j > i; --j) segs[j + 2] = segs[j];
        Seg tail{segs[i].p + pos, segs[i].n - pos};
        segs[i].n = pos;
        segs[i + 1] = {p, k};
        segs[i + 2] = tail;
        nseg += 2;
      }
      len += k;
    };
    char ts_buf[32];
    if (ts_text != 0) {
      const uint64_t pos = (ts_text - 1) / kNumTsForms;
      const int form = static_cast<int>((ts_text - 1) % kNumTsForms);
      size_t k = ts_cache.Format(e.ts, form, ts_buf);
      if (k == 0 || pos > len) return bad("bad timestamp cut");
      insert(pos, ts_buf, k);
    }
    if (span_pos != 0) {
      if (span_pos - 1 > len) return bad("bad span cut");
      insert(span_pos - 1, span.data(), span.size());
    }
    if (trace_pos != 0) {
      if (trace_pos - 1 > len) return bad("bad trace cut");
      insert(trace_pos - 1, trace.data(), trace.size());
    }
    reserve(len);
    char* out = text_.data() + used;
    for (int i = 0; i < nseg; ++i) {
      std::memcpy(out, segs[i].p, segs[i].n);
      out += segs[i].n;
    }
    e.line_off = static_cast<uint32_t>(used);
    e.line_len = static_cast<uint32_t>(len);
    used += len;
  }
  if (ts.remaining() || tr.remaining() || tp.remaining() || sl.remaining() ||
      sp.remaining() || tt.remaining() || ll.remaining() || lines.remaining() ||
      spans.remaining() || ml.remaining() || metas.remaining()) {
    return bad("columns longer than their entries");
  }
  return absl::OkStatus();
}

uint32_t DecodedBlock::EntryAt(const char* p) const {
  const uint32_t off = static_cast<uint32_t>(p - text_.data());
  auto it =
      std::upper_bound(ents_.begin(), ents_.end(), off,
                       [](uint32_t o, const Ent& e) { return o < e.line_off; });
  return static_cast<uint32_t>(it - ents_.begin()) - 1;
}

EntryView DecodedBlock::entry(uint32_t i) const {
  const Ent& e = ents_[i];
  EntryView v;
  v.ts_ns = e.ts;
  v.line = std::string_view(text_.data() + e.line_off, e.line_len);
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
                                                 std::string* buf) {
  const size_t bound = ZSTD_compressBound(raw.size());
  if (buf->size() < bound) buf->resize(bound);
  size_t n = ZSTD_compressCCtx(rep_->cctx, buf->data(), buf->size(), raw.data(),
                               raw.size(), level_);
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
