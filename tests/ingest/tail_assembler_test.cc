#include "ingest/internal/tail_assembler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace silt::ingest::internal {
namespace {

struct Out {
  std::string text;
  StreamKind stream;
  bool truncated;
  bool bad;
  int64_t ts;
};

// Feeds a whole file's text line by line, as TailFile does.
class TailAssemblerTest : public ::testing::Test {
 protected:
  void Feed(TailAssembler* a, const std::string& file, uint64_t from = 0) {
    std::string buf = file;
    buf.append(EnvelopeDecoder::kPadding, '\0');
    size_t pos = from;
    while (pos < file.size()) {
      size_t nl = file.find('\n', pos);
      if (nl == std::string::npos) break;
      a->Line(buf.data() + pos, nl - pos, pos, nl + 1, false,
              [&](const AssembledRecord& r) {
                out_.push_back({std::string(r.text), r.stream, r.truncated,
                                r.bad_envelope, r.ts_ns});
              });
      pos = nl + 1;
    }
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> t;
    for (const Out& o : out_) t.push_back(o.text);
    return t;
  }

  EnvelopeDecoder decoder_;
  std::vector<Out> out_;
};

std::string Cri(const std::string& stream, char tag, const std::string& msg) {
  return "2024-05-01T12:00:00Z " + stream + " " + tag + " " + msg + "\n";
}

std::string Docker(const std::string& log,
                   const std::string& stream = "stdout") {
  return R"({"log":")" + log + R"(","stream":")" + stream +
         R"(","time":"2024-05-01T12:00:01Z"})" + "\n";
}

TEST_F(TailAssemblerTest, RawLinesCrStrippedEmptySkipped) {
  TailAssembler a(1024, &decoder_);
  Feed(&a, "one\r\n\ntwo\n");
  EXPECT_EQ(Texts(), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(a.format(), Format::kRaw);
  EXPECT_EQ(out_[0].stream, StreamKind::kNone);
  EXPECT_EQ(out_[0].ts, 0);
  EXPECT_EQ(a.State(), (ResumeState{10, {0, 0, 0}}));
}

TEST_F(TailAssemblerTest, DockerPartialsJoinedPerStream) {
  TailAssembler a(1024, &decoder_);
  Feed(&a, Docker("out-a ") + Docker("err whole\\n", "stderr") +
               Docker("out-b ") + Docker("out-c\\n"));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].text, "err whole");
  EXPECT_EQ(out_[0].stream, StreamKind::kStderr);
  EXPECT_EQ(out_[1].text, "out-a out-b out-c");
  EXPECT_EQ(out_[1].stream, StreamKind::kStdout);
  EXPECT_GT(out_[1].ts, 0);
}

TEST_F(TailAssemblerTest, CriInterleavedPartialsAndExactReplay) {
  const std::string l1 = Cri("stdout", 'P', "o1 ");
  const std::string l2 = Cri("stderr", 'P', "e1 ");
  const std::string l3 = Cri("stderr", 'F', "e2");
  const std::string l4 = Cri("stdout", 'F', "o2");
  const std::string file = l1 + l2 + l3 + l4;
  {
    TailAssembler a(1024, &decoder_);
    Feed(&a, l1 + l2 + l3);
    EXPECT_EQ(Texts(), (std::vector<std::string>{"e1 e2"}));
    // Resume at the unfinished stdout record; stderr is stored up to l3.
    ResumeState st = a.State();
    EXPECT_EQ(st.offset, 0u);
    EXPECT_EQ(st.skip[1], l1.size() + l2.size() + l3.size());
    EXPECT_EQ(st.skip[0], 0u);

    // A restart from that state sees every line again but stores only the
    // stdout record.
    out_.clear();
    TailAssembler b(1024, &decoder_);
    b.Reset(st);
    Feed(&b, file, st.offset);
    EXPECT_EQ(Texts(), (std::vector<std::string>{"o1 o2"}));
    EXPECT_EQ(b.State(), (ResumeState{file.size(), {0, 0, 0}}));
  }
}

TEST_F(TailAssemblerTest, JoinedLineOverMaxIsCutAndMarked) {
  TailAssembler a(10, &decoder_);
  Feed(&a, Cri("stdout", 'P', "0123456") + Cri("stdout", 'F', "789abcdef") +
               Cri("stdout", 'F', "short") +
               Cri("stdout", 'F', "0123456789ABC"));
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].text, "0123456789");
  EXPECT_TRUE(out_[0].truncated);
  EXPECT_EQ(out_[1].text, "short");
  EXPECT_FALSE(out_[1].truncated);
  EXPECT_EQ(out_[2].text, "0123456789");
  EXPECT_TRUE(out_[2].truncated);
}

TEST_F(TailAssemblerTest, BadEnvelopeLineKeptAsItIs) {
  TailAssembler a(1024, &decoder_);
  Feed(&a,
       Cri("stdout", 'F', "ok") + "garbage line\n" + Cri("stderr", 'F', "ok2"));
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[1].text, "garbage line");
  EXPECT_TRUE(out_[1].bad);
  EXPECT_EQ(out_[1].stream, StreamKind::kNone);
  EXPECT_FALSE(out_[2].bad);
}

TEST_F(TailAssemblerTest, FinishEmitsUnfinishedJoins) {
  TailAssembler a(1024, &decoder_);
  Feed(&a, Cri("stdout", 'P', "never finished"));
  EXPECT_TRUE(out_.empty());
  a.Finish([&](const AssembledRecord& r) {
    out_.push_back({std::string(r.text), r.stream, r.truncated, false, 0});
  });
  EXPECT_EQ(Texts(), (std::vector<std::string>{"never finished"}));
}

}  // namespace
}  // namespace silt::ingest::internal
