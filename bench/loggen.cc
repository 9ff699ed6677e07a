#include "bench/loggen.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace silt::bench {
namespace {

// xoshiro256** seeded through splitmix64: fast, and the same sequence on
// every platform. No floating-point library calls anywhere below, so the
// output bytes do not depend on libm either.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >>
                                 64);
  }
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  // Picks an index by integer weights.
  template <size_t N>
  size_t Pick(const std::array<uint32_t, N>& weights) {
    uint32_t total = 0;
    for (uint32_t w : weights) total += w;
    uint64_t r = Below(total);
    for (size_t i = 0; i < N; ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return N - 1;
  }
  template <typename T, size_t N>
  const T& One(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

enum Style : uint8_t { kZap, kEnvelope, kLogback, kStructlog };
enum Level : uint8_t { kDebug, kInfo, kWarn, kError };
constexpr int kLevels = 4;
constexpr const char* kLevelNames[kLevels] = {"debug", "info", "warn", "error"};
constexpr const char* kLevelText[4][kLevels] = {
    {"debug", "info", "warn", "error"},
    {"DEBUG", "INFO", "WARN", "ERROR"},
    {"DEBUG", "INFO", "WARN", "ERROR"},
    {"debug", "info", "warning", "error"},
};

enum Svc : uint8_t {
  kGateway,
  kAuth,
  kCheckout,
  kPayments,
  kInventory,
  kSearch,
  kCart,
  kShipping,
  kNotify,
  kReco,
  kServices
};

struct ServiceSpec {
  const char* name;
  const char* ns;
  const char* container;
  Style style;
  int pods;
  uint32_t background_weight;
};
constexpr ServiceSpec kSpecs[kServices] = {
    {"api-gateway", "edge", "gateway", kZap, 3, 12},
    {"auth", "identity", "auth", kZap, 2, 8},
    {"checkout", "shop", "checkout", kEnvelope, 3, 8},
    {"payments", "payments", "payments", kLogback, 2, 9},
    {"inventory", "shop", "inventory", kLogback, 2, 10},
    {"search", "search", "search-api", kStructlog, 3, 8},
    {"cart", "shop", "cart", kEnvelope, 2, 9},
    {"shipping", "logistics", "shipping", kStructlog, 2, 7},
    {"notifications", "messaging", "notifier", kEnvelope, 2, 10},
    {"recommendation", "ml", "recommender", kStructlog, 2, 9},
};

// One step of a request: the service that logs it and what it logs.
enum Step : uint8_t {
  kGwRecv,
  kGwDone,
  kAuthValidate,
  kAuthLogin,
  kCartLoad,
  kCartAdd,
  kCheckoutStart,
  kCheckoutTotals,
  kCheckoutPlaced,
  kCheckoutLookup,
  kInvLookup,
  kInvReserve,
  kPayCharge,
  kPayAuthorized,
  kSearchQuery,
  kShipQuote,
  kShipTrack,
  kNotifyEmail,
  kNotifyPush,
  kRecoServe,
};
constexpr Svc kStepService[] = {
    kGateway,   kGateway,   kAuth,     kAuth,     kCart,
    kCart,      kCheckout,  kCheckout, kCheckout, kCheckout,
    kInventory, kInventory, kPayments, kPayments, kSearch,
    kShipping,  kShipping,  kNotify,   kNotify,   kReco,
};

enum Outcome : uint8_t { kOk, kClientError, kServerError };

struct Flow {
  uint64_t trace_hi = 0, trace_lo = 0, span = 0;
  Step steps[12];
  int n = 0, pos = 0, fail_at = -1;
  Outcome outcome = kOk;
  const char* method = "GET";
  std::string path;
  std::string request_id;
  std::string order_id;
  uint32_t user_id = 0;
  uint32_t sku = 0;
  uint32_t qty = 1;
  uint32_t amount_cents = 0;
  uint32_t items = 1;
  uint32_t status = 200;
  uint64_t elapsed_us = 0;
  const char* upstream = "checkout";
  const char* query = "";
  const char* ua = "";
  uint32_t ip = 0;
};

// Scratch JSON writer: values never need escaping except where a template
// writes an escape on purpose.
class Json {
 public:
  void Reset(std::string* s, bool first) {
    s_ = s;
    first_ = first;
  }
  void Key(std::string_view k) {
    if (!first_) s_->push_back(',');
    first_ = false;
    s_->push_back('"');
    s_->append(k);
    s_->append("\":");
  }
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    s_->push_back('"');
    s_->append(v);
    s_->push_back('"');
  }
  void BeginStr(std::string_view k) {
    Key(k);
    s_->push_back('"');
  }
  void EndStr() { s_->push_back('"'); }
  void Uint(std::string_view k, uint64_t v) {
    Key(k);
    AppendUint(v);
  }
  // A duration in microseconds written as milliseconds with one decimal.
  void Ms(std::string_view k, uint64_t us) {
    Key(k);
    AppendDecimal(us / 100, 1);
  }
  void Bool(std::string_view k, bool v) {
    Key(k);
    s_->append(v ? "true" : "false");
  }
  void Open(std::string_view k) {
    Key(k);
    s_->push_back('{');
    first_ = true;
  }
  void Close() {
    s_->push_back('}');
    first_ = false;
  }
  void Raw(std::string_view v) { s_->append(v); }
  void AppendUint(uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    s_->append(buf, r.ptr);
  }
  // v / 10^decimals, e.g. (1234, 2) -> "12.34".
  void AppendDecimal(uint64_t v, int decimals) {
    uint64_t scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    AppendUint(v / scale);
    s_->push_back('.');
    AppendFixedDigits(v % scale, decimals);
  }
  void AppendFixedDigits(uint64_t v, int digits) {
    char buf[24];
    for (int i = digits - 1; i >= 0; --i) {
      buf[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    s_->append(buf, digits);
  }
  void AppendHex(uint64_t v, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[16];
    for (int i = digits - 1; i >= 0; --i) {
      buf[i] = kHex[v & 15];
      v >>= 4;
    }
    s_->append(buf, digits);
  }
  std::string* out() { return s_; }

 private:
  std::string* s_ = nullptr;
  bool first_ = true;
};

constexpr char kPodAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
constexpr char kBase36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

void AppendRandom(Rng& rng, const char* alphabet, size_t alphabet_len, int n,
                  std::string* out) {
  for (int i = 0; i < n; ++i) out->push_back(alphabet[rng.Below(alphabet_len)]);
}

void AppendBase64Url(std::string_view in, std::string* out) {
  static constexpr char kB64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v =
        (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out->push_back(kB64[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out->push_back(kB64[(v >> 18) & 63]);
    out->push_back(kB64[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out->push_back(kB64[(v >> 18) & 63]);
    out->push_back(kB64[(v >> 12) & 63]);
    out->push_back(kB64[(v >> 6) & 63]);
  }
}

// Days since 1970-01-01 to civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

const char* const kFirstNames[] = {"maria", "james", "wei",   "olga",
                                   "ahmed", "lucia", "kenji", "sarah",
                                   "tom",   "priya", "jonas", "fatima"};
const char* const kLastNames[] = {"garcia", "smith", "chen",  "ivanova",
                                  "khan",   "rossi", "sato",  "miller",
                                  "nguyen", "patel", "weber", "okafor"};
const char* const kDomains[] = {"gmail.com", "example.com", "outlook.com",
                                "yahoo.co.uk", "proton.me"};
const char* const kUserAgents[] = {
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1.15",
    "okhttp/4.12.0",
    "shop-ios/5.31.0 (build 4412)",
    "shop-android/5.30.2",
    "curl/8.5.0",
};
const char* const kQueries[] = {"running shoes",
                                "wireless headphones",
                                "usb-c cable 2m",
                                "crème brûlée set",
                                "kids rain jacket",
                                "espresso machine",
                                "\\\"standing desk\\\"",
                                "4k monitor 27",
                                "yoga mat",
                                "gift card",
                                "winter boots size 42",
                                "müsli bio 1kg"};
const char* const kCarriers[] = {"ups", "dhl", "fedex", "usps", "dpd"};
const char* const kCountries[] = {"US", "DE", "GB", "FR", "NL", "CA", "JP"};
const char* const kTiers[] = {"free", "free", "free", "plus", "gold"};

}  // namespace

uint64_t LogGenCounts::PerLevel(std::string_view level) const {
  uint64_t n = 0;
  for (const auto& [k, v] : per_service_level) {
    if (k.second == level) n += v;
  }
  return n;
}

uint64_t LogGenCounts::PerService(std::string_view service) const {
  uint64_t n = 0;
  for (const auto& [k, v] : per_service_level) {
    if (k.first == service) n += v;
  }
  return n;
}

struct LogGenerator::Rep {
  explicit Rep(const LogGenOptions& o) : opt(o), rng(o.seed) {
    for (int s = 0; s < kServices; ++s) {
      std::string hash;
      AppendRandom(rng, kPodAlphabet, sizeof(kPodAlphabet) - 1,
                   9 + static_cast<int>(rng.Below(2)), &hash);
      pod_hash[s] = hash;
      for (int p = 0; p < kSpecs[s].pods; ++p) {
        std::string pod = std::string(kSpecs[s].name) + "-" + hash + "-";
        AppendRandom(rng, kPodAlphabet, sizeof(kPodAlphabet) - 1, 5, &pod);
        pods[s].push_back(pod);
      }
      node[s] = "ip-10-0-";
      node[s] += std::to_string(rng.Range(1, 63)) + "-" +
                 std::to_string(rng.Range(2, 254)) + ".ec2.internal";
    }
    malformed_offset =
        opt.malformed_every ? rng.Below(opt.malformed_every) : UINT64_MAX;
    ts_ns = opt.start_ns;
    for (auto& f : flows) NewFlow(&f);
  }

  void Next(std::string* out);
  void NewFlow(Flow* f);
  void EmitStep(Flow* f, std::string* out);
  void EmitBackground(Svc svc, std::string* out);
  void EmitMalformed(std::string* out);
  // Builds the fields of one line into level/msg/fields/where.
  void Traced(Step step, Flow* f, bool fail);
  void Background(Svc svc);
  void Assemble(Svc svc, const Flow* f, std::string* out);
  void UpdatePrefix();  // cached_prefix <- the second of ts_ns
  void AppendTs(std::string* out, int digits);
  void AppendSecret();
  void PutHttp(const Flow* f, bool done);
  void PutUser(const Flow* f);
  uint64_t Duration(uint64_t median_us);

  LogGenOptions opt;
  Rng rng;
  std::array<std::string, kServices> pod_hash;
  std::array<std::vector<std::string>, kServices> pods;
  std::array<std::string, kServices> node;
  std::array<Flow, 8> flows;
  uint64_t malformed_offset;
  int64_t ts_ns;
  int64_t cached_sec = INT64_MIN;
  char cached_prefix[20];  // "2024-05-01T12:00:00"

  uint64_t lines = 0, bytes = 0, malformed = 0, with_trace = 0, with_secret = 0;
  uint64_t per[kServices][kLevels] = {};

  // The line being built.
  Level level = kInfo;
  std::string msg, fields, where, thread;
  Json j;
  std::string scratch;
};

uint64_t LogGenerator::Rep::Duration(uint64_t median_us) {
  // Roughly log-normal without libm: most requests near the median, a tail
  // of slow ones up to ~40x.
  uint64_t d = median_us / 2 + rng.Below(median_us + 1);
  if (rng.Chance(0.08)) d *= 2 + rng.Below(6);
  if (rng.Chance(0.01)) d *= 5 + rng.Below(8);
  return d + 30;
}

void LogGenerator::Rep::NewFlow(Flow* f) {
  f->trace_hi = rng.Next();
  f->trace_lo = rng.Next();
  f->pos = 0;
  f->n = 0;
  f->fail_at = -1;
  f->elapsed_us = 0;
  f->user_id = static_cast<uint32_t>(rng.Chance(0.3) ? rng.Range(1, 2000)
                                                     : rng.Range(1, 2400000));
  f->sku = static_cast<uint32_t>(rng.Range(10000, 99999));
  f->qty = static_cast<uint32_t>(rng.Chance(0.8) ? 1 : rng.Range(2, 6));
  f->items = static_cast<uint32_t>(rng.Range(1, 7));
  f->amount_cents = static_cast<uint32_t>(rng.Range(399, 45000));
  f->ua = rng.One(kUserAgents);
  f->ip = static_cast<uint32_t>(rng.Next());
  f->request_id.clear();
  Json j;
  j.Reset(&f->request_id, true);
  j.AppendHex(rng.Next(), 8);
  f->request_id += '-';
  j.AppendHex(rng.Next(), 4);
  f->request_id += "-4";
  j.AppendHex(rng.Next(), 3);
  f->request_id += '-';
  j.AppendHex(0x8000 | (rng.Next() & 0x3fff), 4);
  f->request_id += '-';
  j.AppendHex(rng.Next(), 12);
  f->order_id = "ord_";
  AppendRandom(rng, kBase36, 36, 12, &f->order_id);

  auto add = [f](std::initializer_list<Step> steps) {
    for (Step s : steps) f->steps[f->n++] = s;
  };
  // Half of the gateways log the request on arrival too (at debug).
  if (rng.Chance(0.5)) add({kGwRecv});
  switch (rng.Pick(std::array<uint32_t, 6>{30, 20, 20, 8, 10, 12})) {
    case 0:  // product page
      f->method = "GET";
      f->path = "/api/v1/products/" + std::to_string(f->sku);
      f->upstream = "inventory";
      add({kInvLookup, kRecoServe});
      if (rng.Chance(0.5)) add({kCartLoad});
      break;
    case 1:  // search
      f->method = "GET";
      f->query = rng.One(kQueries);
      f->path = "/api/v1/search?page=" + std::to_string(rng.Range(1, 5)) +
                "&sort=relevance";
      f->upstream = "search";
      add({kSearchQuery});
      if (rng.Chance(0.6)) add({kRecoServe});
      break;
    case 2:  // add to cart
      f->method = "POST";
      f->path = "/api/v1/cart/items";
      f->upstream = "cart";
      add({kAuthValidate, kCartAdd, kInvLookup});
      break;
    case 3:  // checkout
      f->method = "POST";
      f->path = "/api/v1/checkout";
      f->upstream = "checkout";
      add({kAuthValidate, kCartLoad, kCheckoutStart, kCheckoutTotals,
           kInvReserve, kPayCharge, kPayAuthorized, kCheckoutPlaced, kShipQuote,
           kNotifyEmail});
      break;
    case 4:  // order status
      f->method = "GET";
      f->path = "/api/v1/orders/" + f->order_id;
      f->upstream = "checkout";
      add({kAuthValidate, kCheckoutLookup, kShipTrack});
      break;
    default:  // login
      f->method = "POST";
      f->path = "/api/v1/auth/login";
      f->upstream = "auth";
      add({kAuthLogin});
      if (rng.Chance(0.3)) add({kNotifyPush});
      break;
  }
  add({kGwDone});
  f->outcome = kOk;
  f->status = f->method[0] == 'P' ? 201 : 200;
  if (f->steps[f->n - 2] == kAuthLogin) f->status = 200;
  const double r = rng.Uniform();
  if (r < 0.05) {
    f->outcome = r < 0.012 ? kServerError : kClientError;
    // Fail at one of the inner steps; the gateway then answers at once.
    const int first = f->steps[0] == kGwRecv ? 1 : 0;
    f->fail_at = first + static_cast<int>(rng.Below(f->n - 1 - first));
  }
}

void LogGenerator::Rep::UpdatePrefix() {
  const int64_t sec = ts_ns / 1000000000;
  if (sec != cached_sec) {
    cached_sec = sec;
    int y;
    unsigned mo, d;
    const int64_t days = sec / 86400;
    const int64_t tod = sec % 86400;
    CivilFromDays(days, &y, &mo, &d);
    // "YYYY-MM-DDTHH:MM:SS"
    std::string p;
    Json jj;
    jj.Reset(&p, true);
    jj.AppendFixedDigits(static_cast<uint64_t>(y), 4);
    p.push_back('-');
    jj.AppendFixedDigits(mo, 2);
    p.push_back('-');
    jj.AppendFixedDigits(d, 2);
    p.push_back('T');
    jj.AppendFixedDigits(static_cast<uint64_t>(tod / 3600), 2);
    p.push_back(':');
    jj.AppendFixedDigits(static_cast<uint64_t>(tod / 60 % 60), 2);
    p.push_back(':');
    jj.AppendFixedDigits(static_cast<uint64_t>(tod % 60), 2);
    std::memcpy(cached_prefix, p.data(), 19);
  }
}

void LogGenerator::Rep::AppendTs(std::string* out, int digits) {
  UpdatePrefix();
  const int64_t frac = ts_ns % 1000000000;
  out->append(cached_prefix, 19);
  out->push_back('.');
  Json jj;
  jj.Reset(out, true);
  if (digits == 9) {
    jj.AppendFixedDigits(frac, 9);
  } else {
    jj.AppendFixedDigits(frac / 1000, 6);
  }
  out->push_back('Z');
}

void LogGenerator::Rep::PutUser(const Flow* f) {
  j.Open("user");
  j.BeginStr("id");
  j.Raw("u_");
  j.AppendUint(f->user_id);
  j.EndStr();
  j.Str("tier", kTiers[f->user_id % 5]);
  j.Close();
}

void LogGenerator::Rep::PutHttp(const Flow* f, bool done) {
  j.Open("http");
  j.Str("method", f->method);
  j.Str("path", f->path);
  if (done) {
    j.Uint("status", f->status);
    j.Ms("duration_ms", f->elapsed_us);
    j.Uint("bytes_out",
           f->status >= 400 ? rng.Range(60, 180) : rng.Range(300, 48000));
  } else {
    j.Str("proto", rng.Chance(0.7) ? "HTTP/2.0" : "HTTP/1.1");
  }
  j.Close();
}

// The templates. Each sets level, msg, where (caller, logger or module) and
// appends fields; the style decides where each goes in the line.
void LogGenerator::Rep::Traced(Step step, Flow* f, bool fail) {
  const uint64_t d = Duration(step == kPayCharge ? 180000 : 4000);
  f->elapsed_us += d;
  level = kInfo;
  switch (step) {
    case kGwRecv:
      level = kDebug;
      where = "proxy/server.go:214";
      msg = "request received";
      PutHttp(f, false);
      j.Str("request_id", f->request_id);
      j.BeginStr("client_ip");
      j.AppendUint(f->ip >> 24);
      j.Raw(".");
      j.AppendUint((f->ip >> 16) & 255);
      j.Raw(".");
      j.AppendUint((f->ip >> 8) & 255);
      j.Raw(".");
      j.AppendUint(f->ip & 255);
      j.EndStr();
      if (f->ua[0] != 'M') j.Str("user_agent", f->ua);
      break;
    case kGwDone:
      level = f->status >= 500 ? kError : f->status >= 400 ? kWarn : kInfo;
      where = "proxy/access.go:61";
      msg = "request completed";
      PutHttp(f, true);
      j.Str("request_id", f->request_id);
      j.Str("upstream", f->upstream);
      if (f->outcome == kServerError) j.Uint("upstream_attempts", 3);
      break;
    case kAuthValidate:
      where = "auth/validate.go:88";
      if (fail) {
        level = kWarn;
        f->status = 401;
        msg = rng.Chance(0.5) ? "token validation failed: token expired"
                              : "token validation failed: signature mismatch";
      } else {
        level = rng.Chance(0.4) ? kDebug : kInfo;
        msg = "token validated";
      }
      PutUser(f);
      j.Str("client_id", rng.Chance(0.6) ? "web-spa" : "mobile-app");
      j.Ms("duration_ms", d / 4);
      break;
    case kAuthLogin:
      where = "auth/login.go:132";
      if (fail) {
        level = kWarn;
        f->status = 401;
        msg = "login failed: invalid credentials";
        j.Uint("failed_attempts", rng.Range(1, 6));
      } else {
        msg = "login succeeded";
        j.Str("mfa", rng.Chance(0.3) ? "totp" : "none");
      }
      PutUser(f);
      j.Str("method", rng.Chance(0.8) ? "password" : "oauth_google");
      j.Ms("duration_ms", d * 8);
      break;
    case kCartLoad:
      if (fail) {
        level = kError;
        f->status = 500;
        msg = "failed to load cart: redis: connection pool timeout";
        j.Uint("pool_size", 64);
      } else {
        level = rng.Chance(0.4) ? kDebug : kInfo;
        msg = rng.Chance(0.8) ? "cart loaded from cache" : "cart cache miss";
        j.Uint("items", f->items);
      }
      j.BeginStr("cart_id");
      j.Raw("c_");
      j.AppendUint(f->user_id);
      j.EndStr();
      j.Ms("redis_ms", d / 8);
      break;
    case kCartAdd:
      if (fail) {
        level = kWarn;
        f->status = 400;
        msg = "invalid quantity in add-to-cart request";
      } else {
        msg = "item added to cart";
      }
      j.BeginStr("sku");
      j.Raw("SKU-");
      j.AppendUint(f->sku);
      j.EndStr();
      j.Uint("qty", f->qty);
      j.Uint("cart_size", f->items);
      j.Open("res");
      j.Uint("statusCode", fail ? 400 : 200);
      j.Close();
      j.Uint("responseTime", d / 1000 + 1);
      break;
    case kCheckoutStart:
      level = kDebug;
      msg = "checkout started";
      j.Str("order_id", f->order_id);
      j.Uint("items", f->items);
      j.Str("currency", rng.Chance(0.7) ? "USD" : "EUR");
      if (fail) {
        level = kWarn;
        f->status = 422;
        msg = "checkout rejected: shipping address incomplete";
      }
      break;
    case kCheckoutTotals:
      level = kDebug;
      msg = "cart priced";
      j.Str("order_id", f->order_id);
      j.Uint("subtotal_cents", f->amount_cents);
      j.Uint("tax_cents", f->amount_cents / 12);
      j.Uint("discount_cents", rng.Chance(0.2) ? rng.Range(100, 2000) : 0);
      if (fail) {
        level = kWarn;
        f->status = 409;
        msg = "coupon rejected: expired";
      }
      break;
    case kCheckoutPlaced:
      msg = "order placed";
      j.Str("order_id", f->order_id);
      j.Uint("amount_cents", f->amount_cents);
      j.Uint("items", f->items);
      if (fail) {
        level = kError;
        f->status = 500;
        msg = "failed to persist order: deadlock detected";
        j.Str("sqlstate", "40P01");
      }
      break;
    case kCheckoutLookup:
      msg = "order fetched";
      j.Str("order_id", f->order_id);
      j.Str("order_status", rng.Chance(0.6) ? "shipped" : "processing");
      j.Ms("db_ms", d / 3);
      if (fail) {
        level = kWarn;
        f->status = 404;
        msg = "order not found";
      }
      break;
    case kInvLookup:
      level = rng.Chance(0.3) ? kDebug : kInfo;
      thread = "http-nio-8080-exec-";
      thread += std::to_string(rng.Range(1, 200));
      where = "com.acme.inventory.StockService";
      msg = "Stock level for SKU-" + std::to_string(f->sku) + " in warehouse " +
            std::to_string(rng.Range(1, 9)) + ": " +
            std::to_string(rng.Range(0, 900));
      j.Ms("duration_ms", d);
      if (fail) {
        level = kError;
        f->status = 503;
        msg =
            "Stock lookup failed: Connection is not available, request "
            "timed out after 30000ms";
      }
      break;
    case kInvReserve:
      thread = "http-nio-8080-exec-";
      thread += std::to_string(rng.Range(1, 200));
      where = "com.acme.inventory.ReservationService";
      msg = "Reserved " + std::to_string(f->qty) + " unit(s) of SKU-" +
            std::to_string(f->sku) + " for order " + f->order_id;
      j.Uint("reservation_ttl_s", 900);
      if (fail) {
        level = kWarn;
        f->status = 409;
        msg = "Insufficient stock for SKU-" + std::to_string(f->sku) +
              ": requested " + std::to_string(f->qty) + ", available 0";
      }
      break;
    case kPayCharge:
      level = kDebug;
      thread = "http-nio-8080-exec-";
      thread += std::to_string(rng.Range(1, 200));
      where = "com.acme.payments.ChargeService";
      msg = "Creating charge for order " + f->order_id;
      j.Uint("amount_cents", f->amount_cents);
      j.Str("provider", rng.Chance(0.8) ? "stripe" : "adyen");
      j.BeginStr("idempotency_key");
      j.AppendHex(f->trace_lo, 16);
      j.EndStr();
      if (fail) {
        if (f->outcome == kServerError) {
          level = kError;
          f->status = 502;
          msg = "Payment provider timeout after " + std::to_string(d / 1000) +
                " ms for order " + f->order_id;
        } else {
          level = kWarn;
          f->status = 402;
          msg = "Charge declined by issuer: insufficient_funds";
        }
      }
      break;
    case kPayAuthorized:
      thread = "http-nio-8080-exec-";
      thread += std::to_string(rng.Range(1, 200));
      where = "com.acme.payments.ChargeService";
      msg = "Charge authorized";
      j.Str("order_id", f->order_id);
      j.BeginStr("charge_id");
      j.Raw("ch_");
      AppendRandom(rng, kBase36, 36, 20, j.out());
      j.EndStr();
      j.Str("card_brand", rng.Chance(0.6) ? "visa" : "mastercard");
      j.BeginStr("card_last4");
      j.AppendFixedDigits(rng.Below(10000), 4);
      j.EndStr();
      j.Ms("provider_ms", d);
      if (fail) {
        level = kError;
        f->status = 502;
        msg = "Charge capture failed: provider returned 500";
      }
      break;
    case kSearchQuery:
      where = "search.api";
      msg = "query executed";
      j.Str("query", f->query);
      j.Uint("hits", rng.Below(5000));
      j.Ms("took_ms", d * 2);
      j.Str("index", rng.Chance(0.5) ? "products-v42" : "products-v43");
      j.Uint("shards", 6);
      if (fail) {
        level = kError;
        f->status = 503;
        msg = "search backend unavailable";
        j.Str("error", "ConnectionTimeout(read timeout=2.0)");
      } else if (d > 20000) {
        level = kWarn;
        msg = "slow query";
      }
      break;
    case kShipQuote:
      where = "shipping.rates";
      msg = "rate quote computed";
      j.Str("carrier", rng.One(kCarriers));
      j.Str("country", rng.One(kCountries));
      j.Uint("quote_cents", rng.Range(0, 2500));
      j.Uint("weight_g", rng.Range(80, 12000));
      if (fail) {
        level = kError;
        f->status = 502;
        msg = "carrier api error";
        j.Uint("carrier_status", 503);
      }
      break;
    case kShipTrack:
      where = "shipping.tracking";
      msg = "tracking status fetched";
      j.Str("carrier", rng.One(kCarriers));
      j.BeginStr("tracking_number");
      j.Raw("1Z");
      AppendRandom(rng, kBase36 + 10, 26, 4, j.out());
      AppendRandom(rng, kBase36, 10, 8, j.out());
      j.EndStr();
      j.Str("status", rng.Chance(0.7) ? "in_transit" : "delivered");
      if (fail) {
        level = kWarn;
        f->status = 404;
        msg = "tracking number unknown to carrier";
      }
      break;
    case kNotifyEmail:
      msg = "email queued";
      j.Str("template", "order_confirmation");
      j.Str("order_id", f->order_id);
      j.Str("locale", rng.Chance(0.6) ? "en-US" : "de-DE");
      if (fail) {
        level = kWarn;
        msg = "smtp relay rejected message, will retry";
      }
      break;
    case kNotifyPush:
      msg = "push notification sent";
      j.Str("template", "new_device_login");
      j.Str("platform", rng.Chance(0.5) ? "apns" : "fcm");
      if (fail) {
        level = kWarn;
        msg = "push token no longer registered";
      }
      break;
    case kRecoServe:
      where = "reco.serving";
      msg = "recommendations served";
      j.Str("model",
            rng.Chance(0.9) ? "two-tower-v17" : "two-tower-v18-canary");
      j.Uint("candidates", rng.Range(200, 1000));
      j.Uint("returned", 12);
      j.Ms("inference_ms", d);
      if (fail) {
        level = kError;
        msg = "feature store read failed, serving fallback";
      }
      break;
  }
}

void LogGenerator::Rep::Background(Svc svc) {
  level = kInfo;
  const uint64_t d = Duration(2000);
  switch (svc) {
    case kGateway: {
      where = "proxy/access.go:61";
      const size_t k = rng.Pick(std::array<uint32_t, 4>{70, 20, 8, 2});
      if (k <= 1) {
        msg = "request completed";
        j.Open("http");
        j.Str("method", "GET");
        j.Str("path", k == 0 ? "/healthz" : "/metrics");
        j.Uint("status", 200);
        j.Ms("duration_ms", d / 20);
        j.Uint("bytes_out", k == 0 ? 2 : rng.Range(9000, 14000));
        j.Close();
        j.Str("client_ip", k == 0 ? "10.0.0.1" : "10.0.3.17");
        j.Str("user_agent", k == 0 ? "kube-probe/1.29" : "Prometheus/2.51.0");
      } else if (k == 2) {
        level = kWarn;
        where = "proxy/ratelimit.go:77";
        msg = "rate limit exceeded";
        j.BeginStr("client_ip");
        j.Raw("203.0.113.");
        j.AppendUint(rng.Range(1, 254));
        j.EndStr();
        j.Uint("limit_rps", 50);
        j.Str("route", "/api/v1/search");
      } else {
        level = kError;
        where = "proxy/tls.go:140";
        msg = "tls handshake error";
        j.Str("error", "remote error: tls: bad certificate");
      }
      break;
    }
    case kAuth:
      if (rng.Chance(0.6)) {
        where = "auth/sessions.go:201";
        msg = "expired sessions removed";
        j.Uint("removed", rng.Below(400));
        j.Ms("duration_ms", d);
      } else if (rng.Chance(0.8)) {
        level = kDebug;
        where = "auth/jwks.go:45";
        msg = "jwks refreshed";
        j.Uint("keys", 3);
        j.BeginStr("kid");
        j.AppendHex(rng.Next(), 12);
        j.EndStr();
      } else {
        level = kWarn;
        where = "auth/login.go:160";
        msg = "too many failed logins, account locked";
        j.BeginStr("user_id");
        j.Raw("u_");
        j.AppendUint(rng.Range(1, 2400000));
        j.EndStr();
        j.Uint("lock_s", 900);
      }
      break;
    case kCheckout:
    case kCart:
    case kNotify: {
      const size_t k = rng.Pick(std::array<uint32_t, 4>{30, 40, 23, 7});
      if (k == 0) {
        level = kDebug;
        msg = "kafka message published";
        j.Str("topic", svc == kCheckout ? "orders.v1"
                       : svc == kCart   ? "cart-events"
                                        : "notifications.sent");
        j.Uint("partition", rng.Below(12));
        j.Uint("offset", 48000000 + (lines * 7) + rng.Below(64));
      } else if (k == 1) {
        msg = svc == kNotify ? "consumer lag" : "cache stats";
        if (svc == kNotify) {
          j.Str("group", "notifier");
          j.Uint("lag", rng.Below(300));
        } else {
          j.Uint("hits", rng.Range(1000, 90000));
          j.Uint("misses", rng.Below(3000));
          j.Uint("evictions", rng.Below(100));
        }
      } else if (k == 2) {
        msg = "event loop utilization";
        j.Uint("elu_pct", rng.Range(5, 80));
        j.Uint("heap_used_mb", rng.Range(80, 400));
      } else {
        level = kWarn;
        msg = svc == kNotify ? "smtp connection reset, reconnecting"
                             : "redis reconnect";
        j.Uint("attempt", rng.Range(1, 4));
      }
      break;
    }
    case kPayments:
    case kInventory: {
      const size_t k = rng.Pick(std::array<uint32_t, 5>{30, 40, 15, 10, 5});
      thread = svc == kPayments ? "scheduling-1" : "stock-sync-1";
      if (k == 0) {
        level = kDebug;
        where = "com.zaxxer.hikari.pool.HikariPool";
        thread = "HikariPool-1 housekeeper";
        msg = "HikariPool-1 - Pool stats (total=20, active=" +
              std::to_string(rng.Below(20)) +
              ", idle=" + std::to_string(rng.Below(20)) + ", waiting=0)";
      } else if (k == 1) {
        where = svc == kPayments ? "com.acme.payments.WebhookController"
                                 : "com.acme.inventory.SyncJob";
        if (svc == kPayments) {
          thread = "http-nio-8080-exec-";
          thread += std::to_string(rng.Range(1, 200));
          msg = "Webhook received: charge.succeeded";
          j.BeginStr("event_id");
          j.Raw("evt_");
          AppendRandom(rng, kBase36, 36, 24, j.out());
          j.EndStr();
        } else {
          msg = "Stock sync completed: " + std::to_string(rng.Range(10, 4000)) +
                " SKUs updated";
          j.Ms("duration_ms", d * 40);
        }
      } else if (k == 2) {
        level = kDebug;
        where = "gc";
        thread = "G1 Young RemSet Sampling";
        msg = "GC pause (G1 Evacuation Pause) " +
              std::to_string(rng.Range(2, 60)) + "ms";
        j.Uint("heap_before_mb", rng.Range(300, 900));
        j.Uint("heap_after_mb", rng.Range(100, 300));
      } else if (k == 3) {
        level = kWarn;
        where = "com.zaxxer.hikari.pool.HikariPool";
        thread = "HikariPool-1 housekeeper";
        msg =
            "HikariPool-1 - Thread starvation or clock leap detected "
            "(housekeeper delta=" +
            std::to_string(rng.Range(30, 90)) + "s" +
            std::to_string(rng.Below(1000)) + "ms).";
      } else {
        level = kError;
        where = "com.acme.common.db.Retry";
        msg =
            "Database query failed after 3 retries: "
            "org.postgresql.util.PSQLException: An I/O error occurred";
      }
      break;
    }
    case kSearch:
    case kShipping:
    case kReco: {
      const size_t k = rng.Pick(std::array<uint32_t, 3>{35, 57, 8});
      where = svc == kSearch ? "search.indexer"
              : svc == kReco ? "reco.model"
                             : "shipping.jobs";
      if (k == 0) {
        level = kDebug;
        msg = svc == kSearch ? "index refresh"
              : svc == kReco ? "batch inference done"
                             : "label batch uploaded";
        j.Uint("docs", rng.Range(10, 20000));
        j.Ms("took_ms", d * 3);
      } else if (k == 1) {
        msg = svc == kSearch ? "segment merge finished"
              : svc == kReco ? "model refreshed"
                             : "carrier rates cache refreshed";
        j.Str("version", svc == kReco ? "two-tower-v17" : "2024.05.01");
        j.Uint("rss_mb", rng.Range(200, 2000));
      } else {
        level = kWarn;
        msg = svc == kSearch ? "circuit breaker half-open"
              : svc == kReco ? "feature store latency high"
                             : "carrier api slow";
        j.Ms("p99_ms", d * 50);
      }
      break;
    }
    default:
      break;
  }
}

void LogGenerator::Rep::AppendSecret() {
  ++with_secret;
  switch (rng.Below(5)) {
    case 0: {
      j.BeginStr("email");
      j.Raw(rng.One(kFirstNames));
      j.Raw(".");
      j.Raw(rng.One(kLastNames));
      j.AppendUint(rng.Below(100));
      j.Raw("@");
      j.Raw(rng.One(kDomains));
      j.EndStr();
      break;
    }
    case 1: {
      // A 16-digit Visa or Mastercard number with a valid Luhn digit.
      int digits[16];
      digits[0] = rng.Chance(0.5) ? 4 : 5;
      digits[1] = digits[0] == 5 ? static_cast<int>(rng.Range(1, 5))
                                 : static_cast<int>(rng.Below(10));
      for (int i = 2; i < 15; ++i) digits[i] = static_cast<int>(rng.Below(10));
      int sum = 0;
      for (int i = 14; i >= 0; --i) {
        int v = digits[i];
        if ((14 - i) % 2 == 0) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
      }
      digits[15] = (10 - sum % 10) % 10;
      const bool spaced = rng.Chance(0.3);
      j.BeginStr("card_number");
      for (int i = 0; i < 16; ++i) {
        if (spaced && i && i % 4 == 0) j.Raw(" ");
        j.out()->push_back(static_cast<char>('0' + digits[i]));
      }
      j.EndStr();
      break;
    }
    case 2:
      j.BeginStr("url");
      j.Raw("https://shop.example.com/api/v1/auth/login?user=");
      j.Raw(rng.One(kFirstNames));
      j.Raw("&password=");
      AppendRandom(rng, kBase36, 36, 10, j.out());
      j.EndStr();
      break;
    case 3: {
      scratch = "{\"sub\":\"u_" + std::to_string(rng.Range(1, 2400000)) +
                "\",\"exp\":" + std::to_string(ts_ns / 1000000000 + 3600) +
                ",\"scope\":\"orders:read\"}";
      j.Open("headers");
      j.BeginStr("authorization");
      j.Raw("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.");
      AppendBase64Url(scratch, j.out());
      j.Raw(".");
      static constexpr char kB64Url[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      AppendRandom(rng, kB64Url, 64, 43, j.out());
      j.EndStr();
      j.Str("accept", "application/json");
      j.Close();
      break;
    }
    default: {
      static constexpr char kAwsAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
      j.BeginStr("error");
      j.Raw("AccessDenied: AKIA");
      AppendRandom(rng, kAwsAlphabet, 32, 16, j.out());
      j.Raw(" is not authorized to perform s3:PutObject");
      j.EndStr();
      break;
    }
  }
}

// Puts the pieces in the order of the service's logging library.
void LogGenerator::Rep::Assemble(Svc svc, const Flow* f, std::string* out) {
  const ServiceSpec& spec = kSpecs[svc];
  const std::string& pod =
      pods[svc][(f ? f->trace_lo : rng.Next()) % pods[svc].size()];
  const char* lvl = kLevelText[spec.style][level];
  auto labels = [&] {
    out->append(",\"service\":\"").append(spec.name);
    out->append("\",\"namespace\":\"").append(spec.ns);
    out->append("\",\"pod\":\"").append(pod);
    out->append("\",\"container\":\"").append(spec.container);
    out->push_back('"');
  };
  auto trace = [&](const char* tkey, const char* skey) {
    if (!f) return;
    Json jj;
    jj.Reset(out, false);
    jj.Key(tkey);
    out->push_back('"');
    jj.AppendHex(f->trace_hi, 16);
    jj.AppendHex(f->trace_lo, 16);
    out->push_back('"');
    jj.Key(skey);
    out->push_back('"');
    jj.AppendHex(f->span, 16);
    out->push_back('"');
  };
  switch (spec.style) {
    case kZap:
      out->append("{\"level\":\"").append(lvl).append("\",\"ts\":\"");
      AppendTs(out, 9);
      out->append("\",\"caller\":\"").append(where);
      out->append("\",\"msg\":\"").append(msg).push_back('"');
      labels();
      trace("trace_id", "span_id");
      out->append(fields);
      break;
    case kLogback:
      out->append("{\"@timestamp\":\"");
      AppendTs(out, 6);
      out->append("\",\"level\":\"").append(lvl);
      out->append("\",\"logger_name\":\"").append(where);
      out->append("\",\"thread_name\":\"").append(thread);
      out->append("\",\"message\":\"").append(msg).push_back('"');
      labels();
      trace("traceId", "spanId");
      out->append(fields);
      break;
    case kStructlog:
      out->append("{\"timestamp\":\"");
      AppendTs(out, 6);
      out->append("\",\"level\":\"").append(lvl);
      out->append("\",\"event\":\"").append(msg);
      out->append("\",\"logger\":\"").append(where).push_back('"');
      labels();
      trace("trace_id", "span_id");
      out->append(fields);
      break;
    case kEnvelope:
      out->append("{\"time\":\"");
      AppendTs(out, 9);
      out->append("\",\"severity\":\"").append(lvl);
      out->append("\",\"message\":\"").append(msg).push_back('"');
      trace("trace_id", "span_id");
      out->append(fields);
      out->append(",\"kubernetes\":{\"namespace_name\":\"").append(spec.ns);
      out->append("\",\"pod_name\":\"").append(pod);
      out->append("\",\"container_name\":\"").append(spec.container);
      out->append("\",\"labels\":{\"app\":\"").append(spec.name);
      out->append("\",\"pod-template-hash\":\"").append(pod_hash[svc]);
      out->append("\"},\"host\":\"").append(node[svc]);
      out->append("\"},\"stream\":\"stdout\"");
      break;
  }
  out->append("}\n");
}

void LogGenerator::Rep::EmitStep(Flow* f, std::string* out) {
  const Step step = f->steps[f->pos];
  const bool fail = f->pos == f->fail_at;
  f->span = rng.Next();
  fields.clear();
  j.Reset(&fields, false);
  where.clear();
  thread.clear();
  Traced(step, f, fail);
  if (rng.Chance(opt.secret_fraction)) AppendSecret();
  const Svc svc = kStepService[step];
  Assemble(svc, f, out);
  ++per[svc][level];
  ++with_trace;
  if (fail)
    f->pos = f->n - 1;  // the gateway answers next
  else
    ++f->pos;
}

void LogGenerator::Rep::EmitBackground(Svc svc, std::string* out) {
  fields.clear();
  j.Reset(&fields, false);
  where.clear();
  thread.clear();
  Background(svc);
  if (rng.Chance(opt.secret_fraction)) AppendSecret();
  Assemble(svc, nullptr, out);
}

void LogGenerator::Rep::EmitMalformed(std::string* out) {
  ++malformed;
  const size_t start = out->size();
  switch (rng.Below(5)) {
    case 0:
    case 1: {
      // A JSON line cut short, as a crashed writer leaves it. The cut keeps
      // the timestamp (so the line stays unique) and lands on an ASCII byte.
      const uint64_t saved = with_secret;
      const Svc svc = static_cast<Svc>(rng.Below(kServices));
      EmitBackground(svc, out);
      with_secret = saved;
      const size_t len = out->size() - start - 1;
      size_t cut = start + len / 2 + rng.Below(len / 3);
      while (static_cast<uint8_t>((*out)[cut]) >= 0x80) --cut;
      out->resize(cut);
      out->push_back('\n');
      return;
    }
    case 2: {
      // klog, from a sidecar that does not log JSON.
      UpdatePrefix();
      out->append(rng.Chance(0.5) ? "E" : "W");
      out->append(cached_prefix + 5, 2);
      out->append(cached_prefix + 8, 2);
      out->push_back(' ');
      out->append(cached_prefix + 11, 8);
      out->push_back('.');
      Json jj;
      jj.Reset(out, true);
      jj.AppendFixedDigits(ts_ns % 1000000000 / 1000, 6);
      out->append(
          "       1 reflector.go:138] k8s.io/client-go/informers/"
          "factory.go:134: Failed to watch *v1.ConfigMap: the server "
          "has asked for the client to provide credentials");
      break;
    }
    case 3: {
      out->append(
          "panic: runtime error: invalid memory address or nil pointer "
          "dereference [signal SIGSEGV: segmentation violation code=0x1 "
          "addr=0x");
      Json jj;
      jj.Reset(out, true);
      jj.AppendHex(rng.Below(0x1000), 3);
      out->append(" pc=0x");
      jj.AppendHex(0x400000 + rng.Below(0x200000), 6);
      out->append("] goroutine ");
      jj.AppendUint(rng.Range(1, 100000));
      break;
    }
    default: {
      out->append("Traceback (most recent call last): File \"/app/");
      out->append(rng.Chance(0.5) ? "search/api.py\", line "
                                  : "reco/serving.py\", line ");
      Json jj;
      jj.Reset(out, true);
      jj.AppendUint(rng.Range(20, 900));
      out->append(", in handle KeyError: 'features' at ");
      AppendTs(out, 6);
      break;
    }
  }
  out->push_back('\n');
}

void LogGenerator::Rep::Next(std::string* out) {
  const size_t before = out->size();
  ts_ns += 1000 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(
                      std::max<int64_t>(1, 2 * opt.mean_step_ns - 1000))));
  if (opt.malformed_every && lines % opt.malformed_every == malformed_offset) {
    EmitMalformed(out);
  } else if (rng.Chance(opt.trace_fraction)) {
    Flow* f = &flows[rng.Below(flows.size())];
    EmitStep(f, out);
    if (f->pos >= f->n) NewFlow(f);
  } else {
    std::array<uint32_t, kServices> w;
    for (int s = 0; s < kServices; ++s) w[s] = kSpecs[s].background_weight;
    const Svc svc = static_cast<Svc>(rng.Pick(w));
    EmitBackground(svc, out);
    ++per[svc][level];
  }
  ++lines;
  bytes += out->size() - before;
}

LogGenerator::LogGenerator(const LogGenOptions& options)
    : rep_(std::make_unique<Rep>(options)) {}
LogGenerator::~LogGenerator() = default;

void LogGenerator::Next(std::string* out) { rep_->Next(out); }

void LogGenerator::Generate(uint64_t n, std::string* out) {
  out->reserve(out->size() + n * 320);
  for (uint64_t i = 0; i < n; ++i) rep_->Next(out);
}

LogGenCounts LogGenerator::counts() const {
  LogGenCounts c;
  c.lines = rep_->lines;
  c.bytes = rep_->bytes;
  c.malformed = rep_->malformed;
  c.with_trace = rep_->with_trace;
  c.with_secret = rep_->with_secret;
  for (int s = 0; s < kServices; ++s) {
    for (int l = 0; l < kLevels; ++l) {
      if (rep_->per[s][l]) {
        c.per_service_level[{kSpecs[s].name, kLevelNames[l]}] = rep_->per[s][l];
      }
    }
  }
  return c;
}

std::vector<std::string> LogGenerator::Services() {
  std::vector<std::string> v;
  for (const auto& s : kSpecs) v.emplace_back(s.name);
  return v;
}

std::string GenerateLogs(uint64_t n, const LogGenOptions& options,
                         LogGenCounts* counts) {
  LogGenerator gen(options);
  std::string out;
  gen.Generate(n, &out);
  if (counts) *counts = gen.counts();
  return out;
}

}  // namespace silt::bench
