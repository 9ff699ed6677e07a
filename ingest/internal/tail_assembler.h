// Turns the physical lines of one tailed file into records: detects the
// envelope on the first line, unwraps Docker/CRI lines, joins partial chunks
// per stream, cuts joined lines at max_line_bytes, and knows the resume
// state (ingest/tail_format.md, "Checkpoints") after the lines seen so far.
// Not thread-safe; one per followed file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "ingest/internal/tail_checkpoint.h"
#include "ingest/internal/tail_envelope.h"

namespace silt::ingest::internal {

struct AssembledRecord {
  std::string_view text;  // valid during the callback only
  int64_t ts_ns = 0;      // envelope time (first chunk); 0 for raw lines
  StreamKind stream = StreamKind::kNone;
  bool truncated = false;     // cut at max_line_bytes
  bool bad_envelope = false;  // a Docker/CRI file's line that was not one
};

class TailAssembler {
 public:
  using Emit = absl::FunctionRef<void(const AssembledRecord&)>;

  TailAssembler(size_t max_line_bytes, EnvelopeDecoder* decoder);

  // Starts over from `state` (a fresh file or generation: {}); the format is
  // detected again from the next line.
  void Reset(const ResumeState& state);

  // One physical line of the file, [start, end) in file offsets (end is past
  // its LF); `data[0, len)` is the line without LF and `cut` says it was cut
  // for being too long. REQUIRES: EnvelopeDecoder::kPadding readable bytes
  // after data[len) unless `cut`.
  void Line(const char* data, size_t len, uint64_t start, uint64_t end,
            bool cut, Emit emit);

  // The file is closed for good (rotated and drained): emits the joined
  // lines still waiting for their last chunk.
  void Finish(Emit emit);

  ResumeState State() const;
  Format format() const { return format_; }

 private:
  struct Join {
    bool active = false;
    bool truncated = false;
    uint64_t first_start = 0;
    int64_t ts_ns = 0;
    std::string text;
  };

  void Record(const EnvelopeLine& line, uint64_t start, uint64_t end, bool cut,
              bool bad, Emit emit);
  void Append(Join* j, std::string_view text);

  const size_t max_line_bytes_;
  EnvelopeDecoder* const decoder_;
  Format format_ = Format::kUnknown;
  uint64_t pos_ = 0;                      // end of the last line seen
  uint64_t done_end_[kStreamKinds] = {};  // end of last completing line
  Join join_[kStreamKinds];
};

}  // namespace silt::ingest::internal
