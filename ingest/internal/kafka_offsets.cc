#include "ingest/internal/kafka_offsets.h"

namespace silt::ingest::internal {

OffsetTracker::Partition& OffsetTracker::GetLocked(const PartitionId& p) {
  auto [it, inserted] = parts_.try_emplace(p);
  if (inserted) it->second.generation = next_generation_++;
  return it->second;
}

OffsetTracker::Token OffsetTracker::Begin(const PartitionId& p, int64_t first,
                                          int64_t last) {
  std::lock_guard<std::mutex> lock(mu_);
  Partition& part = GetLocked(p);
  part.ranges.push_back(Range{first, last, State::kPending});
  ++part.pending;
  ++pending_total_;
  return Token{p, part.generation, part.front_seq + part.ranges.size() - 1};
}

void OffsetTracker::Complete(const Token& token, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = parts_.find(token.partition);
  if (it == parts_.end() || it->second.generation != token.generation) return;
  Partition& part = it->second;
  if (token.seq < part.front_seq ||
      token.seq - part.front_seq >= part.ranges.size()) {
    return;
  }
  Range& range = part.ranges[token.seq - part.front_seq];
  if (range.state != State::kPending) return;
  range.state = ok ? State::kOk : State::kFailed;
  --part.pending;
  --pending_total_;
  if (!ok) part.failed_new = true;
  while (!part.ranges.empty() && part.ranges.front().state == State::kOk) {
    part.storable = part.ranges.front().last + 1;
    part.storable_new = true;
    part.ranges.pop_front();
    ++part.front_seq;
  }
  idle_cv_.notify_all();
}

std::vector<std::pair<PartitionId, int64_t>> OffsetTracker::TakeStorable() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<PartitionId, int64_t>> out;
  for (auto& [id, part] : parts_) {
    if (!part.storable_new) continue;
    part.storable_new = false;
    out.emplace_back(id, part.storable);
  }
  return out;
}

std::vector<PartitionId> OffsetTracker::TakeFailed() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PartitionId> out;
  for (auto& [id, part] : parts_) {
    if (!part.failed_new) continue;
    part.failed_new = false;
    out.push_back(id);
  }
  return out;
}

int64_t OffsetTracker::Rewind(const PartitionId& p) {
  std::lock_guard<std::mutex> lock(mu_);
  Partition& part = GetLocked(p);
  const int64_t first = part.ranges.empty() ? -1 : part.ranges.front().first;
  pending_total_ -= part.pending;
  part.pending = 0;
  part.front_seq += part.ranges.size();
  part.ranges.clear();
  part.failed_new = false;
  part.generation = next_generation_++;
  idle_cv_.notify_all();
  return first;
}

void OffsetTracker::Forget(const PartitionId& p) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = parts_.find(p);
  if (it == parts_.end()) return;
  pending_total_ -= it->second.pending;
  parts_.erase(it);
  idle_cv_.notify_all();
}

size_t OffsetTracker::InFlight(const PartitionId& p) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = parts_.find(p);
  return it == parts_.end() ? 0 : it->second.pending;
}

size_t OffsetTracker::InFlightTotal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_total_;
}

bool OffsetTracker::WaitIdle(const std::vector<PartitionId>& ps,
                             std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_until(lock, deadline, [&] {
    for (const PartitionId& p : ps) {
      auto it = parts_.find(p);
      if (it != parts_.end() && it->second.pending != 0) return false;
    }
    return true;
  });
}

}  // namespace silt::ingest::internal
