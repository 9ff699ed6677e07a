// Loki's snappy protobuf push: bodies built two ways, with the generated
// classes and by hand from the wire format (so the decoder is checked
// against Loki's field numbers, not only against itself).
#include <snappy.h>

#include <string>

#include "common/record_batch.h"
#include "gtest/gtest.h"
#include "loki_push.pb.h"
#include "parse/loki_push.h"

namespace silt::parse {
namespace {

// Protobuf wire format, by hand.
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

std::string Snappy(const std::string& plain) {
  std::string out;
  snappy::Compress(plain.data(), plain.size(), &out);
  return out;
}

class LokiPushProtoTest : public ::testing::Test {
 protected:
  absl::Status Decode(const std::string& body, size_t max_line = 1 << 20,
                      size_t max_body = 64 << 20) {
    result_ = PushResult();
    return DecodeLokiPushProto(body, max_line, max_body, &batch_, &result_);
  }
  RecordBatch batch_;
  PushResult result_;
};

TEST_F(LokiPushProtoTest, HandEncodedLokiWireFormat) {
  // PushRequest{streams: [{labels: '{app="api"}', entries: [
  //   {timestamp: {seconds: 1570818238, nanos: 5}, line: "first",
  //    structuredMetadata: [{name: trace_id, value: ab12}]},
  //   {timestamp: {seconds: 1570818239}, line: "second"}]}]}
  std::string ts1, ts2, meta, e1, e2, stream, req;
  Int(&ts1, 1, 1570818238);
  Int(&ts1, 2, 5);
  Int(&ts2, 1, 1570818239);
  Bytes(&meta, 1, "trace_id");
  Bytes(&meta, 2, "ab12");
  Bytes(&e1, 1, ts1);
  Bytes(&e1, 2, "first");
  Bytes(&e1, 3, meta);
  Bytes(&e2, 1, ts2);
  Bytes(&e2, 2, "second");
  Bytes(&stream, 1, "{app=\"api\"}");
  Bytes(&stream, 2, e1);
  Bytes(&stream, 2, e2);
  Int(&stream, 3, 12345);  // hash: ignored
  Bytes(&req, 1, stream);
  ASSERT_TRUE(Decode(Snappy(req)).ok());
  EXPECT_EQ(result_.accepted, 2u);
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(LabelsToString(batch_.origins[batch_.record(0).origin]),
            "{app=\"api\"}");
  EXPECT_EQ(batch_.line(0), "first");
  EXPECT_EQ(batch_.record(0).ts_ns, 1570818238000000005);
  EXPECT_EQ(batch_.metadata(0), R"({"trace_id":"ab12"})");
  EXPECT_EQ(batch_.trace_id(0), "ab12");
  EXPECT_EQ(batch_.line(1), "second");
  EXPECT_EQ(batch_.record(1).ts_ns, 1570818239000000000);
  EXPECT_EQ(batch_.metadata(1), "");
}

TEST_F(LokiPushProtoTest, GeneratedClassesRoundTripAndRefusals) {
  silt::logproto::PushRequest req;
  auto* ok = req.add_streams();
  ok->set_labels("{job=\"promtail\", host=\"a\"}");
  for (int i = 0; i < 3; ++i) {
    auto* e = ok->add_entries();
    e->mutable_timestamp()->set_seconds(100 + i);
    e->set_line(i == 1 ? std::string(300, 'x') : "line " + std::to_string(i));
  }
  auto* bad = req.add_streams();  // no labels: refused, as Loki does
  bad->set_labels("{}");
  bad->add_entries()->set_line("lost");
  auto* broken = req.add_streams();
  broken->set_labels("{job=");
  broken->add_entries()->set_line("lost too");
  ASSERT_TRUE(Decode(Snappy(req.SerializeAsString()), 256).ok());
  EXPECT_EQ(result_.accepted, 2u);
  ASSERT_EQ(result_.errors.size(), 3u);
  EXPECT_NE(result_.errors[0].find("entry too long: 300 bytes"),
            std::string::npos);
  EXPECT_EQ(result_.errors[1],
            "error at least one label pair is required per stream");
  EXPECT_NE(result_.errors[2].find("error parsing labels"), std::string::npos);
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.line(1), "line 2");
  EXPECT_EQ(LabelsToString(batch_.origins[batch_.record(1).origin]),
            "{host=\"a\", job=\"promtail\"}");
}

TEST_F(LokiPushProtoTest, LinesThatAreNotUtf8AreKept) {
  silt::logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels("{app=\"x\"}");
  s->add_entries()->set_line(std::string("bad \xff\xfe bytes"));
  ASSERT_TRUE(Decode(Snappy(req.SerializeAsString())).ok());
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.line(0), "bad \xff\xfe bytes");
}

TEST_F(LokiPushProtoTest, BadBodiesAreInvalidArgument) {
  EXPECT_EQ(Decode("not snappy at all").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Decode(Snappy("\xff\xff\xff garbage")).code(),
            absl::StatusCode::kInvalidArgument);
  // Uncompressed size past the limit: refused before decompressing.
  absl::Status st = Decode(Snappy(std::string(10000, 'a')), 1 << 20, 1000);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("too large"), std::string::npos);
  EXPECT_TRUE(batch_.empty());
  // An empty request is fine.
  EXPECT_TRUE(Decode(Snappy("")).ok());
}

}  // namespace
}  // namespace silt::parse
