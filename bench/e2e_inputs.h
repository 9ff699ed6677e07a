// Load for the Kafka and OTLP paths of silt_e2e_bench (bench/README.md):
// librdkafka's mock broker as a child process, kcat producing a file line by
// line, OTLP/JSON request bodies made of the same lines, and a keep-alive
// HTTP poster. Standard library and POSIX only, like the driver. Not
// thread-safe unless said.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace silt::bench {

// silt_kafka_mock with one topic. It dies with this process (it asks the
// kernel for SIGKILL when its parent exits), so a watchdog _exit() leaves
// nothing behind.
class KafkaMockChild {
 public:
  ~KafkaMockChild();  // Stop()
  // False (with *err) if it does not print its bootstrap list in 10 s.
  bool Start(const std::string& binary, const std::string& topic,
             int partitions, std::string* err);
  const std::string& bootstrap() const { return bootstrap_; }
  pid_t pid() const { return pid_; }
  void Stop();

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string bootstrap_;
};

// Produces every line of `file` as one message with `kcat -P` (key-less,
// spread over the partitions one message at a time), compressed with
// `codec` (none, lz4, zstd, ...). Returns the wall time, or -1 with *err if
// kcat failed.
double KcatProduceFile(const std::string& bootstrap, const std::string& topic,
                       const std::string& file, const std::string& codec,
                       std::string* err);

// Reads the whole topic with `kcat -C` (librdkafka with partitions
// assigned, no group, output discarded): what a bare client takes from the
// broker, the reference for the Kafka path. Returns the wall time, or -1
// with *err.
double KcatConsumeAll(const std::string& bootstrap, const std::string& topic,
                      std::string* err);

// ExportLogsServiceRequest bodies (OTLP/JSON) holding the lines of `file`,
// `per_request` log records each, as an OpenTelemetry Collector's filelog
// receiver sends them: the line as a string body, timeUnixNano from
// `base_ns` one apart, one resource per request with service.name and
// k8s.namespace.name. *records receives the number of records.
std::vector<std::string> OtlpBodies(const std::string& file, size_t per_request,
                                    int64_t base_ns, uint64_t* records);

// POSTs every body to 127.0.0.1:port`path` over `connections` keep-alive
// connections in parallel threads. True if every answer was 200; else
// false with the first bad answer in *err.
bool PostAll(int port, const std::string& path, const std::string& content_type,
             const std::vector<std::string>& bodies, int connections,
             std::string* err);

}  // namespace silt::bench
