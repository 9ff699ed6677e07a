#include "query/internal/label_builder.h"

#include <algorithm>

#include "simdjson.h"

namespace silt::query {
namespace {

// The value of `name` in a flat JSON object of strings (structured
// metadata as the store keeps it).
bool MetadataValue(std::string_view metadata, std::string_view name,
                   std::string* out) {
  if (metadata.size() < 2) return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(metadata.data(), metadata.size(), true).get(obj)) {
    return false;
  }
  for (auto [k, v] : obj) {
    if (k != name) continue;
    std::string_view s;
    if (v.get(s)) return false;
    out->assign(s);
    return true;
  }
  return false;
}

}  // namespace

void LabelBuilder::Reset(const Labels* base, const store::EntryView* entry) {
  base_ = base;
  entry_ = entry;
  set_.clear();
  del_.clear();
  error_.clear();
  details_.clear();
}

const std::string* LabelBuilder::Get(std::string_view name) const {
  for (const Label& l : set_) {
    if (l.first == name) return &l.second;
  }
  if (base_ != nullptr &&
      std::find(del_.begin(), del_.end(), name) == del_.end()) {
    if (const std::string* v = FindLabel(*base_, name)) return v;
  }
  if (!error_.empty()) {
    if (name == kErrorLabel) return &error_;
    if (name == kErrorDetailsLabel && !details_.empty()) return &details_;
  }
  if (entry_ != nullptr) {
    if (name == "trace_id" && !entry_->trace_id.empty()) {
      attr_.assign(entry_->trace_id);
      return &attr_;
    }
    if (name == "span_id" && !entry_->span_id.empty()) {
      attr_.assign(entry_->span_id);
      return &attr_;
    }
    if (MetadataValue(entry_->metadata, name, &attr_)) return &attr_;
  }
  return nullptr;
}

bool LabelBuilder::BaseHas(std::string_view name) const {
  return base_ != nullptr && FindLabel(*base_, name) != nullptr;
}

void LabelBuilder::Set(std::string_view name, std::string_view value) {
  if (name == kErrorLabel) {
    error_.assign(value);
    return;
  }
  if (name == kErrorDetailsLabel) {
    details_.assign(value);
    return;
  }
  for (Label& l : set_) {
    if (l.first == name) {
      l.second.assign(value);
      return;
    }
  }
  set_.emplace_back(std::string(name), std::string(value));
}

void LabelBuilder::Del(std::string_view name) {
  if (name == kErrorLabel) {
    error_.clear();
    details_.clear();
    return;
  }
  if (name == kErrorDetailsLabel) {
    details_.clear();
    return;
  }
  set_.erase(std::remove_if(set_.begin(), set_.end(),
                            [&](const Label& l) { return l.first == name; }),
             set_.end());
  if (BaseHas(name) &&
      std::find(del_.begin(), del_.end(), name) == del_.end()) {
    del_.emplace_back(name);
  }
}

void LabelBuilder::SetError(const char* error, std::string_view details) {
  error_ = error;
  details_.assign(details);
}

std::vector<std::string> LabelBuilder::Names() const {
  std::vector<std::string> out;
  if (base_ != nullptr) {
    for (const Label& l : *base_) {
      if (std::find(del_.begin(), del_.end(), l.first) == del_.end())
        out.push_back(l.first);
    }
  }
  for (const Label& l : set_) {
    if (std::find(out.begin(), out.end(), l.first) == out.end())
      out.push_back(l.first);
  }
  if (!error_.empty()) {
    out.emplace_back(kErrorLabel);
    if (!details_.empty()) out.emplace_back(kErrorDetailsLabel);
  }
  return out;
}

Labels LabelBuilder::Result() const {
  Labels out = set_;  // set labels win over the stream's (first wins)
  if (base_ != nullptr) {
    for (const Label& l : *base_) {
      if (std::find(del_.begin(), del_.end(), l.first) == del_.end())
        out.push_back(l);
    }
  }
  if (!error_.empty()) {
    out.emplace_back(kErrorLabel, error_);
    if (!details_.empty()) out.emplace_back(kErrorDetailsLabel, details_);
  }
  Canonicalize(&out);
  return out;
}

}  // namespace silt::query
