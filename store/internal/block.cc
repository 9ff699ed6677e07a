#include "store/internal/block.h"

#include <zstd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "store/internal/coding.h"
#include "xxhash.h"

namespace silt::store {

void BlockBuilder::Add(const EntryView& e) {
  // Timestamps of one run are close together: deltas are 1-4 byte varints
  // and zstd finds their repeats; a new run's first delta may be negative.
  PutVarint64(&sec_[kSecTs], ZigZag(e.ts_ns - prev_ts_));
  prev_ts_ = e.ts_ns;
  PutVarint32(&sec_[kSecLineLen], static_cast<uint32_t>(e.line.size()));
  PutVarint32(&sec_[kSecTraceLen], static_cast<uint32_t>(e.trace_id.size()));
  PutVarint32(&sec_[kSecSpanLen], static_cast<uint32_t>(e.span_id.size()));
  PutVarint32(&sec_[kSecMetaLen], static_cast<uint32_t>(e.metadata.size()));
  sec_[kSecLines].append(e.line);
  sec_[kSecTraces].append(e.trace_id);
  sec_[kSecSpans].append(e.span_id);
  sec_[kSecMetas].append(e.metadata);
  // Close enough for cutting blocks: the length varints are ~6 bytes.
  bytes_ += e.line.size() + e.trace_id.size() + e.span_id.size() +
            e.metadata.size() + 6;
  ++n_;
}

void BlockBuilder::Finish(std::string* out) {
  out->clear();
  out->reserve(bytes_ + 64);
  PutVarint32(out, n_);
  for (const auto& s : sec_) PutVarint64(out, s.size());
  for (auto& s : sec_) {
    out->append(s);
    s.clear();
  }
  n_ = 0;
  bytes_ = 0;
  prev_ts_ = 0;
}

absl::Status DecodedBlock::Parse(std::string payload) {
  payload_ = std::move(payload);
  ents_.clear();
  Decoder d(payload_);
  uint32_t n = d.Varint32();
  uint64_t sizes[kNumSections];
  uint64_t total = 0;
  for (int i = 0; i < kNumSections; ++i) {
    sizes[i] = d.Varint64();
    total += sizes[i];
  }
  if (!d.ok() || total != d.remaining()) {
    return absl::DataLossError("block header does not match its size");
  }
  data_ = d.pos();
  const char* sec[kNumSections];
  uint64_t off = 0;
  for (int i = 0; i < kNumSections; ++i) {
    sec[i] = data_ + off;
    off += sizes[i];
  }
  Decoder ts(sec[kSecTs], sizes[kSecTs]);
  Decoder ll(sec[kSecLineLen], sizes[kSecLineLen]);
  Decoder tl(sec[kSecTraceLen], sizes[kSecTraceLen]);
  Decoder sl(sec[kSecSpanLen], sizes[kSecSpanLen]);
  Decoder ml(sec[kSecMetaLen], sizes[kSecMetaLen]);
  // Offsets are relative to data_; each byte column starts at its section.
  uint64_t lo = sec[kSecLines] - data_, to = sec[kSecTraces] - data_,
           so = sec[kSecSpans] - data_, mo = sec[kSecMetas] - data_;
  const uint64_t lend = lo + sizes[kSecLines], tend = to + sizes[kSecTraces],
                 send = so + sizes[kSecSpans], mend = mo + sizes[kSecMetas];
  ents_.resize(n);
  int64_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Ent& e = ents_[i];
    prev += UnZigZag(ts.Varint64());
    e.ts = prev;
    e.line_len = ll.Varint32();
    e.trace_len = tl.Varint32();
    e.span_len = sl.Varint32();
    e.meta_len = ml.Varint32();
    e.line_off = lo;
    e.trace_off = to;
    e.span_off = so;
    e.meta_off = mo;
    lo += e.line_len;
    to += e.trace_len;
    so += e.span_len;
    mo += e.meta_len;
  }
  if (!ts.ok() || !ll.ok() || !tl.ok() || !sl.ok() || !ml.ok() ||
      ts.remaining() || ll.remaining() || tl.remaining() || sl.remaining() ||
      ml.remaining() || lo != lend || to != tend || so != send || mo != mend) {
    ents_.clear();
    return absl::DataLossError("block columns do not match their lengths");
  }
  return absl::OkStatus();
}

EntryView DecodedBlock::entry(uint32_t i) const {
  const Ent& e = ents_[i];
  EntryView v;
  v.ts_ns = e.ts;
  v.line = std::string_view(data_ + e.line_off, e.line_len);
  v.trace_id = std::string_view(data_ + e.trace_off, e.trace_len);
  v.span_id = std::string_view(data_ + e.span_off, e.span_len);
  v.metadata = std::string_view(data_ + e.meta_off, e.meta_len);
  return v;
}

struct BlockCompressor::Rep {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ~Rep() { ZSTD_freeCCtx(cctx); }
};

BlockCompressor::BlockCompressor(int level)
    : rep_(std::make_unique<Rep>()), level_(level) {}
BlockCompressor::~BlockCompressor() = default;

absl::Status BlockCompressor::Compress(std::string_view raw, std::string* out) {
  out->resize(ZSTD_compressBound(raw.size()));
  size_t n = ZSTD_compressCCtx(rep_->cctx, out->data(), out->size(), raw.data(),
                               raw.size(), level_);
  if (ZSTD_isError(n)) {
    return absl::InternalError(
        absl::StrCat("zstd compress: ", ZSTD_getErrorName(n)));
  }
  out->resize(n);
  return absl::OkStatus();
}

uint64_t BlockChecksum(std::string_view stored) {
  return XXH3_64bits(stored.data(), stored.size());
}

absl::Status DecodeBlock(std::string_view stored, uint64_t checksum,
                         uint32_t raw_size, DecodedBlock* out) {
  if (BlockChecksum(stored) != checksum) {
    return absl::DataLossError("block checksum mismatch");
  }
  // One decompression context per thread: scans run on many threads and a
  // context is ~100 KiB worth reusing.
  struct DCtxDeleter {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  ZSTD_DCtx* dctx = ctx.get();
  std::string raw;
  raw.resize(raw_size);
  size_t n = ZSTD_decompressDCtx(dctx, raw.data(), raw.size(), stored.data(),
                                 stored.size());
  if (ZSTD_isError(n)) {
    return absl::DataLossError(
        absl::StrCat("block zstd: ", ZSTD_getErrorName(n)));
  }
  if (n != raw_size) return absl::DataLossError("block raw size mismatch");
  return out->Parse(std::move(raw));
}

}  // namespace silt::store
