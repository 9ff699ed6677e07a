#include "common/file.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace silt {
namespace {

class FileTest : public ::testing::Test {
 protected:
  FileTest() {
    char tmpl[] = "/tmp/silt_file_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~FileTest() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FileTest, WriteSyncReadBack) {
  std::string path = dir_ + "/a";
  auto f = WritableFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE((*f)->Append("hello ").ok());
  ASSERT_TRUE((*f)->Append("world").ok());
  EXPECT_EQ((*f)->size(), 11u);
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Truncate(5).ok());
  ASSERT_TRUE((*f)->Append("!").ok());
  ASSERT_TRUE((*f)->Close().ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(path, &got).ok());
  EXPECT_EQ(got, "hello!");
  EXPECT_EQ(*FileSize(path), 6u);

  auto app = WritableFile::Open(path, /*append=*/true);
  ASSERT_TRUE(app.ok());
  EXPECT_EQ((*app)->size(), 6u);
  ASSERT_TRUE((*app)->Append("?").ok());
  ASSERT_TRUE((*app)->Close().ok());
  ASSERT_TRUE(ReadFileToString(path, &got).ok());
  EXPECT_EQ(got, "hello!?");
}

TEST_F(FileTest, AppendVWritesPiecesInOrder) {
  // More pieces than one writev takes, empty ones among them, and a piece
  // large enough that a write may come back short.
  std::vector<std::string> owned;
  std::string want;
  for (int i = 0; i < 3000; ++i) {
    owned.push_back(i % 7 == 0 ? "" : std::to_string(i) + ",");
  }
  owned.push_back(std::string(8 << 20, 'x'));
  owned.push_back("end");
  std::vector<std::string_view> pieces;
  for (const std::string& s : owned) {
    pieces.push_back(s);
    want += s;
  }
  std::string path = dir_ + "/v";
  auto f = WritableFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE((*f)->Append("head:").ok());
  ASSERT_TRUE((*f)->AppendV(pieces).ok());
  ASSERT_TRUE((*f)->AppendV({}).ok());
  EXPECT_EQ((*f)->size(), 5 + want.size());
  ASSERT_TRUE((*f)->Close().ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(path, &got).ok());
  EXPECT_EQ(got, "head:" + want);
}

TEST_F(FileTest, RandomAccessReadPastEndIsDataLoss) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/b", "0123456789").ok());
  EXPECT_FALSE(FileExists(dir_ + "/b.tmp"));
  auto r = RandomAccessFile::Open(dir_ + "/b");
  ASSERT_TRUE(r.ok());
  std::string out;
  ASSERT_TRUE((*r)->Read(3, 4, &out).ok());
  EXPECT_EQ(out, "3456");
  EXPECT_TRUE(absl::IsDataLoss((*r)->Read(8, 4, &out)));
}

TEST_F(FileTest, ErrorsCarryActionableCodes) {
  EXPECT_TRUE(
      absl::IsNotFound(RandomAccessFile::Open(dir_ + "/nope").status()));
  EXPECT_TRUE(absl::IsNotFound(FileSize(dir_ + "/nope").status()));
  EXPECT_TRUE(absl::IsNotFound(RemoveFile(dir_ + "/nope")));
  EXPECT_TRUE(absl::IsResourceExhausted(ErrnoToStatus(ENOSPC, "write", "x")));
  EXPECT_TRUE(absl::IsUnavailable(ErrnoToStatus(EIO, "write", "x")));
}

TEST_F(FileTest, DirectoriesListRenameRemove) {
  std::string deep = dir_ + "/x/y/z";
  ASSERT_TRUE(CreateDirs(deep).ok());
  ASSERT_TRUE(CreateDirs(deep).ok());  // idempotent
  EXPECT_TRUE(IsDirectory(deep));
  ASSERT_TRUE(WriteFileAtomically(deep + "/2", "b").ok());
  ASSERT_TRUE(WriteFileAtomically(deep + "/1", "a").ok());
  auto names = ListDir(deep);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"1", "2"}));
  ASSERT_TRUE(RenameFile(deep + "/1", deep + "/3").ok());
  ASSERT_TRUE(RemoveFile(deep + "/2").ok());
  EXPECT_EQ(*ListDir(deep), (std::vector<std::string>{"3"}));
  ASSERT_TRUE(SyncDir(deep).ok());
  ASSERT_TRUE(RemoveFile(deep + "/3").ok());
  ASSERT_TRUE(RemoveDir(deep).ok());
  EXPECT_FALSE(FileExists(deep));
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
}

}  // namespace
}  // namespace silt
