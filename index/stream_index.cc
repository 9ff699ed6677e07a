#include "index/stream_index.h"

#include <algorithm>
#include <shared_mutex>
#include <string>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "common/metrics.h"

namespace silt::index {
namespace {

// Stream ids with one label name=value. A btree keeps inserts O(log n) for
// values shared by many streams (level="info") and iterates in id order.
using Postings = absl::btree_set<uint64_t>;

struct Tenant {
  absl::flat_hash_map<uint64_t, Labels> streams;
  // name -> value -> ids
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, Postings>>
      postings;
};

// This Abseil's string_view is not std::string_view: heterogeneous lookups
// need the conversion spelled out.
absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }

// Sorted intersection of `a` with the sorted range `b`.
template <typename Range>
std::vector<uint64_t> Intersect(const std::vector<uint64_t>& a,
                                const Range& b) {
  std::vector<uint64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(out));
  return out;
}

}  // namespace

struct StreamIndex::Rep {
  mutable std::shared_mutex mu;
  absl::flat_hash_map<std::string, Tenant> tenants;

  const Tenant* Find(std::string_view tenant) const {
    auto it = tenants.find(AV(tenant));
    return it == tenants.end() ? nullptr : &it->second;
  }
};

StreamIndex::StreamIndex() : rep_(std::make_unique<Rep>()) {}
StreamIndex::~StreamIndex() = default;

void StreamIndex::Add(std::string_view tenant, uint64_t id,
                      const Labels& labels) {
  {
    std::shared_lock lock(rep_->mu);
    const Tenant* t = rep_->Find(tenant);
    if (t != nullptr && t->streams.contains(id)) return;
  }
  std::unique_lock lock(rep_->mu);
  Tenant& t = rep_->tenants[std::string(tenant)];
  auto [it, inserted] = t.streams.try_emplace(id, labels);
  if (!inserted) return;
  for (const auto& [name, value] : labels) t.postings[name][value].insert(id);
  Metrics().active_streams.With({}).Add(1);
}

void StreamIndex::Resolve(RecordBatch* batch) {
  for (BatchStream& s : batch->streams) {
    if (s.key.empty()) s.key = LabelsToString(s.labels);
    s.id = StreamId(batch->tenant, s.key);
    Add(batch->tenant, s.id, s.labels);
  }
}

std::vector<uint64_t> StreamIndex::Match(
    std::string_view tenant, const std::vector<Matcher>& matchers) const {
  std::shared_lock lock(rep_->mu);
  const Tenant* t = rep_->Find(tenant);
  if (t == nullptr) return {};

  // Matchers that reject "" can only select streams that have the label, so
  // their candidates come from the postings: one lookup for `=`, one regex
  // evaluation per distinct value (not per stream) for the others.
  std::vector<std::vector<uint64_t>> sets;
  std::vector<const Matcher*> residual;
  for (const Matcher& m : matchers) {
    if (m.MatchesEmpty()) {
      residual.push_back(&m);
      continue;
    }
    std::vector<uint64_t> ids;
    auto name_it = t->postings.find(AV(m.name()));
    if (name_it != t->postings.end()) {
      if (m.op() == Matcher::Op::kEq) {
        auto v = name_it->second.find(m.value());
        if (v != name_it->second.end())
          ids.assign(v->second.begin(), v->second.end());
      } else {
        for (const auto& [value, ids_of_value] : name_it->second) {
          if (!m.Matches(value)) continue;
          ids.insert(ids.end(), ids_of_value.begin(), ids_of_value.end());
        }
        std::sort(ids.begin(), ids.end());
      }
    }
    if (ids.empty()) return {};
    sets.push_back(std::move(ids));
  }

  std::vector<uint64_t> result;
  if (sets.empty()) {
    result.reserve(t->streams.size());
    for (const auto& [id, labels] : t->streams) result.push_back(id);
    std::sort(result.begin(), result.end());
  } else {
    std::sort(sets.begin(), sets.end(),
              [](const auto& a, const auto& b) { return a.size() < b.size(); });
    result = std::move(sets[0]);
    for (size_t i = 1; i < sets.size() && !result.empty(); ++i) {
      result = Intersect(result, sets[i]);
    }
  }
  if (residual.empty()) return result;

  std::vector<uint64_t> out;
  out.reserve(result.size());
  for (uint64_t id : result) {
    const Labels& labels = t->streams.at(id);
    bool ok = true;
    for (const Matcher* m : residual) {
      const std::string* v = FindLabel(labels, m->name());
      if (!m->Matches(v == nullptr ? std::string_view() : *v)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(id);
  }
  return out;
}

std::vector<uint64_t> StreamIndex::Streams(std::string_view tenant) const {
  std::shared_lock lock(rep_->mu);
  const Tenant* t = rep_->Find(tenant);
  std::vector<uint64_t> out;
  if (t == nullptr) return out;
  out.reserve(t->streams.size());
  for (const auto& [id, labels] : t->streams) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Labels> StreamIndex::Get(std::string_view tenant,
                                       uint64_t id) const {
  std::shared_lock lock(rep_->mu);
  const Tenant* t = rep_->Find(tenant);
  if (t == nullptr) return std::nullopt;
  auto it = t->streams.find(id);
  if (it == t->streams.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> StreamIndex::LabelNames(
    std::string_view tenant, const std::vector<uint64_t>* streams) const {
  std::shared_lock lock(rep_->mu);
  const Tenant* t = rep_->Find(tenant);
  std::vector<std::string> out;
  if (t == nullptr) return out;
  if (streams == nullptr) {
    for (const auto& [name, values] : t->postings) out.push_back(name);
  } else {
    absl::btree_set<std::string> names;
    for (uint64_t id : *streams) {
      auto it = t->streams.find(id);
      if (it == t->streams.end()) continue;
      for (const auto& [name, value] : it->second) names.insert(name);
    }
    out.assign(names.begin(), names.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> StreamIndex::LabelValues(
    std::string_view tenant, std::string_view name,
    const std::vector<uint64_t>* streams) const {
  std::shared_lock lock(rep_->mu);
  const Tenant* t = rep_->Find(tenant);
  std::vector<std::string> out;
  if (t == nullptr) return out;
  if (streams == nullptr) {
    auto it = t->postings.find(AV(name));
    if (it == t->postings.end()) return out;
    for (const auto& [value, ids] : it->second) out.push_back(value);
  } else {
    absl::btree_set<std::string> values;
    for (uint64_t id : *streams) {
      auto it = t->streams.find(id);
      if (it == t->streams.end()) continue;
      const std::string* v = FindLabel(it->second, name);
      if (v != nullptr) values.insert(*v);
    }
    out.assign(values.begin(), values.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t StreamIndex::stream_count() const {
  std::shared_lock lock(rep_->mu);
  size_t n = 0;
  for (const auto& [name, t] : rep_->tenants) n += t.streams.size();
  return n;
}

}  // namespace silt::index
