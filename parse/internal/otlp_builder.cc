#include "parse/internal/otlp_builder.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "parse/internal/level.h"

namespace silt::parse::internal {
namespace {

const char* LabelFor(std::string_view key) {
  if (key == "service.name") return "service";
  if (key == "k8s.namespace.name") return "namespace";
  if (key == "k8s.pod.name") return "pod";
  if (key == "k8s.container.name") return "container";
  return nullptr;
}

// Loki's structured metadata names: [a-zA-Z0-9_], '.' and others as '_'.
void AppendMetadataName(std::string* out, std::string_view key) {
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_';
    out->push_back(ok ? c : '_');
  }
}

void AppendPair(std::string* out, std::string_view name,
                std::string_view value) {
  if (!out->empty()) out->push_back(',');
  out->push_back('"');
  AppendMetadataName(out, name);
  out->append("\":\"");
  AppendJsonEscaped(out, value);
  out->push_back('"');
}

}  // namespace

std::string_view OtlpHexId(std::string_view hex, size_t digits,
                           std::string* scratch) {
  if (hex.size() != digits) return {};
  scratch->assign(hex.data(), hex.size());
  bool nonzero = false;
  for (char& c : *scratch) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!digit) return {};
    nonzero |= c != '0';
  }
  return nonzero ? std::string_view(*scratch) : std::string_view();
}

void AppendBase64(std::string* out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) |
                       (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

OtlpBuilder::OtlpBuilder(size_t max_line_bytes, RecordBatch* batch,
                         OtlpResult* result)
    : max_line_bytes_(max_line_bytes), batch_(batch), result_(result) {
  batch_->fallback_labels = {{"source", "otlp"}};
}

void OtlpBuilder::BeginResource() {
  resource_labels_.clear();
  resource_metadata_.clear();
  scope_metadata_ = 0;
  origins_.clear();
}

void OtlpBuilder::ResourceAttribute(std::string_view key,
                                    std::string_view text) {
  if (const char* label = LabelFor(key)) {
    if (!text.empty() && FindLabel(resource_labels_, label) == nullptr) {
      resource_labels_.emplace_back(label, std::string(text));
    }
    return;
  }
  AppendPair(&resource_metadata_, key, text);
}

void OtlpBuilder::BeginScope(std::string_view name, std::string_view version) {
  std::string json = resource_metadata_;
  if (!name.empty()) AppendPair(&json, "scope_name", name);
  if (!version.empty()) AppendPair(&json, "scope_version", version);
  if (json.empty()) {
    scope_metadata_ = 0;
    return;
  }
  batch_->metadata_json.push_back(absl::StrCat("{", json, "}"));
  scope_metadata_ = static_cast<uint32_t>(batch_->metadata_json.size());
}

uint32_t OtlpBuilder::Origin(std::string_view level) {
  auto it = origins_.find(level);
  if (it != origins_.end()) return it->second;
  Labels labels = resource_labels_;
  if (!level.empty()) labels.emplace_back("level", std::string(level));
  Canonicalize(&labels);
  uint32_t origin = 0;  // origins[0] is empty: the fallback labels apply
  if (!labels.empty()) {
    origin = static_cast<uint32_t>(batch_->origins.size());
    batch_->origins.push_back(std::move(labels));
  }
  origins_.emplace(std::string(level), origin);
  return origin;
}

void OtlpBuilder::AddRecord(uint64_t time_ns, uint64_t observed_ns,
                            int64_t severity_number,
                            std::string_view severity_text,
                            std::string_view line,
                            std::string_view trace_id_hex,
                            std::string_view span_id_hex) {
  if (max_line_bytes_ != 0 && line.size() > max_line_bytes_) {
    if (result_->rejected++ == 0) {
      result_->error_message =
          absl::StrCat("log record too long: ", line.size(), " bytes, limit ",
                       max_line_bytes_);
    }
    return;
  }
  std::string_view level = OtelSeverityLevel(severity_number);
  if (level.empty() && !severity_text.empty()) {
    level = NormalizeLevel(severity_text, &level_scratch_);
  }
  uint64_t ts = time_ns != 0 ? time_ns : observed_ns;
  if (ts > static_cast<uint64_t>(INT64_MAX)) ts = 0;
  const uint32_t i =
      batch_->Append(line, Origin(level), static_cast<int64_t>(ts));
  batch_->record(i).metadata = scope_metadata_;
  std::string_view trace = OtlpHexId(trace_id_hex, 32, &hex_scratch_);
  if (!trace.empty()) batch_->SetTraceId(i, trace);
  std::string_view span = OtlpHexId(span_id_hex, 16, &hex_scratch_);
  if (!span.empty()) batch_->SetSpanId(i, span);
  ++result_->accepted;
}

}  // namespace silt::parse::internal
