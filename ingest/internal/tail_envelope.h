// Container log envelopes: Docker's json-file lines
// ({"log":"...","stream":"stdout","time":"..."}) and CRI lines
// (`<RFC3339Nano> <stdout|stderr> <P|F>[:tags] <msg>`), told apart per file
// from its first line (ingest/tail_format.md). Not thread-safe: one decoder
// per tail thread (it keeps a simdjson parser).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace silt::ingest::internal {

enum class Format : uint8_t { kUnknown, kRaw, kDocker, kCri };
const char* FormatName(Format f);  // "raw", "docker", "cri", "unknown"

// Stream of a line; kNone for raw files and for lines that are not a valid
// envelope. The values index per-stream state arrays.
enum class StreamKind : uint8_t { kStdout = 0, kStderr = 1, kNone = 2 };
inline constexpr int kStreamKinds = 3;
const char* StreamName(StreamKind s);  // "stdout", "stderr", ""

struct EnvelopeLine {
  std::string_view text;  // the inner line, without its trailing newline
  int64_t ts_ns = 0;      // envelope time; 0 if it had none
  StreamKind stream = StreamKind::kNone;
  bool partial = false;  // Docker: no trailing "\n"; CRI: tag P
};

class EnvelopeDecoder {
 public:
  // Readable bytes DecodeDocker() needs after a line (simdjson's padding).
  static constexpr size_t kPadding = 64;

  EnvelopeDecoder();
  ~EnvelopeDecoder();

  // The format of a file whose first complete line is `line`
  // (REQUIRES: kPadding readable bytes after it).
  Format Detect(std::string_view line);

  // A Docker json-file line: an object with a string "log" (JSON-unescaped),
  // optional "stream" and "time" (RFC3339Nano); other keys are skipped.
  // REQUIRES: kPadding readable bytes after data[len). out->text stays
  // valid until the next call. False if the line is not such an object.
  bool DecodeDocker(const char* data, size_t len, EnvelopeLine* out);

  // A CRI line; out->text points into `line`. False if it is not one.
  static bool DecodeCri(std::string_view line, EnvelopeLine* out);

 private:
  bool DecodeDockerFast(const char* data, size_t len, EnvelopeLine* out);
  static void StripNewline(EnvelopeLine* line);

  struct Rep;  // simdjson parser; keeps <simdjson.h> out of here
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::ingest::internal
