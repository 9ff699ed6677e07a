#include "ingest/kafka_source.h"

#include "absl/strings/str_cat.h"
#include "ingest/internal/kafka_consumer.h"

namespace silt::ingest {

struct KafkaSource::Rep {
  std::unique_ptr<internal::KafkaConsumer> consumer;
};

KafkaSource::KafkaSource(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
KafkaSource::~KafkaSource() { Stop(); }

absl::StatusOr<std::unique_ptr<KafkaSource>> KafkaSource::Start(
    const KafkaOptions& options, BatchSink sink) {
  if (options.brokers.empty()) {
    return absl::InvalidArgumentError("kafka: no brokers given");
  }
  if (options.topics.empty()) {
    return absl::InvalidArgumentError("kafka: no topic given");
  }
  if (options.group.empty()) {
    return absl::InvalidArgumentError("kafka: empty consumer group");
  }
  auto rep = std::make_unique<Rep>();
  rep->consumer =
      std::make_unique<internal::KafkaConsumer>(options, std::move(sink));
  absl::Status st = rep->consumer->Start();
  if (!st.ok()) return st;
  return std::unique_ptr<KafkaSource>(new KafkaSource(std::move(rep)));
}

void KafkaSource::Stop() { rep_->consumer->Stop(); }

std::string KafkaSource::Degraded() const { return rep_->consumer->Degraded(); }

}  // namespace silt::ingest
