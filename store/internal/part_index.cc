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

// Appends one block filter (probe count byte, then the bits).
void AppendFilter(const std::vector<uint32_t>& grams, std::string* out) {
  uint64_t bytes =
      (static_cast<uint64_t>(grams.size()) * kFilterBitsPerGram + 7) / 8;
  bytes = std::clamp<uint64_t>(bytes, kMinFilterBitBytes, kMaxFilterBitBytes);
  const uint64_t bits = bytes * 8;
  // k = ln 2 * bits / n, the usual optimum, 1 to 4.
  uint32_t k = 4;
  if (!grams.empty()) {
    k = static_cast<uint32_t>(0.693 * static_cast<double>(bits) /
                                  static_cast<double>(grams.size()) +
                              0.5);
    k = std::clamp<uint32_t>(k, 1, kMaxFilterProbes);
  }
  const size_t at = out->size();
  out->push_back(static_cast<char>(k));
  out->append(bytes, '\0');
  auto* f = reinterpret_cast<uint8_t*>(out->data() + at + 1);
  for (uint32_t g : grams) FilterAdd(f, bits, k, GramHash(g));
}

int Log2(uint32_t pow2) {
  int b = 0;
  while ((1u << b) < pow2) ++b;
  return b;
}

uint64_t BloomKey(uint32_t bucket, uint16_t fp) {
  return XXH3_64bits_withSeed(&fp, sizeof(fp), bucket);
}

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
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
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
  num_traces_ = DecodeFixed32(f + kIdxNumTraces);
  num_buckets_ = DecodeFixed32(f + kIdxNumBuckets);
  filters_offset_ = DecodeFixed64(f + kIdxFiltersOffset);
  buckets_offset_ = DecodeFixed64(f + kIdxBucketsOffset);
  fingerprints_offset_ = DecodeFixed64(f + kIdxFingerprintsOffset);
  postings_offset_ = DecodeFixed64(f + kIdxPostingsOffset);
  if (num_blocks_ != part.num_blocks()) return bad("block count differs");
  if (num_buckets_ == 0 || (num_buckets_ & (num_buckets_ - 1)) != 0) {
    return bad("bucket count not a power of two");
  }
  bucket_bits_ = Log2(num_buckets_);
  if (filters_offset_ != 4ull * (num_blocks_ + 1) ||
      buckets_offset_ < filters_offset_ ||
      fingerprints_offset_ !=
          buckets_offset_ + kBucketSize * (uint64_t{num_buckets_} + 1) ||
      postings_offset_ != fingerprints_offset_ + 2ull * num_traces_ ||
      postings_offset_ > footer_offset_) {
    return bad("offsets do not nest");
  }
  if (XXH3_64bits(data_, footer_offset_) !=
      DecodeFixed64(f + kIdxBodyChecksum)) {
    return bad("body checksum mismatch");
  }
  // The filter directory and bucket table must be monotone and in range,
  // so lookups need no more checks than their bounds.
  uint64_t prev = 0;
  for (uint32_t b = 0; b <= num_blocks_; ++b) {
    const uint64_t off = DecodeFixed32(data_ + 4ull * b);
    if (off < prev || filters_offset_ + off > buckets_offset_) {
      return bad("bad filter directory");
    }
    prev = off;
  }
  if (filters_offset_ + prev != buckets_offset_) {
    return bad("bad filter directory");
  }
  uint32_t prev_entry = 0, prev_post = 0;
  const uint64_t postings_size = footer_offset_ - postings_offset_;
  for (uint32_t b = 0; b <= num_buckets_; ++b) {
    const char* e = data_ + buckets_offset_ + kBucketSize * b;
    const uint32_t first = DecodeFixed32(e), post = DecodeFixed32(e + 4);
    if (first < prev_entry || first > num_traces_ || post < prev_post ||
        post > postings_size) {
      return bad("bad trace buckets");
    }
    prev_entry = first;
    prev_post = post;
  }
  if (prev_entry != num_traces_) return bad("bad trace buckets");
  // The in-memory trace filter, from what the table keeps of each hash.
  uint64_t bytes = 64;
  while (bytes * 8 < uint64_t{num_traces_} * kTraceBloomBitsPerId) bytes *= 2;
  trace_bloom_.assign(bytes, 0);
  for (uint32_t b = 0; b < num_buckets_; ++b) {
    const char* e = data_ + buckets_offset_ + kBucketSize * b;
    for (uint32_t i = DecodeFixed32(e); i < DecodeFixed32(e + kBucketSize);
         ++i) {
      uint16_t fp;
      std::memcpy(&fp, data_ + fingerprints_offset_ + 2ull * i, 2);
      FilterAdd(trace_bloom_.data(), bytes * 8, kTraceBloomProbes,
                BloomKey(b, fp));
    }
  }
  return absl::OkStatus();
}

bool PartIndex::BlockMayContain(uint32_t block,
                                const std::vector<uint32_t>& grams) const {
  if (block >= num_blocks_ || grams.empty()) return true;
  const uint64_t off = DecodeFixed32(data_ + 4ull * block);
  const uint64_t end = DecodeFixed32(data_ + 4ull * (block + 1));
  if (end <= off + 1) return true;  // no filter (a damaged block)
  const auto* f =
      reinterpret_cast<const uint8_t*>(data_ + filters_offset_ + off);
  const uint32_t k = f[0];
  if (k == 0) return true;
  const uint64_t bits = (end - off - 1) * 8;
  for (uint32_t g : grams) {
    if (!FilterMayContain(f + 1, bits, k, GramHash(g))) return false;
  }
  return true;
}

uint32_t PartIndex::Bucket(uint64_t id_hash) const {
  return bucket_bits_ == 0
             ? 0
             : static_cast<uint32_t>(id_hash >> (64 - bucket_bits_));
}

bool PartIndex::MayHaveTrace(uint64_t id_hash) const {
  if (num_traces_ == 0) return false;
  const uint16_t fp = static_cast<uint16_t>(id_hash);
  return FilterMayContain(trace_bloom_.data(), trace_bloom_.size() * 8,
                          kTraceBloomProbes, BloomKey(Bucket(id_hash), fp));
}

absl::StatusOr<std::vector<uint32_t>> PartIndex::TraceBlocks(
    uint64_t id_hash) const {
  std::vector<uint32_t> out;
  if (num_traces_ == 0) return out;
  const uint32_t b = Bucket(id_hash);
  const uint16_t want = static_cast<uint16_t>(id_hash);
  const char* e = data_ + buckets_offset_ + kBucketSize * b;
  const uint32_t first = DecodeFixed32(e),
                 last = DecodeFixed32(e + kBucketSize);
  const uint64_t post = DecodeFixed32(e + 4);
  const uint64_t postings_size = footer_offset_ - postings_offset_;
  Decoder d(data_ + postings_offset_ + post, postings_size - post);
  for (uint32_t i = first; i < last; ++i) {
    uint16_t fp;
    std::memcpy(&fp, data_ + fingerprints_offset_ + 2ull * i, 2);
    const uint32_t n = d.Varint32();
    uint64_t block = 0;
    for (uint32_t k = 0; k < n && d.ok(); ++k) {
      block += d.Varint64();
      if (block >= num_blocks_) {
        return absl::DataLossError("part index " + path_ + ": bad postings");
      }
      if (fp == want) out.push_back(static_cast<uint32_t>(block));
    }
    if (!d.ok() || n > num_blocks_) {
      return absl::DataLossError("part index " + path_ + ": bad postings");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<std::shared_ptr<const PartIndex>> PartIndex::Build(
    const PartReader& part, bool fsync) {
  const uint32_t nblocks = static_cast<uint32_t>(part.num_blocks());
  std::string filters;
  std::string dir;
  std::vector<std::vector<uint32_t>> postings(part.num_traces());
  GramSet set;
  std::shared_ptr<DecodedBlock> block = NewDecodedBlock();
  for (uint32_t b = 0; b < nblocks; ++b) {
    PutFixed32(&dir, static_cast<uint32_t>(filters.size()));
    absl::Status s = part.ReadBlock(b, block.get());
    if (!s.ok()) {
      if (!absl::IsDataLoss(s)) return s;
      filters.push_back('\0');  // k = 0: passes everything
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
    AppendFilter(set.Take(), &filters);
  }
  block.reset();
  PutFixed32(&dir, static_cast<uint32_t>(filters.size()));

  // Trace ids by (bucket, fingerprint): bucket = top bits of the hash,
  // fingerprint = its low 16 bits.
  struct Id {
    uint64_t hash;
    uint32_t t;
  };
  std::vector<Id> ids;
  if (!postings.empty()) {
    auto table = part.Traces();
    if (!table.ok()) return table.status();
    for (uint32_t t = 0; t < postings.size(); ++t) {
      if (postings[t].empty() || t >= (*table)->ids.size()) continue;
      std::string_view id = (*table)->ids[t];
      ids.push_back({XXH3_64bits(id.data(), id.size()), t});
    }
  }
  uint32_t nbuckets = 1;
  while (uint64_t{nbuckets} * kIdsPerBucket < ids.size()) nbuckets *= 2;
  const int bits = Log2(nbuckets);
  auto bucket_of = [&](uint64_t h) {
    return bits == 0 ? 0u : static_cast<uint32_t>(h >> (64 - bits));
  };
  std::sort(ids.begin(), ids.end(), [&](const Id& a, const Id& b) {
    const uint32_t ba = bucket_of(a.hash), bb = bucket_of(b.hash);
    if (ba != bb) return ba < bb;
    return static_cast<uint16_t>(a.hash) < static_cast<uint16_t>(b.hash);
  });
  std::string buckets, fps, plist;
  size_t i = 0;
  for (uint32_t b = 0; b <= nbuckets; ++b) {
    PutFixed32(&buckets, static_cast<uint32_t>(i));
    PutFixed32(&buckets, static_cast<uint32_t>(plist.size()));
    for (; b < nbuckets && i < ids.size() && bucket_of(ids[i].hash) == b; ++i) {
      const uint16_t fp = static_cast<uint16_t>(ids[i].hash);
      fps.append(reinterpret_cast<const char*>(&fp), 2);
      const auto& p = postings[ids[i].t];
      PutVarint32(&plist, static_cast<uint32_t>(p.size()));
      uint32_t prev = 0;
      for (uint32_t blk : p) {
        PutVarint32(&plist, blk - prev);
        prev = blk;
      }
    }
  }

  std::string body = dir;
  const uint64_t filters_offset = body.size();
  body.append(filters);
  const uint64_t buckets_offset = body.size();
  body.append(buckets);
  const uint64_t fingerprints_offset = body.size();
  body.append(fps);
  const uint64_t postings_offset = body.size();
  body.append(plist);
  std::string footer;
  PutFixed64(&footer, part.file_size());
  PutFixed64(&footer, part.footer_checksum());
  PutFixed32(&footer, nblocks);
  PutFixed32(&footer, static_cast<uint32_t>(ids.size()));
  PutFixed64(&footer, filters_offset);
  PutFixed64(&footer, buckets_offset);
  PutFixed32(&footer, nbuckets);
  PutFixed32(&footer, kPartIndexVersion);
  PutFixed64(&footer, fingerprints_offset);
  PutFixed64(&footer, postings_offset);
  PutFixed64(&footer, XXH3_64bits(body.data(), body.size()));
  PutFixed32(&footer, kGramKindLetters4);
  PutFixed32(&footer, 0);
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
