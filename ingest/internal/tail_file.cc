#include "ingest/internal/tail_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/log.h"

namespace silt::ingest::internal {

TailFile::TailFile(uint64_t id, int fd, std::string path, dev_t dev, ino_t ino,
                   Labels labels, size_t max_line_bytes,
                   EnvelopeDecoder* decoder)
    : id_(id),
      fd_(fd),
      path_(std::move(path)),
      dev_(dev),
      ino_(ino),
      labels_(std::move(labels)),
      max_physical_bytes_(2 * max_line_bytes + 64 * 1024),
      assembler_(max_line_bytes, decoder) {}

TailFile::~TailFile() {
  if (fd_ >= 0) ::close(fd_);
}

void TailFile::Resume(const ResumeState& state) {
  assembler_.Reset(state);
  read_offset_ = state.offset;
  carry_.clear();
  skipping_ = false;
  at_eof_ = false;
  carry_start_ = state.offset;
  committed_ = state;
}

void TailFile::Restart() {
  ++generation_;
  marks_.clear();
  fp_len_ = 0;
  fp_hash_ = 0;
  Resume(ResumeState());
}

int64_t TailFile::Size() const {
  struct stat st;
  if (fd_ < 0 || fstat(fd_, &st) != 0) return -1;
  return st.st_size;
}

bool TailFile::FingerprintChanged() {
  if (fd_ < 0 || fp_len_ == 0) return false;
  uint64_t h = 0;
  if (!FingerprintFd(fd_, fp_len_, &h)) return Size() >= 0;  // shorter now
  return h != fp_hash_;
}

void TailFile::UpdateFingerprint() {
  const uint64_t want = std::min<uint64_t>(kFingerprintBytes, read_offset_);
  if (fd_ < 0 || want <= fp_len_) return;
  uint64_t h = 0;
  if (FingerprintFd(fd_, want, &h)) {
    fp_len_ = want;
    fp_hash_ = h;
  }
}

CheckpointEntry TailFile::Entry() const {
  CheckpointEntry e;
  e.dev = dev_;
  e.ino = ino_;
  e.fp_len = fp_len_;
  e.fp_hash = fp_hash_;
  e.state = committed_;
  e.path = path_;
  return e;
}

TailFile::ReadResult TailFile::Read(size_t budget, std::string* scratch,
                                    TailAssembler::Emit emit) {
  ReadResult res;
  if (fd_ < 0) {
    res.eof = true;
    return res;
  }
  // Woken after sitting at its end: a copytruncate that refilled the file
  // past read_offset_ shows only in its first bytes.
  if (at_eof_ && FingerprintChanged()) {
    res.truncated = true;
    return res;
  }
  const size_t keep = skipping_ ? 0 : carry_.size();
  const size_t need = keep + budget + EnvelopeDecoder::kPadding;
  if (scratch->size() < need) scratch->resize(need);
  char* buf = scratch->data();
  if (keep) std::memcpy(buf, carry_.data(), keep);
  ssize_t n;
  do {
    n = ::pread(fd_, buf + keep, budget, static_cast<off_t>(read_offset_));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    LogWarn("tail read failed",
            {{"path", path_}, {"error", std::strerror(errno)}});
    res.eof = true;
    return res;
  }
  if (n == 0) {
    res.eof = true;
    at_eof_ = true;
    const int64_t size = Size();
    if (size >= 0 && static_cast<uint64_t>(size) < read_offset_) {
      res.truncated = true;
    }
    return res;
  }
  res.bytes = static_cast<size_t>(n);
  res.eof = res.bytes < budget;
  at_eof_ = res.eof;
  const uint64_t buf_offset = read_offset_ - keep;  // file offset of buf[0]
  read_offset_ += res.bytes;
  const size_t total = keep + res.bytes;
  std::memset(buf + total, 0, EnvelopeDecoder::kPadding);
  if (fp_len_ < kFingerprintBytes) UpdateFingerprint();

  size_t pos = 0;
  if (skipping_) {
    const void* nl = std::memchr(buf, '\n', total);
    if (nl == nullptr) return res;  // still inside the over-long line
    pos = static_cast<const char*>(nl) - buf + 1;
    assembler_.Line(carry_.data(), carry_.size(), carry_start_,
                    buf_offset + pos, /*cut=*/true, emit);
    carry_.clear();
    skipping_ = false;
  }
  while (pos < total) {
    const void* nl = std::memchr(buf + pos, '\n', total - pos);
    if (nl == nullptr) break;
    const size_t end = static_cast<const char*>(nl) - buf;
    assembler_.Line(buf + pos, end - pos, buf_offset + pos,
                    buf_offset + end + 1, /*cut=*/false, emit);
    pos = end + 1;
  }
  carry_.assign(buf + pos, total - pos);
  carry_start_ = buf_offset + pos;
  if (carry_.size() > max_physical_bytes_) {
    carry_.resize(max_physical_bytes_);
    skipping_ = true;
  }
  return res;
}

void TailFile::Close(TailAssembler::Emit emit) {
  if (!carry_.empty()) {
    // The writer is gone and the line never got its LF.
    std::string last = std::move(carry_);
    const uint64_t end = skipping_ ? read_offset_ : carry_start_ + last.size();
    last.append(EnvelopeDecoder::kPadding, '\0');
    assembler_.Line(last.data(), last.size() - EnvelopeDecoder::kPadding,
                    carry_start_, end, skipping_, emit);
    carry_.clear();
    skipping_ = false;
  }
  assembler_.Finish(emit);
  state = State::kClosed;
}

}  // namespace silt::ingest::internal
