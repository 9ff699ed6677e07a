// How the query endpoints answer: Loki's status codes for errors (400 for a
// bad query or a query past its limits, 499 once the client left), JSON
// bodies, and the latency metric of each endpoint call.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "query/loki_api.h"

namespace silt::query {

// Loki answers query errors with a text/plain body holding the message;
// Grafana shows such a body as it is (and a JSON body's `message`).
Answer ErrorAnswer(const absl::Status& st);
Answer JsonAnswer(std::string body);

// Records the latency of one endpoint call when it goes out of scope.
class LatencyTimer {
 public:
  explicit LatencyTimer(const char* endpoint)
      : endpoint_(endpoint), start_(std::chrono::steady_clock::now()) {}
  ~LatencyTimer();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

 private:
  const char* endpoint_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace silt::query
