#include "store/internal/wal.h"

#include "absl/strings/str_cat.h"
#include "store/internal/coding.h"
#include "store/internal/paths.h"
#include "store/internal/wal_format.h"
#include "xxhash.h"

namespace silt::store {

namespace {
uint64_t RecordChecksum(const char* payload, uint32_t len) {
  return XXH3_64bits_withSeed(payload, len, len);
}

char* PutBytes(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
}  // namespace

size_t WalRecordBound(const RecordBatch& batch) {
  size_t bound = kWalRecordHeaderSize + 10 + batch.tenant.size() + 10;
  for (const BatchStream& s : batch.streams) bound += 8 + 5 + s.key.size();
  bound += 10 + batch.size() * (5 + 10 + 4 * 5);
  for (size_t i = 0; i < batch.size(); ++i) {
    const Record& r = batch.record(i);
    bound += r.length + r.trace_len + r.span_len;
    if (r.metadata != 0) bound += batch.metadata(i).size();
  }
  return bound;
}

size_t EncodeWalRecordTo(const RecordBatch& batch, char* dst,
                         const char** entry_data) {
  // Written through a raw pointer into space sized by WalRecordBound: this
  // runs for every byte ingested, so no per-field std::string appends.
  char* p = dst + kWalRecordHeaderSize;
  p = EncodeVarint64(p, batch.tenant.size());
  p = PutBytes(p, batch.tenant);
  p = EncodeVarint64(p, batch.streams.size());
  for (const BatchStream& s : batch.streams) {
    std::memcpy(p, &s.id, 8);
    p += 8;
    p = EncodeVarint64(p, s.key.size());
    p = PutBytes(p, s.key);
  }
  p = EncodeVarint64(p, batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const Record& r = batch.record(i);
    std::string_view meta = batch.metadata(i);
    p = EncodeVarint64(p, r.stream);
    p = EncodeVarint64(p, ZigZag(r.ts_ns));
    p = EncodeVarint64(p, r.length);
    p = EncodeVarint64(p, r.trace_len);
    p = EncodeVarint64(p, r.span_len);
    p = EncodeVarint64(p, meta.size());
    if (entry_data != nullptr) entry_data[i] = p;
    p = PutBytes(p, batch.line(i));
    p = PutBytes(p, batch.trace_id(i));
    p = PutBytes(p, batch.span_id(i));
    p = PutBytes(p, meta);
  }
  const uint32_t len = static_cast<uint32_t>(p - dst - kWalRecordHeaderSize);
  const uint64_t sum = RecordChecksum(dst + kWalRecordHeaderSize, len);
  std::memcpy(dst, &len, 4);
  std::memcpy(dst + 4, &sum, 8);
  return static_cast<size_t>(p - dst);
}

void EncodeWalRecord(const RecordBatch& batch, std::string* out) {
  const size_t start = out->size();
  out->resize(start + WalRecordBound(batch));
  const size_t n = EncodeWalRecordTo(batch, out->data() + start, nullptr);
  out->resize(start + n);
}

absl::Status DecodeWalPayload(std::string_view payload, WalBatch* out) {
  Decoder d(payload);
  out->tenant = d.LengthPrefixed();
  uint64_t nstreams = d.Varint64();
  if (!d.ok() || nstreams > d.remaining()) {
    return absl::DataLossError("wal record: bad stream count");
  }
  out->streams.clear();
  for (uint64_t i = 0; i < nstreams; ++i) {
    uint64_t id = d.Fixed64();
    out->streams.emplace_back(id, d.LengthPrefixed());
  }
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) {
    return absl::DataLossError("wal record: bad entry count");
  }
  out->entries.resize(n);
  for (auto& e : out->entries) {
    e.stream = d.Varint32();
    e.view.ts_ns = UnZigZag(d.Varint64());
    uint32_t ll = d.Varint32(), tl = d.Varint32(), sl = d.Varint32(),
             ml = d.Varint32();
    e.view.line = d.Bytes(ll);
    e.view.trace_id = d.Bytes(tl);
    e.view.span_id = d.Bytes(sl);
    e.view.metadata = d.Bytes(ml);
    if (!d.ok() || e.stream >= nstreams) {
      return absl::DataLossError("wal record: bad entry");
    }
  }
  if (!d.ok() || d.remaining() != 0) {
    return absl::DataLossError("wal record: trailing bytes");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WalWriter>> WalWriter::Create(
    const std::string& dir, uint64_t seq, bool fsync) {
  std::string path = dir + "/" + SeqFileName(seq, kWalSuffix);
  auto file = WritableFile::Open(path);
  if (!file.ok()) return file.status();
  std::string header;
  PutFixed64(&header, kWalMagic);
  PutFixed32(&header, kWalVersion);
  PutFixed32(&header, 0);
  absl::Status s = (*file)->Append(header);
  if (s.ok() && fsync) s = (*file)->Sync();
  if (s.ok() && fsync) s = SyncDir(dir);
  if (!s.ok()) {
    file->reset();
    RemoveFile(path).IgnoreError();
    return s;
  }
  return std::unique_ptr<WalWriter>(
      new WalWriter(seq, std::move(file).value(), fsync));
}

absl::Status WalWriter::Sync() {
  if (synced_) return absl::OkStatus();
  if (!fsync_) {  // syncing is off: nothing to wait for
    synced_ = true;
    return absl::OkStatus();
  }
  absl::Status s = file_->Sync();
  if (s.ok()) synced_ = true;
  return s;
}

absl::Status WalWriter::Write(std::string_view records, bool sync) {
  return Write(std::span<const std::string_view>(&records, 1), sync);
}

absl::Status WalWriter::Write(std::span<const std::string_view> records,
                              bool sync) {
  const uint64_t good = file_->size();
  absl::Status s = file_->AppendV(records);
  if (s.ok()) synced_ = false;
  if (s.ok() && sync) s = Sync();
  if (!s.ok()) {
    // Leave no half record in the middle of the segment: the next group
    // would be unreachable behind it at replay.
    file_->Truncate(good).IgnoreError();
  }
  return s;
}

absl::StatusOr<WalReplayResult> ReplayWalSegment(
    const std::string& path, const std::function<void(const WalBatch&)>& fn) {
  WalReplayResult result;
  std::string data;
  absl::Status s = ReadFileToString(path, &data);
  if (!s.ok()) return s;
  if (data.size() < kWalHeaderSize) {
    // Created but its header never synced: nothing was acknowledged in it.
    result.torn_tail = !data.empty();
    return result;
  }
  if (DecodeFixed64(data.data()) != kWalMagic ||
      DecodeFixed32(data.data() + 8) != kWalVersion) {
    result.corrupt = true;
    return result;
  }
  size_t pos = kWalHeaderSize;
  WalBatch batch;
  while (pos < data.size()) {
    const size_t left = data.size() - pos;
    if (left < kWalRecordHeaderSize) {
      result.torn_tail = true;
      break;
    }
    const uint32_t len = DecodeFixed32(data.data() + pos);
    const uint64_t sum = DecodeFixed64(data.data() + pos + 4);
    if (len == 0) {
      // A zero tail is what a file system leaves when the size reached disk
      // but the data did not; zeros anywhere else are damage.
      bool all_zero = data.find_first_not_of('\0', pos) == std::string::npos;
      if (all_zero) {
        result.torn_tail = true;
      } else {
        result.corrupt = true;
      }
      break;
    }
    if (len > kWalMaxRecordBytes) {
      result.corrupt = true;
      break;
    }
    if (left - kWalRecordHeaderSize < len) {
      result.torn_tail = true;
      break;
    }
    const char* payload = data.data() + pos + kWalRecordHeaderSize;
    const bool at_end = pos + kWalRecordHeaderSize + len == data.size();
    if (RecordChecksum(payload, len) != sum ||
        !DecodeWalPayload(std::string_view(payload, len), &batch).ok()) {
      // The last record may be torn in place (size made it, bytes did not);
      // it was never acknowledged. Anything followed by more data is damage.
      if (at_end) {
        result.torn_tail = true;
      } else {
        result.corrupt = true;
      }
      break;
    }
    fn(batch);
    ++result.records;
    result.entries += batch.entries.size();
    pos += kWalRecordHeaderSize + len;
  }
  return result;
}

}  // namespace silt::store
