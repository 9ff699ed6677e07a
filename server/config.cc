#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/time_util.h"
#include "server/internal/redact_config.h"

namespace silt::server {
namespace {

absl::StatusOr<uint64_t> ParseBytes(const std::string& text) {
  // Plain integers, or with a unit: 256KiB, 64MiB, 1GiB, 10MB, 512KB.
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
      {"KB", 1000ull},     {"MB", 1000000ull},  {"GB", 1000000000ull},
      {"B", 1ull}};
  for (const auto& [suffix, mult] : kUnits) {
    std::string s(suffix);
    if (text.size() > s.size() && text.ends_with(s)) {
      uint64_t n;
      if (absl::SimpleAtoi(text.substr(0, text.size() - s.size()), &n)) {
        return n * mult;
      }
    }
  }
  uint64_t n;
  if (absl::SimpleAtoi(text, &n)) return n;
  return absl::InvalidArgumentError(
      absl::StrCat("not a byte size: '", text, "' (e.g. 262144, 256KiB)"));
}

absl::StatusOr<int64_t> ParseInt(const std::string& text) {
  int64_t n;
  if (absl::SimpleAtoi(text, &n)) return n;
  return absl::InvalidArgumentError(
      absl::StrCat("not an integer: '", text, "'"));
}

using Setter = std::function<absl::Status(const std::string&, Config*)>;

// "a,b" or "a": Kafka topic names cannot hold commas.
absl::Status AddTopics(const std::string& v, Config* c) {
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    std::string topic = v.substr(start, comma - start);
    if (topic.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("empty topic name in '", v, "'"));
    }
    c->kafka_topics.push_back(std::move(topic));
    start = comma + 1;
  }
  return absl::OkStatus();
}

absl::Status SetKafkaOption(const std::string& key, const std::string& value,
                            Config* c) {
  if (key.empty()) {
    return absl::InvalidArgumentError("kafka option needs KEY=VALUE");
  }
  for (auto& kv : c->kafka_options) {
    if (kv.first == key) {
      kv.second = value;
      return absl::OkStatus();
    }
  }
  c->kafka_options.emplace_back(key, value);
  return absl::OkStatus();
}

// One table for YAML keys and flags: key "data_dir" is flag --data-dir.
const std::map<std::string, Setter>& Setters() {
  static const auto* table = new std::map<std::string, Setter>{
      {"data_dir",
       [](const std::string& v, Config* c) {
         c->data_dir = v;
         return absl::OkStatus();
       }},
      {"http_listen",
       [](const std::string& v, Config* c) {
         c->http_listen = v;
         return absl::OkStatus();
       }},
      {"tcp_listen",
       [](const std::string& v, Config* c) {
         c->tcp_listen = v;
         return absl::OkStatus();
       }},
      {"log_level",
       [](const std::string& v, Config* c) {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           return absl::InvalidArgumentError(
               "log_level must be debug, info, warn or error");
         }
         c->log_level = v;
         return absl::OkStatus();
       }},
      {"max_line_bytes",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(uint64_t n, ParseBytes(v));
         if (n < 64 || n > (64u << 20)) {
           return absl::InvalidArgumentError(
               "max_line_bytes must be between 64 and 64MiB");
         }
         c->max_line_bytes = n;
         return absl::OkStatus();
       }},
      {"max_tcp_connections",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
         if (n < 1)
           return absl::InvalidArgumentError(
               "max_tcp_connections must be >= 1");
         c->max_tcp_connections = static_cast<int>(n);
         return absl::OkStatus();
       }},
      {"tcp_idle_timeout",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         c->tcp_idle_timeout_s =
             static_cast<int>(std::max<int64_t>(1, ns / 1000000000));
         return absl::OkStatus();
       }},
      {"max_http_body_bytes",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(uint64_t n, ParseBytes(v));
         c->max_http_body_bytes = n;
         return absl::OkStatus();
       }},
      {"max_query_limit",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
         if (n < 1)
           return absl::InvalidArgumentError("max_query_limit must be >= 1");
         c->max_query_limit = n;
         return absl::OkStatus();
       }},
      {"max_query_bytes_scanned",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(uint64_t n, ParseBytes(v));
         c->max_query_bytes_scanned = n;
         return absl::OkStatus();
       }},
      {"max_query_entries_scanned",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
         if (n < 1) {
           return absl::InvalidArgumentError(
               "max_query_entries_scanned must be >= 1");
         }
         c->max_query_entries_scanned = static_cast<uint64_t>(n);
         return absl::OkStatus();
       }},
      {"query_timeout",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         if (ns < 1000000) {
           return absl::InvalidArgumentError("query_timeout must be >= 1ms");
         }
         c->query_timeout_ms = ns / 1000000;
         return absl::OkStatus();
       }},
      {"query_threads",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
         if (n < 0 || n > 256)
           return absl::InvalidArgumentError("query_threads must be 0..256");
         c->query_threads = static_cast<int>(n);
         return absl::OkStatus();
       }},
      {"part_index",
       [](const std::string& v, Config* c) {
         if (v != "true" && v != "false") {
           return absl::InvalidArgumentError(
               "part_index must be true or false");
         }
         c->part_index = v == "true";
         return absl::OkStatus();
       }},
      {"workers",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
         if (n < 0 || n > 256)
           return absl::InvalidArgumentError("workers must be 0..256");
         c->workers = static_cast<int>(n);
         return absl::OkStatus();
       }},
      {"zstd_level",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t n, ParseInt(v));
         if (n < 1 || n > 22)
           return absl::InvalidArgumentError("zstd_level must be 1..22");
         c->zstd_level = static_cast<int>(n);
         return absl::OkStatus();
       }},
      {"block_bytes",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(uint64_t n, ParseBytes(v));
         if (n < 4096 || n > (64u << 20)) {
           return absl::InvalidArgumentError(
               "block_bytes must be between 4KiB and 64MiB");
         }
         c->block_bytes = static_cast<uint32_t>(n);
         return absl::OkStatus();
       }},
      {"head_max_bytes",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(uint64_t n, ParseBytes(v));
         c->head_max_bytes = n;
         return absl::OkStatus();
       }},
      {"redact",
       [](const std::string& v, Config* c) {
         return internal::SetRedactEnabled(v, &c->redact);
       }},
      {"redact_enable",
       [](const std::string& v, Config* c) {
         return internal::SetRedactRules(v, true, &c->redact);
       }},
      {"redact_disable",
       [](const std::string& v, Config* c) {
         return internal::SetRedactRules(v, false, &c->redact);
       }},
      {"kafka_brokers",
       [](const std::string& v, Config* c) {
         c->kafka_brokers = v;
         return absl::OkStatus();
       }},
      {"kafka_topic", AddTopics},
      {"kafka_group",
       [](const std::string& v, Config* c) {
         if (v.empty())
           return absl::InvalidArgumentError("kafka_group must not be empty");
         c->kafka_group = v;
         return absl::OkStatus();
       }},
      {"kafka_option",
       [](const std::string& v, Config* c) {
         const size_t eq = v.find('=');
         if (eq == std::string::npos) {
           return absl::InvalidArgumentError(
               absl::StrCat("expected KEY=VALUE, got '", v, "'"));
         }
         return SetKafkaOption(v.substr(0, eq), v.substr(eq + 1), c);
       }},
      {"kafka_tenant",
       [](const std::string& v, Config* c) {
         c->kafka_tenant = v;
         return absl::OkStatus();
       }},
      {"kafka_pause_after",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         c->kafka_pause_after_ms = ns / 1000000;
         return absl::OkStatus();
       }},
      {"kafka_max_inflight_bytes",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(uint64_t n, ParseBytes(v));
         if (n < 1024) {
           return absl::InvalidArgumentError(
               "kafka_max_inflight_bytes must be at least 1KiB");
         }
         c->kafka_max_inflight_bytes = n;
         return absl::OkStatus();
       }},
      {"tail",
       [](const std::string& v, Config* c) {
         if (v.empty()) return absl::InvalidArgumentError("empty glob");
         c->tail_globs.push_back(v);
         return absl::OkStatus();
       }},
      {"tail_exclude",
       [](const std::string& v, Config* c) {
         if (v.empty()) return absl::InvalidArgumentError("empty glob");
         c->tail_exclude.push_back(v);
         return absl::OkStatus();
       }},
      {"tail_rescan_interval",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         if (ns < 1000000) {
           return absl::InvalidArgumentError(
               "tail_rescan_interval must be at least 1ms");
         }
         c->tail_rescan_interval_ms = ns / 1000000;
         return absl::OkStatus();
       }},
      {"tail_poll_interval",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         if (ns < 1000000) {
           return absl::InvalidArgumentError(
               "tail_poll_interval must be at least 1ms");
         }
         c->tail_poll_interval_ms = ns / 1000000;
         return absl::OkStatus();
       }},
      {"tail_inotify",
       [](const std::string& v, Config* c) {
         if (v != "true" && v != "false") {
           return absl::InvalidArgumentError("tail_inotify must be true|false");
         }
         c->tail_inotify = v == "true";
         return absl::OkStatus();
       }},
      {"tail_read_from",
       [](const std::string& v, Config* c) {
         if (v != "start" && v != "end") {
           return absl::InvalidArgumentError(
               "tail_read_from must be start|end");
         }
         c->tail_read_from_end = v == "end";
         return absl::OkStatus();
       }},
      {"tail_checkpoint_path",
       [](const std::string& v, Config* c) {
         c->tail_checkpoint_path = v;
         return absl::OkStatus();
       }},
      {"tail_tenant",
       [](const std::string& v, Config* c) {
         if (v.empty()) return absl::InvalidArgumentError("empty tenant");
         c->tail_tenant = v;
         return absl::OkStatus();
       }},
      {"tail_rotate_wait",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         c->tail_rotate_wait_ms = ns / 1000000;
         return absl::OkStatus();
       }},
      {"head_max_age",
       [](const std::string& v, Config* c) {
         ASSIGN_OR_RETURN(int64_t ns, ParseDuration(v));
         c->head_max_age_ms = ns / 1000000;
         return absl::OkStatus();
       }},
  };
  return *table;
}

std::string FlagToKey(std::string flag) {
  for (char& ch : flag) {
    if (ch == '-') ch = '_';
  }
  return flag;
}

std::string ScalarText(const YAML::Node& n) { return n.as<std::string>(); }

}  // namespace

absl::Status LoadConfigFile(const std::string& path, Config* config) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("config file not found: ", path));
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("config ", path, ": ", e.what()));
  }
  if (root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config ", path, ": top level must be a mapping"));
  }
  try {
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (key == "labels") {
        // labels: {service: [service, service.name], level: [level]}
        if (!kv.second.IsMap()) {
          return absl::InvalidArgumentError(
              "config key labels: must map label names to lists of JSON paths");
        }
        std::vector<parse::LabelRule> rules;
        for (const auto& rule : kv.second) {
          parse::LabelRule r;
          r.label = rule.first.as<std::string>();
          if (rule.second.IsSequence()) {
            for (const auto& p : rule.second)
              r.paths.push_back(p.as<std::string>());
          } else {
            r.paths.push_back(rule.second.as<std::string>());
          }
          rules.push_back(std::move(r));
        }
        config->labels = std::move(rules);
        continue;
      }
      if (key == "redact") {
        absl::Status st = internal::ParseRedactYaml(kv.second, &config->redact);
        if (!st.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("config ", path, ": ", st.message()));
        }
        continue;
      }
      if (key == "kafka_topics" || key == "kafka_options") {
        // kafka_topics: [a, b]; kafka_options: {fetch.min.bytes: 1}
        const bool topics = key == "kafka_topics";
        if (topics ? !kv.second.IsSequence() : !kv.second.IsMap()) {
          return absl::InvalidArgumentError(
              absl::StrCat("config ", path, ": key '", key, "' must be a ",
                           topics ? "list of topic names"
                                  : "mapping of librdkafka properties"));
        }
        if (topics) config->kafka_topics.clear();
        for (const auto& item : kv.second) {
          absl::Status st =
              topics ? AddTopics(item.as<std::string>(), config)
                     : SetKafkaOption(item.first.as<std::string>(),
                                      item.second.as<std::string>(), config);
          if (!st.ok()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "config ", path, ": key '", key, "': ", st.message()));
          }
        }
        continue;
      }
      auto it = Setters().find(key);
      if (it == Setters().end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("config ", path, ": unknown key '", key, "'"));
      }
      if (kv.second.IsSequence() && (key == "tail" || key == "tail_exclude")) {
        // Lists: tail: [/var/log/pods/*/*/*.log, ...]
        for (const auto& item : kv.second) {
          absl::Status st = it->second(ScalarText(item), config);
          if (!st.ok()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "config ", path, ": key '", key, "': ", st.message()));
          }
        }
        continue;
      }
      if (!kv.second.IsScalar()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "config ", path, ": key '", key, "' needs a scalar value"));
      }
      absl::Status st = it->second(ScalarText(kv.second), config);
      if (!st.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("config ", path, ": key '", key, "': ", st.message()));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("config ", path, ": ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status ApplyFlags(const std::vector<std::string>& args, Config* config) {
  // Pass 1: --config, so flags override the file wherever they stand.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--config" && i + 1 < args.size()) {
      RETURN_IF_ERROR(LoadConfigFile(args[i + 1], config));
    } else if (a.rfind("--config=", 0) == 0) {
      RETURN_IF_ERROR(LoadConfigFile(a.substr(9), config));
    }
  }
  // A repeatable flag replaces the file's list (flags win), then adds up.
  bool topics_from_flags = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", a, "'"));
    }
    std::string name = a.substr(2), value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
      value = args[++i];
    }
    if (name == "config") continue;
    if (name == "kafka-topic" && !topics_from_flags) {
      topics_from_flags = true;
      config->kafka_topics.clear();
    }
    auto it = Setters().find(FlagToKey(name));
    if (it == Setters().end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    absl::Status st = it->second(value, config);
    if (!st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, ": ", st.message()));
    }
  }
  return absl::OkStatus();
}

std::string FlagsHelp() {
  return R"(usage: silt serve [flags]
  --config FILE              YAML file; every flag below is a key (data_dir, ...)
  --data-dir DIR             where data lives (default ./silt-data)
  --http-listen HOST:PORT    HTTP API (default 127.0.0.1:3100; port 0 picks one)
  --tcp-listen HOST:PORT|off NDJSON over TCP (default 127.0.0.1:9514)
  --max-line-bytes N         longest line stored whole (default 256KiB)
  --max-tcp-connections N    TCP connection cap (default 1024)
  --tcp-idle-timeout D       close silent TCP connections after D (default 5m)
  --max-http-body-bytes N    largest HTTP body, after gunzip (default 64MiB)
  --max-query-limit N        largest `limit` a query may ask (default 5000)
  --max-query-bytes-scanned N  line bytes one query may read (default: no limit)
  --max-query-entries-scanned N  entries one query may read (50000000)
  --query-timeout D          a query taking longer answers 400 (default 1m)
  --query-threads N          threads per metric query scan (default: cores)
  --part-index true|false    block filters and trace tables (default true)
  --workers N                pipeline threads (default: cores - 1, at least 1)
  --zstd-level N             compression level of parts (default 1)
  --block-bytes N            uncompressed bytes per block (default 1MiB)
  --head-max-bytes N         cut the in-memory head into parts past N (32MiB)
  --head-max-age D           ... or when its oldest entry is older than D (5m)
  --log-level L              debug|info|warn|error (default info)
  --redact on|off            redaction of secrets and personal data (default on)
  --redact-enable R[,R...]   switch rules on (e.g. ipv4,us_ssn; see README)
  --redact-disable R[,R...]  switch rules off (e.g. email)
  --kafka-brokers LIST       Kafka bootstrap servers host:port,... (off if unset)
  --kafka-topic T            topic to consume; repeatable, or T1,T2
  --kafka-group G            consumer group (default silt)
  --kafka-option K=V         any librdkafka property; repeatable
  --kafka-tenant T           tenant of Kafka entries (default default)
  --kafka-max-inflight-bytes N  stop taking messages past N in flight (64MiB)
  --kafka-pause-after D      ... and pause the partitions if that lasts D (1s)
  --tail GLOB                follow files matching GLOB (repeatable; adds to
                             the config file's `tail` list)
  --tail-exclude GLOB        skip matching paths (repeatable)
  --tail-rescan-interval D   look for new files every D (default 10s)
  --tail-poll-interval D     stat files every D without inotify (250ms)
  --tail-inotify true|false  use inotify (default true)
  --tail-read-from start|end files found at start without a checkpoint
  --tail-checkpoint-path F   default DATA_DIR/tail/checkpoints
  --tail-rotate-wait D       keep a rotated file open this long (5s)
  --tail-tenant T            tenant of tailed lines (default "default")
)";
}

}  // namespace silt::server
