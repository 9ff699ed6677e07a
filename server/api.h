// Routes silt's HTTP API (Loki's endpoints plus silt's own) to the
// pipeline, the store and the query engine. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "index/stream_index.h"
#include "query/loki_api.h"
#include "server/background.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/pipeline.h"
#include "server/worker_pool.h"
#include "store/store.h"

namespace silt::server {

struct ApiContext {
  const Config* config = nullptr;
  Pipeline* pipeline = nullptr;
  store::Store* store = nullptr;
  index::StreamIndex* index = nullptr;
  const query::LokiApi* loki = nullptr;
  Background* background = nullptr;  // runs slow work off the HTTP threads
  WorkerPool* queries = nullptr;     // runs queries off the HTTP threads
  std::atomic<bool> ready{false};
  // Inputs that can be degraded while silt is ready (e.g. Kafka with no
  // broker reachable): each returns "" when healthy, else "<input>: why".
  // GET /ready stays 200 and lists them. Set before the server starts.
  std::vector<std::function<std::string()>> degraded;
};

// The handlers given to the HttpServer. `ctx` must outlive the server.
HttpHandler MakeApiHandler(ApiContext* ctx);
// GET /loki/api/v1/tail (websocket); any other upgrade is closed.
WebsocketHandler MakeWebsocketHandler(ApiContext* ctx);

// Loki's tenant rule: X-Scope-OrgID, "default" when absent; 1-150 of
// [A-Za-z0-9!-_.*'()]; "." and ".." refused.
bool ValidTenant(const std::string& tenant);

}  // namespace silt::server
