#include "parse/otlp_logs.h"

#include <string>

#include "common/record_batch.h"
#include "gtest/gtest.h"
#include "parse/parser.h"

namespace silt::parse {
namespace {

class OtlpLogsTest : public ::testing::Test {
 protected:
  absl::Status Decode(std::string_view body, size_t max_line = 1 << 20) {
    result_ = OtlpResult();
    return DecodeOtlpLogsJson(body, max_line, &batch_, &result_);
  }
  std::string Labels(size_t i) {
    return LabelsToString(batch_.origins[batch_.record(i).origin]);
  }
  RecordBatch batch_;
  OtlpResult result_;
};

// The worked example of parse/otlp_format.md.
TEST_F(OtlpLogsTest, FormatDocExample) {
  ASSERT_TRUE(Decode(R"({"resourceLogs":[{
    "resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"checkout"}},
      {"key":"host.name","value":{"stringValue":"node-7"}}]},
    "scopeLogs":[{"logRecords":[
      {"timeUnixNano":"1714564800000000000","severityNumber":17,
       "severityText":"ERROR","body":{"stringValue":"payment declined"},
       "attributes":[{"key":"order.id","value":{"intValue":"4411"}}],
       "traceId":"5B8EFFF798038103D269B633813FC60C",
       "spanId":"EEE19B7EC3C1B174"}]}]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(result_.accepted, 1u);
  EXPECT_EQ(batch_.line(0),
            R"({"body":"payment declined","attributes":{"order.id":4411}})");
  EXPECT_EQ(Labels(0), R"({level="error", service="checkout"})");
  EXPECT_EQ(batch_.record(0).ts_ns, 1714564800000000000);
  EXPECT_EQ(batch_.metadata(0), R"({"host_name":"node-7"})");
  EXPECT_EQ(batch_.trace_id(0), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(batch_.span_id(0), "eee19b7ec3c1b174");
  EXPECT_EQ(OtlpResponseJson(result_), "{}");
}

TEST_F(OtlpLogsTest, OnlyTheFourResourceAttributesBecomeLabels) {
  ASSERT_TRUE(Decode(R"({"resourceLogs":[{
    "resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"api"}},
      {"key":"k8s.namespace.name","value":{"stringValue":"prod"}},
      {"key":"k8s.pod.name","value":{"stringValue":"api-7d9f"}},
      {"key":"k8s.container.name","value":{"stringValue":"app"}},
      {"key":"k8s.node.name","value":{"stringValue":"n1"}},
      {"key":"process.pid","value":{"intValue":42}}]},
    "scopeLogs":[{"scope":{"name":"io.x","version":"1.2"},"logRecords":[
      {"observedTimeUnixNano":"5","severityText":"Warning",
       "body":{"stringValue":"a"},
       "attributes":[{"key":"user.id","value":{"stringValue":"u1"}}]},
      {"timeUnixNano":7,"severityNumber":9}]}]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(
      Labels(0),
      R"({container="app", level="warn", namespace="prod", pod="api-7d9f", service="api"})");
  EXPECT_EQ(
      Labels(1),
      R"({container="app", level="info", namespace="prod", pod="api-7d9f", service="api"})");
  EXPECT_EQ(batch_.record(0).ts_ns, 5);  // observed time when no time
  EXPECT_EQ(batch_.record(1).ts_ns, 7);
  EXPECT_EQ(batch_.line(0), R"({"body":"a","attributes":{"user.id":"u1"}})");
  EXPECT_EQ(batch_.line(1), "{}");
  EXPECT_EQ(
      batch_.metadata(0),
      R"({"k8s_node_name":"n1","process_pid":"42","scope_name":"io.x","scope_version":"1.2"})");
  EXPECT_EQ(batch_.metadata(1), batch_.metadata(0));
}

TEST_F(OtlpLogsTest, KvlistBodyIsTheLineAndValuesRenderAsJson) {
  ASSERT_TRUE(Decode(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
    {"body":{"kvlistValue":{"values":[
      {"key":"msg","value":{"stringValue":"q\"uote"}},
      {"key":"n","value":{"doubleValue":1.5}},
      {"key":"ok","value":{"boolValue":true}},
      {"key":"list","value":{"arrayValue":{"values":[{"intValue":"1"},{}]}}},
      {"key":"raw","value":{"bytesValue":"AQI="}},
      {"key":"nan","value":{"doubleValue":"NaN"}}]}},
     "attributes":[{"key":"a","value":{"kvlistValue":{"values":[
       {"key":"b","value":{"intValue":-3}}]}}}],
     "traceId":"","spanId":"zz"}]}]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(
      batch_.line(0),
      R"({"msg":"q\"uote","n":1.5,"ok":true,"list":[1,null],"raw":"AQI=","nan":"NaN","attributes":{"a":{"b":-3}}})");
  // No labels at all: the fallback.
  EXPECT_EQ(batch_.record(0).origin, 0u);
  EXPECT_EQ(LabelsToString(batch_.fallback_labels), R"({source="otlp"})");
  EXPECT_EQ(batch_.trace_id(0), "");
  EXPECT_EQ(batch_.span_id(0), "");
  EXPECT_EQ(batch_.record(0).ts_ns, 0);  // the parser falls back
  // The parser reads the line as JSON: it is never a rejected line.
  Parser parser;
  batch_.received_ns = 99;
  parser.Parse(&batch_);
  EXPECT_EQ(batch_.record(0).reject, Reject::kNone);
}

TEST_F(OtlpLogsTest, TooLongRecordsArePartialSuccess) {
  const std::string big(300, 'x');
  ASSERT_TRUE(Decode(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
    {"body":{"stringValue":"short"}},
    {"body":{"stringValue":")" +
                         big + R"("}}]}]}]})",
                     100)
                  .ok());
  EXPECT_EQ(batch_.size(), 1u);
  EXPECT_EQ(result_.accepted, 1u);
  EXPECT_EQ(result_.rejected, 1u);
  EXPECT_EQ(
      OtlpResponseJson(result_),
      R"({"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"log record too long: 311 bytes, limit 100"}})");
}

TEST_F(OtlpLogsTest, SnakeCaseNamesAndEmptyRequests) {
  ASSERT_TRUE(Decode(R"({"resource_logs":[{"scope_logs":[{"log_records":[
    {"time_unix_nano":"3","severity_text":"debug",
     "body":{"string_value":"s"}}]}]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.line(0), R"({"body":"s"})");
  EXPECT_EQ(Labels(0), R"({level="debug"})");
  RecordBatch other;
  OtlpResult r;
  EXPECT_TRUE(DecodeOtlpLogsJson("{}", 0, &other, &r).ok());
  EXPECT_TRUE(DecodeOtlpLogsJson(R"({"resourceLogs":[]})", 0, &other, &r).ok());
  EXPECT_TRUE(other.empty());
}

TEST_F(OtlpLogsTest, MalformedBodiesAreInvalidArgument) {
  for (
      const char* body : {
          "not json",
          "[]",
          R"({"resourceLogs":{}})",
          R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[1]}]}]})",
          R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"x"}]}]}]})",
          R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"plain"}]}]}]})",
          R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"value":{}}]}]}]}]})",
      }) {
    RecordBatch b;
    OtlpResult r;
    absl::Status st = DecodeOtlpLogsJson(body, 0, &b, &r);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(st.message().find("invalid OTLP logs body"), std::string::npos);
  }
}

}  // namespace
}  // namespace silt::parse
