#include "index/stream_index.h"

#include <thread>

#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silt::index {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Matcher M(std::string name, Matcher::Op op, std::string value) {
  auto m = Matcher::Create(std::move(name), op, std::move(value));
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

class StreamIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // id 1: api/info, 2: api/error, 3: web/info (no env), 4: db (no level)
    index_.Add("default", 1,
               {{"app", "api"}, {"env", "prod"}, {"level", "info"}});
    index_.Add("default", 2,
               {{"app", "api"}, {"env", "dev"}, {"level", "error"}});
    index_.Add("default", 3, {{"app", "web"}, {"level", "info"}});
    index_.Add("default", 4, {{"app", "db"}, {"env", "prod"}});
    index_.Add("other", 9, {{"app", "api"}, {"level", "info"}});
  }
  StreamIndex index_;
};

using Op = Matcher::Op;

TEST_F(StreamIndexTest, EqualityIntersectsPostings) {
  EXPECT_THAT(index_.Match("default", {M("app", Op::kEq, "api")}),
              ElementsAre(1, 2));
  EXPECT_THAT(index_.Match("default", {M("app", Op::kEq, "api"),
                                       M("level", Op::kEq, "info")}),
              ElementsAre(1));
  EXPECT_THAT(index_.Match("default", {M("app", Op::kEq, "nope")}), IsEmpty());
  EXPECT_THAT(index_.Match("default", {M("nolabel", Op::kEq, "x")}), IsEmpty());
}

TEST_F(StreamIndexTest, NotEqual) {
  EXPECT_THAT(index_.Match("default", {M("app", Op::kEq, "api"),
                                       M("level", Op::kNe, "info")}),
              ElementsAre(2));
  // A missing label is "": != "info" keeps the stream without `level`.
  EXPECT_THAT(index_.Match("default", {M("level", Op::kNe, "info")}),
              ElementsAre(2, 4));
}

TEST_F(StreamIndexTest, RegexIsFullMatch) {
  EXPECT_THAT(index_.Match("default", {M("app", Op::kRe, "api|web")}),
              ElementsAre(1, 2, 3));
  EXPECT_THAT(index_.Match("default", {M("app", Op::kRe, "ap")}), IsEmpty());
  EXPECT_THAT(index_.Match("default", {M("app", Op::kRe, ".+")}),
              ElementsAre(1, 2, 3, 4));
}

TEST_F(StreamIndexTest, NegativeRegex) {
  EXPECT_THAT(index_.Match("default", {M("app", Op::kRe, ".+"),
                                       M("app", Op::kNre, "a.*")}),
              ElementsAre(3, 4));
}

TEST_F(StreamIndexTest, MissingLabelEqualsEmpty) {
  // env="" selects streams without env.
  EXPECT_THAT(
      index_.Match("default", {M("app", Op::kRe, ".+"), M("env", Op::kEq, "")}),
      ElementsAre(3));
  EXPECT_THAT(index_.Match("default", {M("app", Op::kRe, ".+"),
                                       M("env", Op::kRe, "prod|")}),
              ElementsAre(1, 3, 4));
  EXPECT_THAT(index_.Match("default", {M("app", Op::kRe, ".+"),
                                       M("level", Op::kNre, ".+")}),
              ElementsAre(4));
}

TEST_F(StreamIndexTest, TenantsAreIsolated) {
  EXPECT_THAT(index_.Match("other", {M("app", Op::kEq, "api")}),
              ElementsAre(9));
  EXPECT_THAT(index_.Match("nobody", {M("app", Op::kEq, "api")}), IsEmpty());
  EXPECT_FALSE(index_.Get("other", 1).has_value());
  ASSERT_TRUE(index_.Get("other", 9).has_value());
  EXPECT_THAT(index_.LabelNames("other"), ElementsAre("app", "level"));
  EXPECT_THAT(index_.LabelValues("other", "app"), ElementsAre("api"));
}

TEST_F(StreamIndexTest, LabelNamesAndValues) {
  EXPECT_THAT(index_.LabelNames("default"), ElementsAre("app", "env", "level"));
  EXPECT_THAT(index_.LabelValues("default", "app"),
              ElementsAre("api", "db", "web"));
  std::vector<uint64_t> some = {3, 4};
  EXPECT_THAT(index_.LabelNames("default", &some),
              ElementsAre("app", "env", "level"));
  EXPECT_THAT(index_.LabelValues("default", "env", &some), ElementsAre("prod"));
  EXPECT_THAT(index_.LabelValues("default", "missing"), IsEmpty());
}

TEST_F(StreamIndexTest, AddIsIdempotent) {
  int64_t before = Metrics().active_streams.With({}).value();
  index_.Add("default", 1,
             {{"app", "api"}, {"env", "prod"}, {"level", "info"}});
  EXPECT_EQ(index_.stream_count(), 5u);
  EXPECT_EQ(Metrics().active_streams.With({}).value(), before);
  index_.Add("default", 5, {{"app", "new"}});
  EXPECT_EQ(Metrics().active_streams.With({}).value(), before + 1);
}

TEST_F(StreamIndexTest, ResolveAssignsIds) {
  RecordBatch batch;
  batch.tenant = "t1";
  Labels labels = {{"app", "x"}};
  batch.streams.push_back({labels, LabelsToString(labels), 0});
  index_.Resolve(&batch);
  EXPECT_EQ(batch.streams[0].id, StreamId("t1", LabelsToString(labels)));
  EXPECT_THAT(index_.Match("t1", {M("app", Op::kEq, "x")}),
              ElementsAre(batch.streams[0].id));
  EXPECT_THAT(index_.Match("default", {M("app", Op::kEq, "x")}), IsEmpty());
}

TEST_F(StreamIndexTest, ConcurrentAddAndMatch) {
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([this, w] {
      for (int i = 0; i < 2000; ++i) {
        uint64_t id = 1000 + w * 10000 + i;
        index_.Add(
            "conc", id,
            {{"app", "c"}, {"n", std::to_string(i)}, {"w", std::to_string(w)}});
      }
    });
  }
  std::atomic<bool> bad{false};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([this, &bad] {
      for (int i = 0; i < 200; ++i) {
        auto ids = index_.Match("conc", {M("app", Op::kEq, "c")});
        if (!std::is_sorted(ids.begin(), ids.end())) bad = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(bad);
  EXPECT_EQ(index_.Match("conc", {M("app", Op::kEq, "c")}).size(), 4000u);
  EXPECT_EQ(index_.Match("conc", {M("w", Op::kEq, "1"), M("n", Op::kRe, "1.*")})
                .size(),
            1111u);
}

TEST(MatcherTest, OpsAndToString) {
  EXPECT_TRUE(M("a", Op::kEq, "x").Matches("x"));
  EXPECT_FALSE(M("a", Op::kEq, "x").Matches("y"));
  EXPECT_TRUE(M("a", Op::kNe, "x").Matches("y"));
  EXPECT_TRUE(M("a", Op::kRe, "x.*").Matches("xyz"));
  EXPECT_FALSE(M("a", Op::kRe, "x").Matches("xyz"));
  EXPECT_TRUE(M("a", Op::kNre, "x").Matches("xyz"));
  EXPECT_TRUE(M("a", Op::kRe, ".*").MatchesEmpty());
  EXPECT_FALSE(M("a", Op::kRe, ".+").MatchesEmpty());
  EXPECT_TRUE(M("a", Op::kNe, "x").MatchesEmpty());
  EXPECT_EQ(M("a", Op::kEq, "x").ToString(), "a=\"x\"");
  EXPECT_EQ(M("a", Op::kNe, "q\"t").ToString(), "a!=\"q\\\"t\"");
  EXPECT_EQ(M("a", Op::kRe, "x.*").ToString(), "a=~\"x.*\"");
  EXPECT_EQ(M("a", Op::kNre, "y").ToString(), "a!~\"y\"");
  auto bad = Matcher::Create("a", Op::kRe, "(");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace silt::index
