#include "redact/redactor.h"

#include <hs/hs.h>

#include <algorithm>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "redact/internal/builtin_rules.h"
#include "redact/internal/card_scan.h"
#include "redact/internal/compiled_rules.h"
#include "redact/internal/rewriter.h"
#include "redact/internal/span_finder.h"

namespace silt::redact {
namespace {

// Maps match end offsets of the batch scan to records.
struct DetectCtx {
  const uint32_t* starts;  // sorted record starts (arena offsets)
  const uint32_t* ends;
  const uint32_t* record;  // record index of each sorted entry
  size_t n;
  size_t cursor;
  uint64_t base;  // arena offset of the scanned buffer's first byte
  uint64_t* masks;

  // Sets `bit` on the record holding scanned byte `at`, if any.
  void Mark(uint64_t at, uint64_t bit) {
    const uint64_t pos = base + at;
    size_t k = cursor;
    if (!(k < n && starts[k] <= pos && pos < ends[k])) {
      // Hyperscan reports in end order only per engine: search.
      const uint32_t* it =
          std::upper_bound(starts, starts + n, static_cast<uint32_t>(pos));
      if (it == starts) return;
      k = static_cast<size_t>(it - starts) - 1;
      if (pos >= ends[k]) return;  // between records
      cursor = k;
    }
    masks[record[k]] |= bit;
  }
};

int OnDetect(unsigned int id, unsigned long long, unsigned long long to,
             unsigned int, void* p) {
  // `to` is past the match's last byte.
  static_cast<DetectCtx*>(p)->Mark(to - 1, Rules::Rep::Bit(id));
  return 0;
}

int OnDetectValue(unsigned int id, unsigned long long, unsigned long long,
                  unsigned int, void* p) {
  *static_cast<uint64_t*>(p) |= Rules::Rep::Bit(id);
  return 0;
}

}  // namespace

struct Redactor::Rep {
  explicit Rep(std::shared_ptr<const Rules> r)
      : rules(std::move(r)),
        rr(&rules->rep()),
        finder(rr),
        rewriter(rr, &finder) {
    if (rr->detect_db != nullptr) hs_alloc_scratch(rr->detect_db, &scratch);
  }
  ~Rep() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }

  void Detect(const RecordBatch& batch);
  // Runs the detection database and the card scan over one buffer.
  void ScanBuffer(const char* data, size_t size, DetectCtx* ctx);
  uint64_t DetectValue(std::string_view value);
  void RedactLabels(RecordBatch* batch);
  void Commit();

  std::shared_ptr<const Rules> rules;
  const Rules::Rep* rr;
  hs_scratch_t* scratch = nullptr;
  internal::SpanFinder finder;
  internal::Rewriter rewriter;

  std::vector<uint64_t> masks;
  std::vector<uint32_t> starts, ends, order;

  // Stream labels (RedactLabels).
  struct LabelRef {
    uint32_t offset;  // of the value in `joined`
    uint32_t stream, label;
  };
  bool NameIsSecret(const std::string& name);
  std::string joined;
  std::vector<LabelRef> label_at;
  std::vector<uint64_t> label_masks;
  std::vector<uint32_t> lstarts, lends, lorder;
  absl::flat_hash_map<std::string, bool> secret_names;
  std::string out;
};

void Redactor::Rep::Detect(const RecordBatch& batch) {
  const size_t n = batch.size();
  masks.assign(n, 0);
  starts.clear();
  ends.clear();
  order.clear();
  bool sorted = true;
  for (size_t i = 0; i < n; ++i) {
    const Record& r = batch.record(i);
    if (r.length == 0) continue;
    if (!starts.empty() && r.offset < ends.back()) sorted = false;
    starts.push_back(r.offset);
    ends.push_back(r.offset + r.length);
    order.push_back(static_cast<uint32_t>(i));
  }
  if (starts.empty()) return;
  if (!sorted) {
    // Records out of arena order (or overlapping): sort them; overlapping
    // ones are scanned one by one.
    std::vector<uint32_t> idx(starts.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(),
              [&](uint32_t a, uint32_t b) { return starts[a] < starts[b]; });
    std::vector<uint32_t> s2, e2, o2;
    bool overlap = false;
    for (uint32_t k : idx) {
      if (!s2.empty() && starts[k] < e2.back()) overlap = true;
      s2.push_back(starts[k]);
      e2.push_back(ends[k]);
      o2.push_back(order[k]);
    }
    if (overlap) {
      for (size_t k = 0; k < s2.size(); ++k) {
        masks[o2[k]] = DetectValue(batch.line(o2[k]));
      }
      return;
    }
    starts.swap(s2);
    ends.swap(e2);
    order.swap(o2);
  }
  // One scan from the first record's first byte to the last one's end.
  const uint32_t lo = starts.front();
  const uint32_t hi = ends.back();
  DetectCtx ctx{starts.data(), ends.data(), order.data(), starts.size(), 0, lo,
                masks.data()};
  ScanBuffer(batch.arena_data() + lo, hi - lo, &ctx);
}

void Redactor::Rep::ScanBuffer(const char* data, size_t size, DetectCtx* ctx) {
  if (rr->detect_db != nullptr) {
    hs_scan(rr->detect_db, data, static_cast<unsigned>(size), 0, scratch,
            OnDetect, ctx);
  }
  if (rr->card_rule >= 0) {
    ctx->cursor = 0;
    const uint64_t bit = Rules::Rep::Bit(static_cast<size_t>(rr->card_rule));
    internal::ScanCardRuns(data, size,
                           [&](size_t end) { ctx->Mark(end - 1, bit); });
  }
}

uint64_t Redactor::Rep::DetectValue(std::string_view value) {
  uint64_t mask = 0;
  if (value.empty()) return 0;
  if (rr->detect_db != nullptr) {
    hs_scan(rr->detect_db, value.data(), static_cast<unsigned>(value.size()), 0,
            scratch, OnDetectValue, &mask);
  }
  if (rr->card_rule >= 0) {
    bool card = false;
    internal::ScanCardRuns(value.data(), value.size(),
                           [&](size_t) { card = true; });
    if (card) mask |= Rules::Rep::Bit(static_cast<size_t>(rr->card_rule));
  }
  return mask;
}

bool Redactor::Rep::NameIsSecret(const std::string& name) {
  auto it = secret_names.find(name);
  if (it != secret_names.end()) return it->second;
  if (secret_names.size() > 4096) secret_names.clear();
  const bool secret = rr->KeyIsSecret(name);
  secret_names.emplace(name, secret);
  return secret;
}

void Redactor::Rep::RedactLabels(RecordBatch* batch) {
  // All values in one buffer, one scan: a batch has tens of streams, and a
  // scan call per value would cost more than the scanning.
  joined.clear();
  label_at.clear();
  for (uint32_t si = 0; si < batch->streams.size(); ++si) {
    const Labels& labels = batch->streams[si].labels;
    for (uint32_t li = 0; li < labels.size(); ++li) {
      label_at.push_back(
          LabelRef{static_cast<uint32_t>(joined.size()), si, li});
      joined += labels[li].second;
      joined += '\n';
    }
  }
  if (label_at.empty()) return;
  label_masks.assign(label_at.size(), 0);
  lstarts.clear();
  lends.clear();
  lorder.clear();
  for (uint32_t k = 0; k < label_at.size(); ++k) {
    const uint32_t end = k + 1 < label_at.size()
                             ? label_at[k + 1].offset - 1
                             : static_cast<uint32_t>(joined.size() - 1);
    lstarts.push_back(label_at[k].offset);
    lends.push_back(end);
    lorder.push_back(k);
  }
  DetectCtx ctx{
      lstarts.data(),    lends.data(), lorder.data(), lstarts.size(), 0, 0,
      label_masks.data()};
  ScanBuffer(joined.data(), joined.size(), &ctx);
  const size_t secret = static_cast<size_t>(rr->secret_key_rule);
  for (size_t k = 0; k < label_at.size(); ++k) {
    BatchStream& s = batch->streams[label_at[k].stream];
    Label& l = s.labels[label_at[k].label];
    bool changed = false;
    if (rr->secret_key_rule >= 0 && NameIsSecret(l.first)) {
      if (l.second.empty() || internal::IsMarkerAt(l.second, 0)) continue;
      std::string v;
      rr->AppendReplacement(secret, l.second, &v);
      l.second = std::move(v);
      ++rewriter.counts()[secret];
      changed = true;
    } else if (label_masks[k] != 0 && rewriter.Rewrite(l.second, /*json=*/false,
                                                       label_masks[k], &out)) {
      l.second = out;
      changed = true;
    }
    if (changed) s.key.clear();  // the index stage recomputes it
  }
}

void Redactor::Rep::Commit() {
  auto& counts = rewriter.counts();
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) {
      rr->rules[i].counter->Inc(counts[i]);
      counts[i] = 0;
    }
  }
}

Redactor::Redactor(std::shared_ptr<const Rules> rules)
    : rep_(std::make_unique<Rep>(std::move(rules))) {}

Redactor::~Redactor() = default;

void Redactor::Redact(RecordBatch* batch) {
  Rep& r = *rep_;
  if (batch->empty()) return;
  r.Detect(*batch);
  for (size_t i = 0; i < batch->size(); ++i) {
    const uint64_t mask = r.masks[i];
    if (mask == 0) continue;
    const Reject reject = batch->record(i).reject;
    const bool json = reject == Reject::kNone || reject == Reject::kTruncated;
    r.finder.SetProtected(batch->trace_id(i), batch->span_id(i));
    if (r.rewriter.Rewrite(batch->line(i), json, mask, &r.out)) {
      batch->ReplaceLine(i, r.out);
    }
  }
  r.finder.SetProtected({}, {});
  for (std::string& meta : batch->metadata_json) {
    const uint64_t mask = r.DetectValue(meta);
    if (mask != 0 && r.rewriter.Rewrite(meta, /*json=*/true, mask, &r.out)) {
      meta = r.out;
    }
  }
  r.RedactLabels(batch);
  r.Commit();
}

std::string Redactor::RedactValue(std::string_view value, bool json) {
  Rep& r = *rep_;
  std::string result(value);
  const uint64_t mask = r.DetectValue(value);
  if (mask != 0 && r.rewriter.Rewrite(value, json, mask, &r.out)) {
    result = r.out;
  }
  r.Commit();
  return result;
}

}  // namespace silt::redact
