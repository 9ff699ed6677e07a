#include "store/internal/part_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "store/internal/coding.h"
#include "store/internal/part_format.h"
#include "xxhash.h"

namespace silt::store {

absl::StatusOr<std::shared_ptr<PartReader>> PartReader::Open(
    const std::string& path) {
  std::shared_ptr<PartReader> r(new PartReader());
  r->path_ = path;
  auto file = RandomAccessFile::Open(path);
  if (!file.ok()) return file.status();
  r->file_ = std::move(file).value();
  absl::Status s = r->Load();
  if (!s.ok()) return s;
  return r;
}

absl::Status PartReader::Load() {
  auto bad = [this](const std::string& why) {
    return absl::DataLossError(absl::StrCat("part ", path_, ": ", why));
  };
  const uint64_t size = file_->size();
  if (size < kPartFooterSize) return bad("shorter than a footer");
  const uint64_t footer_offset = size - kPartFooterSize;
  std::string footer;
  absl::Status s = file_->Read(footer_offset, kPartFooterSize, &footer);
  if (!s.ok()) return s;
  const char* f = footer.data();
  if (DecodeFixed64(f + kFooterMagic) != kPartMagic) return bad("bad magic");
  footer_checksum_ = DecodeFixed64(f + kFooterChecksum);
  if (footer_checksum_ != XXH3_64bits(f, kFooterChecksum)) {
    return bad("footer checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(f + kFooterVersion);
  if (version != kPartVersion) {
    return bad(absl::StrCat("unsupported version ", version));
  }
  const uint64_t bt_off = DecodeFixed64(f + kFooterBlockTableOffset);
  const uint64_t nblocks = DecodeFixed32(f + kFooterNumBlocks);
  const uint64_t nruns = DecodeFixed32(f + kFooterNumRuns);
  const uint64_t ri_off = DecodeFixed64(f + kFooterRunIndexOffset);
  const uint64_t st_off = DecodeFixed64(f + kFooterStreamTableOffset);
  min_ts_ = static_cast<int64_t>(DecodeFixed64(f + kFooterMinTs));
  max_ts_ = static_cast<int64_t>(DecodeFixed64(f + kFooterMaxTs));
  trace_offset_ = DecodeFixed64(f + kFooterTraceTableOffset);
  trace_stored_ = DecodeFixed32(f + kFooterTraceTableStored);
  trace_raw_ = DecodeFixed32(f + kFooterTraceTableRaw);
  trace_checksum_ = DecodeFixed64(f + kFooterTraceTableChecksum);
  num_traces_ = DecodeFixed32(f + kFooterNumTraces);
  if (trace_offset_ + trace_stored_ != bt_off) {
    return bad("trace table does not end at the block table");
  }
  if (bt_off > footer_offset || ri_off != bt_off + nblocks * kBlockHandleSize ||
      st_off != ri_off + nruns * kRunSize || st_off > footer_offset) {
    return bad("footer offsets do not nest");
  }
  std::string meta;
  s = file_->Read(bt_off, footer_offset - bt_off, &meta);
  if (!s.ok()) return s;
  if (XXH3_64bits(meta.data(), meta.size()) !=
      DecodeFixed64(f + kFooterMetaChecksum)) {
    return bad("index checksum mismatch");
  }
  Decoder d(meta);
  blocks_.resize(nblocks);
  for (auto& b : blocks_) {
    b.offset = d.Fixed64();
    b.stored_size = d.Fixed32();
    b.raw_size = d.Fixed32();
    b.checksum = d.Fixed64();
    if (b.offset + b.stored_size > trace_offset_) {
      return bad("block past the data");
    }
  }
  runs_.resize(nruns);
  for (auto& r : runs_) {
    r.stream = d.Fixed64();
    r.min_ts = static_cast<int64_t>(d.Fixed64());
    r.max_ts = static_cast<int64_t>(d.Fixed64());
    r.block = d.Fixed32();
    r.first = d.Fixed32();
    r.count = d.Fixed32();
    r.line_bytes = d.Fixed32();
    if (r.block >= nblocks) return bad("run names a missing block");
  }
  tenant_ = std::string(d.LengthPrefixed());
  uint32_t nstreams = d.Varint32();
  if (!d.ok() || nstreams > d.remaining()) return bad("bad stream table");
  streams_.reserve(nstreams);
  for (uint32_t i = 0; i < nstreams && d.ok(); ++i) {
    uint64_t id = d.Fixed64();
    streams_.emplace_back(id, std::string(d.LengthPrefixed()));
  }
  if (!d.ok() || d.remaining() != 0) return bad("bad stream table");
  if (!std::is_sorted(
          runs_.begin(), runs_.end(),
          [](const Run& a, const Run& b) { return a.stream < b.stream; })) {
    return bad("run index not sorted");
  }
  return absl::OkStatus();
}

std::pair<const PartReader::Run*, const PartReader::Run*> PartReader::RunsOf(
    uint64_t stream) const {
  auto lo =
      std::lower_bound(runs_.begin(), runs_.end(), stream,
                       [](const Run& r, uint64_t s) { return r.stream < s; });
  auto hi = lo;
  while (hi != runs_.end() && hi->stream == stream) ++hi;
  return {runs_.data() + (lo - runs_.begin()),
          runs_.data() + (hi - runs_.begin())};
}

absl::StatusOr<std::shared_ptr<const TraceTable>> PartReader::Traces() const {
  std::lock_guard<std::mutex> l(traces_mu_);
  if (traces_ != nullptr) return traces_;
  auto t = std::make_shared<TraceTable>();
  if (num_traces_ > 0) {
    std::string stored;
    absl::Status s = file_->Read(trace_offset_, trace_stored_, &stored);
    if (s.ok()) s = Decompress(stored, trace_checksum_, trace_raw_, &t->bytes);
    if (!s.ok()) {
      return absl::DataLossError(
          absl::StrCat("part ", path_, " trace table: ", s.message()));
    }
    Decoder d(t->bytes);
    uint32_t n = d.Varint32();
    if (n != num_traces_) d.Bytes(SIZE_MAX);  // fails the decoder
    t->ids.reserve(n);
    for (uint32_t i = 0; i < n && d.ok(); ++i) {
      t->ids.push_back(d.LengthPrefixed());
    }
    if (!d.ok() || d.remaining() != 0) {
      return absl::DataLossError(
          absl::StrCat("part ", path_, " trace table: bad encoding"));
    }
  }
  traces_ = std::move(t);
  return traces_;
}

std::shared_ptr<const PartIndex> PartReader::index() const {
  std::lock_guard<std::mutex> l(index_mu_);
  return index_;
}

void PartReader::SetIndex(std::shared_ptr<const PartIndex> index) const {
  std::lock_guard<std::mutex> l(index_mu_);
  index_ = std::move(index);
}

absl::Status PartReader::ReadBlock(uint32_t i, DecodedBlock* out) const {
  if (i >= blocks_.size()) return absl::InternalError("no such block");
  // A damaged trace table only costs the blocks that refer to it.
  auto traces = Traces();
  std::shared_ptr<const TraceTable> table;
  if (traces.ok()) table = *traces;
  const BlockHandle& h = blocks_[i];
  // Reused per thread: a fresh 1 MiB buffer per block costs page faults.
  thread_local std::string stored;
  absl::Status s = file_->Read(h.offset, h.stored_size, &stored);
  if (!s.ok()) return s;
  s = Decompress(stored, h.checksum, h.raw_size, out->payload_buffer());
  if (s.ok()) s = out->ParseBuffer(std::move(table));
  if (!s.ok()) {
    return absl::DataLossError(
        absl::StrCat("part ", path_, " block ", i, ": ", s.message()));
  }
  return s;
}

}  // namespace silt::store
