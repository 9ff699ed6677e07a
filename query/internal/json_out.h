// Loki's JSON response shapes, written by hand into a string (lines are
// escaped with AppendJsonEscaped so invalid UTF-8 still makes valid JSON).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"
#include "query/internal/log_eval.h"

namespace silt::query {

// Work counters for the `stats` object.
struct QueryStats {
  uint64_t entries_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t entries_returned = 0;
  double exec_seconds = 0;
};

void AppendJsonString(std::string* out, std::string_view s);
// {"a":"x","b":"y"}
void AppendLabelsObject(std::string* out, const Labels& labels);
// "stats":{"summary":{...}}  (without a leading comma)
void AppendStats(std::string* out, const QueryStats& stats);

// {"status":"success","data":{"resultType":"streams","result":[...],
//  "stats":{...}}}
std::string StreamsBody(const std::vector<LogStream>& streams,
                        const QueryStats& stats);

// {"status":"success","data":["a","b"]}
std::string StringListBody(const std::vector<std::string>& values);

// {"status":"success","data":[{...labels},...]}
std::string SeriesBody(const std::vector<Labels>& series);

// A sample value as Prometheus writes it ("1", "0.5", "NaN", "+Inf").
std::string FormatSampleValue(double v);
// Seconds with millisecond precision for matrix/vector timestamps: 1.5 -> 1.5
void AppendSampleTime(std::string* out, int64_t ts_ns);

}  // namespace silt::query
