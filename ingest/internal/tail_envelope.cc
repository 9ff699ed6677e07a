#include "ingest/internal/tail_envelope.h"

#include <simdjson.h>

#include "absl/status/statusor.h"
#include "common/time_util.h"

namespace silt::ingest::internal {

static_assert(EnvelopeDecoder::kPadding >= simdjson::SIMDJSON_PADDING);

namespace od = simdjson::ondemand;

const char* FormatName(Format f) {
  switch (f) {
    case Format::kRaw:
      return "raw";
    case Format::kDocker:
      return "docker";
    case Format::kCri:
      return "cri";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

const char* StreamName(StreamKind s) {
  switch (s) {
    case StreamKind::kStdout:
      return "stdout";
    case StreamKind::kStderr:
      return "stderr";
    case StreamKind::kNone:
      break;
  }
  return "";
}

struct EnvelopeDecoder::Rep {
  od::parser parser;
};

EnvelopeDecoder::EnvelopeDecoder() : rep_(std::make_unique<Rep>()) {}
EnvelopeDecoder::~EnvelopeDecoder() = default;

namespace {

bool ParseStream(std::string_view s, StreamKind* out) {
  if (s == "stdout") {
    *out = StreamKind::kStdout;
  } else if (s == "stderr") {
    *out = StreamKind::kStderr;
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool EnvelopeDecoder::DecodeDocker(const char* data, size_t len,
                                   EnvelopeLine* out) {
  // Cheap reject before simdjson: an envelope is an object.
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\t')) ++i;
  if (i == len || data[i] != '{') return false;
  if (rep_->parser.capacity() < len &&
      rep_->parser.allocate(len) != simdjson::SUCCESS) {
    return false;
  }
  od::document doc;
  if (rep_->parser.iterate(data, len, len + kPadding).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  bool have_log = false;
  EnvelopeLine line;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "log") {
      std::string_view v;
      if (field.value().get_string().get(v)) return false;
      line.text = v;
      have_log = true;
    } else if (key == "stream") {
      std::string_view v;
      if (field.value().get_string().get(v)) return false;
      if (!ParseStream(v, &line.stream)) line.stream = StreamKind::kNone;
    } else if (key == "time") {
      std::string_view v;
      if (field.value().get_string().get(v)) return false;
      absl::StatusOr<int64_t> ts = ParseRfc3339Nanos(v);
      if (ts.ok()) line.ts_ns = *ts;
    }
    // Other keys ("attrs", ...) are skipped by the iteration.
  }
  if (!have_log) return false;
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) return false;  // trailing bytes
  if (!line.text.empty() && line.text.back() == '\n') {
    line.text.remove_suffix(1);
    if (!line.text.empty() && line.text.back() == '\r') {
      line.text.remove_suffix(1);
    }
    line.partial = false;
  } else {
    line.partial = true;
  }
  *out = line;
  return true;
}

bool EnvelopeDecoder::DecodeCri(std::string_view line, EnvelopeLine* out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 < 20) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  StreamKind stream;
  if (!ParseStream(line.substr(sp1 + 1, sp2 - sp1 - 1), &stream)) return false;
  // Tag: "P" or "F", optionally followed by ":more:tags".
  const size_t tag_at = sp2 + 1;
  if (tag_at >= line.size()) return false;
  const char tag = line[tag_at];
  if (tag != 'P' && tag != 'F') return false;
  size_t sp3 = line.find(' ', tag_at);
  std::string_view tags = line.substr(
      tag_at, (sp3 == std::string_view::npos ? line.size() : sp3) - tag_at);
  if (tags.size() > 1 && tags[1] != ':') return false;
  absl::StatusOr<int64_t> ts = ParseRfc3339Nanos(line.substr(0, sp1));
  if (!ts.ok()) return false;
  out->ts_ns = *ts;
  out->stream = stream;
  out->partial = tag == 'P';
  out->text =
      sp3 == std::string_view::npos ? std::string_view() : line.substr(sp3 + 1);
  if (!out->partial && !out->text.empty() && out->text.back() == '\r') {
    out->text.remove_suffix(1);
  }
  return true;
}

Format EnvelopeDecoder::Detect(std::string_view line) {
  EnvelopeLine ignored;
  // An application's own JSON line may have a "log" field: an envelope also
  // has a stream or a time.
  if (DecodeDocker(line.data(), line.size(), &ignored) &&
      (ignored.stream != StreamKind::kNone || ignored.ts_ns != 0)) {
    return Format::kDocker;
  }
  if (DecodeCri(line, &ignored)) return Format::kCri;
  return Format::kRaw;
}

}  // namespace silt::ingest::internal
