#include "common/metrics.h"

#include <gtest/gtest.h>

#include "common/log.h"

namespace silt {
namespace {

TEST(MetricsTest, CountersAndHistogramsRender) {
  Metrics().lines_received.With({"metrics_test"}).Inc(3);
  Metrics().ack_latency.With({"metrics_test"}).Observe(0.003);
  Metrics().ack_latency.With({"metrics_test"}).Observe(100);
  std::string text = RenderMetrics();
  EXPECT_NE(text.find("# TYPE silt_lines_received_total counter"),
            std::string::npos);
  EXPECT_NE(text.find("silt_lines_received_total{input=\"metrics_test\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("silt_ack_latency_seconds_bucket{input=\"metrics_test\","
                      "le=\"0.005\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("silt_ack_latency_seconds_bucket{input=\"metrics_test\","
                      "le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("silt_ack_latency_seconds_count{input=\"metrics_test\"} 2\n"),
      std::string::npos);
}

TEST(LogTest, JsonEscapingKeepsOutputValid) {
  std::string out;
  AppendJsonEscaped(&out, std::string("a\"b\\c\n\x01 \xff \xc3\xa9", 12));
  EXPECT_EQ(out, "a\\\"b\\\\c\\n\\u0001 \xEF\xBF\xBD \xc3\xa9");
}

}  // namespace
}  // namespace silt
