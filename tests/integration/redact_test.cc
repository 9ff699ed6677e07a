// Redaction end to end: a corpus with planted secrets goes in over TCP and
// Loki push; then every byte of the data directory (raw, and every zstd
// frame in it decompressed), silt's own log and every query answer are
// searched for each secret, and every trace id must still be found.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/tcp_client.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

namespace fs = std::filesystem;

std::string Luhn(const std::string& body) {
  for (char d = '0'; d <= '9'; ++d) {
    std::string n = body + d;
    int sum = 0;
    bool twice = false;
    for (size_t i = n.size(); i-- > 0;) {
      int v = n[i] - '0';
      if (twice) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
      twice = !twice;
    }
    if (sum % 10 == 0) return n;
  }
  return "";
}

// A German IBAN for an 18-digit account part, with its check digits.
std::string Iban(const std::string& bban) {
  std::string digits = bban + "131400";  // D=13 E=14, check "00"
  int rem = 0;
  for (char c : digits) rem = (rem * 10 + (c - '0')) % 97;
  char check[8];
  std::snprintf(check, sizeof(check), "%02d", 98 - rem);
  return std::string("DE") + check + bban;
}

std::string Pad(int i, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*d", width, i);
  return buf;
}

// Letters only, from i, so the text cannot be taken for a number.
std::string Word(int i) {
  std::string s;
  do {
    s += static_cast<char>('a' + i % 26);
    i /= 26;
  } while (i > 0);
  return s;
}

struct Corpus {
  std::string tcp;                   // NDJSON and text lines
  std::string push;                  // a Loki push body
  std::vector<std::string> secrets;  // exact bytes that must never show
  std::vector<std::string> traces;   // ids that must stay findable
  int tcp_lines = 0;
  int push_lines = 0;
};

Corpus MakeSecretCorpus(int64_t base_ns) {
  Corpus c;
  const int kLines = 2600;
  for (int i = 0; i < kLines; ++i) {
    char trace[40], span[20];
    std::snprintf(trace, sizeof(trace), "%08x%08xab%06x%08x", 0x5eedu, i * 7u,
                  i, 0xfeedu + i);
    std::snprintf(span, sizeof(span), "c%07x%08x", i, 0xabcdu);
    c.traces.push_back(trace);
    const std::string ts = std::to_string(base_ns + i * 1000LL);
    std::string head =
        "{\"ts\":" + ts + ",\"service\":\"shop\",\"level\":\"info\"," +
        "\"trace_id\":\"" + trace + "\",\"span_id\":\"" + span + "\",";
    const std::string n = Pad(i, 6);
    const std::string w = Word(i);
    std::string line;
    std::string secret;
    switch (i % 16) {
      case 0:
        secret = "user" + w + "+tag@mail.example.com";
        line = head + "\"msg\":\"welcome " + secret + "\"}";
        break;
      case 1:
        secret = Luhn("411111" + Pad(i, 9));
        line = head + "\"payment\":{\"card\":{\"number\":\"" + secret + "\"}}}";
        break;
      case 2: {
        const std::string card = Luhn("550000" + Pad(i, 9));
        secret = card.substr(0, 4) + " " + card.substr(4, 4) + " " +
                 card.substr(8, 4) + " " + card.substr(12, 4);
        line = head + "\"msg\":\"charged " + secret + " ok\"}";
        break;
      }
      case 3:
        secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi" + w + "In0.sig" + w + "XYZ";
        line = head + "\"msg\":\"jwt " + secret + "\"}";
        break;
      case 4:
        secret = "tok" + w + "abcdefghijklmnopqrst";
        line = head + "\"req\":{\"headers\":{\"Authorization\":\"Bearer " +
               secret + "\"}}}";
        break;
      case 5:
        secret = "AKIA" + std::string("QX") + Pad(i, 6) + "ZZZZWWWW";
        line = head + "\"msg\":\"key " + secret + " used\"}";
        break;
      case 6:
        secret = "pw" + w + "Qx9";
        line = head + "\"dsn\":\"postgres://app:" + secret + "@db:5432/x\"}";
        break;
      case 7:
        secret = "pass" + w + "word";
        line = head + "\"url\":\"/login?user=a&password=" + secret + "&x=1\"}";
        break;
      case 8:
        secret = "nested" + w + "secret";
        line = head + "\"db\":{\"config\":{\"password\":\"" + secret + "\"}}}";
        break;
      case 9:
        secret = "esc" + w + "token";
        line = head + "\"log\":\"{\\\"api_key\\\":\\\"" + secret +
               "\\\",\\\"n\\\":1}\"}";
        break;
      case 10:
        secret = "10.77." + std::to_string(i % 250) + "." +
                 std::to_string(i / 250 + 1);
        line = head + "\"client\":\"" + secret + "\"}";
        break;
      case 11:
        secret = "123-45-" + Pad(i % 9000 + 1000, 4);
        line = head + "\"ssn\":\"" + secret + "\"}";
        break;
      case 12:
        secret = Iban("37040044" + Pad(i, 10));
        line = head + "\"iban\":\"" + secret + "\"}";
        break;
      case 13:
        secret = "EMP-" + n;
        line = head + "\"msg\":\"employee " + secret + " badge\"}";
        break;
      case 14:
        // Not JSON: stored as text, redacted as text.
        secret = "txt" + w + "@example.org";
        line = "ERROR " + ts + " login failed for " + secret +
               " trace=" + trace + " password=text" + w + "pw";
        c.secrets.push_back("text" + w + "pw");
        break;
      case 15: {
        // Longer than max_line_bytes: stored cut, redacted as text.
        secret = "cut" + w + "@example.net";
        line =
            head + "\"msg\":\"" + secret + " " + std::string(3000, 'x') + "\"}";
        break;
      }
    }
    c.secrets.push_back(secret);
    c.tcp += line + "\n";
    ++c.tcp_lines;
  }
  // Loki push: a label value and structured metadata with secrets.
  c.push =
      "{\"streams\":[{\"stream\":{\"service\":\"push\",\"owner\":"
      "\"owner@corp.example.com\"},\"values\":[";
  c.secrets.push_back("owner@corp.example.com");
  for (int i = 0; i < 40; ++i) {
    const std::string meta = "meta" + Word(i) + "@example.com";
    const std::string tok = "mtok" + Word(i) + "value";
    c.secrets.push_back(meta);
    c.secrets.push_back(tok);
    if (i) c.push += ",";
    c.push += "[\"" + std::to_string(base_ns + 5'000'000'000LL + i) +
              "\",\"push line " + std::to_string(i) + "\",{\"user\":\"" + meta +
              "\",\"api_token\":\"" + tok + "\"}]";
    ++c.push_lines;
  }
  c.push += "]}]}";
  return c;
}

// Every file under `dir`: its bytes, and the decompressed content of every
// zstd frame inside it.
std::vector<std::string> DataDirContents(const std::string& dir,
                                         int* frames_seen) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string bytes = ss.str();
    static const char kMagic[] = "\x28\xB5\x2F\xFD";
    for (size_t at = bytes.find(kMagic, 0, 4); at != std::string::npos;
         at = bytes.find(kMagic, at + 1, 4)) {
      const size_t n =
          ZSTD_findFrameCompressedSize(bytes.data() + at, bytes.size() - at);
      if (ZSTD_isError(n)) continue;
      const unsigned long long size =
          ZSTD_getFrameContentSize(bytes.data() + at, n);
      if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
          size > (256u << 20)) {
        continue;
      }
      std::string plain(size, '\0');
      const size_t got =
          ZSTD_decompress(plain.data(), plain.size(), bytes.data() + at, n);
      if (ZSTD_isError(got)) continue;
      plain.resize(got);
      out.push_back(std::move(plain));
      ++*frames_seen;
    }
    out.push_back(std::move(bytes));
  }
  return out;
}

class RedactIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SILT_IT_REDACT_KEY", "integration-key", 1);
    const std::string config = dir_.File("silt.yaml");
    std::ofstream(config)
        << "max_line_bytes: 2KiB\n"
           "redact:\n"
           "  rules:\n"
           "    ipv4: true\n"
           "    us_ssn: true\n"
           "    iban: true\n"
           "    email: {action: hash}\n"
           "    credit_card: {action: last4}\n"
           "  user_rules:\n"
           "    - {name: employee_id, regex: 'EMP-[0-9]{6}', action: mask}\n"
           "  hash_key_env: SILT_IT_REDACT_KEY\n";
    data_ = dir_.path() + "/data";
    silt_ = std::make_unique<SiltProcess>(
        data_, std::vector<std::string>{"--config", config});
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  }

  // Fails the test for each secret found in `haystack`.
  void ExpectNoSecret(const std::string& haystack, const std::string& where) {
    for (const std::string& s : corpus_.secrets) {
      EXPECT_EQ(haystack.find(s), std::string::npos)
          << "secret '" << s << "' found in " << where;
    }
  }

  void ExpectDataDirClean(const std::string& when) {
    int frames = 0;
    const std::vector<std::string> contents = DataDirContents(data_, &frames);
    size_t traces_found = 0;
    std::string all;
    for (const std::string& c : contents) all += c;
    ExpectNoSecret(all, "the data directory " + when);
    for (const std::string& t : corpus_.traces) {
      traces_found += all.find(t) != std::string::npos;
    }
    // The search sees the stored entries: every trace id is there.
    EXPECT_EQ(traces_found, corpus_.traces.size()) << when;
  }

  TempDir dir_;
  std::string data_;
  std::unique_ptr<SiltProcess> silt_;
  Corpus corpus_ = MakeSecretCorpus(NowNs() - 600'000'000'000LL);
};

TEST_F(RedactIntegrationTest, NoPlantedSecretOnDiskInLogsOrAnswers) {
  {
    TcpClient client;
    ASSERT_TRUE(client.Connect(silt_->tcp_port()).ok());
    ASSERT_TRUE(client.SendAll(corpus_.tcp).ok());
    client.ShutdownWrite();
    ASSERT_TRUE(WaitReceived(silt_->http_port(), "tcp", corpus_.tcp_lines));
  }
  Reply push = Http(silt_->http_port(), "POST", "/loki/api/v1/push",
                    corpus_.push, {{"Content-Type", "application/json"}});
  ASSERT_EQ(push.status, 204) << push.body;

  // Once every entry is in the WAL, crash: only the WAL holds them now.
  Reply m;
  for (int k = 0; k < 3000; ++k) {
    m = Http(silt_->http_port(), "GET", "/metrics");
    if (MetricValue(m.body, "silt_entries_stored_total") >=
        corpus_.tcp_lines + corpus_.push_lines) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(MetricValue(m.body, "silt_entries_stored_total"),
            corpus_.tcp_lines + corpus_.push_lines);
  silt_->Kill9();
  ExpectDataDirClean("after kill -9 (WAL only)");

  // Replayed, flushed into parts, queried.
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  Reply flush = Http(silt_->http_port(), "POST", "/api/v1/flush");
  ASSERT_EQ(flush.status, 204) << flush.body;
  ExpectDataDirClean("after the flush");

  const uint16_t port = silt_->http_port();
  const std::string range =
      "&start=" + std::to_string(NowNs() - 3600'000'000'000LL) +
      "&end=" + std::to_string(NowNs()) + "&limit=5000";
  std::string answers;
  for (const char* q :
       {"{service=~\".+\"}", "{source=~\".+\"}", "{service=\"push\"}"}) {
    Reply r =
        Http(port, "GET", "/loki/api/v1/query_range?query=" + Esc(q) + range);
    ASSERT_EQ(r.status, 200) << q << ": " << r.body;
    answers += r.body;
  }
  Reply labels = Http(port, "GET", "/loki/api/v1/labels");
  ASSERT_EQ(labels.status, 200);
  answers += labels.body;
  for (const char* name : {"owner", "service", "source"}) {
    Reply values = Http(port, "GET",
                        std::string("/loki/api/v1/label/") + name + "/values");
    answers += values.body;
  }
  Reply series = Http(
      port, "GET", "/loki/api/v1/series?match[]=" + Esc("{service=\"push\"}"));
  answers += series.body;
  ExpectNoSecret(answers, "the query answers");
  // The owner label is there, redacted (hashed, like every email).
  EXPECT_NE(series.body.find("\"owner\":\"[email:"), std::string::npos)
      << series.body;

  // Every trace id is still found: in the answers, and by a line filter.
  for (const std::string& t : corpus_.traces) {
    EXPECT_NE(answers.find(t), std::string::npos) << "trace " << t;
  }
  for (size_t k = 0; k < corpus_.traces.size(); k += 97) {
    const std::string& t = corpus_.traces[k];
    std::string found;
    // Text lines have no service label; their stream is {source="tcp"}.
    for (const char* sel : {"{service=~\".+\"}", "{source=~\".+\"}"}) {
      Reply r = Http(port, "GET",
                     "/loki/api/v1/query_range?query=" +
                         Esc(std::string(sel) + " |= \"" + t + "\"") + range);
      ASSERT_EQ(r.status, 200) << r.body;
      found += r.body;
    }
    EXPECT_NE(found.find(t), std::string::npos)
        << "trace " << t << " line " << k;
  }

  // Redactions were counted (by the first process), per rule, for every
  // kind of secret planted.
  for (const char* rule :
       {"credit_card", "email", "jwt", "aws_access_key", "bearer_token",
        "url_credentials", "secret_kv", "secret_key", "ipv4", "us_ssn", "iban",
        "employee_id"}) {
    EXPECT_GT(MetricValue(m.body, std::string("silt_redactions_total{rule=\"") +
                                      rule + "\"}"),
              0)
        << rule;
  }

  // silt's own log, start to stop.
  ASSERT_EQ(silt_->Terminate(), 0);
  ExpectNoSecret(silt_->stderr_text(), "silt's log");
}

TEST_F(RedactIntegrationTest, BadRuleIsAClearStartUpError) {
  ASSERT_EQ(silt_->Terminate(), 0);
  const std::string config = dir_.File("bad.yaml");
  std::ofstream(config) << "redact:\n  user_rules:\n"
                           "    - {name: broken, regex: 'a(b'}\n";
  SiltProcess bad(dir_.path() + "/data2", {"--config", config});
  EXPECT_FALSE(bad.Start());
  EXPECT_NE(bad.stderr_text().find("rule 'broken'"), std::string::npos)
      << bad.stderr_text();
}

}  // namespace
}  // namespace silt::testing
