#include "parse/parser.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "common/metrics.h"
#include "common/time_util.h"
#include "parse/internal/field_values.h"
#include "parse/internal/level.h"
#include "parse/internal/line_walker.h"
#include "parse/internal/path_matcher.h"
#include "parse/internal/stream_interner.h"
#include "parse/internal/truncated_line.h"

namespace silt::parse {

using internal::SlotValue;

namespace {

constexpr size_t kMaxLabelValueBytes = 1024;
constexpr uint16_t kAbsentLen = 0xffff;

// Slots after the label rules' (which are 0..rules-1).
enum ExtraSlot : uint16_t { kTimeSlot, kTraceSlot, kSpanSlot, kParentSlot };

constexpr const char* kTraceIdPaths[] = {"trace_id", "traceId", "traceID",
                                         "trace.id"};
constexpr const char* kSpanIdPaths[] = {"span_id", "spanId", "spanID",
                                        "span.id"};

}  // namespace

std::vector<LabelRule> ParseOptions::DefaultLabelRules() {
  return {
      {"service", {"service", "service.name", "app", "kubernetes.labels.app"}},
      {"namespace",
       {"namespace", "kubernetes.namespace_name", "k8s.namespace.name"}},
      {"pod", {"pod", "kubernetes.pod_name", "k8s.pod.name"}},
      {"container",
       {"container", "kubernetes.container_name", "k8s.container.name"}},
      {"level", {"level", "severity", "lvl", "log.level", "severity_text"}},
  };
}

struct Parser::Rep {
  explicit Rep(ParseOptions opts)
      : options(std::move(opts)),
        rules(options.labels.size()),
        matcher(BuildMatcher(options)),
        walker(&matcher, rules + 4) {
    for (size_t k = 0; k < rules; ++k) {
      if (options.labels[k].label == "level") level_rule = static_cast<int>(k);
    }
    values.resize(rules);
    signature_buf = std::make_unique<char[]>(sizeof(uint32_t) + 1 +
                                             rules * (2 + kMaxLabelValueBytes));
  }

  static internal::PathMatcher BuildMatcher(const ParseOptions& options) {
    internal::PathMatcher m;
    const size_t rules = options.labels.size();
    for (size_t k = 0; k < rules; ++k) {
      const auto& paths = options.labels[k].paths;
      for (size_t p = 0; p < paths.size(); ++p) {
        m.Add(paths[p], static_cast<uint16_t>(k), static_cast<uint16_t>(p));
      }
    }
    auto add_all = [&](const auto& paths, size_t n, ExtraSlot slot) {
      for (size_t p = 0; p < n; ++p) {
        m.Add(paths[p], static_cast<uint16_t>(rules + slot),
              static_cast<uint16_t>(p));
      }
    };
    add_all(options.time_fields, options.time_fields.size(), kTimeSlot);
    add_all(kTraceIdPaths, std::size(kTraceIdPaths), kTraceSlot);
    add_all(kSpanIdPaths, std::size(kSpanIdPaths), kSpanSlot);
    m.Add("traceparent", static_cast<uint16_t>(rules + kParentSlot), 0);
    return m;
  }

  const SlotValue& extra(ExtraSlot s) const { return walker.slot(rules + s); }

  void ParseRecord(RecordBatch* batch, size_t i);
  void ComputeOriginMasks(const RecordBatch& batch);
  std::string_view LabelValue(size_t rule);

  ParseOptions options;
  size_t rules;
  int level_rule = -1;
  internal::PathMatcher matcher;
  internal::LineWalker walker;
  internal::StreamInterner interner;

  // Per batch.
  int64_t fallback_ts = 0;
  std::array<uint64_t, 4> rejects{};
  // Per origin: bit k set when the origin gives rule k's label (origin
  // wins, so the line's value is not looked at).
  std::vector<uint64_t> origin_masks;

  // Per line scratch (capacity kept across lines).
  // origin + per rule u16 length + value (at most kMaxLabelValueBytes).
  std::unique_ptr<char[]> signature_buf;
  std::string level_scratch;
  std::vector<std::string_view> values;
  internal::TruncatedLine truncated_line;
  internal::TimestampParser timestamps;
};

void Parser::Rep::ComputeOriginMasks(const RecordBatch& batch) {
  origin_masks.assign(batch.origins.size(), 0);
  for (size_t o = 0; o < batch.origins.size(); ++o) {
    for (size_t k = 0; k < rules && k < 64; ++k) {
      if (FindLabel(batch.origins[o], options.labels[k].label) != nullptr) {
        origin_masks[o] |= uint64_t{1} << k;
      }
    }
  }
}

std::string_view Parser::Rep::LabelValue(size_t rule) {
  const SlotValue& slot = walker.slot(rule);
  if (!slot.present() || slot.text.empty()) return {};
  std::string_view text = slot.text;
  if (static_cast<int>(rule) == level_rule) {
    text = internal::NormalizeLevel(text, &level_scratch);
  }
  return internal::CutUtf8(text, kMaxLabelValueBytes);
}

void Parser::Rep::ParseRecord(RecordBatch* batch, size_t i) {
  Record& rec = batch->record(i);
  const bool truncated = rec.reject == Reject::kTruncated;
  const char* line = batch->arena_data() + rec.offset;
  simdjson::error_code err;
  if (truncated) {
    // Best effort: the cut line is closed enough for simdjson to read the
    // fields before the cut.
    std::string_view fixed = truncated_line.Prepare({line, rec.length});
    err = walker.Walk(fixed.data(), fixed.size(),
                      fixed.size() + simdjson::SIMDJSON_PADDING);
  } else {
    rec.reject = Reject::kNone;
    // Bytes after this line up to the arena's end are other lines, then
    // kBatchPadding zeros: all readable, which is what simdjson needs.
    const size_t capacity = batch->arena_bytes() + kBatchPadding - rec.offset;
    err = walker.Walk(line, rec.length, capacity);
    if (err) {
      rec.reject = (err == simdjson::UTF8_ERROR ||
                    !simdjson::validate_utf8(line, rec.length))
                       ? Reject::kInvalidUtf8
                       : Reject::kInvalidJson;
      ++rejects[static_cast<size_t>(rec.reject)];
    }
  }
  const bool use_fields = !err || truncated;
  const uint32_t origin = rec.origin < batch->origins.size() ? rec.origin : 0;

  if (rec.ts_ns == 0 || batch->source_ts_fallback) {
    int64_t ts = 0;
    const SlotValue& t = extra(kTimeSlot);
    if (use_fields && t.present() &&
        timestamps.Parse(t.text, t.kind != internal::ValueKind::kString, &ts)) {
      rec.ts_ns = ts;
    } else if (rec.ts_ns == 0) {
      rec.ts_ns = fallback_ts;
    }
  }

  if (use_fields) {
    std::string_view parent_trace, parent_span;
    const SlotValue& parent = extra(kParentSlot);
    if (parent.present()) {
      internal::ParseTraceparent(parent.text, &parent_trace, &parent_span);
    }
    const SlotValue& trace = extra(kTraceSlot);
    if (trace.present() && !trace.text.empty()) {
      batch->SetTraceId(i, trace.text);
    } else if (!parent_trace.empty()) {
      batch->SetTraceId(i, parent_trace);
    }
    const SlotValue& span = extra(kSpanSlot);
    if (span.present() && !span.text.empty()) {
      batch->SetSpanId(i, span.text);
    } else if (!parent_span.empty()) {
      batch->SetSpanId(i, parent_span);
    }
  }

  // Signature: origin, then per rule the value (u16 length + bytes) or an
  // absent marker; a line without fields is the origin alone plus 0xff.
  // Written straight into a buffer sized for the longest one.
  char* sig = signature_buf.get();
  std::memcpy(sig, &origin, sizeof(origin));
  size_t sig_len = sizeof(origin);
  const uint64_t mask = origin < origin_masks.size() ? origin_masks[origin] : 0;
  if (!use_fields) {
    sig[sig_len++] = '\xff';
  } else {
    for (size_t k = 0; k < rules; ++k) {
      if (k < 64 && (mask >> k) & 1) {
        values[k] = {};
        continue;
      }
      values[k] = LabelValue(k);
      const uint16_t len = values[k].empty()
                               ? kAbsentLen
                               : static_cast<uint16_t>(values[k].size());
      sig[sig_len] = static_cast<char>(len & 0xff);
      sig[sig_len + 1] = static_cast<char>(len >> 8);
      sig_len += 2;
      if (!values[k].empty()) {
        std::memcpy(sig + sig_len, values[k].data(), values[k].size());
        sig_len += values[k].size();
      }
    }
  }
  const std::string_view signature(sig, sig_len);
  uint32_t stream = interner.Find(signature);
  if (stream == internal::StreamInterner::kNone) {
    stream = interner.FindCached(signature, origin);
  }
  if (stream == internal::StreamInterner::kNone) {
    Labels labels;
    if (rec.origin < batch->origins.size()) labels = batch->origins[origin];
    if (use_fields) {
      for (size_t k = 0; k < rules; ++k) {
        if (!values[k].empty()) {
          labels.emplace_back(options.labels[k].label, std::string(values[k]));
        }
      }
    }
    stream = interner.Add(signature, origin, std::move(labels));
  }
  rec.stream = stream;
}

Parser::Parser(ParseOptions options)
    : rep_(std::make_unique<Rep>(std::move(options))) {}

Parser::~Parser() = default;

void Parser::Parse(RecordBatch* batch) {
  Rep& r = *rep_;
  r.interner.Reset(batch);
  r.ComputeOriginMasks(*batch);
  r.fallback_ts = batch->received_ns != 0 ? batch->received_ns : NowNanos();
  r.rejects.fill(0);
  uint32_t longest = 0;
  for (const Record& rec : batch->records()) {
    longest = std::max(longest, rec.length);
  }
  r.walker.Reserve(longest);
  for (size_t i = 0; i < batch->size(); ++i) r.ParseRecord(batch, i);
  for (Reject reason : {Reject::kInvalidJson, Reject::kInvalidUtf8}) {
    const uint64_t n = r.rejects[static_cast<size_t>(reason)];
    if (n != 0) {
      Metrics().lines_rejected.With({batch->input, RejectName(reason)}).Inc(n);
    }
  }
}

std::string Parser::NormalizeLevel(std::string_view raw) {
  std::string scratch;
  return std::string(internal::NormalizeLevel(raw, &scratch));
}

std::string_view Parser::OtelSeverityLevel(int64_t severity_number) {
  return internal::OtelSeverityLevel(severity_number);
}

}  // namespace silt::parse
