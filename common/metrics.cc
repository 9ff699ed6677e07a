#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/log.h"

namespace silt {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) {
    sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(v * 1e6)),
                         std::memory_order_relaxed);
  }
}

std::vector<uint64_t> Histogram::counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

template <typename T>
T& Family<T>::With(const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second;
  std::unique_ptr<T> child;
  if constexpr (std::is_same_v<T, Histogram>) {
    child = std::make_unique<T>(bounds_);
  } else {
    child = std::make_unique<T>();
  }
  T& ref = *child;
  children_.emplace(values, std::move(child));
  return ref;
}

template <typename T>
void Family<T>::Erase(const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> lock(mu_);
  children_.erase(values);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

MetricSet& Metrics() {
  static MetricSet* set = new MetricSet();
  return *set;
}

namespace {

std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values,
                      const std::string& extra = "") {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    for (char c : values[i]) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  if (!extra.empty()) {
    if (!first) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

std::string Num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest form that reads back as the same double (0.005, not
  // 0.0050000000000000001).
  char buf[64];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void Header(std::string* out, const std::string& name, const std::string& help,
            const char* type) {
  *out += "# HELP " + name + " " + help + "\n";
  *out += "# TYPE " + name + " " + type + "\n";
}

void RenderCounter(std::string* out, const Family<Counter>& f) {
  Header(out, f.name(), f.help(), "counter");
  bool any = false;
  f.ForEach([&](const std::vector<std::string>& k, const Counter& c) {
    any = true;
    *out += f.name() + LabelText(f.label_names(), k) + " " +
            std::to_string(c.value()) + "\n";
  });
  if (!any && f.label_names().empty()) *out += f.name() + " 0\n";
}

void RenderGauge(std::string* out, const Family<Gauge>& f) {
  Header(out, f.name(), f.help(), "gauge");
  bool any = false;
  f.ForEach([&](const std::vector<std::string>& k, const Gauge& g) {
    any = true;
    *out += f.name() + LabelText(f.label_names(), k) + " " +
            std::to_string(g.value()) + "\n";
  });
  if (!any && f.label_names().empty()) *out += f.name() + " 0\n";
}

void RenderHistogram(std::string* out, const Family<Histogram>& f) {
  Header(out, f.name(), f.help(), "histogram");
  f.ForEach([&](const std::vector<std::string>& k, const Histogram& h) {
    auto counts = h.counts();
    for (size_t i = 0; i < counts.size(); ++i) {
      std::string le =
          "le=\"" +
          (i < h.bounds().size() ? Num(h.bounds()[i]) : std::string("+Inf")) +
          "\"";
      *out += f.name() + "_bucket" + LabelText(f.label_names(), k, le) + " " +
              std::to_string(counts[i]) + "\n";
    }
    *out += f.name() + "_sum" + LabelText(f.label_names(), k) + " " +
            Num(h.sum()) + "\n";
    *out += f.name() + "_count" + LabelText(f.label_names(), k) + " " +
            std::to_string(h.count()) + "\n";
  });
}

}  // namespace

std::string RenderMetrics() {
  MetricSet& m = Metrics();
  std::string out;
  RenderCounter(&out, m.lines_received);
  RenderCounter(&out, m.bytes_received);
  RenderCounter(&out, m.lines_rejected);
  RenderCounter(&out, m.entries_stored);
  RenderCounter(&out, m.bytes_stored);
  RenderCounter(&out, m.parts_written);
  RenderCounter(&out, m.part_bytes_written);
  RenderCounter(&out, m.corruptions);
  RenderCounter(&out, m.http_requests);
  RenderCounter(&out, m.tcp_connections);
  RenderCounter(&out, m.redactions);
  RenderCounter(&out, m.kafka_messages);
  RenderCounter(&out, m.kafka_bytes);
  RenderGauge(&out, m.kafka_lag);
  RenderCounter(&out, m.kafka_rebalances);
  RenderGauge(&out, m.kafka_assigned);
  RenderGauge(&out, m.kafka_paused);
  RenderCounter(&out, m.kafka_pauses);
  RenderCounter(&out, m.kafka_commits);
  RenderCounter(&out, m.kafka_errors);
  RenderGauge(&out, m.kafka_brokers_up);
  RenderGauge(&out, m.kafka_degraded);
  RenderGauge(&out, m.tail_files);
  RenderCounter(&out, m.tail_events);
  RenderGauge(&out, m.active_streams);
  RenderHistogram(&out, m.ack_latency);
  RenderHistogram(&out, m.store_append_wait);
  RenderHistogram(&out, m.query_latency);
  RenderGauge(&out, m.part_index_pending);
  RenderCounter(&out, m.part_indexes_built);
  RenderCounter(&out, m.blocks_skipped);
  RenderCounter(&out, m.blocks_read);
  return out;
}

}  // namespace silt
