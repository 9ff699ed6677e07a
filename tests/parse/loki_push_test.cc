#include "parse/loki_push.h"

#include <string>

#include "common/metrics.h"
#include "common/record_batch.h"
#include "gtest/gtest.h"
#include "parse/parser.h"

namespace silt::parse {
namespace {

class LokiPushTest : public ::testing::Test {
 protected:
  LokiPushTest() { batch_.input = "push_test"; }

  absl::Status Decode(std::string_view body, size_t max_line = 1 << 20) {
    result_ = PushResult();
    return DecodeLokiPushJson(body, max_line, &batch_, &result_);
  }

  RecordBatch batch_;
  PushResult result_;
};

TEST_F(LokiPushTest, ValidBody) {
  ASSERT_TRUE(Decode(R"({"streams":[
    {"stream":{"app":"api","env":"prod"},"values":[
      ["1570818238000000000","first"],["1570818239000000000","second"]]},
    {"stream":{"app":"web"},"values":[["1570818240000000001","third"]]}]})")
                  .ok());
  EXPECT_EQ(result_.accepted, 3u);
  EXPECT_TRUE(result_.errors.empty());
  ASSERT_EQ(batch_.size(), 3u);
  ASSERT_EQ(batch_.origins.size(), 3u);
  EXPECT_EQ(LabelsToString(batch_.origins[1]), R"({app="api", env="prod"})");
  EXPECT_EQ(LabelsToString(batch_.origins[2]), R"({app="web"})");
  EXPECT_EQ(batch_.line(0), "first");
  EXPECT_EQ(batch_.record(0).origin, 1u);
  EXPECT_EQ(batch_.record(0).ts_ns, 1570818238000000000);
  EXPECT_EQ(batch_.line(2), "third");
  EXPECT_EQ(batch_.record(2).origin, 2u);
  EXPECT_EQ(batch_.record(2).ts_ns, 1570818240000000001);
  EXPECT_EQ(batch_.metadata(0), "");
}

TEST_F(LokiPushTest, StructuredMetadata) {
  ASSERT_TRUE(Decode(R"({"streams":[{"stream":{"app":"api"},"values":[
    ["1","l1",{"trace_id":"ab12","user":"x\"y"}],
    ["2","l2",{"traceId":"cd","spanId":"ef"}],
    ["3","l3",{}]]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 3u);
  EXPECT_EQ(batch_.metadata(0), R"({"trace_id":"ab12","user":"x\"y"})");
  EXPECT_EQ(batch_.trace_id(0), "ab12");
  EXPECT_EQ(batch_.trace_id(1), "cd");
  EXPECT_EQ(batch_.span_id(1), "ef");
  EXPECT_EQ(batch_.metadata(2), "");
}

TEST_F(LokiPushTest, NumbersAsTimestamps) {
  ASSERT_TRUE(Decode(R"({"streams":[{"stream":{"a":"b"},"values":[
    [1570818238000000000,"int"],[1.5e18,"float"]]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.record(0).ts_ns, 1570818238000000000);
  EXPECT_EQ(batch_.record(1).ts_ns, 1500000000000000000);
}

TEST_F(LokiPushTest, MalformedBodiesAppendNothing) {
  const char* kBodies[] = {
      "",
      "not json",
      "[]",
      R"({"streams":{}})",
      R"({"stream":[]})",
      R"({"streams":[1]})",
      R"({"streams":[{"stream":{"a":"b"}}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":{}}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["1"]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["1","l",{},4]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["x","l"]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["-1","l"]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[[-1,"l"]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["1",5]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["1","l",[]]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["1","l",{"k":1}]]}]})",
      R"({"streams":[{"stream":{"a":1},"values":[["1","l"]]}]})",
      R"({"streams":[{"stream":"a","values":[["1","l"]]}]})",
      R"({"streams":[{"values":[["1","l"]]}]})",
      // A valid stream before the broken one is not kept either.
      R"({"streams":[{"stream":{"a":"b"},"values":[["1","ok"]]},)"
      R"({"stream":{"a":"c"},"values":[["1"]]}]})",
      R"({"streams":[{"stream":{"a":"b"},"values":[["1","ok"]]}]} x)",
  };
  for (const char* body : kBodies) {
    batch_.Reset();
    absl::Status st = Decode(body);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_FALSE(st.message().empty());
    EXPECT_EQ(batch_.size(), 0u) << body;
    EXPECT_EQ(batch_.origins.size(), 1u) << body;
    EXPECT_EQ(result_.accepted, 0u);
  }
}

TEST_F(LokiPushTest, MalformedMessageSaysWhere) {
  absl::Status st = Decode(
      R"({"streams":[{"stream":{"a":"b"},"values":[["1","l"],["x","l"]]}]})");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("streams[0].values[1]"), std::string::npos)
      << st.message();
}

TEST_F(LokiPushTest, LongEntriesRefusedOneByOne) {
  ASSERT_TRUE(Decode(R"({"streams":[{"stream":{"app":"a"},"values":[
    ["1","short"],["2","this line is far too long"],["3","ok"]]}]})",
                     10)
                  .ok());
  EXPECT_EQ(result_.accepted, 2u);
  ASSERT_EQ(result_.errors.size(), 1u);
  EXPECT_EQ(result_.errors[0],
            R"(stream '{app="a"}' has an entry too long: 25 bytes, limit 10)");
  ASSERT_EQ(batch_.size(), 2u);
  EXPECT_EQ(batch_.line(0), "short");
  EXPECT_EQ(batch_.line(1), "ok");
}

TEST_F(LokiPushTest, StreamWithoutLabelsIsRefused) {
  ASSERT_TRUE(Decode(R"({"streams":[
    {"stream":{},"values":[["1","lost"],["2","lost"]]},
    {"stream":{"app":"a"},"values":[["3","kept"]]}]})")
                  .ok());
  ASSERT_EQ(result_.errors.size(), 1u);
  EXPECT_EQ(result_.errors[0],
            "error at least one label pair is required per stream");
  EXPECT_EQ(result_.accepted, 1u);
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(batch_.line(0), "kept");
}

TEST_F(LokiPushTest, InvalidLabelNameIsRefused) {
  ASSERT_TRUE(Decode(R"({"streams":[
    {"stream":{"1bad":"x"},"values":[["1","lost"]]},
    {"stream":{"good_name":"a"},"values":[["3","kept"]]}]})")
                  .ok());
  ASSERT_EQ(result_.errors.size(), 1u);
  EXPECT_NE(result_.errors[0].find("1bad"), std::string::npos);
  ASSERT_EQ(batch_.size(), 1u);
}

TEST_F(LokiPushTest, LegacyShape) {
  ASSERT_TRUE(Decode(R"({"streams":[{"labels":"{app=\"old\"}","entries":[
    {"ts":"2019-10-11T18:23:58Z","line":"legacy"}]}]})")
                  .ok());
  ASSERT_EQ(batch_.size(), 1u);
  EXPECT_EQ(LabelsToString(batch_.origins[1]), R"({app="old"})");
  EXPECT_EQ(batch_.record(0).ts_ns, 1570818238000000000);
}

TEST_F(LokiPushTest, EmptyStreamsAccepted) {
  EXPECT_TRUE(Decode(R"({"streams":[]})").ok());
  EXPECT_EQ(batch_.size(), 0u);
}

TEST_F(LokiPushTest, PushedStreamLabelsWinWhenParsed) {
  ASSERT_TRUE(Decode(R"({"streams":[{"stream":{"service":"pushed"},"values":[
    ["1","{\"service\":\"line\",\"level\":\"warning\"}"],["2","plain"]]}]})")
                  .ok());
  Parser parser;
  parser.Parse(&batch_);
  EXPECT_EQ(batch_.streams[batch_.record(0).stream].key,
            R"({level="warn", service="pushed"})");
  EXPECT_EQ(batch_.streams[batch_.record(1).stream].key,
            R"({service="pushed"})");
  EXPECT_EQ(batch_.record(0).ts_ns, 1);
}

class SplitNdjsonTest : public ::testing::Test {
 protected:
  SplitNdjsonTest() { batch_.input = "ndjson_test"; }
  RecordBatch batch_;
};

TEST_F(SplitNdjsonTest, Lines) {
  EXPECT_EQ(SplitNdjson("a\nb\r\n\n\r\n c\nlast", 100, &batch_), 4u);
  ASSERT_EQ(batch_.size(), 4u);
  EXPECT_EQ(batch_.line(0), "a");
  EXPECT_EQ(batch_.line(1), "b");
  EXPECT_EQ(batch_.line(2), " c");
  EXPECT_EQ(batch_.line(3), "last");
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch_.record(i).reject, Reject::kNone);
  }
}

TEST_F(SplitNdjsonTest, EmptyBody) {
  EXPECT_EQ(SplitNdjson("", 100, &batch_), 0u);
  EXPECT_EQ(SplitNdjson("\n\n", 100, &batch_), 0u);
  EXPECT_EQ(batch_.size(), 0u);
}

TEST_F(SplitNdjsonTest, LongLinesAreCutMarkedAndCounted) {
  Counter& counter =
      Metrics().lines_rejected.With({"ndjson_test", "line_too_long"});
  const uint64_t before = counter.value();
  EXPECT_EQ(
      SplitNdjson("0123456789abc\nok\n\xC3\xA9\xC3\xA9\xC3\xA9\n", 5, &batch_),
      3u);
  EXPECT_EQ(batch_.line(0), "01234");
  EXPECT_EQ(batch_.record(0).reject, Reject::kTruncated);
  EXPECT_EQ(batch_.line(1), "ok");
  EXPECT_EQ(batch_.record(1).reject, Reject::kNone);
  EXPECT_EQ(batch_.line(2), "\xC3\xA9\xC3\xA9");  // not inside a character
  EXPECT_EQ(batch_.record(2).reject, Reject::kTruncated);
  EXPECT_EQ(counter.value(), before + 2);
}

}  // namespace
}  // namespace silt::parse
