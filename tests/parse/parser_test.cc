#include "parse/parser.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"
#include "common/metrics.h"
#include "common/record_batch.h"
#include "gtest/gtest.h"

namespace silt::parse {
namespace {

constexpr int64_t kReceived = 1700000000000000000;  // 2023-11-14
constexpr int64_t kMay1 = 1714557600LL * 1000000000LL;

class ParserTest : public ::testing::Test {
 protected:
  ParserTest() { NewBatch(); }

  void NewBatch() {
    batch_.Reset();
    batch_.input = "parser_test";
    batch_.received_ns = kReceived;
  }

  // Parses `line` alone in a fresh batch; returns its record.
  const Record& One(std::string_view line) {
    NewBatch();
    batch_.Append(line);
    parser_.Parse(&batch_);
    return batch_.record(0);
  }

  std::string Label(size_t i, std::string_view name) const {
    const Labels& labels = batch_.streams.at(batch_.record(i).stream).labels;
    const std::string* v = FindLabel(labels, name);
    return v == nullptr ? "<none>" : *v;
  }
  std::string Key(size_t i) const {
    return batch_.streams.at(batch_.record(i).stream).key;
  }
  static uint64_t Rejected(std::string_view reason) {
    return Metrics()
        .lines_rejected.With({"parser_test", std::string(reason)})
        .value();
  }

  RecordBatch batch_;
  Parser parser_;
};

TEST_F(ParserTest, TopLevelDefaultLabels) {
  One(R"({"service":"api","namespace":"prod","pod":"api-1",)"
      R"("container":"main","level":"info","msg":"hi"})");
  EXPECT_EQ(batch_.record(0).reject, Reject::kNone);
  EXPECT_EQ(Key(0), R"({container="main", level="info", namespace="prod", )"
                    R"(pod="api-1", service="api"})");
}

struct PathCase {
  const char* line;
  const char* label;
  const char* want;
};

TEST_F(ParserTest, EveryDefaultPathNestedAndDotted) {
  const PathCase kCases[] = {
      {R"({"service":"a"})", "service", "a"},
      {R"({"service":{"name":"a"}})", "service", "a"},
      {R"({"service.name":"a"})", "service", "a"},
      {R"({"app":"a"})", "service", "a"},
      {R"({"kubernetes":{"labels":{"app":"a"}}})", "service", "a"},
      {R"({"kubernetes.labels.app":"a"})", "service", "a"},
      {R"({"kubernetes":{"labels.app":"a"}})", "service", "a"},
      {R"({"namespace":"n"})", "namespace", "n"},
      {R"({"kubernetes":{"namespace_name":"n"}})", "namespace", "n"},
      {R"({"kubernetes.namespace_name":"n"})", "namespace", "n"},
      {R"({"k8s":{"namespace":{"name":"n"}}})", "namespace", "n"},
      {R"({"k8s.namespace.name":"n"})", "namespace", "n"},
      {R"({"pod":"p"})", "pod", "p"},
      {R"({"kubernetes":{"pod_name":"p"}})", "pod", "p"},
      {R"({"k8s.pod.name":"p"})", "pod", "p"},
      {R"({"k8s":{"pod.name":"p"}})", "pod", "p"},
      {R"({"container":"c"})", "container", "c"},
      {R"({"kubernetes":{"container_name":"c"}})", "container", "c"},
      {R"({"k8s.container.name":"c"})", "container", "c"},
      {R"({"level":"warn"})", "level", "warn"},
      {R"({"severity":"ERROR"})", "level", "error"},
      {R"({"lvl":"dbg"})", "level", "debug"},
      {R"({"log":{"level":"info"}})", "level", "info"},
      {R"({"log.level":"fatal"})", "level", "fatal"},
      {R"({"severity_text":"Warning"})", "level", "warn"},
  };
  for (const PathCase& c : kCases) {
    One(c.line);
    EXPECT_EQ(batch_.record(0).reject, Reject::kNone) << c.line;
    EXPECT_EQ(Label(0, c.label), c.want) << c.line;
  }
}

TEST_F(ParserTest, FirstPathInRuleOrderWins) {
  One(R"({"app":"from-app","service":"from-service"})");
  EXPECT_EQ(Label(0, "service"), "from-service");
  One(R"({"kubernetes":{"labels":{"app":"k"}},"app":"b"})");
  EXPECT_EQ(Label(0, "service"), "b");
  One(R"({"severity_text":"debug","lvl":"info","severity":"warn"})");
  EXPECT_EQ(Label(0, "level"), "warn");
  // Not a string-valued path: service is an object without "name".
  One(R"({"service":{"version":"1"},"app":"x"})");
  EXPECT_EQ(Label(0, "service"), "x");
}

TEST_F(ParserTest, NestedObjectsOffThePathAreSkipped) {
  One(R"({"a":{"service":"no"},"b":[{"service":"no"}],)"
      R"("kubernetes":{"annotations":{"app":"no"},"pod_name":"p"}})");
  EXPECT_EQ(Label(0, "service"), "<none>");
  EXPECT_EQ(Label(0, "pod"), "p");
}

TEST_F(ParserTest, NonStringValuesBecomeText) {
  One(R"({"service":123,"namespace":true,"pod":null,"container":-1.5})");
  EXPECT_EQ(Label(0, "service"), "123");
  EXPECT_EQ(Label(0, "namespace"), "true");
  EXPECT_EQ(Label(0, "pod"), "<none>");
  EXPECT_EQ(Label(0, "container"), "-1.5");
  One(R"({"service":"","app":"fallback"})");
  EXPECT_EQ(Label(0, "service"), "<none>");
}

TEST_F(ParserTest, EscapedStringsAreUnescaped) {
  One(R"({"service":"a\"b\\c\u00e9\n","msg":"x\"y"})");
  EXPECT_EQ(Label(0, "service"), "a\"b\\c\xC3\xA9\n");
  // A key written with escapes is not matched.
  One(R"({"serv\u0069ce":"a"})");
  EXPECT_EQ(Label(0, "service"), "<none>");
}

TEST_F(ParserTest, LongLabelValuesAreCut) {
  One(R"({"service":")" + std::string(2000, 'x') + R"("})");
  EXPECT_EQ(Label(0, "service").size(), 1024u);
  // Not inside a UTF-8 sequence: 1023 x then a 2-byte character.
  One(R"({"service":")" + std::string(1023, 'x') + "\xC3\xA9" + R"("})");
  EXPECT_EQ(Label(0, "service"), std::string(1023, 'x'));
}

TEST_F(ParserTest, OriginLabelsWin) {
  batch_.origins.push_back({{"service", "origin"}, {"team", "t"}});
  batch_.Append(R"({"service":"line","level":"ERR"})", 1);
  parser_.Parse(&batch_);
  EXPECT_EQ(Key(0), R"({level="error", service="origin", team="t"})");
}

TEST_F(ParserTest, LevelNormalisation) {
  const std::pair<const char*, const char*> kTable[] = {
      {"trace", "trace"},      {"TRACE", "trace"},
      {"verbose", "trace"},    {"debug", "debug"},
      {"DBG", "debug"},        {"D", "debug"},
      {"info", "info"},        {"INFO", "info"},
      {"I", "info"},           {"notice", "info"},
      {"Information", "info"}, {"warn", "warn"},
      {"WARNING", "warn"},     {"W", "warn"},
      {"error", "error"},      {"err", "error"},
      {"E", "error"},          {"ERROR", "error"},
      {"fatal", "fatal"},      {"critical", "fatal"},
      {"crit", "fatal"},       {"alert", "fatal"},
      {"emerg", "fatal"},      {"panic", "fatal"},
      {"F", "fatal"},          {" info ", "info"},
      {"10", "trace"},         {"20", "debug"},
      {"30", "info"},          {"40", "warn"},
      {"50", "error"},         {"60", "fatal"},
      {"0", "fatal"},          {"3", "error"},
      {"4", "warn"},           {"6", "info"},
      {"7", "debug"},          {"8", "8"},
      {"Audit", "audit"},      {"SUCCESS", "success"},
  };
  for (const auto& [raw, want] : kTable) {
    EXPECT_EQ(Parser::NormalizeLevel(raw), want) << raw;
  }
  // Numbers in the line follow the same rule.
  One(R"({"level":30})");
  EXPECT_EQ(Label(0, "level"), "info");
  One(R"({"level":"50"})");
  EXPECT_EQ(Label(0, "level"), "error");
  One(R"({"level":4})");
  EXPECT_EQ(Label(0, "level"), "warn");
  EXPECT_EQ(Parser::OtelSeverityLevel(1), "trace");
  EXPECT_EQ(Parser::OtelSeverityLevel(8), "debug");
  EXPECT_EQ(Parser::OtelSeverityLevel(9), "info");
  EXPECT_EQ(Parser::OtelSeverityLevel(16), "warn");
  EXPECT_EQ(Parser::OtelSeverityLevel(17), "error");
  EXPECT_EQ(Parser::OtelSeverityLevel(24), "fatal");
  EXPECT_EQ(Parser::OtelSeverityLevel(25), "");
}

// Every known spelling, in lower, upper and mixed case, maps to its level;
// near misses (one letter more or less) are kept as they came, lowered.
TEST_F(ParserTest, EveryLevelSpellingInEveryCase) {
  const std::pair<std::string, std::string> kSpellings[] = {
      {"trace", "trace"},      {"trc", "trace"},
      {"finest", "trace"},     {"verbose", "trace"},
      {"v", "trace"},          {"t", "trace"},
      {"debug", "debug"},      {"dbg", "debug"},
      {"d", "debug"},          {"fine", "debug"},
      {"finer", "debug"},      {"info", "info"},
      {"inf", "info"},         {"i", "info"},
      {"information", "info"}, {"informational", "info"},
      {"notice", "info"},      {"n", "info"},
      {"config", "info"},      {"warn", "warn"},
      {"warning", "warn"},     {"wrn", "warn"},
      {"w", "warn"},           {"error", "error"},
      {"err", "error"},        {"eror", "error"},
      {"e", "error"},          {"severe", "error"},
      {"fatal", "fatal"},      {"ftl", "fatal"},
      {"f", "fatal"},          {"critical", "fatal"},
      {"crit", "fatal"},       {"crt", "fatal"},
      {"c", "fatal"},          {"alert", "fatal"},
      {"emerg", "fatal"},      {"emergency", "fatal"},
      {"panic", "fatal"},      {"dpanic", "fatal"},
      {"a", "fatal"},          {"assert", "fatal"},
  };
  for (const auto& [lower, want] : kSpellings) {
    std::string upper = lower, mixed = lower;
    for (size_t i = 0; i < lower.size(); ++i) {
      upper[i] = static_cast<char>(lower[i] - 32);
      if (i % 2 == 0) mixed[i] = upper[i];
    }
    EXPECT_EQ(Parser::NormalizeLevel(lower), want) << lower;
    EXPECT_EQ(Parser::NormalizeLevel(upper), want) << upper;
    EXPECT_EQ(Parser::NormalizeLevel(mixed), want) << mixed;
    EXPECT_EQ(Parser::NormalizeLevel(lower + "x"), lower + "x");
    if (lower.size() > 1) {
      const std::string shorter = lower.substr(1);
      const std::string got = Parser::NormalizeLevel(shorter);
      EXPECT_TRUE(got == shorter ||
                  std::find_if(std::begin(kSpellings), std::end(kSpellings),
                               [&](const auto& s) {
                                 return s.first == shorter && s.second == got;
                               }) != std::end(kSpellings))
          << shorter;
    }
  }
  // Bytes that are one bit (0x20) away from a letter without being one.
  EXPECT_EQ(Parser::NormalizeLevel("inf@"), "inf@");
  EXPECT_EQ(Parser::NormalizeLevel("INF\x0f"), "inf\x0f");
  EXPECT_EQ(Parser::NormalizeLevel("wa\x12n"), "wa\x12n");
  EXPECT_EQ(Parser::NormalizeLevel("DEBU\x07"), "debu\x07");
  EXPECT_EQ(Parser::NormalizeLevel("err\x0fr"), "err\x0fr");
  EXPECT_EQ(Parser::NormalizeLevel(std::string("info\0", 5)),
            std::string("info\0", 5));
  EXPECT_EQ(Parser::NormalizeLevel("FaTaL"), "fatal");
  EXPECT_EQ(Parser::NormalizeLevel(" WARN"), "warn");
  EXPECT_EQ(Parser::NormalizeLevel("_info"), "_info");
  EXPECT_EQ(Parser::NormalizeLevel("{"), "{");
}

TEST_F(ParserTest, TimestampsInEveryForm) {
  const std::pair<const char*, int64_t> kCases[] = {
      {R"({"time":"2024-05-01T10:00:00Z"})", kMay1},
      {R"({"time":"2024-05-01T12:00:00.5+02:00"})", kMay1 + 500000000},
      {R"({"timestamp":"2024-05-01T10:00:00.123456789Z"})", kMay1 + 123456789},
      {R"({"ts":1714557600})", kMay1},
      {R"({"ts":1714557600123})", kMay1 + 123000000},
      {R"({"ts":1714557600123456})", kMay1 + 123456000},
      {R"({"ts":1714557600123456789})", kMay1 + 123456789},
      {R"({"ts":1714557600.25})", kMay1 + 250000000},
      {R"({"ts":1714557600123.5})", kMay1 + 123500000},
      {R"({"ts":"1714557600123"})", kMay1 + 123000000},
      {R"({"ts":"1714557600.000001"})", kMay1 + 1000},
      {R"({"ts":1.7145576e9})", kMay1},
      {R"({"@timestamp":"2024-05-01T10:00:00Z"})", kMay1},
      // Field order in the rule wins over order in the line.
      {R"({"ts":1,"time":"2024-05-01T10:00:00Z"})", kMay1},
      // Not a time: received_ns.
      {R"({"time":"yesterday"})", kReceived},
      {R"({"time":"2024-05-01 10:00:00"})", kReceived},
      {R"({"time":true})", kReceived},
      {R"({"time":-5})", kReceived},
      {R"({"time":{"sec":1}})", kReceived},
      {R"({"msg":"no time"})", kReceived},
  };
  for (const auto& [line, want] : kCases) {
    EXPECT_EQ(One(line).ts_ns, want) << line;
  }
}

TEST_F(ParserTest, SourceTimestampIsKept) {
  batch_.Append(R"({"time":"2024-05-01T10:00:00Z"})", 0, 42);
  batch_.Append("not json", 0, 43);
  parser_.Parse(&batch_);
  EXPECT_EQ(batch_.record(0).ts_ns, 42);
  EXPECT_EQ(batch_.record(1).ts_ns, 43);
}

TEST_F(ParserTest, SourceTimestampAsFallbackLosesToTheLine) {
  // A container log envelope's time: the line's own time wins; the
  // envelope's is used when the line has none (or is not JSON).
  batch_.source_ts_fallback = true;
  batch_.Append(R"({"time":"2024-05-01T10:00:00Z"})", 0, 42);
  batch_.Append(R"({"msg":"no time"})", 0, 43);
  batch_.Append("not json", 0, 44);
  batch_.Append(R"({"msg":"neither"})");
  parser_.Parse(&batch_);
  EXPECT_EQ(batch_.record(0).ts_ns, kMay1);
  EXPECT_EQ(batch_.record(1).ts_ns, 43);
  EXPECT_EQ(batch_.record(2).ts_ns, 44);
  EXPECT_EQ(batch_.record(3).ts_ns, kReceived);
}

TEST_F(ParserTest, RejectedLineWithoutTimeGetsReceived) {
  EXPECT_EQ(One("plain text").ts_ns, kReceived);
}

TEST_F(ParserTest, TraceIdsInEverySpelling) {
  const char* kLines[] = {
      R"({"trace_id":"abc","span_id":"s1"})",
      R"({"traceId":"abc","spanId":"s1"})",
      R"({"traceID":"abc","spanID":"s1"})",
      R"({"trace.id":"abc","span.id":"s1"})",
      R"({"trace":{"id":"abc"},"span":{"id":"s1"}})",
  };
  for (const char* line : kLines) {
    One(line);
    EXPECT_EQ(batch_.trace_id(0), "abc") << line;
    EXPECT_EQ(batch_.span_id(0), "s1") << line;
  }
}

TEST_F(ParserTest, Traceparent) {
  constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
  constexpr const char* kSpan = "00f067aa0ba902b7";
  One(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-)"
      R"(00f067aa0ba902b7-01"})");
  EXPECT_EQ(batch_.trace_id(0), kTrace);
  EXPECT_EQ(batch_.span_id(0), kSpan);
  // An explicit id wins; the span still comes from traceparent.
  One(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-)"
      R"(00f067aa0ba902b7-01","trace_id":"explicit"})");
  EXPECT_EQ(batch_.trace_id(0), "explicit");
  EXPECT_EQ(batch_.span_id(0), kSpan);
  const char* kBad[] = {
      R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"})",
      R"({"traceparent":"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})",
      R"({"traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"})",
      R"({"traceparent":"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"})",
      R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"})",
  };
  for (const char* line : kBad) {
    One(line);
    EXPECT_EQ(batch_.trace_id(0), "") << line;
    EXPECT_EQ(batch_.span_id(0), "") << line;
  }
}

TEST_F(ParserTest, InvalidJsonIsKeptCountedAndFallbackLabelled) {
  const char* kLines[] = {
      "plain text line",
      R"({"service":"a",)",
      R"({"service":"a"} trailing)",
      R"({"a":1}{"b":2})",
      R"([{"service":"a"}])",
      "12345",
      R"("just a string")",
      "",
      "   ",
      R"({"a" 1})",
  };
  for (const char* line : kLines) {
    NewBatch();
    batch_.fallback_labels = {{"job", "fallback"}};
    batch_.Append(line);
    const uint64_t before = Rejected("invalid_json");
    parser_.Parse(&batch_);
    EXPECT_EQ(batch_.record(0).reject, Reject::kInvalidJson) << line;
    EXPECT_EQ(Rejected("invalid_json"), before + 1) << line;
    EXPECT_EQ(Key(0), R"({job="fallback"})") << line;
    EXPECT_EQ(batch_.line(0), line);
    EXPECT_EQ(batch_.record(0).ts_ns, kReceived);
  }
}

TEST_F(ParserTest, RejectedLineGetsOriginLabels) {
  batch_.fallback_labels = {{"job", "fallback"}};
  batch_.origins.push_back({{"app", "origin"}});
  batch_.Append("not json", 1);
  parser_.Parse(&batch_);
  EXPECT_EQ(Key(0), R"({app="origin"})");
}

TEST_F(ParserTest, InvalidUtf8) {
  const char* kLines[] = {
      "{\"msg\":\"\xff\xfe\"}", "plain \xc3\x28 text",
      "{\"msg\":\"\xe2\x82\"",  // broken JSON and broken UTF-8
  };
  for (const char* line : kLines) {
    NewBatch();
    batch_.fallback_labels = {{"job", "f"}};
    batch_.Append(line);
    const uint64_t before = Rejected("invalid_utf8");
    parser_.Parse(&batch_);
    EXPECT_EQ(batch_.record(0).reject, Reject::kInvalidUtf8) << line;
    EXPECT_EQ(Rejected("invalid_utf8"), before + 1);
    EXPECT_EQ(Key(0), R"({job="f"})");
    EXPECT_EQ(batch_.line(0), line);
  }
}

TEST_F(ParserTest, EmptyObjectIsCleanButUnlabelled) {
  batch_.fallback_labels = {{"job", "f"}};
  batch_.Append("{}");
  batch_.Append("{ }");
  parser_.Parse(&batch_);
  EXPECT_EQ(batch_.record(0).reject, Reject::kNone);
  EXPECT_EQ(Key(0), R"({job="f"})");
  EXPECT_EQ(batch_.record(1).stream, batch_.record(0).stream);
  // Without fallback labels the stream has no label at all.
  One("{}");
  EXPECT_EQ(Key(0), "{}");
}

TEST_F(ParserTest, TruncatedLinesAreReadBestEffortAndNotCounted) {
  const char* kCuts[] = {
      R"({"time":"2024-05-01T10:00:00Z","level":"error","service":"api","msg":"very lo)",
      R"({"time":"2024-05-01T10:00:00Z","level":"error","service":"api","msg":"ab\)",
      "{\"time\":\"2024-05-01T10:00:00Z\",\"level\":\"error\",\"service\":"
      "\"api\","
      "\"msg\":\"caf\xC3",  // cut inside a UTF-8 sequence
      R"({"time":"2024-05-01T10:00:00Z","level":"error","service":"api","n":12)",
  };
  for (const char* line : kCuts) {
    NewBatch();
    batch_.Append(line);
    batch_.record(0).reject = Reject::kTruncated;
    const uint64_t json = Rejected("invalid_json");
    const uint64_t utf8 = Rejected("invalid_utf8");
    const uint64_t cut = Rejected("line_too_long");
    parser_.Parse(&batch_);
    EXPECT_EQ(batch_.record(0).reject, Reject::kTruncated) << line;
    EXPECT_EQ(Label(0, "level"), "error") << line;
    EXPECT_EQ(Label(0, "service"), "api") << line;
    EXPECT_EQ(batch_.record(0).ts_ns, kMay1) << line;
    EXPECT_EQ(batch_.line(0), line);
    EXPECT_EQ(Rejected("invalid_json"), json);
    EXPECT_EQ(Rejected("invalid_utf8"), utf8);
    EXPECT_EQ(Rejected("line_too_long"), cut);
  }
  // Cut before any field: only origin/fallback labels.
  NewBatch();
  batch_.fallback_labels = {{"job", "f"}};
  batch_.Append(R"({"serv)");
  batch_.record(0).reject = Reject::kTruncated;
  parser_.Parse(&batch_);
  EXPECT_EQ(Key(0), R"({job="f"})");
}

TEST_F(ParserTest, SameLabelsShareOneStream) {
  batch_.Append(R"({"service":"a","level":"info","msg":"1"})");
  batch_.Append(R"({"level":"INFO","app":"a","msg":"2"})");
  batch_.Append(R"({"service":"b","level":"info"})");
  batch_.Append(R"({"service":"a","level":"info","msg":"3"})");
  parser_.Parse(&batch_);
  ASSERT_EQ(batch_.streams.size(), 2u);
  EXPECT_EQ(batch_.record(0).stream, batch_.record(1).stream);
  EXPECT_EQ(batch_.record(0).stream, batch_.record(3).stream);
  EXPECT_NE(batch_.record(0).stream, batch_.record(2).stream);
  EXPECT_EQ(batch_.streams[0].key, LabelsToString(batch_.streams[0].labels));
  EXPECT_EQ(batch_.streams[0].id, 0u);
}

TEST_F(ParserTest, OriginAndLineGivingSameLabelsShareOneStream) {
  batch_.origins.push_back({{"service", "a"}});
  batch_.Append(R"({"msg":"from origin"})", 1);
  batch_.Append(R"({"service":"a"})", 0);
  parser_.Parse(&batch_);
  EXPECT_EQ(batch_.streams.size(), 1u);
  EXPECT_EQ(batch_.record(0).stream, batch_.record(1).stream);
}

TEST_F(ParserTest, StreamsOfEarlierBatchesComeBackWithTheirOwnContext) {
  // The parser keeps label sets across batches; what they depend on besides
  // the line (origin labels, fallback labels) must still be this batch's.
  const std::string plain = R"({"msg":"no labels"})";
  const std::string api = R"({"service":"api","level":"warn"})";
  for (int round = 0; round < 3; ++round) {
    NewBatch();
    batch_.fallback_labels = {{"source", round == 1 ? "http" : "tcp"}};
    batch_.origins.push_back({{"pod", "p" + std::to_string(round)}});
    batch_.Append(api);
    batch_.Append(plain);
    batch_.Append(api, 1);
    batch_.Append(plain, 1);
    batch_.Append("not json");
    parser_.Parse(&batch_);
    ASSERT_EQ(batch_.streams.size(), 4u) << round;
    EXPECT_EQ(Key(0), R"({level="warn", service="api"})");
    EXPECT_EQ(Key(1), round == 1 ? R"({source="http"})" : R"({source="tcp"})");
    const std::string pod = "p" + std::to_string(round);
    EXPECT_EQ(Key(2), R"({level="warn", pod=")" + pod + R"(", service="api"})");
    EXPECT_EQ(Key(3), R"({pod=")" + pod + R"("})");
    EXPECT_EQ(Key(4), Key(1));
    EXPECT_EQ(batch_.streams[batch_.record(2).stream].labels.size(), 3u);
    for (const BatchStream& st : batch_.streams) {
      EXPECT_EQ(st.key, LabelsToString(st.labels));
      EXPECT_EQ(st.id, 0u);
    }
  }
}

TEST_F(ParserTest, ManyLinesPaddingOnlyAtTheEnd) {
  constexpr int kLines = 2000;
  for (int i = 0; i < kLines; ++i) {
    std::string line = R"({"ts":)" + std::to_string(1714557600000 + i) +
                       R"(,"service":"svc-)" + std::to_string(i % 7) +
                       R"(","n":)" + std::to_string(i) + "}";
    if (i % 100 == 99) line = "text line " + std::to_string(i);
    batch_.Append(line);
  }
  parser_.Parse(&batch_);
  EXPECT_EQ(batch_.streams.size(), 8u);  // 7 services + unlabelled text
  for (int i = 0; i < kLines; ++i) {
    const Record& r = batch_.record(i);
    if (i % 100 == 99) {
      EXPECT_EQ(r.reject, Reject::kInvalidJson) << i;
      continue;
    }
    ASSERT_EQ(r.reject, Reject::kNone) << i;
    EXPECT_EQ(r.ts_ns, kMay1 + int64_t{i} * 1000000) << i;
    EXPECT_EQ(Label(i, "service"), "svc-" + std::to_string(i % 7)) << i;
  }
}

TEST_F(ParserTest, NumberLineFollowedByDigits) {
  // Lines sit back to back in the arena: "12" is followed by "34".
  batch_.Append("12");
  batch_.Append("34");
  batch_.Append(R"({"ts":17)");
  batch_.Append("14557600}");
  parser_.Parse(&batch_);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch_.record(i).reject, Reject::kInvalidJson) << i;
    EXPECT_EQ(batch_.record(i).ts_ns, kReceived) << i;
  }
}

TEST_F(ParserTest, LineExactlyAtArenaEnd) {
  // Written through Reserve/CommitBytes: the last line ends where the
  // padding starts.
  const std::string a = R"({"service":"first"})";
  const std::string b = R"({"service":"last","level":"warn"})";
  char* dst = batch_.Reserve(a.size() + b.size());
  std::memcpy(dst, a.data(), a.size());
  std::memcpy(dst + a.size(), b.data(), b.size());
  batch_.CommitBytes(a.size() + b.size());
  batch_.AddRecord(0, static_cast<uint32_t>(a.size()));
  batch_.AddRecord(static_cast<uint32_t>(a.size()),
                   static_cast<uint32_t>(b.size()));
  ASSERT_EQ(batch_.record(1).offset + batch_.record(1).length,
            batch_.arena_bytes());
  parser_.Parse(&batch_);
  EXPECT_EQ(Label(0, "service"), "first");
  EXPECT_EQ(Label(1, "service"), "last");
  EXPECT_EQ(Label(1, "level"), "warn");
}

TEST_F(ParserTest, BatchReuse) {
  batch_.Append(R"({"service":"a"})");
  parser_.Parse(&batch_);
  ASSERT_EQ(batch_.streams.size(), 1u);
  NewBatch();
  batch_.Append(R"({"service":"b"})");
  batch_.Append(R"({"service":"a"})");
  parser_.Parse(&batch_);
  ASSERT_EQ(batch_.streams.size(), 2u);
  EXPECT_EQ(Label(0, "service"), "b");
  EXPECT_EQ(Label(1, "service"), "a");
}

TEST_F(ParserTest, MutatedLinesNeverBreakTheBatch) {
  // Deterministic mutations (byte flips, cuts) of a realistic line: every
  // record must come out with a stream and either clean or rejected.
  const std::string base =
      R"({"time":"2024-05-01T10:00:00.5Z","level":"info","kubernetes":)"
      R"({"pod_name":"p","labels":{"app":"a"}},"trace":{"id":"t"},)"
      R"("traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",)"
      R"("msg":"café "q"","n":[1,2,{"x":null}]})";
  uint64_t state = 7;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int i = 0; i < 3000; ++i) {
    std::string line = base;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f) {
      line[next() % line.size()] = static_cast<char>(next() & 0xff);
    }
    if (next() % 3 == 0) line.resize(next() % line.size());
    const uint32_t r = batch_.Append(line);
    if (next() % 5 == 0) batch_.record(r).reject = Reject::kTruncated;
  }
  parser_.Parse(&batch_);
  for (size_t i = 0; i < batch_.size(); ++i) {
    ASSERT_LT(batch_.record(i).stream, batch_.streams.size());
    ASSERT_NE(batch_.record(i).ts_ns, 0);
  }
}

TEST_F(ParserTest, CustomRules) {
  ParseOptions options;
  options.labels = {
      {"env", {"env", "resource.attributes.deployment.environment"}}};
  options.time_fields = {"event.time"};
  Parser parser(options);
  batch_.Append(
      R"({"resource":{"attributes":{"deployment.environment":"prod"}},)"
      R"("event":{"time":"2024-05-01T10:00:00Z"},"service":"ignored"})");
  parser.Parse(&batch_);
  EXPECT_EQ(Key(0), R"({env="prod"})");
  EXPECT_EQ(batch_.record(0).ts_ns, kMay1);
}

TEST_F(ParserTest, DefaultRulesMatchTheDesign) {
  const std::vector<LabelRule> rules = ParseOptions::DefaultLabelRules();
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(rules[0].label, "service");
  EXPECT_EQ(rules[4].label, "level");
  EXPECT_EQ(rules[4].paths.size(), 5u);
}

}  // namespace
}  // namespace silt::parse
