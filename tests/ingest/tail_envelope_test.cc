#include "ingest/internal/tail_envelope.h"

#include <gtest/gtest.h>

#include <string>

#include "common/time_util.h"

namespace silt::ingest::internal {
namespace {

// Copies `line` with the padding DecodeDocker needs after it.
class Padded {
 public:
  explicit Padded(std::string line) : buf_(std::move(line)), len_(buf_.size()) {
    buf_.append(EnvelopeDecoder::kPadding, '\0');
  }
  const char* data() const { return buf_.data(); }
  size_t size() const { return len_; }
  std::string_view view() const { return {buf_.data(), len_}; }

 private:
  std::string buf_;
  size_t len_;
};

class TailEnvelopeTest : public ::testing::Test {
 protected:
  bool Docker(const std::string& line, EnvelopeLine* out) {
    Padded p(line);
    bool ok = decoder_.DecodeDocker(p.data(), p.size(), out);
    if (ok) text_ = std::string(out->text);
    return ok;
  }
  Format Detect(const std::string& line) {
    Padded p(line);
    return decoder_.Detect(p.view());
  }
  EnvelopeDecoder decoder_;
  std::string text_;
};

TEST_F(TailEnvelopeTest, DockerFullLineUnescapedWithTimeAndStream) {
  EnvelopeLine l;
  ASSERT_TRUE(Docker(
      R"({"log":"{\"level\":\"info\",\"msg\":\"caf\u00e9 \\\"q\\\"\"}\n","stream":"stderr","time":"2024-05-01T12:00:00.123456789Z"})",
      &l));
  EXPECT_EQ(text_, R"({"level":"info","msg":"café \"q\""})");
  EXPECT_EQ(l.stream, StreamKind::kStderr);
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.ts_ns, *ParseRfc3339Nanos("2024-05-01T12:00:00.123456789Z"));
}

TEST_F(TailEnvelopeTest, DockerLogWithoutNewlineIsPartial) {
  EnvelopeLine l;
  ASSERT_TRUE(Docker(
      R"({"log":"first half ","stream":"stdout","time":"2024-05-01T12:00:00Z"})",
      &l));
  EXPECT_TRUE(l.partial);
  EXPECT_EQ(text_, "first half ");
  EXPECT_EQ(l.stream, StreamKind::kStdout);
}

TEST_F(TailEnvelopeTest, DockerOtherKeysAreSkipped) {
  EnvelopeLine l;
  ASSERT_TRUE(Docker(
      R"({"log":"x\r\n","attrs":{"tag":"a","n":[1,2]},"stream":"stdout","time":"2024-05-01T12:00:00Z"})",
      &l));
  EXPECT_EQ(text_, "x");
  EXPECT_FALSE(l.partial);
}

TEST_F(TailEnvelopeTest, NotDocker) {
  EnvelopeLine l;
  EXPECT_FALSE(Docker("plain text", &l));
  EXPECT_FALSE(Docker(R"({"msg":"no log key"})", &l));
  EXPECT_FALSE(Docker(R"({"log":42,"stream":"stdout"})", &l));
  EXPECT_FALSE(Docker(R"({"log":"cut)", &l));
  EXPECT_FALSE(Docker(R"({"log":"a\n"} trailing)", &l));
}

TEST_F(TailEnvelopeTest, CriFullPartialAndTags) {
  EnvelopeLine l;
  ASSERT_TRUE(EnvelopeDecoder::DecodeCri(
      "2024-05-01T12:00:00.5Z stdout F {\"a\":1}", &l));
  EXPECT_EQ(l.text, "{\"a\":1}");
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.stream, StreamKind::kStdout);
  EXPECT_EQ(l.ts_ns, *ParseRfc3339Nanos("2024-05-01T12:00:00.5Z"));

  ASSERT_TRUE(EnvelopeDecoder::DecodeCri(
      "2024-05-01T12:00:00+02:00 stderr P part one ", &l));
  EXPECT_TRUE(l.partial);
  EXPECT_EQ(l.text, "part one ");
  EXPECT_EQ(l.stream, StreamKind::kStderr);

  ASSERT_TRUE(EnvelopeDecoder::DecodeCri(
      "2024-05-01T12:00:00Z stdout F:x:y tagged", &l));
  EXPECT_EQ(l.text, "tagged");
  ASSERT_TRUE(EnvelopeDecoder::DecodeCri("2024-05-01T12:00:00Z stdout F", &l));
  EXPECT_EQ(l.text, "");
}

TEST_F(TailEnvelopeTest, NotCri) {
  EnvelopeLine l;
  EXPECT_FALSE(EnvelopeDecoder::DecodeCri("hello world how are you", &l));
  EXPECT_FALSE(
      EnvelopeDecoder::DecodeCri("2024-05-01T12:00:00Z stdin F x", &l));
  EXPECT_FALSE(
      EnvelopeDecoder::DecodeCri("2024-05-01T12:00:00Z stdout X x", &l));
  EXPECT_FALSE(
      EnvelopeDecoder::DecodeCri("2024-05-01T12:00:00Z stdout Fx x", &l));
  EXPECT_FALSE(
      EnvelopeDecoder::DecodeCri("not-a-timestamp-at-all stdout F x", &l));
}

TEST_F(TailEnvelopeTest, DetectPerFirstLine) {
  EXPECT_EQ(
      Detect(
          R"({"log":"a\n","stream":"stdout","time":"2024-05-01T12:00:00Z"})"),
      Format::kDocker);
  EXPECT_EQ(Detect("2024-05-01T12:00:00Z stderr F boom"), Format::kCri);
  // An application's JSON with a "log" field is not an envelope.
  EXPECT_EQ(Detect(R"({"log":"app field","level":"info"})"), Format::kRaw);
  EXPECT_EQ(Detect(R"({"time":"2024-05-01T12:00:00Z","msg":"x"})"),
            Format::kRaw);
  EXPECT_EQ(Detect("I0501 12:00:00.000 klog line"), Format::kRaw);
}

}  // namespace
}  // namespace silt::ingest::internal
