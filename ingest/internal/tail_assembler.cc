#include "ingest/internal/tail_assembler.h"

#include <algorithm>

namespace silt::ingest::internal {

TailAssembler::TailAssembler(size_t max_line_bytes, EnvelopeDecoder* decoder)
    : max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes),
      decoder_(decoder) {}

void TailAssembler::Reset(const ResumeState& state) {
  format_ = Format::kUnknown;
  pos_ = state.offset;
  for (int s = 0; s < kStreamKinds; ++s) {
    done_end_[s] = state.skip[s];
    join_[s] = Join();
  }
}

ResumeState TailAssembler::State() const {
  ResumeState st;
  st.offset = pos_;
  for (const Join& j : join_) {
    if (j.active) st.offset = std::min(st.offset, j.first_start);
  }
  for (int s = 0; s < kStreamKinds; ++s) {
    st.skip[s] = done_end_[s] > st.offset ? done_end_[s] : 0;
  }
  return st;
}

void TailAssembler::Append(Join* j, std::string_view text) {
  if (j->text.size() + text.size() > max_line_bytes_) {
    text = text.substr(0, max_line_bytes_ - j->text.size());
    j->truncated = true;
  }
  j->text.append(text);
}

void TailAssembler::Line(const char* data, size_t len, uint64_t start,
                         uint64_t end, bool cut, Emit emit) {
  pos_ = std::max(pos_, end);
  std::string_view raw(data, len);
  if (!cut && !raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  if (format_ == Format::kUnknown) {
    if (raw.empty()) return;  // decide on a line with something in it
    format_ = cut ? Format::kRaw : decoder_->Detect(raw);
  }
  EnvelopeLine line;
  bool ok = false;
  switch (format_) {
    case Format::kDocker:
      // A cut line is not a whole JSON object: stored as it is.
      ok = !cut && decoder_->DecodeDocker(raw.data(), raw.size(), &line);
      break;
    case Format::kCri:
      ok = EnvelopeDecoder::DecodeCri(raw, &line);
      break;
    default:
      break;
  }
  if (!ok) {
    line = EnvelopeLine();
    line.text = raw;
  }
  Record(line, start, end, cut, !ok && format_ != Format::kRaw, emit);
}

void TailAssembler::Record(const EnvelopeLine& line, uint64_t start,
                           uint64_t end, bool cut, bool bad, Emit emit) {
  const int s = static_cast<int>(line.stream);
  // Replay after a restart: this line's record is already stored.
  if (start < done_end_[s]) return;
  Join& j = join_[s];
  if (line.partial) {
    if (!j.active) {
      j.active = true;
      j.truncated = false;
      j.first_start = start;
      j.ts_ns = line.ts_ns;
      j.text.clear();
    }
    Append(&j, line.text);
    return;
  }
  AssembledRecord rec;
  rec.stream = line.stream;
  rec.bad_envelope = bad;
  if (j.active) {
    Append(&j, line.text);
    rec.text = j.text;
    rec.ts_ns = j.ts_ns;
    rec.truncated = j.truncated || cut;
    j.active = false;
  } else {
    rec.text = line.text;
    rec.ts_ns = line.ts_ns;
    rec.truncated = cut;
    if (rec.text.size() > max_line_bytes_) {
      rec.text = rec.text.substr(0, max_line_bytes_);
      rec.truncated = true;
    }
  }
  done_end_[s] = end;
  if (!rec.text.empty()) emit(rec);
}

void TailAssembler::Finish(Emit emit) {
  for (int s = 0; s < kStreamKinds; ++s) {
    Join& j = join_[s];
    if (!j.active) continue;
    AssembledRecord rec;
    rec.stream = static_cast<StreamKind>(s);
    rec.text = j.text;
    rec.ts_ns = j.ts_ns;
    rec.truncated = j.truncated;
    j.active = false;
    done_end_[s] = pos_;
    if (!rec.text.empty()) emit(rec);
  }
}

}  // namespace silt::ingest::internal
