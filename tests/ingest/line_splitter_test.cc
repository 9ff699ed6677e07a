#include "ingest/internal/line_splitter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace silt::ingest::internal {
namespace {

struct Out {
  std::string line;
  bool truncated;
  bool operator==(const Out& o) const {
    return line == o.line && truncated == o.truncated;
  }
};

std::ostream& operator<<(std::ostream& os, const Out& o) {
  return os << "{\"" << o.line << "\"," << o.truncated << "}";
}

class LineSplitterTest : public ::testing::Test {
 protected:
  // Feeds `input` in pieces of `chunk` bytes the way a connection does: the
  // unconsumed tail stays in front of the new bytes.
  static std::vector<Out> Run(const std::string& input, size_t chunk,
                              size_t max_line = 1024, bool finish = true) {
    LineSplitter splitter(max_line);
    std::vector<Out> out;
    std::string buf;
    size_t fed = 0;
    while (fed < input.size()) {
      size_t n = std::min(chunk, input.size() - fed);
      buf.append(input, fed, n);
      fed += n;
      size_t used =
          splitter.Consume(buf.data(), buf.size(), [&](const SplitRecord& r) {
            out.push_back({buf.substr(r.offset, r.length), r.truncated});
          });
      buf.erase(0, used);
    }
    if (finish) {
      splitter.Finish(buf.data(), buf.size(), [&](const SplitRecord& r) {
        out.push_back({buf.substr(r.offset, r.length), r.truncated});
      });
    }
    return out;
  }

  // Same result for every chunk size.
  static void Expect(const std::string& input, const std::vector<Out>& want,
                     size_t max_line = 1024) {
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64},
                         input.size() + 1}) {
      EXPECT_EQ(Run(input, chunk, max_line), want) << "chunk " << chunk;
    }
  }
};

TEST_F(LineSplitterTest, NewlineDelimited) {
  Expect("{\"a\":1}\n{\"b\":2}\n",
         {{"{\"a\":1}", false}, {"{\"b\":2}", false}});
}

TEST_F(LineSplitterTest, CrLfStrippedAndEmptyLinesSkipped) {
  Expect("one\r\n\r\n\ntwo\r\n", {{"one", false}, {"two", false}});
}

TEST_F(LineSplitterTest, OctetCounted) {
  Expect("5 hello11 hello world3 a\nb",
         {{"hello", false}, {"hello world", false}, {"a\nb", false}});
}

TEST_F(LineSplitterTest, OctetFrameTrailingNewlineDropped) {
  Expect("6 hello\n4 abc\n", {{"hello", false}, {"abc", false}});
}

TEST_F(LineSplitterTest, MixedFraming) {
  Expect("{\"x\":1}\n7 {\"y\":2}\n{\"z\":3}\n2024-01-01 plain\n0 42\n",
         {{"{\"x\":1}", false},
          {"{\"y\":2}", false},
          {"{\"z\":3}", false},
          {"2024-01-01 plain", false},
          {"42", false}});
}

TEST_F(LineSplitterTest, DigitsWithoutSpaceAreALine) {
  Expect("12345\n1234567890123 x\n",
         {{"12345", false}, {"1234567890123 x", false}});
}

TEST_F(LineSplitterTest, PartialLineAtFinish) {
  Expect("a\nbc", {{"a", false}, {"bc", false}});
  Expect("a\n12", {{"a", false}, {"12", false}});
  Expect("10 abc", {{"abc", false}});
}

TEST_F(LineSplitterTest, PartialLineKeptWithoutFinish) {
  EXPECT_EQ(Run("a\nbc", 1, 1024, /*finish=*/false),
            (std::vector<Out>{{"a", false}}));
}

TEST_F(LineSplitterTest, LongLineCutAndRestSkipped) {
  std::string input = std::string(40, 'x') + "\nok\n";
  Expect(input, {{std::string(10, 'x'), true}, {"ok", false}}, 10);
}

TEST_F(LineSplitterTest, LineAtTheLimitIsNotCut) {
  std::string input = std::string(10, 'x') + "\r\n" + std::string(11, 'y') +
                      "\n" + std::string(12, 'z') + "\nend";
  Expect(input,
         {{std::string(10, 'x'), false},
          {std::string(10, 'y'), true},
          {std::string(10, 'z'), true},
          {"end", false}},
         10);
}

TEST_F(LineSplitterTest, LongOctetFrameCut) {
  std::string input = "25 " + std::string(25, 'q') + "3 abc";
  Expect(input, {{std::string(10, 'q'), true}, {"abc", false}}, 10);
}

TEST_F(LineSplitterTest, LongLineAtFinish) {
  Expect(std::string(11, 'x'), {{std::string(10, 'x'), true}}, 10);
}

TEST_F(LineSplitterTest, BinaryBytesStoredAsIs) {
  std::string garbage;
  for (int i = 0; i < 256; ++i) {
    if (i != '\n' && !(i >= '0' && i <= '9')) garbage.push_back(char(i));
  }
  Expect(garbage + "\n{}\n", {{garbage, false}, {"{}", false}});
}

TEST_F(LineSplitterTest, TinyPiecesScanOnce) {
  // A long line arriving byte by byte is not rescanned from its start.
  LineSplitter splitter(1 << 20);
  std::string buf;
  for (int i = 0; i < 1000; ++i) {
    buf.push_back('a');
    EXPECT_EQ(splitter.Consume(buf.data(), buf.size(),
                               [](const SplitRecord&) { FAIL(); }),
              0u);
    EXPECT_EQ(splitter.scanned(), buf.size());
  }
}

TEST_F(LineSplitterTest, RandomChunkingMatchesOneShot) {
  // Framing must not depend on how the bytes were cut by the network.
  std::mt19937 rng(7);
  const char kAlphabet[] = "ab\n\r12 0x";
  for (int round = 0; round < 300; ++round) {
    std::string input;
    size_t n = rng() % 200;
    for (size_t i = 0; i < n; ++i) input.push_back(kAlphabet[rng() % 10]);
    size_t max_line = 1 + rng() % 20;
    std::vector<Out> want = Run(input, input.size() + 1, max_line);
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}}) {
      ASSERT_EQ(Run(input, chunk, max_line), want)
          << "input '" << input << "' chunk " << chunk << " max " << max_line;
    }
  }
}

}  // namespace
}  // namespace silt::ingest::internal
