#include "server/api.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/time_util.h"
#include "parse/loki_push.h"
#include "parse/otlp_logs.h"
#include "server/tail_handler.h"

#ifndef SILT_REVISION
#define SILT_REVISION "unknown"
#endif

namespace silt::server {
namespace {

constexpr std::string_view kLokiPrefix = "/loki/api/v1/";
constexpr std::string_view kTracePrefix = "/api/v1/trace/";

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
  return r;
}

HttpResponse FromAnswer(query::Answer a) {
  HttpResponse r;
  r.status = a.status;
  r.content_type = std::move(a.content_type);
  r.body = std::move(a.body);
  return r;
}

int StatusToHttp(const absl::Status& st) {
  switch (st.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// Wraps a responder so that every answer is counted per route and code.
Responder Counted(std::string route, Responder respond) {
  return
      [route = std::move(route), respond = std::move(respond)](HttpResponse r) {
        Metrics().http_requests.With({route, std::to_string(r.status)}).Inc();
        respond(std::move(r));
      };
}

class Router {
 public:
  explicit Router(ApiContext* ctx) : ctx_(ctx) {}

  void Handle(HttpRequest&& req, Responder respond) {
    const std::string& path = req.path;
    if (path == "/ready") {
      return Ready(Counted("/ready", std::move(respond)));
    }
    if (path == "/metrics") {
      HttpResponse r = Text(200, RenderMetrics());
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return Counted("/metrics", std::move(respond))(std::move(r));
    }
    std::string tenant = req.Header("x-scope-orgid");
    if (tenant.empty()) tenant = "default";
    if (!ValidTenant(tenant)) {
      return Counted("invalid_tenant", std::move(respond))(
          Text(400,
               "invalid X-Scope-OrgID: 1 to 150 characters of "
               "[A-Za-z0-9!-_.*'()], not '.' or '..'"));
    }
    if (path == "/api/v1/ingest") {
      return Ingest(std::move(req), tenant,
                    Counted("/api/v1/ingest", std::move(respond)));
    }
    if (path == "/loki/api/v1/push" || path == "/api/prom/push") {
      return Push(std::move(req), tenant,
                  Counted("/loki/api/v1/push", std::move(respond)));
    }
    if (path == "/otlp/v1/logs" || path == "/v1/logs") {
      return Otlp(std::move(req), tenant,
                  Counted("/otlp/v1/logs", std::move(respond)));
    }
    if (path == "/api/v1/flush") {
      return Flush(req, Counted("/api/v1/flush", std::move(respond)));
    }
    if (path.rfind(kLokiPrefix, 0) == 0) {
      return Loki(req, tenant, path.substr(kLokiPrefix.size()),
                  std::move(respond));
    }
    if (path.rfind(kTracePrefix, 0) == 0) {
      return Trace(std::move(req), tenant,
                   Counted("/api/v1/trace", std::move(respond)));
    }
    Counted("not_found", std::move(respond))(Text(404, "404 page not found"));
  }

 private:
  bool Method(const HttpRequest& req,
              std::initializer_list<std::string_view> ok,
              const Responder& respond) {
    for (auto m : ok) {
      if (req.method == m) return true;
    }
    respond(Text(405, absl::StrCat("method ", req.method, " not allowed on ",
                                   req.path)));
    return false;
  }

  void Ready(Responder respond) {
    if (ctx_->ready.load()) {
      // Degraded inputs do not make silt unready: queries and the other
      // inputs still work, and a probe must not take the replica out of
      // its Service because e.g. Kafka is away.
      std::string body = "ready";
      for (const auto& check : ctx_->degraded) {
        std::string why = check();
        if (!why.empty()) absl::StrAppend(&body, "\ndegraded: ", why);
      }
      respond(Text(200, std::move(body)));
    } else {
      respond(Text(503, "not ready: starting"));
    }
  }

  RecordBatch NewBatch(const std::string& tenant, const char* input) {
    // An arena the pipeline gave back: already paged in.
    RecordBatch batch = RecordBatch::FromPool();
    batch.tenant = tenant;
    batch.input = input;
    batch.received_ns = NowNanos();
    batch.fallback_labels = {{"source", "http"}};
    return batch;
  }

  // Cut lines are counted where they are cut (SplitNdjson).
  void CountReceived(const RecordBatch& batch) {
    Metrics().lines_received.With({batch.input}).Inc(batch.size());
    Metrics().bytes_received.With({batch.input}).Inc(batch.line_bytes());
  }

  // POST /api/v1/ingest: NDJSON body. 200 {"accepted":N} once durable.
  void Ingest(HttpRequest&& req, const std::string& tenant, Responder respond) {
    if (!Method(req, {"POST"}, respond)) return;
    RecordBatch batch = NewBatch(tenant, "http");
    size_t n =
        parse::SplitNdjson(req.body, ctx_->config->max_line_bytes, &batch);
    if (n == 0) {
      respond(Text(400, "empty body: send newline-delimited JSON log lines"));
      return;
    }
    CountReceived(batch);
    ctx_->pipeline->Submit(
        std::move(batch), [respond = std::move(respond), n](absl::Status st) {
          if (!st.ok()) {
            respond(Text(StatusToHttp(st), std::string(st.message())));
            return;
          }
          respond(Json(200, absl::StrCat("{\"accepted\":", n, "}")));
        });
  }

  // POST /loki/api/v1/push: Loki's JSON body. 204 once durable; 400 naming
  // the refused entries (the others are stored), as Loki does.
  void Push(HttpRequest&& req, const std::string& tenant, Responder respond) {
    if (!Method(req, {"POST"}, respond)) return;
    const std::string ctype = MediaType(req);
    const bool proto = ctype == "application/x-protobuf";
    if (ctype != "application/json" && !proto) {
      respond(Text(415, absl::StrCat("unsupported Content-Type '",
                                     req.Header("content-type"),
                                     "': this endpoint takes application/json "
                                     "or application/x-protobuf (snappy)")));
      return;
    }
    RecordBatch batch = NewBatch(tenant, "push");
    parse::PushResult result;
    absl::Status st =
        proto ? parse::DecodeLokiPushProto(
                    req.body, ctx_->config->max_line_bytes,
                    ctx_->config->max_http_body_bytes, &batch, &result)
              : parse::DecodeLokiPushJson(
                    req.body, ctx_->config->max_line_bytes, &batch, &result);
    if (!st.ok()) {
      respond(Text(400, std::string(st.message())));
      return;
    }
    if (!result.errors.empty()) {
      Metrics()
          .lines_rejected.With({"push", "refused"})
          .Inc(result.errors.size());
    }
    std::string errors = absl::StrJoin(result.errors, "\n");
    if (batch.empty()) {
      if (errors.empty()) {
        respond(Text(204, ""));
      } else {
        respond(Text(400, errors));
      }
      return;
    }
    CountReceived(batch);
    ctx_->pipeline->Submit(std::move(batch), [respond = std::move(respond),
                                              errors](absl::Status st) {
      if (!st.ok()) {
        respond(Text(StatusToHttp(st), std::string(st.message())));
      } else if (!errors.empty()) {
        respond(Text(400, errors));
      } else {
        respond(Text(204, ""));
      }
    });
  }

  // POST /otlp/v1/logs (and /v1/logs): OTLP/HTTP logs, JSON or protobuf
  // (parse/otlp_format.md). 200 with an ExportLogsServiceResponse once
  // durable, refused records in partialSuccess; errors carry a
  // google.rpc.Status; answers in the request's encoding.
  void Otlp(HttpRequest&& req, const std::string& tenant, Responder respond) {
    if (!Method(req, {"POST"}, respond)) return;
    const std::string ctype = MediaType(req);
    const bool proto = ctype == "application/x-protobuf";
    if (ctype != "application/json" && !proto) {
      respond(Text(415, absl::StrCat("unsupported Content-Type '",
                                     req.Header("content-type"),
                                     "': OTLP/HTTP logs are taken as "
                                     "application/json or "
                                     "application/x-protobuf")));
      return;
    }
    auto reply = [proto](int http, std::string body) {
      HttpResponse r = Json(http, std::move(body));
      if (proto) r.content_type = "application/x-protobuf";
      return r;
    };
    auto status = [proto, reply](int http, int code, std::string message) {
      if (proto) return reply(http, parse::OtlpStatusProto(code, message));
      std::string body = absl::StrCat("{\"code\":", code, ",\"message\":\"");
      AppendJsonEscaped(&body, message);
      body += "\"}";
      return reply(http, std::move(body));
    };
    RecordBatch batch = NewBatch(tenant, "otlp");
    batch.fallback_labels = {{"source", "otlp"}};
    // The lines take about what the body does: no regrowth copies.
    batch.ReserveCapacity(req.body.size());
    parse::OtlpResult result;
    const size_t max_line = ctx_->config->max_line_bytes;
    absl::Status st =
        proto ? parse::DecodeOtlpLogsProto(req.body, max_line, &batch, &result)
              : parse::DecodeOtlpLogsJson(req.body, max_line, &batch, &result);
    if (!st.ok()) {
      respond(status(400, 3, std::string(st.message())));  // INVALID_ARGUMENT
      return;
    }
    if (result.rejected != 0) {
      Metrics().lines_rejected.With({"otlp", "refused"}).Inc(result.rejected);
    }
    std::string answer = proto ? parse::OtlpResponseProto(result)
                               : parse::OtlpResponseJson(result);
    if (batch.empty()) {
      respond(reply(200, std::move(answer)));
      return;
    }
    CountReceived(batch);
    ctx_->pipeline->Submit(
        std::move(batch), [respond = std::move(respond), status, reply,
                           answer = std::move(answer)](absl::Status st) {
          if (!st.ok()) {
            const int http = StatusToHttp(st);
            // UNAVAILABLE / RESOURCE_EXHAUSTED: the exporter retries.
            respond(
                status(http, http == 429 ? 8 : 14, std::string(st.message())));
            return;
          }
          respond(reply(200, answer));
        });
  }

  // The media type of the body, lower-cased, without parameters.
  static std::string MediaType(const HttpRequest& req) {
    std::string t = req.Header("content-type");
    t = t.substr(0, t.find(';'));
    for (char& c : t) c = static_cast<char>(std::tolower(c));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t;
  }

  // POST /api/v1/flush: everything accepted so far durable and in parts.
  void Flush(const HttpRequest& req, Responder respond) {
    if (!Method(req, {"POST"}, respond)) return;
    ApiContext* ctx = ctx_;
    ctx_->background->Run([ctx, respond = std::move(respond)] {
      ctx->pipeline->Drain();
      absl::Status st = ctx->store->Flush();
      if (!st.ok()) {
        LogError("flush failed", {{"error", std::string(st.message())}});
        respond(Text(StatusToHttp(st), std::string(st.message())));
        return;
      }
      respond(Text(204, ""));
    });
  }

  void Loki(const HttpRequest& req, const std::string& tenant,
            std::string_view rest, Responder raw) {
    const query::LokiApi& api = *ctx_->loki;
    const int64_t now = NowNanos();
    auto route = [&](std::string_view name) {
      return Counted(std::string(kLokiPrefix) + std::string(name), raw);
    };
    // Queries run on the query pool, not the io thread; a client that
    // hangs up cancels its query.
    if (rest == "query_range" || rest == "query") {
      Responder respond = route(rest);
      if (!Method(req, {"GET", "POST"}, respond)) return;
      const bool range = rest == "query_range";
      ctx_->queries->Run([&api, tenant, params = req.params,
                          cancelled = req.cancelled, now, range,
                          respond = std::move(respond)] {
        respond(FromAnswer(
            range ? api.QueryRange(tenant, params, now, cancelled.get())
                  : api.Query(tenant, params, now, cancelled.get())));
      });
      return;
    }
    if (rest == "labels" || rest == "label") {
      Responder respond = route("labels");
      if (!Method(req, {"GET", "POST"}, respond)) return;
      return respond(FromAnswer(api.Labels(tenant, req.params, now)));
    }
    if (rest.rfind("label/", 0) == 0 && rest.size() > 13 &&
        rest.substr(rest.size() - 7) == "/values") {
      Responder respond = route("label/values");
      if (!Method(req, {"GET", "POST"}, respond)) return;
      std::string_view name = rest.substr(6, rest.size() - 6 - 7);
      return respond(
          FromAnswer(api.LabelValues(tenant, name, req.params, now)));
    }
    if (rest == "series") {
      Responder respond = route(rest);
      if (!Method(req, {"GET", "POST"}, respond)) return;
      return respond(FromAnswer(api.Series(tenant, req.params, now)));
    }
    if (rest == "index/stats") {
      Responder respond = route(rest);
      if (!Method(req, {"GET", "POST"}, respond)) return;
      ctx_->queries->Run([&api, tenant, params = req.params, now,
                          respond = std::move(respond)] {
        respond(FromAnswer(api.IndexStats(tenant, params, now)));
      });
      return;
    }
    if (rest == "tail") {
      return route(rest)(
          Text(400, "tail is a websocket: send an Upgrade: websocket request"));
    }
    if (rest == "status/buildinfo") {
      return route(rest)(Json(
          200, absl::StrCat("{\"version\":\"", SILT_VERSION,
                            "\",\"revision\":\"", SILT_REVISION,
                            "\",\"branch\":\"main\",\"buildUser\":\"silt\","
                            "\"buildDate\":\"",
                            __DATE__, "\",\"goVersion\":\"\"}")));
    }
    // detected_labels and detected_fields are not offered: on a 404
    // Grafana's label browser falls back to labels, label values and
    // series (a 200 without their shape would lose the labels).
    route("not_found")(Text(404, "404 page not found"));
  }

  // GET /api/v1/trace/<trace_id>[?start=&end=]
  void Trace(HttpRequest&& req, const std::string& tenant, Responder respond) {
    if (!Method(req, {"GET"}, respond)) return;
    std::string id = req.path.substr(kTracePrefix.size());
    const query::LokiApi* api = ctx_->loki;
    ctx_->queries->Run(
        [api, tenant, id = std::move(id), params = std::move(req.params),
         cancelled = req.cancelled, respond = std::move(respond)] {
          respond(FromAnswer(api->Trace(tenant, id, params, cancelled.get())));
        });
  }

  ApiContext* ctx_;
};

}  // namespace

bool ValidTenant(const std::string& tenant) {
  if (tenant.empty() || tenant.size() > 150) return false;
  if (tenant == "." || tenant == "..") return false;
  for (char c : tenant) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '!' || c == '-' || c == '_' ||
              c == '.' || c == '*' || c == '\'' || c == '(' || c == ')';
    if (!ok) return false;
  }
  return true;
}

WebsocketHandler MakeWebsocketHandler(ApiContext* ctx) {
  return [ctx](HttpRequest&& req, std::shared_ptr<WebsocketConnection> conn) {
    if (req.path != "/loki/api/v1/tail") {
      Metrics().http_requests.With({"websocket_not_found", "404"}).Inc();
      return conn->Close("no websocket endpoint at " + req.path);
    }
    Metrics().http_requests.With({"/loki/api/v1/tail", "101"}).Inc();
    ServeTail(ctx, std::move(req), std::move(conn));
  };
}

HttpHandler MakeApiHandler(ApiContext* ctx) {
  auto router = std::make_shared<Router>(ctx);
  return [router](HttpRequest&& req, Responder respond) {
    router->Handle(std::move(req), std::move(respond));
  };
}

}  // namespace silt::server
