#include "store/internal/part_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "store/internal/block.h"
#include "store/internal/coding.h"
#include "store/internal/grams.h"
#include "store/internal/part_format.h"
#include "store/internal/part_index_format.h"
#include "xxhash.h"

namespace silt::store {
namespace {

uint32_t FilterBytesFor(size_t max_grams) {
  uint64_t bits = static_cast<uint64_t>(max_grams) * kFilterBitsPerGram;
  uint64_t bytes = kMinFilterBytes;
  while (bytes * 8 < bits && bytes < kMaxFilterBytes) bytes *= 2;
  return static_cast<uint32_t>(bytes);
}

// Distinct gram codes of one block: a 2^20-bit set cleared after use.
class GramSet {
 public:
  GramSet() : bits_(1u << 17, 0) {}
  void AddLine(std::string_view line) {
    scratch_.clear();
    AppendGrams(line, &scratch_);
    for (uint32_t c : scratch_) {
      uint8_t& byte = bits_[c >> 3];
      const uint8_t bit = static_cast<uint8_t>(1u << (c & 7));
      if ((byte & bit) == 0) {
        byte |= bit;
        codes_.push_back(c);
      }
    }
  }
  // The codes so far; clears the set.
  std::vector<uint32_t> Take() {
    for (uint32_t c : codes_) bits_[c >> 3] = 0;
    std::vector<uint32_t> out;
    out.swap(codes_);
    return out;
  }

 private:
  std::vector<uint8_t> bits_;
  std::vector<uint32_t> codes_, scratch_;
};

}  // namespace

std::string PartIndex::PathFor(const std::string& part_path) {
  std::string base = part_path;
  const std::string suffix = kPartSuffix;
  if (base.size() > suffix.size() && base.ends_with(suffix)) {
    base.resize(base.size() - suffix.size());
  }
  return base + kPartIndexSuffix;
}

PartIndex::~PartIndex() {
  if (data_ != nullptr) {
    ::munmap(const_cast<char*>(data_), size_);
  }
}

absl::StatusOr<std::shared_ptr<const PartIndex>> PartIndex::Open(
    const PartReader& part) {
  std::shared_ptr<PartIndex> idx(new PartIndex());
  idx->path_ = PathFor(part.path());
  int fd = ::open(idx->path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError("no part index");
    return ErrnoToStatus(errno, "open", idx->path_);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoToStatus(err, "fstat", idx->path_);
  }
  idx->size_ = static_cast<size_t>(st.st_size);
  if (idx->size_ < kIndexFooterSize) {
    ::close(fd);
    return absl::DataLossError(
        absl::StrCat("part index ", idx->path_, ": shorter than a footer"));
  }
  void* p = ::mmap(nullptr, idx->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) return ErrnoToStatus(err, "mmap", idx->path_);
  idx->data_ = static_cast<const char*>(p);
  absl::Status s = idx->Load(part);
  if (!s.ok()) return s;
  return std::shared_ptr<const PartIndex>(std::move(idx));
}

absl::Status PartIndex::Load(const PartReader& part) {
  auto bad = [this](const std::string& why) {
    return absl::DataLossError(absl::StrCat("part index ", path_, ": ", why));
  };
  footer_offset_ = size_ - kIndexFooterSize;
  const char* f = data_ + footer_offset_;
  if (DecodeFixed64(f + kIdxMagic) != kPartIndexMagic) return bad("bad magic");
  if (DecodeFixed64(f + kIdxFooterChecksum) !=
      XXH3_64bits(f, kIdxFooterChecksum)) {
    return bad("footer checksum mismatch");
  }
  if (DecodeFixed32(f + kIdxVersion) != kPartIndexVersion ||
      DecodeFixed32(f + kIdxGramKind) != kGramKindLetters4) {
    return bad("unsupported version");
  }
  if (DecodeFixed64(f + kIdxPartSize) != part.file_size() ||
      DecodeFixed64(f + kIdxPartFooterSum) != part.footer_checksum()) {
    return bad("made for another version of its part");
  }
  num_blocks_ = DecodeFixed32(f + kIdxNumBlocks);
  filter_bytes_ = DecodeFixed32(f + kIdxFilterBytes);
  probes_ = DecodeFixed32(f + kIdxFilterProbes);
  num_traces_ = DecodeFixed32(f + kIdxNumTraces);
  trace_table_offset_ = DecodeFixed64(f + kIdxTraceTableOffset);
  postings_offset_ = DecodeFixed64(f + kIdxPostingsOffset);
  if (num_blocks_ != part.num_blocks()) return bad("block count differs");
  if (filter_bytes_ < kMinFilterBytes || filter_bytes_ > kMaxFilterBytes ||
      (filter_bytes_ & (filter_bytes_ - 1)) != 0 || probes_ == 0 ||
      probes_ > 16) {
    return bad("bad filter shape");
  }
  if (static_cast<uint64_t>(num_blocks_) * filter_bytes_ !=
          trace_table_offset_ ||
      trace_table_offset_ +
              static_cast<uint64_t>(num_traces_) * kTraceEntrySize !=
          postings_offset_ ||
      postings_offset_ > footer_offset_) {
    return bad("offsets do not nest");
  }
  if (XXH3_64bits(data_, footer_offset_) !=
      DecodeFixed64(f + kIdxBodyChecksum)) {
    return bad("body checksum mismatch");
  }
  // The in-memory trace filter.
  uint64_t bytes = kMinFilterBytes;
  while (bytes * 8 <
         static_cast<uint64_t>(num_traces_) * kTraceBloomBitsPerId) {
    bytes *= 2;
  }
  trace_bloom_.assign(bytes, 0);
  const char* table = data_ + trace_table_offset_;
  for (uint32_t i = 0; i < num_traces_; ++i) {
    FilterAdd(trace_bloom_.data(), static_cast<uint32_t>(bytes),
              kTraceBloomProbes, DecodeFixed64(table + i * kTraceEntrySize));
  }
  return absl::OkStatus();
}

bool PartIndex::BlockMayContain(uint32_t block,
                                const std::vector<uint32_t>& grams) const {
  if (block >= num_blocks_) return true;
  const auto* filter = reinterpret_cast<const uint8_t*>(
      data_ + static_cast<uint64_t>(block) * filter_bytes_);
  for (uint32_t g : grams) {
    if (!FilterMayContain(filter, filter_bytes_, probes_, GramHash(g))) {
      return false;
    }
  }
  return true;
}

bool PartIndex::MayHaveTrace(uint64_t id_hash) const {
  return num_traces_ > 0 &&
         FilterMayContain(trace_bloom_.data(),
                          static_cast<uint32_t>(trace_bloom_.size()),
                          kTraceBloomProbes, id_hash);
}

absl::StatusOr<std::vector<PartIndex::TraceHit>> PartIndex::FindTrace(
    uint64_t id_hash) const {
  std::vector<TraceHit> out;
  const char* table = data_ + trace_table_offset_;
  // Binary search for the first entry with this hash.
  uint32_t lo = 0, hi = num_traces_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (DecodeFixed64(table + mid * kTraceEntrySize) < id_hash) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const uint64_t postings_size = footer_offset_ - postings_offset_;
  for (uint32_t i = lo; i < num_traces_; ++i) {
    const char* e = table + i * kTraceEntrySize;
    if (DecodeFixed64(e) != id_hash) break;
    TraceHit hit;
    hit.trace_index = DecodeFixed32(e + 8);
    const uint32_t off = DecodeFixed32(e + 12);
    if (off >= postings_size) {
      return absl::DataLossError("part index " + path_ + ": bad postings");
    }
    Decoder d(data_ + postings_offset_ + off, postings_size - off);
    const uint32_t n = d.Varint32();
    uint64_t block = 0;
    for (uint32_t k = 0; k < n && d.ok(); ++k) {
      block += d.Varint64();
      if (block >= num_blocks_) d.Bytes(SIZE_MAX);  // fails the decoder
      hit.blocks.push_back(static_cast<uint32_t>(block));
    }
    if (!d.ok() || n > num_blocks_) {
      return absl::DataLossError("part index " + path_ + ": bad postings");
    }
    out.push_back(std::move(hit));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const PartIndex>> PartIndex::Build(
    const PartReader& part, bool fsync) {
  const uint32_t nblocks = static_cast<uint32_t>(part.num_blocks());
  std::vector<std::vector<uint32_t>> block_grams(nblocks);
  std::vector<bool> damaged(nblocks, false);
  std::vector<std::vector<uint32_t>> postings(part.num_traces());
  GramSet set;
  size_t max_grams = 0;
  std::shared_ptr<DecodedBlock> block = NewDecodedBlock();
  for (uint32_t b = 0; b < nblocks; ++b) {
    absl::Status s = part.ReadBlock(b, block.get());
    if (!s.ok()) {
      if (!absl::IsDataLoss(s)) return s;
      damaged[b] = true;  // its filter passes everything
      continue;
    }
    for (uint32_t i = 0; i < block->size(); ++i) {
      set.AddLine(block->line(i));
      const int64_t t = block->trace_index(i);
      if (t >= 0 && static_cast<size_t>(t) < postings.size()) {
        auto& p = postings[t];
        if (p.empty() || p.back() != b) p.push_back(b);
      }
    }
    block_grams[b] = set.Take();
    max_grams = std::max(max_grams, block_grams[b].size());
  }
  block.reset();
  const uint32_t fbytes = FilterBytesFor(max_grams);
  std::string body(static_cast<size_t>(nblocks) * fbytes, '\0');
  for (uint32_t b = 0; b < nblocks; ++b) {
    auto* f = reinterpret_cast<uint8_t*>(body.data() +
                                         static_cast<size_t>(b) * fbytes);
    if (damaged[b]) {
      std::memset(f, 0xFF, fbytes);
      continue;
    }
    for (uint32_t g : block_grams[b]) {
      FilterAdd(f, fbytes, kFilterProbes, GramHash(g));
    }
  }
  // Trace table sorted by (hash, index), postings in table order.
  std::vector<std::pair<uint64_t, uint32_t>> traces;
  if (!postings.empty()) {
    auto table = part.Traces();
    if (!table.ok()) return table.status();
    for (uint32_t t = 0; t < postings.size(); ++t) {
      if (postings[t].empty() || t >= (*table)->ids.size()) continue;
      std::string_view id = (*table)->ids[t];
      traces.emplace_back(XXH3_64bits(id.data(), id.size()), t);
    }
  }
  std::sort(traces.begin(), traces.end());
  const uint64_t trace_table_offset = body.size();
  std::string plist;
  for (const auto& [hash, t] : traces) {
    PutFixed64(&body, hash);
    PutFixed32(&body, t);
    PutFixed32(&body, static_cast<uint32_t>(plist.size()));
    PutVarint32(&plist, static_cast<uint32_t>(postings[t].size()));
    uint32_t prev = 0;
    for (uint32_t b : postings[t]) {
      PutVarint32(&plist, b - prev);
      prev = b;
    }
  }
  const uint64_t postings_offset = body.size();
  body.append(plist);
  std::string footer;
  PutFixed64(&footer, part.file_size());
  PutFixed64(&footer, part.footer_checksum());
  PutFixed32(&footer, nblocks);
  PutFixed32(&footer, fbytes);
  PutFixed32(&footer, kFilterProbes);
  PutFixed32(&footer, static_cast<uint32_t>(traces.size()));
  PutFixed64(&footer, trace_table_offset);
  PutFixed64(&footer, postings_offset);
  PutFixed64(&footer, XXH3_64bits(body.data(), body.size()));
  PutFixed32(&footer, kPartIndexVersion);
  PutFixed32(&footer, kGramKindLetters4);
  PutFixed64(&footer, XXH3_64bits(footer.data(), footer.size()));
  PutFixed64(&footer, kPartIndexMagic);
  body.append(footer);

  const std::string path = PathFor(part.path());
  const std::string tmp = path + kTmpSuffix;
  auto file = WritableFile::Open(tmp);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(body);
  if (s.ok() && fsync) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = RenameFile(tmp, path);
  if (s.ok() && fsync) s = SyncDir(DirName(path));
  if (!s.ok()) {
    RemoveFile(tmp).IgnoreError();
    return s;
  }
  return Open(part);
}

}  // namespace silt::store
