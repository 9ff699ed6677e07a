// OTLP logs in protobuf map exactly as in JSON: the same request in both
// encodings gives the same batch.
#include <string>

#include "common/record_batch.h"
#include "gtest/gtest.h"
#include "otlp_logs.pb.h"
#include "parse/otlp_logs.h"

namespace silt::parse {
namespace {

void Attr(otlp::KeyValue* kv, const std::string& key, const std::string& s) {
  kv->set_key(key);
  kv->mutable_value()->set_string_value(s);
}

class OtlpLogsProtoTest : public ::testing::Test {
 protected:
  std::string Labels(const RecordBatch& b, size_t i) {
    return LabelsToString(b.origins[b.record(i).origin]);
  }
};

TEST_F(OtlpLogsProtoTest, SameBatchAsTheJsonEncoding) {
  otlp::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  Attr(rl->mutable_resource()->add_attributes(), "service.name", "checkout");
  Attr(rl->mutable_resource()->add_attributes(), "host.name", "node-7");
  auto* rec = rl->add_scope_logs()->add_log_records();
  rec->set_time_unix_nano(1714564800000000000ull);
  rec->set_severity_number(17);
  rec->set_severity_text("ERROR");
  rec->mutable_body()->set_string_value("payment declined");
  auto* a = rec->add_attributes();
  a->set_key("order.id");
  a->mutable_value()->set_int_value(4411);
  rec->set_trace_id(std::string(
      "\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16));
  rec->set_span_id(std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));

  RecordBatch from_proto, from_json;
  OtlpResult rp, rj;
  ASSERT_TRUE(
      DecodeOtlpLogsProto(req.SerializeAsString(), 0, &from_proto, &rp).ok());
  ASSERT_TRUE(DecodeOtlpLogsJson(R"({"resourceLogs":[{
    "resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"checkout"}},
      {"key":"host.name","value":{"stringValue":"node-7"}}]},
    "scopeLogs":[{"logRecords":[
      {"timeUnixNano":"1714564800000000000","severityNumber":17,
       "severityText":"ERROR","body":{"stringValue":"payment declined"},
       "attributes":[{"key":"order.id","value":{"intValue":"4411"}}],
       "traceId":"5B8EFFF798038103D269B633813FC60C",
       "spanId":"EEE19B7EC3C1B174"}]}]}]})",
                                 0, &from_json, &rj)
                  .ok());
  ASSERT_EQ(from_proto.size(), 1u);
  ASSERT_EQ(from_json.size(), 1u);
  EXPECT_EQ(from_proto.line(0), from_json.line(0));
  EXPECT_EQ(from_proto.line(0),
            R"({"body":"payment declined","attributes":{"order.id":4411}})");
  EXPECT_EQ(Labels(from_proto, 0), Labels(from_json, 0));
  EXPECT_EQ(from_proto.record(0).ts_ns, from_json.record(0).ts_ns);
  EXPECT_EQ(from_proto.metadata(0), from_json.metadata(0));
  EXPECT_EQ(from_proto.trace_id(0), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(from_proto.span_id(0), "eee19b7ec3c1b174");
}

TEST_F(OtlpLogsProtoTest, ValuesOldScopeFieldAndAnswers) {
  otlp::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  // Only the deprecated instrumentation_library_logs (field 1000).
  auto* rec = rl->add_instrumentation_library_logs()->add_log_records();
  rec->set_observed_time_unix_nano(9);
  auto* kvs = rec->mutable_body()->mutable_kvlist_value();
  auto* d = kvs->add_values();
  d->set_key("d");
  d->mutable_value()->set_double_value(0.25);
  auto* b = kvs->add_values();
  b->set_key("b");
  b->mutable_value()->set_bytes_value(std::string("\x01\x02", 2));
  auto* arr = kvs->add_values();
  arr->set_key("a");
  auto* list = arr->mutable_value()->mutable_array_value();
  list->add_values()->set_bool_value(false);
  list->add_values();  // empty value
  auto* big = rl->add_instrumentation_library_logs()->add_log_records();
  big->mutable_body()->set_string_value(std::string(200, 'x'));

  RecordBatch batch;
  OtlpResult result;
  ASSERT_TRUE(
      DecodeOtlpLogsProto(req.SerializeAsString(), 100, &batch, &result).ok());
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.line(0), R"({"d":0.25,"b":"AQI=","a":[false,null]})");
  EXPECT_EQ(batch.record(0).ts_ns, 9);
  EXPECT_EQ(result.rejected, 1u);

  otlp::ExportLogsServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(OtlpResponseProto(result)));
  EXPECT_EQ(resp.partial_success().rejected_log_records(), 1);
  EXPECT_NE(resp.partial_success().error_message().find("too long"),
            std::string::npos);
  otlp::Status status;
  ASSERT_TRUE(status.ParseFromString(OtlpStatusProto(3, "bad")));
  EXPECT_EQ(status.code(), 3);
  EXPECT_EQ(status.message(), "bad");
}

TEST_F(OtlpLogsProtoTest, NotProtobufIsInvalidArgument) {
  RecordBatch batch;
  OtlpResult result;
  EXPECT_EQ(DecodeOtlpLogsProto("\xff\xff\xff\xff", 0, &batch, &result).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodeOtlpLogsProto("", 0, &batch, &result).ok());
  EXPECT_TRUE(batch.empty());
}

}  // namespace
}  // namespace silt::parse
