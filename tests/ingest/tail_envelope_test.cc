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

// Docker's own key order is read by a fast path, any other order by
// simdjson: both must give the same answer for every `log` value, at every
// place an escape or a bad byte can fall in a 16-byte block.
TEST_F(TailEnvelopeTest, DockerKeyOrderGivesTheSameResult) {
  const std::string logs[] = {
      R"(plain\n)",
      R"(\"quoted\" \\ back\/slash \b\f\r\t tab\n)",
      R"(no newline: partial)",
      R"(caf\u00e9 \ud83d\ude00 pair\n)",
      R"(lone \ud83d surrogate\n)",
      R"(bad \x escape\n)",
      "raw\tcontrol\\n",
      "invalid \xff\xfe utf8\\n",
      "cut at 2 of \xc3",
      "",
      R"(\n)",
  };
  for (const std::string& base : logs) {
    for (size_t pad = 0; pad < 20; ++pad) {
      const std::string log = std::string(pad, 'a') + base;
      const std::string docker =
          R"({"log":")" + log +
          R"(","stream":"stderr","time":"2024-05-01T12:00:00.5Z"})";
      const std::string other =
          R"({"time":"2024-05-01T12:00:00.5Z","stream":"stderr","log":")" +
          log + R"("})";
      EnvelopeLine a, b;
      const bool ok_a = Docker(docker, &a);
      const std::string text_a = ok_a ? text_ : "";
      const bool ok_b = Docker(other, &b);
      const std::string text_b = ok_b ? text_ : "";
      SCOPED_TRACE(docker);
      ASSERT_EQ(ok_a, ok_b);
      if (!ok_a) continue;
      EXPECT_EQ(text_a, text_b);
      EXPECT_EQ(a.partial, b.partial);
      EXPECT_EQ(a.stream, StreamKind::kStderr);
      EXPECT_EQ(b.stream, StreamKind::kStderr);
      EXPECT_EQ(a.ts_ns, b.ts_ns);
      EXPECT_EQ(a.ts_ns, *ParseRfc3339Nanos("2024-05-01T12:00:00.5Z"));
    }
  }
  // Spot checks of what the fast path produced.
  EnvelopeLine l;
  ASSERT_TRUE(Docker(
      R"({"log":"\"q\" \\ \/ \t|\n","stream":"stdout","time":"2024-05-01T12:00:00Z"})",
      &l));
  EXPECT_EQ(text_, "\"q\" \\ / \t|");
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.stream, StreamKind::kStdout);
  EXPECT_FALSE(Docker(
      R"({"log":"bad \x\n","stream":"stdout","time":"2024-05-01T12:00:00Z"})",
      &l));
  EXPECT_FALSE(
      Docker("{\"log\":\"\xff\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-"
             "01T12:00:00Z\"}",
             &l));
  // Not a time: the line is still an envelope, without a time.
  ASSERT_TRUE(
      Docker(R"({"log":"x\n","stream":"stdout","time":"yesterday"})", &l));
  EXPECT_EQ(l.ts_ns, 0);
  // Trailing bytes after the object: not an envelope either way.
  EXPECT_FALSE(Docker(
      R"({"log":"x\n","stream":"stdout","time":"2024-05-01T12:00:00Z"}x)", &l));
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
