// OTLP/HTTP JSON logs and Loki's snappy protobuf push against the real
// binary: status codes and bodies as the specs say, and the entries back
// through the Loki API.
#include <gtest/gtest.h>
#include <snappy.h>

#include "common/gzip.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

// Protobuf wire format by hand (Loki's field numbers), so the test does not
// share code with the decoder.
void Varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void Bytes(std::string* out, int field, const std::string& bytes) {
  Varint(out, static_cast<uint64_t>(field) << 3 | 2);
  Varint(out, bytes.size());
  out->append(bytes);
}
void Int(std::string* out, int field, uint64_t v) {
  Varint(out, static_cast<uint64_t>(field) << 3);
  Varint(out, v);
}

void Fixed64(std::string* out, int field, uint64_t v) {
  Varint(out, static_cast<uint64_t>(field) << 3 | 1);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

class OtlpPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    silt_ = std::make_unique<SiltProcess>(
        dir_.path() + "/data",
        std::vector<std::string>{"--max-line-bytes", "4KiB"});
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  }
  Reply Post(const std::string& path, const std::string& body,
             std::vector<std::pair<std::string, std::string>> headers) {
    return Http(silt_->http_port(), "POST", path, body, std::move(headers));
  }
  Reply Query(const std::string& selector, int64_t from, int64_t to) {
    return Http(silt_->http_port(), "GET",
                "/loki/api/v1/query_range?query=" + Esc(selector) +
                    "&start=" + std::to_string(from) +
                    "&end=" + std::to_string(to) + "&direction=forward");
  }
  TempDir dir_;
  std::unique_ptr<SiltProcess> silt_;
};

TEST_F(OtlpPushTest, OtlpJsonGzipIsStoredWithLabelsLineAndMetadata) {
  const int64_t t = NowNs() - 60'000'000'000LL;
  const std::string ts = std::to_string(t);
  const std::string body = R"({"resourceLogs":[{
    "resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"checkout"}},
      {"key":"k8s.namespace.name","value":{"stringValue":"shop"}},
      {"key":"k8s.pod.name","value":{"stringValue":"checkout-7d9f"}},
      {"key":"k8s.container.name","value":{"stringValue":"app"}},
      {"key":"host.name","value":{"stringValue":"node-7"}}]},
    "scopeLogs":[{"scope":{"name":"app"},"logRecords":[
      {"timeUnixNano":")" + ts +
                           R"(","severityNumber":17,
       "body":{"stringValue":"payment declined"},
       "attributes":[{"key":"order.id","value":{"intValue":"4411"}}],
       "traceId":"5B8EFFF798038103D269B633813FC60C",
       "spanId":"EEE19B7EC3C1B174"},
      {"observedTimeUnixNano":")" +
                           std::to_string(t + 1) + R"(","severityText":"INFO",
       "body":{"kvlistValue":{"values":[
         {"key":"msg","value":{"stringValue":"ok"}}]}}}]}]}]})";
  auto gz = GzipCompress(body);
  ASSERT_TRUE(gz.ok());
  Reply r = Post(
      "/otlp/v1/logs", *gz,
      {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");

  auto by_level = CountBy(silt_->http_port(),
                          "{service=\"checkout\", namespace=\"shop\", "
                          "pod=\"checkout-7d9f\", container=\"app\"}",
                          "level", t, t + 2);
  EXPECT_EQ(by_level,
            (std::map<std::string, int64_t>{{"error", 1}, {"info", 1}}));
  Reply q = Query("{service=\"checkout\"}", t, t + 2);
  ASSERT_EQ(q.status, 200);
  EXPECT_NE(
      q.body.find(
          R"({\"body\":\"payment declined\",\"attributes\":{\"order.id\":4411}})"),
      std::string::npos)
      << q.body;
  EXPECT_NE(q.body.find(R"({\"msg\":\"ok\"})"), std::string::npos) << q.body;
  EXPECT_NE(q.body.find("\"host_name\":\"node-7\""), std::string::npos)
      << q.body;
  // traceId and spanId are the entry's trace fields, in lower-case hex.
  Reply trace = Http(silt_->http_port(), "GET",
                     "/api/v1/trace/5b8efff798038103d269b633813fc60c");
  ASSERT_EQ(trace.status, 200) << trace.body;
  EXPECT_NE(trace.body.find("payment declined"), std::string::npos)
      << trace.body;
  EXPECT_NE(trace.body.find(R"("span_id":"eee19b7ec3c1b174")"),
            std::string::npos)
      << trace.body;
  EXPECT_EQ(trace.body.find(R"(\"msg\")"), std::string::npos) << trace.body;
  // No attribute other than the four became a label.
  Reply labels = Http(silt_->http_port(), "GET", "/loki/api/v1/labels");
  EXPECT_EQ(labels.body.find("host"), std::string::npos) << labels.body;
  EXPECT_EQ(labels.body.find("order"), std::string::npos) << labels.body;
  // The Collector's default path too.
  r = Post("/v1/logs",
           R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
             {"timeUnixNano":")" +
               std::to_string(t + 5) + R"(","body":{"stringValue":"x"}}]}]}]})",
           {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(CountBy(silt_->http_port(), "{source=\"otlp\"}", "", t, t + 6)[""],
            1);
}

TEST_F(OtlpPushTest, OtlpAnswersAsTheSpecSays) {
  // A record too long for max_line_bytes: partial success, the rest stored.
  const int64_t t = NowNs() - 60'000'000'000LL;
  const std::string big(5000, 'x');
  Reply r = Post("/otlp/v1/logs",
                 R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
                   {"timeUnixNano":")" +
                     std::to_string(t) + R"(","body":{"stringValue":"kept"}},
                   {"body":{"stringValue":")" +
                     big + R"("}}]}]}]})",
                 {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("partialSuccess":{"rejectedLogRecords":"1")"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(CountBy(silt_->http_port(), "{source=\"otlp\"}", "", t, t + 1)[""],
            1);

  r = Post("/otlp/v1/logs", "{not json",
           {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("{\"code\":3,\"message\":\"invalid OTLP logs body", 0),
            0u)
      << r.body;
  r = Post("/otlp/v1/logs", "x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  r = Http(silt_->http_port(), "GET", "/otlp/v1/logs");
  EXPECT_EQ(r.status, 405);
}

TEST_F(OtlpPushTest, OtlpProtobufIsAnsweredInProtobuf) {
  // ExportLogsServiceRequest{resource_logs: [{resource: {attributes:
  // [{key: service.name, value: {string_value: proto-svc}}]}, scope_logs:
  // [{log_records: [{time_unix_nano: t, body: {string_value: hello},
  // trace_id: 16 bytes}]}]}]}, OTLP's field numbers by hand.
  const int64_t t = NowNs() - 60'000'000'000LL;
  std::string value, kv, resource, body, record, scope, rl, req;
  Bytes(&value, 1, "proto-svc");
  Bytes(&kv, 1, "service.name");
  Bytes(&kv, 2, value);
  Bytes(&resource, 1, kv);
  Bytes(&body, 1, "hello");
  Fixed64(&record, 1, static_cast<uint64_t>(t));
  Bytes(&record, 5, body);
  Bytes(&record, 9, std::string(16, '\x11'));
  Bytes(&scope, 2, record);
  Bytes(&rl, 1, resource);
  Bytes(&rl, 2, scope);
  Bytes(&req, 1, rl);
  Reply r = Post("/v1/logs", req, {{"Content-Type", "application/x-protobuf"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "");  // an empty ExportLogsServiceResponse
  EXPECT_EQ(
      CountBy(silt_->http_port(), "{service=\"proto-svc\"}", "", t, t + 1)[""],
      1);
  Reply q = Query("{service=\"proto-svc\"}", t, t + 1);
  EXPECT_NE(q.body.find(R"({\"body\":\"hello\"})"), std::string::npos)
      << q.body;
  // A bad body: 400 with a google.rpc.Status{code: 3, ...} in protobuf.
  r = Post("/v1/logs", "\xff\xff\xff",
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.substr(0, 2), std::string("\x08\x03"));
}

TEST_F(OtlpPushTest, LokiProtobufSnappyPush) {
  const int64_t t = NowNs() - 60'000'000'000LL;
  std::string req;
  for (int s = 0; s < 2; ++s) {
    std::string stream;
    Bytes(&stream, 1,
          "{job=\"promtail\", host=\"h" + std::to_string(s) + "\"}");
    for (int i = 0; i < 50; ++i) {
      std::string ts, entry;
      const int64_t ns = t + s * 1000 + i;
      Int(&ts, 1, static_cast<uint64_t>(ns / 1000000000));
      Int(&ts, 2, static_cast<uint64_t>(ns % 1000000000));
      Bytes(&entry, 1, ts);
      Bytes(&entry, 2, "{\"msg\":\"line " + std::to_string(i) + "\"}");
      if (i == 0) {
        std::string pair;
        Bytes(&pair, 1, "trace_id");
        Bytes(&pair, 2, "abc123");
        Bytes(&entry, 3, pair);
      }
      Bytes(&stream, 2, entry);
    }
    Bytes(&req, 1, stream);
  }
  std::string body;
  snappy::Compress(req.data(), req.size(), &body);
  Reply r = Post("/loki/api/v1/push", body,
                 {{"Content-Type", "application/x-protobuf"}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto by_host =
      CountBy(silt_->http_port(), "{job=\"promtail\"}", "host", t, t + 2000);
  EXPECT_EQ(by_host, (std::map<std::string, int64_t>{{"h0", 50}, {"h1", 50}}));
  Reply q = Query("{host=\"h0\"}", t, t + 1);
  EXPECT_NE(q.body.find("\"trace_id\":\"abc123\""), std::string::npos)
      << q.body;

  // Content-Encoding: snappy is what some clients add: the same body.
  r = Post("/loki/api/v1/push", body,
           {{"Content-Type", "application/x-protobuf"},
            {"Content-Encoding", "snappy"}});
  EXPECT_EQ(r.status, 204) << r.body;
  // Sent twice: identical entries collapse.
  EXPECT_EQ(
      CountBy(silt_->http_port(), "{job=\"promtail\"}", "", t, t + 2000)[""],
      100);
  r = Post("/loki/api/v1/push", "not snappy",
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400) << r.body;
}

}  // namespace
}  // namespace silt::testing
