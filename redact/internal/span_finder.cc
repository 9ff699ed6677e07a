#include "redact/internal/span_finder.h"

#include <algorithm>

#include "redact/internal/builtin_rules.h"

namespace silt::redact::internal {
namespace {

struct UserMatchCtx {
  const Rules::Rep* rules;
  uint64_t mask;
  std::vector<Span>* out;
};

int OnUserMatch(unsigned int id, unsigned long long from, unsigned long long to,
                unsigned int, void* p) {
  auto* c = static_cast<UserMatchCtx*>(p);
  if (c->rules->Flagged(c->mask, id) && to > from) {
    c->out->push_back(Span{static_cast<uint32_t>(from),
                           static_cast<uint32_t>(to),
                           static_cast<uint16_t>(id)});
  }
  return 0;
}

}  // namespace

SpanFinder::SpanFinder(const Rules::Rep* rules) : rules_(rules) {
  if (rules_->locate_db != nullptr) {
    hs_alloc_scratch(rules_->locate_db, &scratch_);
  }
}

SpanFinder::~SpanFinder() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

void SpanFinder::Find(std::string_view text, uint64_t mask,
                      const TextContext& ctx, std::vector<Span>* out) {
  out->clear();
  if (text.empty()) return;
  const auto& rules = rules_->rules;
  bool user = false;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules_->Flagged(mask, i)) continue;
    const int b = rules[i].builtin;
    if (b < 0) {
      user = true;
    } else if (b != kSecretKey) {
      LocateBuiltin(b, text, ctx, static_cast<uint16_t>(i), out);
    }
  }
  if (user && scratch_ != nullptr) {
    UserMatchCtx c{rules_, mask, out};
    hs_scan(rules_->locate_db, text.data(), static_cast<unsigned>(text.size()),
            0, scratch_, OnUserMatch, &c);
  }
  if (out->empty()) return;
  std::sort(out->begin(), out->end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  // Merge overlaps (the first span's rule names the union); drop markers
  // and spans over a protected text.
  size_t w = 0;
  for (size_t r = 0; r < out->size(); ++r) {
    const Span s = (*out)[r];
    if (w > 0 && s.begin < (*out)[w - 1].end) {
      (*out)[w - 1].end = std::max((*out)[w - 1].end, s.end);
      continue;
    }
    (*out)[w++] = s;
  }
  out->resize(w);
  w = 0;
  for (size_t r = 0; r < out->size(); ++r) {
    const Span s = (*out)[r];
    bool keep = !IsMarkerAt(text, s.begin);
    for (std::string_view p : protected_) {
      if (!keep || p.empty()) continue;
      for (size_t at = text.find(p); at != std::string_view::npos;
           at = text.find(p, at + 1)) {
        if (at < s.end && at + p.size() > s.begin) {
          keep = false;
          break;
        }
        if (at >= s.end) break;
      }
    }
    if (keep) (*out)[w++] = s;
  }
  out->resize(w);
}

}  // namespace silt::redact::internal
