#include "ingest/internal/kafka_stats.h"

#include <simdjson.h>

namespace silt::ingest::internal {
namespace {

namespace dom = simdjson::dom;

int64_t IntField(dom::object o, std::string_view key, int64_t fallback) {
  int64_t v;
  if (o[key].get_int64().get(v) == simdjson::SUCCESS) return v;
  return fallback;
}

}  // namespace

bool ParseKafkaStats(std::string_view json, KafkaStats* out) {
  *out = KafkaStats();
  dom::parser parser;
  dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return false;
  dom::object top;
  if (root.get_object().get(top)) return false;

  dom::object brokers;
  if (top["brokers"].get_object().get(brokers) == simdjson::SUCCESS) {
    for (dom::key_value_pair kv : brokers) {
      dom::object b;
      if (kv.value.get_object().get(b)) continue;
      std::string_view source, state;
      if (b["source"].get_string().get(source) == simdjson::SUCCESS &&
          (source == "internal" || source == "logical")) {
        continue;
      }
      ++out->brokers;
      if (b["state"].get_string().get(state) == simdjson::SUCCESS &&
          state == "UP") {
        ++out->brokers_up;
      }
    }
  }

  dom::object topics;
  if (top["topics"].get_object().get(topics) == simdjson::SUCCESS) {
    for (dom::key_value_pair t : topics) {
      dom::object topic, parts;
      if (t.value.get_object().get(topic) ||
          topic["partitions"].get_object().get(parts)) {
        continue;
      }
      bool any = false;
      for (dom::key_value_pair p : parts) {
        dom::object part;
        if (p.value.get_object().get(part)) continue;
        const int64_t id = IntField(part, "partition", -1);
        if (id < 0) continue;  // the internal "unassigned" partition
        any = true;
        int64_t lag = IntField(part, "consumer_lag_stored", -1);
        if (lag < 0) lag = IntField(part, "consumer_lag", -1);
        if (lag < 0) {
          // Nothing stored or committed yet: everything the partition holds
          // is still to be read.
          const int64_t hi = IntField(part, "hi_offset", -1);
          const int64_t lo = IntField(part, "lo_offset", -1);
          if (hi < 0 || lo < 0 || hi < lo) continue;
          lag = hi - lo;
        }
        out->lags.push_back(
            {std::string(t.key), static_cast<int32_t>(id), lag});
      }
      if (any) out->topics.emplace_back(t.key);
    }
  }
  return true;
}

}  // namespace silt::ingest::internal
