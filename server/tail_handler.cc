#include "server/tail_handler.h"

#include <mutex>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "common/log.h"
#include "common/time_util.h"
#include "query/tail.h"
#include "server/worker_pool.h"

namespace silt::server {
namespace {

// Past this much unsent data a tail drops new entries.
constexpr size_t kMaxQueuedBytes = 16u << 20;
constexpr int64_t kHourNs = 3600LL * 1'000'000'000;

struct TailState {
  std::unique_ptr<query::Tail> tail;
  std::shared_ptr<WebsocketConnection> conn;
  std::mutex mu;
  bool live = false;  // history sent: matches go out as they come
  std::vector<query::TailEntry> early;  // matched before the history went
  size_t dropped = 0;
  uint64_t sub = 0;
  bool closed = false;

  void Deliver(std::vector<query::TailEntry> entries) {
    size_t dropped_now = 0;
    {
      std::lock_guard<std::mutex> l(mu);
      if (closed) return;
      if (!live) {
        for (auto& e : entries) early.push_back(std::move(e));
        return;
      }
      if (conn->queued_bytes() > kMaxQueuedBytes) {
        dropped += entries.size();
        return;
      }
      dropped_now = dropped;
      dropped = 0;
    }
    conn->Send(query::TailMessage(entries, dropped_now));
  }
};

std::string Param(const HttpRequest& req, const char* name) {
  return req.Param(name);
}

}  // namespace

void ServeTail(ApiContext* ctx, HttpRequest&& req,
               std::shared_ptr<WebsocketConnection> conn) {
  std::string tenant = req.Header("x-scope-orgid");
  if (tenant.empty()) tenant = "default";
  if (!ValidTenant(tenant)) return conn->Close("invalid X-Scope-OrgID");
  const std::string q = Param(req, "query");
  if (q.empty()) return conn->Close("missing parameter \"query\"");
  auto tail = query::Tail::Create(tenant, q);
  if (!tail.ok()) return conn->Close(std::string(tail.status().message()));
  size_t limit = 100;
  if (!Param(req, "limit").empty()) {
    if (!absl::SimpleAtoi(Param(req, "limit"), &limit) || limit == 0 ||
        limit > ctx->config->max_query_limit) {
      return conn->Close("limit must be 1.." +
                         std::to_string(ctx->config->max_query_limit));
    }
  }
  const int64_t now = NowNanos();
  int64_t start = now - kHourNs;
  if (!Param(req, "start").empty()) {
    auto t = ParseLokiTime(Param(req, "start"));
    if (!t.ok()) return conn->Close("invalid parameter \"start\"");
    start = *t;
  }
  if (!Param(req, "delay_for").empty()) {
    int64_t d = 0;
    if (!absl::SimpleAtoi(Param(req, "delay_for"), &d) || d < 0 || d > 5) {
      return conn->Close("delay_for can't be greater than 5");
    }
  }

  auto state = std::make_shared<TailState>();
  state->tail = *std::move(tail);
  state->conn = conn;
  // Subscribe before reading the history, so nothing appended in between
  // is missed; what both saw is sent once.
  store::Store* store = ctx->store;
  state->sub = store->Subscribe([state](const RecordBatch& batch) {
    std::vector<query::TailEntry> matched;
    state->tail->Match(batch, &matched);
    if (!matched.empty()) state->Deliver(std::move(matched));
  });
  conn->OnClosed([state, store] {
    {
      std::lock_guard<std::mutex> l(state->mu);
      state->closed = true;
    }
    store->Unsubscribe(state->sub);
  });
  ctx->queries->Run([ctx, state, start, now, limit] {
    auto history =
        state->tail->History(ctx->index, ctx->store, start, now + 1, limit);
    if (!history.ok()) {
      state->conn->Close(std::string(history.status().message()));
      return;
    }
    std::set<std::tuple<int64_t, std::string, Labels>> seen;
    for (const auto& e : *history) seen.emplace(e.ts_ns, e.line, e.labels);
    state->conn->Send(query::TailMessage(*history));
    std::vector<query::TailEntry> early;
    {
      std::lock_guard<std::mutex> l(state->mu);
      state->live = true;
      early.swap(state->early);
    }
    std::vector<query::TailEntry> rest;
    for (auto& e : early) {
      if (!seen.count({e.ts_ns, e.line, e.labels}))
        rest.push_back(std::move(e));
    }
    if (!rest.empty()) state->Deliver(std::move(rest));
  });
}

}  // namespace silt::server
