// silt serve's configuration: embedded defaults, then a YAML file
// (--config), then command-line flags, each overriding the previous.
// Value type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "parse/parser.h"
#include "redact/redactor.h"

namespace silt::server {

struct Config {
  std::string data_dir = "./silt-data";
  std::string http_listen = "127.0.0.1:3100";
  std::string tcp_listen = "127.0.0.1:9514";  // "off" disables TCP
  std::string log_level = "info";             // debug|info|warn|error

  // Limits (per tenant where that applies).
  size_t max_line_bytes = 256 * 1024;
  int max_tcp_connections = 1024;
  int tcp_idle_timeout_s = 300;
  size_t max_http_body_bytes = 64u << 20;
  size_t max_query_limit = 5000;
  // Query bounds: past each a query answers 400 naming the key.
  uint64_t max_query_bytes_scanned = 0;  // line bytes one query reads; 0: none
  uint64_t max_query_entries_scanned = 50'000'000;
  int64_t query_timeout_ms = 60'000;
  int query_threads = 0;   // threads a metric query scans with; 0: one per core
  bool part_index = true;  // block filters and trace tables, built at idle

  // Pipeline.
  int workers = 0;  // 0: cores - 1, at least 1

  // Store.
  int zstd_level = 1;  // hot parts: fast; warm tiers recompress higher
  uint32_t block_bytes = 1 << 20;
  size_t head_max_bytes = 32u << 20;
  int64_t head_max_age_ms = 5 * 60 * 1000;

  // Kafka input (ingest/kafka_format.md): on when kafka_brokers and at least
  // one topic are set.
  std::string kafka_brokers;              // bootstrap.servers
  std::vector<std::string> kafka_topics;  // flag --kafka-topic, repeatable
  std::string kafka_group = "silt";
  // Any librdkafka property (flag --kafka-option KEY=VALUE, repeatable; a
  // later value of the same key wins).
  std::vector<std::pair<std::string, std::string>> kafka_options;
  std::string kafka_tenant = "default";
  size_t kafka_max_inflight_bytes = 64u << 20;
  int64_t kafka_pause_after_ms = 1000;  // full that long: partitions paused
  // Tail input (ingest/tail_format.md). No glob: no tailing.
  std::vector<std::string> tail_globs;    // --tail, repeatable; key `tail`
  std::vector<std::string> tail_exclude;  // --tail-exclude, repeatable
  int64_t tail_rescan_interval_ms = 10000;
  int64_t tail_poll_interval_ms = 250;  // without inotify
  bool tail_inotify = true;
  bool tail_read_from_end = false;   // tail_read_from: start|end
  std::string tail_checkpoint_path;  // "": <data_dir>/tail/checkpoints
  int64_t tail_rotate_wait_ms = 5000;
  std::string tail_tenant = "default";

  // Label extraction (defaults: the design's table).
  std::vector<parse::LabelRule> labels =
      parse::ParseOptions::DefaultLabelRules();

  // Redaction (the `redact:` section; --redact, --redact-enable,
  // --redact-disable). On by default with the default rules.
  redact::RedactOptions redact;
};

// Reads a YAML config file over `base`. kInvalidArgument naming the key for
// an unknown key or a bad value; kNotFound if the file is missing.
absl::Status LoadConfigFile(const std::string& path, Config* config);

// Applies `--flag value` / `--flag=value` arguments. Returns the index of
// the first positional argument, or an error naming the bad flag.
// `--config FILE` is read first wherever it appears.
absl::Status ApplyFlags(const std::vector<std::string>& args, Config* config);

// The flags' help text.
std::string FlagsHelp();

}  // namespace silt::server
