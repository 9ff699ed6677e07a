#include "store/internal/block.h"

#include "gtest/gtest.h"
#include "store/internal/line_codec.h"

namespace silt::store {
namespace {

constexpr int64_t kTs = 1714564800123456789;  // 2024-05-01T12:00:00.123456789Z

class BlockTest : public ::testing::Test {
 protected:
  struct In {
    int64_t ts;
    std::string line, trace, span, meta;
  };
  // Builds a block of `ins` (trace ids numbered by first appearance) and
  // checks every entry comes back byte for byte.
  void RoundTrip(const std::vector<In>& ins) {
    BlockBuilder b;
    auto table = std::make_shared<TraceTable>();
    std::vector<std::string> ids;
    for (const In& in : ins) {
      int64_t idx = -1;
      if (!in.trace.empty()) {
        auto it = std::find(ids.begin(), ids.end(), in.trace);
        idx = it - ids.begin();
        if (it == ids.end()) ids.push_back(in.trace);
      }
      EntryView e{in.ts, in.line, in.trace, in.span, in.meta};
      b.Add(e, idx);
    }
    for (const auto& id : ids) table->bytes += id;
    size_t off = 0;
    for (const auto& id : ids) {
      table->ids.emplace_back(table->bytes.data() + off, id.size());
      off += id.size();
    }
    std::string payload;
    b.Finish(&payload);
    DecodedBlock d;
    ASSERT_TRUE(d.Parse(payload, table).ok());
    ASSERT_EQ(d.size(), ins.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      EntryView e = d.entry(i);
      EXPECT_EQ(e.ts_ns, ins[i].ts) << i;
      EXPECT_EQ(e.line, ins[i].line) << i;
      EXPECT_EQ(e.trace_id, ins[i].trace) << i;
      EXPECT_EQ(e.span_id, ins[i].span) << i;
      EXPECT_EQ(e.metadata, ins[i].meta) << i;
    }
    // Lines are rebuilt as they are first read: read backwards into the
    // same (reused) block, every view taken stays valid to the end.
    ASSERT_TRUE(d.Parse(payload, table).ok());
    std::vector<std::string_view> views(ins.size());
    for (size_t i = ins.size(); i-- > 0;) views[i] = d.line(i);
    for (size_t i = 0; i < ins.size(); ++i) {
      EXPECT_EQ(views[i], ins[i].line) << i;
      EXPECT_EQ(d.line(i).data(), views[i].data()) << i;
    }
    // Damaged payloads are kDataLoss, never a crash.
    for (size_t cut = 1; cut < payload.size(); cut += 7) {
      DecodedBlock bad;
      std::string p = payload.substr(0, payload.size() - cut);
      EXPECT_FALSE(bad.Parse(p, table).ok());
    }
    DecodedBlock no_table;
    if (!ids.empty()) {
      EXPECT_FALSE(no_table.Parse(payload, nullptr).ok());
    }
  }
};

TEST_F(BlockTest, TsTextForms) {
  char buf[32];
  EXPECT_EQ(std::string(buf, FormatTsText(kTs, 3, buf)),
            "2024-05-01T12:00:00.123456789Z");
  EXPECT_EQ(FormatTsText(kTs, 2, buf), 0u);  // would lose digits
  EXPECT_EQ(std::string(buf, FormatTsText(kTs - 456789, 1, buf)),
            "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(std::string(buf, FormatTsText(0, 0, buf)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTsText(-1, 3, buf), 0u);
}

// What FindTsText must find: the first occurrence of the second's text,
// followed there by the rest of one form of the entry's own timestamp.
bool RefFindTsText(std::string_view line, int64_t ts, size_t* pos, int* form,
                   size_t* len) {
  char full[32];
  if (FormatTsText(ts, 3, full) == 0) return false;
  const size_t p = line.find(std::string_view(full, 19));
  if (p == std::string_view::npos) return false;
  for (int f = 3; f >= 0; --f) {
    char buf[32];
    const size_t n = FormatTsText(ts, f, buf);
    if (n != 0 && line.substr(p, n) == std::string_view(buf, n)) {
      *pos = p;
      *form = f;
      *len = n;
      return true;
    }
  }
  return false;
}

TEST_F(BlockTest, FindTsTextFindsExactlyTheEntrysOwnText) {
  const int64_t sec = 1714564800000000000;
  const std::vector<int64_t> tss = {sec,
                                    sec + 123000000,
                                    sec + 123456000,
                                    sec + 123456789,
                                    sec + 100,
                                    sec + 120000000,
                                    0,
                                    -1};
  const std::vector<std::string> tails = {
      "Z",        ".123Z",       ".123456Z", ".123456789Z", ".000Z",
      ".000000Z", ".000000000Z", ".12Z",     ".1234Z",      ".1234567890Z",
      ".123456",  ".",           "",         "Z\"",         ".120Z",
      ".120000Z", ".000000100Z", ".123x56Z"};
  int found = 0;
  for (int64_t ts : tss) {
    char full[32];
    const bool formattable = FormatTsText(ts, 3, full) != 0;
    const std::string second =
        formattable ? std::string(full, 19) : "1970-01-01T00:00:00";
    for (const std::string& tail : tails) {
      for (const std::string& line :
           {second + tail, "{\"t\":\"" + second + tail + "\",\"x\":1}",
            "a " + second + ".9Z then " + second + tail}) {
        size_t p1 = 0, l1 = 0, p2 = 0, l2 = 0;
        int f1 = -1, f2 = -1;
        const bool a = FindTsText(line, ts, &p1, &f1, &l1);
        const bool b = RefFindTsText(line, ts, &p2, &f2, &l2);
        ASSERT_EQ(a, b) << ts << " " << line;
        if (a) {
          ++found;
          EXPECT_EQ(p1, p2) << line;
          EXPECT_EQ(f1, f2) << line;
          EXPECT_EQ(l1, l2) << line;
        }
      }
    }
  }
  EXPECT_GT(found, 10);
}

TEST_F(BlockTest, CutsRoundTripExactly) {
  const std::string tr = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string sp = "00f067aa0ba902b7";
  RoundTrip({
      {kTs,
       "{\"ts\":\"2024-05-01T12:00:00.123456789Z\",\"trace_id\":\"" + tr +
           "\",\"span_id\":\"" + sp + "\",\"msg\":\"x\"}",
       tr, sp, ""},
      // ms form, trace twice in the line, span before trace.
      {kTs - 456789,
       "span=" + sp + " @2024-05-01T12:00:00.123Z " + tr + " again " + tr, tr,
       sp, "{\"k\":\"v\"}"},
      // Text that is not this entry's timestamp stays as it is.
      {kTs + 1, "at 2024-05-01T12:00:00.123456789Z we saw " + tr, tr, "", ""},
      // Trace id not in the line; span not in the line.
      {kTs + 2, "plain line", "other-trace", "sp2", ""},
      // A ts text at the very end and start; empty line; negative ts.
      {kTs, "2024-05-01T12:00:00.123456789Z", "", "", ""},
      {kTs, "", "", "", ""},
      {-5, "before 1970", tr, "", ""},
      // Cut positions that touch: trace right after the timestamp.
      {kTs, "2024-05-01T12:00:00.123456789Z" + tr + sp, tr, sp, ""},
      {kTs, sp + tr, tr, sp, ""},
  });
}

TEST_F(BlockTest, OverlappingIdsRoundTrip) {
  // Ids whose first occurrences overlap one another or the timestamp text
  // are cut one after the other.
  const std::string tr = "4bf92f3577b34da6a3ce929d0e0e4736";
  RoundTrip({
      // The span id is the trace id's second half, and occurs only there.
      {kTs, "{\"trace\":\"" + tr + "\"}", tr, tr.substr(16), ""},
      // The span id occurs inside the trace id and again later.
      {kTs, tr + " span " + tr.substr(4, 8), tr, tr.substr(4, 8), ""},
      // The trace id is also found inside the timestamp text.
      {kTs, "2024-05-01T12:00:00.123456789Z x", "05-01", "", ""},
      // The trace id sits inside the span id's text once the trace is
      // cut: put back, it splits the span.
      {kTs, "x ab" + tr + "cd y", tr, "abcd", ""},
      // All three touch or overlap.
      {kTs, tr + "2024-05-01T12:00:00.123456789Z", tr + "2024", "Z", ""},
  });
}

TEST_F(BlockTest, BuilderReusedAcrossBlocksOfEveryShape) {
  // One builder for a run of blocks, small and large (more entries than the
  // room it keeps in front of the lines: the copy path), each payload
  // decoded exactly, also when the buffer handed back is reused.
  BlockBuilder b;
  BlockBuffer buf;
  for (int entries : {3, 20000, 1, 20000, 500, 0, 7, 200000, 2}) {
    for (int i = 0; i < entries; ++i) {
      const std::string line = "l" + std::to_string(i);
      b.Add(EntryView{kTs + i, line, "", "s", ""}, -1);
    }
    size_t offset = 0;
    b.Finish(&buf, &offset);
    DecodedBlock d;
    ASSERT_TRUE(
        d.Parse(std::string(buf.data() + offset, buf.size() - offset), nullptr)
            .ok())
        << entries;
    ASSERT_EQ(d.size(), static_cast<uint32_t>(entries));
    for (int i = 0; i < entries; ++i) {
      ASSERT_EQ(d.line(i), "l" + std::to_string(i));
      ASSERT_EQ(d.entry(i).span_id, "s");
      ASSERT_EQ(d.ts(i), kTs + i);
    }
  }
}

// Payload buffers of 1 MiB and up come back from a pool with the last
// block's bytes still in them, and a builder keeps and trades its buffers:
// every payload must be byte for byte what a new builder makes.
TEST_F(BlockTest, ReusedBuffersMakeIdenticalPayloads) {
  BlockBuilder reused;
  BlockBuffer buf;
  for (int round = 0; round < 3; ++round) {
    for (int entries : {9000, 2, 30000, 9500, 1, 4000, 26000}) {
      std::vector<std::string> lines(entries);
      size_t bytes = 0;
      for (int i = 0; i < entries; ++i) {
        lines[i] = "{\"r\":" + std::to_string(round) +
                   ",\"i\":" + std::to_string(i) + ",\"pad\":\"" +
                   std::string(40 + (i * 7 + round) % 90, 'a' + i % 26) +
                   "\",\"span\":\"sp" + std::to_string(i % 13) + "\"}";
        bytes += lines[i].size();
      }
      BlockBuilder fresh;
      reused.Reserve(bytes);
      for (int i = 0; i < entries; ++i) {
        const std::string span = "sp" + std::to_string(i % 13);
        EntryView e{kTs + i * 1000, lines[i], "", span, i % 3 ? "" : "m"};
        reused.Add(e, -1);
        fresh.Add(e, -1);
      }
      size_t offset = 0;
      reused.Finish(&buf, &offset);
      std::string want;
      fresh.Finish(&want);
      ASSERT_EQ(std::string_view(buf.data() + offset, buf.size() - offset),
                want)
          << round << " " << entries;
    }
    // Drop the buffer: its mapping goes back to the pool, stale bytes and
    // all, for the builder's next blocks.
    BlockBuffer().swap(buf);
  }
}

TEST_F(BlockTest, ManyEntriesAcrossTraceIndexes) {
  std::vector<In> ins;
  for (int i = 0; i < 2000; ++i) {
    std::string tr = "t" + std::to_string(i % 37);
    ins.push_back({kTs + i * 1000,
                   "{\"i\":" + std::to_string(i) + ",\"t\":\"" + tr + "\"}",
                   i % 5 ? tr : "", "", ""});
  }
  RoundTrip(ins);
}

}  // namespace
}  // namespace silt::store
