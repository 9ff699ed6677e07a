#include "common/labels.h"

#include <gtest/gtest.h>

namespace silt {
namespace {

TEST(LabelsTest, CanonicalizeSortsAndFirstDuplicateWins) {
  Labels l = {{"b", "2"}, {"a", "1"}, {"b", "3"}};
  Canonicalize(&l);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], Label("a", "1"));
  EXPECT_EQ(l[1], Label("b", "2"));
}

TEST(LabelsTest, ToStringEscapesAndParsesBack) {
  Labels l = {{"app", "a\"b\\c\nd"}, {"env", "prod"}};
  std::string text = LabelsToString(l);
  EXPECT_EQ(text, "{app=\"a\\\"b\\\\c\\nd\", env=\"prod\"}");
  Labels back;
  ASSERT_TRUE(ParseLabels(text, &back));
  EXPECT_EQ(back, l);
}

TEST(LabelsTest, ParseRejectsBadSyntax) {
  Labels out;
  EXPECT_TRUE(ParseLabels("{}", &out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(ParseLabels("{a=\"x\"", &out));
  EXPECT_FALSE(ParseLabels("{1a=\"x\"}", &out));
  EXPECT_FALSE(ParseLabels("{a=x}", &out));
  EXPECT_FALSE(ParseLabels("{a=\"x\"} trailing", &out));
}

TEST(LabelsTest, StreamIdDependsOnTenantAndKey) {
  EXPECT_EQ(StreamId("t", "{a=\"b\"}"), StreamId("t", "{a=\"b\"}"));
  EXPECT_NE(StreamId("t1", "{a=\"b\"}"), StreamId("t2", "{a=\"b\"}"));
  EXPECT_NE(StreamId("t", "{a=\"b\"}"), StreamId("t", "{a=\"c\"}"));
}

TEST(LabelsTest, LabelNameRule) {
  EXPECT_TRUE(IsValidLabelName("service_name"));
  EXPECT_TRUE(IsValidLabelName("_x9"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("9x"));
  EXPECT_FALSE(IsValidLabelName("a.b"));
}

}  // namespace
}  // namespace silt
