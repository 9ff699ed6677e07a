#include "server/server.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "ingest/kafka_source.h"
#include "ingest/tail_source.h"
#include "ingest/tcp_source.h"
#include "server/api.h"
#include "server/http_server.h"

namespace silt::server {

struct Server::Rep {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<index::StreamIndex> index;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<query::LokiApi> loki;
  std::unique_ptr<Background> background;
  std::unique_ptr<WorkerPool> queries;
  ApiContext ctx;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<ingest::TcpSource> tcp;
  std::unique_ptr<ingest::KafkaSource> kafka;
  std::unique_ptr<ingest::TailSource> tail;
  bool shut = false;
};

Server::Server(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Server::~Server() { (void)Shutdown(); }

namespace {

absl::Status CheckKafkaConfig(const Config& config) {
  if (config.kafka_brokers.empty() && config.kafka_topics.empty()) {
    return absl::OkStatus();
  }
  if (config.kafka_brokers.empty()) {
    return absl::InvalidArgumentError(
        "kafka_topic is set but kafka_brokers is not");
  }
  if (config.kafka_topics.empty()) {
    return absl::InvalidArgumentError(
        "kafka_brokers is set but no kafka_topic");
  }
  if (!ValidTenant(config.kafka_tenant)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kafka_tenant '", config.kafka_tenant, "' is not a valid tenant"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Config& config) {
  if (absl::Status st = CheckKafkaConfig(config); !st.ok()) return st;
  auto rep = std::make_unique<Rep>();
  rep->config = config;

  store::StoreOptions so;
  so.data_dir = config.data_dir;
  so.zstd_level = config.zstd_level;
  so.target_block_bytes = config.block_bytes;
  so.head_max_bytes = config.head_max_bytes;
  so.head_max_age_ms = config.head_max_age_ms;
  so.index_parts = config.part_index;
  auto store = store::Store::Open(so);
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat("opening the store in ", config.data_dir,
                                     ": ", store.status().message()));
  }
  rep->store = std::move(store).value();

  rep->index = std::make_unique<index::StreamIndex>();
  rep->store->ForEachStream(
      [&](std::string_view tenant, uint64_t id, const Labels& labels) {
        rep->index->Add(tenant, id, labels);
      });

  PipelineOptions po;
  // One core is left to the store's cut and compression threads and the
  // inputs' readers: on two cores, two pipeline workers beside them made
  // TCP ingest about 10% slower than one.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  po.workers = config.workers > 0 ? config.workers
                                  : static_cast<int>(std::max(1u, cores - 1));
  po.parse.labels = config.labels;
  auto rules = redact::Rules::Compile(config.redact);
  if (!rules.ok()) return rules.status();
  po.redact = *rules;
  if (po.redact) {
    // silt's own log goes through the same rules (one Redactor per thread
    // that logs, built on first use).
    SetLogFilter([rules = po.redact](std::string_view v) {
      thread_local std::shared_ptr<const redact::Rules> for_rules;
      thread_local std::unique_ptr<redact::Redactor> redactor;
      if (for_rules != rules) {
        redactor = std::make_unique<redact::Redactor>(rules);
        for_rules = rules;
      }
      return redactor->RedactValue(v, /*json=*/false);
    });
  }
  rep->pipeline =
      std::make_unique<Pipeline>(po, rep->index.get(), rep->store.get());

  query::QueryLimits limits;
  limits.max_limit = config.max_query_limit;
  limits.max_bytes_scanned = config.max_query_bytes_scanned;
  limits.max_entries_scanned = config.max_query_entries_scanned;
  limits.timeout_ms = config.query_timeout_ms;
  limits.scan_threads = config.query_threads;
  rep->loki = std::make_unique<query::LokiApi>(rep->index.get(),
                                               rep->store.get(), limits);
  rep->background = std::make_unique<Background>();
  rep->queries = std::make_unique<WorkerPool>(
      static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));

  rep->ctx.config = &rep->config;
  rep->ctx.pipeline = rep->pipeline.get();
  rep->ctx.store = rep->store.get();
  rep->ctx.index = rep->index.get();
  rep->ctx.loki = rep->loki.get();
  rep->ctx.background = rep->background.get();
  rep->ctx.queries = rep->queries.get();
  // Filled in below once the Kafka input exists; read by /ready only after
  // Start() has returned.
  Rep* raw = rep.get();
  rep->ctx.degraded.push_back([raw]() -> std::string {
    if (!raw->kafka) return "";
    std::string why = raw->kafka->Degraded();
    return why.empty() ? why : "kafka: " + why;
  });

  HttpServerOptions ho;
  ho.listen = config.http_listen;
  ho.max_body_bytes = config.max_http_body_bytes;
  auto http = HttpServer::Start(ho, MakeApiHandler(&rep->ctx),
                                MakeWebsocketHandler(&rep->ctx));
  if (!http.ok()) {
    return absl::Status(http.status().code(),
                        absl::StrCat("HTTP listener ", config.http_listen, ": ",
                                     http.status().message()));
  }
  rep->http = std::move(http).value();

  if (config.tcp_listen != "off") {
    ingest::TcpOptions to;
    to.listen = config.tcp_listen;
    to.max_line_bytes = config.max_line_bytes;
    to.max_connections = config.max_tcp_connections;
    to.idle_timeout_s = config.tcp_idle_timeout_s;
    Pipeline* pipeline = rep->pipeline.get();
    auto tcp = ingest::TcpSource::Start(
        to, [pipeline](RecordBatch&& batch,
                       std::function<void(absl::Status)> done) {
          // Plain TCP acknowledges nothing to the sender: the WAL write
          // (safe from kill -9) is enough to go on reading; the store syncs
          // it within a second.
          batch.sync_ack = false;
          pipeline->Submit(std::move(batch), std::move(done));
        });
    if (!tcp.ok()) {
      return absl::Status(tcp.status().code(),
                          absl::StrCat("TCP listener ", config.tcp_listen, ": ",
                                       tcp.status().message()));
    }
    rep->tcp = std::move(tcp).value();
  }
  if (!config.kafka_brokers.empty()) {
    ingest::KafkaOptions ko;
    ko.brokers = config.kafka_brokers;
    ko.topics = config.kafka_topics;
    ko.group = config.kafka_group;
    ko.properties = config.kafka_options;
    ko.tenant = config.kafka_tenant;
    ko.max_line_bytes = config.max_line_bytes;
    ko.max_inflight_bytes = config.kafka_max_inflight_bytes;
    ko.pause_after_ms = static_cast<int>(config.kafka_pause_after_ms);
    Pipeline* pipeline = rep->pipeline.get();
    auto kafka = ingest::KafkaSource::Start(
        ko, [pipeline](RecordBatch&& batch,
                       std::function<void(absl::Status)> done) {
          pipeline->Submit(std::move(batch), std::move(done));
        });
    if (!kafka.ok()) return kafka.status();
    rep->kafka = std::move(kafka).value();
  }
  if (!config.tail_globs.empty()) {
    ingest::TailOptions tl;
    tl.globs = config.tail_globs;
    tl.exclude = config.tail_exclude;
    tl.rescan_interval_ms = config.tail_rescan_interval_ms;
    tl.poll_interval_ms = config.tail_poll_interval_ms;
    tl.use_inotify = config.tail_inotify;
    tl.read_from_end = config.tail_read_from_end;
    tl.checkpoint_path = config.tail_checkpoint_path.empty()
                             ? config.data_dir + "/tail/checkpoints"
                             : config.tail_checkpoint_path;
    tl.rotate_wait_ms = config.tail_rotate_wait_ms;
    tl.max_line_bytes = config.max_line_bytes;
    tl.tenant = config.tail_tenant;
    Pipeline* pipeline = rep->pipeline.get();
    auto tail = ingest::TailSource::Start(
        tl, [pipeline](RecordBatch&& batch,
                       std::function<void(absl::Status)> done) {
          pipeline->Submit(std::move(batch), std::move(done));
        });
    if (!tail.ok()) {
      return absl::Status(
          tail.status().code(),
          absl::StrCat("tail input: ", tail.status().message()));
    }
    rep->tail = std::move(tail).value();
  }
  rep->ctx.ready = true;
  return std::unique_ptr<Server>(new Server(std::move(rep)));
}

uint16_t Server::http_port() const { return rep_->http->port(); }
uint16_t Server::tcp_port() const { return rep_->tcp ? rep_->tcp->port() : 0; }

absl::Status Server::Shutdown() {
  if (rep_->shut) return absl::OkStatus();
  rep_->shut = true;
  rep_->ctx.ready = false;
  // Inputs first: TCP hands the lines it read to the pipeline; HTTP stops
  // accepting and waits for requests in flight, whose answers need the
  // pipeline and the store. Then the pipeline finishes its queue and the
  // store makes everything durable and cuts it into parts. Kafka makes what
  // it took durable and commits it, so it goes while the pipeline runs.
  if (rep_->kafka) rep_->kafka->Stop();
  if (rep_->tcp) rep_->tcp->Stop();
  // The tail input waits for its batches to be durable, then writes its
  // checkpoint: the pipeline must still run.
  if (rep_->tail) rep_->tail->Stop();
  if (rep_->http) rep_->http->Stop();
  rep_->pipeline->Stop();
  rep_->background.reset();
  rep_->queries.reset();
  absl::Status st = rep_->store->Flush();
  rep_->store.reset();
  SetLogFilter(nullptr);
  return st;
}

namespace {

std::string HostOf(const std::string& listen) {
  size_t colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

// A node has a file per container and the tail input keeps each open, so
// the soft limit on descriptors (often 1024) goes up to the hard one, as
// Go programs such as Promtail do at start.
void RaiseOpenFileLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  const rlim_t before = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    LogWarn("cannot raise the open file limit",
            {{"soft", std::to_string(before)}});
  }
}

LogLevel ParseLevel(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  // What one batch or cut frees the next one needs again: keep freed memory
  // in the process instead of giving it back to the kernel (and taking a
  // page fault per page, plus the zeroing, on the next use). Bounded by
  // the ingest path's own limits (in-flight bytes, head_max_bytes).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(FlagsHelp().c_str(), stdout);
      return 0;
    }
  }
  Config config;
  absl::Status st = ApplyFlags(args, &config);
  if (!st.ok()) {
    LogError("bad configuration", {{"error", std::string(st.message())}});
    std::fprintf(stderr, "%s", FlagsHelp().c_str());
    return 2;
  }
  SetLogLevel(ParseLevel(config.log_level));

  // Signals are taken by sigwait() in this thread only: block them before
  // any thread starts so every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  RaiseOpenFileLimit();

  auto server = Server::Start(config);
  if (!server.ok()) {
    LogError("cannot start",
             {{"error", std::string(server.status().message())}});
    return 1;
  }
  std::string http =
      absl::StrCat(HostOf(config.http_listen), ":", (*server)->http_port());
  std::string tcp =
      config.tcp_listen == "off"
          ? "off"
          : absl::StrCat(HostOf(config.tcp_listen), ":", (*server)->tcp_port());
  LogInfo("listening",
          {{"http", http},
           {"tcp", tcp},
           {"kafka", config.kafka_brokers.empty() ? std::string("off")
                                                  : config.kafka_brokers},
           {"data_dir", config.data_dir},
           {"version", SILT_VERSION}});

  int sig = 0;
  sigwait(&set, &sig);
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  st = (*server)->Shutdown();
  server->reset();
  if (!st.ok()) {
    LogError("shutdown could not make everything durable",
             {{"error", std::string(st.message())}});
    return 1;
  }
  LogInfo("stopped");
  return 0;
}

}  // namespace silt::server
