// Kafka for integration tests: the mock broker (silt_kafka_mock, librdkafka's
// mock cluster) as its own process, and kcat producing to it. Not
// thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace silt::testing {

class KafkaMock {
 public:
  // `topics` as "name:partitions".
  explicit KafkaMock(std::vector<std::string> topics, int brokers = 1);
  ~KafkaMock();  // SIGTERM, then SIGKILL

  // Starts it and reads its bootstrap list (10 s). False on failure.
  bool Start();
  const std::string& bootstrap() const { return bootstrap_; }
  // Sends one command ("down 1", "up 1", "topic t 4"); returns the answer
  // line ("ok" or "error: ...").
  std::string Command(const std::string& line);

 private:
  std::string ReadLine(int timeout_ms);

  std::vector<std::string> topics_;
  int brokers_;
  pid_t pid_ = -1;
  int in_fd_ = -1;   // its stdin
  int out_fd_ = -1;  // its stdout
  std::string out_buf_;
  std::string bootstrap_;
};

// Produces every line of `text` as one message (kcat -P, lines on stdin),
// key-less so the partitioner spreads them. `extra` are more kcat flags
// (e.g. {"-p", "0"}). True if kcat exited 0 (every message acknowledged).
bool KcatProduce(const std::string& bootstrap, const std::string& topic,
                 const std::string& text,
                 const std::vector<std::string>& extra = {});

// The librdkafka flags every silt in the Kafka tests gets: the mock's
// group timing (a rejoining member waits session.timeout.ms).
std::vector<std::string> SiltKafkaFlags(const std::string& bootstrap,
                                        const std::string& topic,
                                        const std::string& group);

}  // namespace silt::testing
