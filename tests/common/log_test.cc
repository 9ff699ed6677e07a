#include "common/log.h"

#include <string>

#include "gtest/gtest.h"

namespace silt {
namespace {

TEST(LogTest, FilterAppliesToMessageAndValuesNotToSiltsOwnFields) {
  SetLogFilter([](std::string_view v) {
    std::string s(v);
    for (size_t at; (at = s.find("hunter2")) != std::string::npos;) {
      s.replace(at, 7, "[x]");
    }
    return s;
  });
  ::testing::internal::CaptureStderr();
  LogWarn("bad line hunter2",
          {{"error", "near hunter2"}, {"data_dir", "/d/hunter2"}});
  SetLogFilter(nullptr);
  LogWarn("after hunter2");
  const std::string out = ::testing::internal::GetCapturedStderr();
  const size_t nl = out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const std::string first = out.substr(0, nl);
  EXPECT_NE(first.find("\"msg\":\"bad line [x]\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"error\":\"near [x]\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"data_dir\":\"/d/hunter2\""), std::string::npos);
  EXPECT_NE(out.find("\"msg\":\"after hunter2\""), std::string::npos);
}

}  // namespace
}  // namespace silt
