#include "query/internal/answer.h"

#include "common/metrics.h"

namespace silt::query {

Answer ErrorAnswer(const absl::Status& st) {
  Answer a;
  switch (st.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kResourceExhausted:  // per-query work limits
    case absl::StatusCode::kDeadlineExceeded:   // query_timeout
      a.status = 400;
      break;
    case absl::StatusCode::kCancelled:  // nobody reads it: the client left
      a.status = 499;
      break;
    case absl::StatusCode::kNotFound:
      a.status = 404;
      break;
    case absl::StatusCode::kUnavailable:
      a.status = 503;
      break;
    default:
      a.status = 500;
  }
  a.content_type = "text/plain; charset=utf-8";
  a.body = std::string(st.message());
  return a;
}

Answer JsonAnswer(std::string body) {
  Answer a;
  a.body = std::move(body);
  return a;
}

LatencyTimer::~LatencyTimer() {
  Metrics().query_latency.With({endpoint_}).Observe(seconds());
}

}  // namespace silt::query
