#include "common/regex.h"

#include <hs/hs.h>

#include <atomic>
#include <cstring>
#include <string>

#include "absl/container/flat_hash_set.h"

namespace silt {
namespace {

// Bytes with a meaning in a pattern. A pattern without any of them is a
// plain literal and is matched without Hyperscan.
bool IsLiteral(std::string_view pattern) {
  for (char c : pattern) {
    if (std::strchr("\\.+*?()|[]{}^$#", c) != nullptr) return false;
    // Bytes >= 0x80 are fine (matched as bytes either way); NUL is not
    // found by strchr's terminator check above, handled here.
    if (c == '\0') return false;
  }
  return true;
}

// One scratch per thread, grown to fit every database this thread scans.
// Hyperscan's hs_alloc_scratch only ever grows an existing scratch, so once
// it was made large enough for a database it stays large enough; the set
// remembers which databases (by a process-unique id, never reused like an
// address would be) have been checked so the hot path skips the call.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  absl::flat_hash_set<uint64_t> fitted;
  ~ThreadScratch() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }
};

std::atomic<uint64_t> next_regex_id{1};

int OnMatch(unsigned int, unsigned long long, unsigned long long, unsigned int,
            void* ctx) {
  *static_cast<bool*>(ctx) = true;
  return 1;  // stop: one match answers the question
}

}  // namespace

struct Regex::Rep {
  Mode mode = Mode::kSearch;
  bool literal = false;  // `pattern_` is matched as a plain string
  hs_database_t* db = nullptr;
  uint64_t id = 0;
  ~Rep() {
    if (db != nullptr) hs_free_database(db);
  }
};

absl::StatusOr<std::unique_ptr<Regex>> Regex::Compile(std::string_view pattern,
                                                      Mode mode,
                                                      bool case_insensitive) {
  std::unique_ptr<Regex> re(new Regex());
  re->pattern_ = std::string(pattern);
  re->rep_ = std::make_unique<Rep>();
  Rep& rep = *re->rep_;
  rep.mode = mode;
  rep.id = next_regex_id.fetch_add(1, std::memory_order_relaxed);
  if (!case_insensitive && IsLiteral(pattern)) {
    rep.literal = true;
    return re;
  }
  // No HS_FLAG_UTF8: lines may hold invalid UTF-8, which is undefined input
  // in UTF-8 mode; byte semantics match literal multi-byte text the same way.
  // No HS_FLAG_DOTALL: `.` does not match `\n`, as in Go's regexp (LogQL).
  // \A and \z rather than ^ and $: `$` would also match before a final
  // newline, which Go's full match does not.
  std::string expr = mode == Mode::kFullMatch
                         ? "\\A(?:" + std::string(pattern) + ")\\z"
                         : std::string(pattern);
  unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
  if (case_insensitive) flags |= HS_FLAG_CASELESS;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(expr.c_str(), flags, HS_MODE_BLOCK, nullptr, &rep.db, &err) !=
      HS_SUCCESS) {
    std::string msg = err != nullptr && err->message != nullptr
                          ? err->message
                          : "unknown Hyperscan error";
    if (err != nullptr) hs_free_compile_error(err);
    return absl::InvalidArgumentError("invalid regex \"" +
                                      std::string(pattern) + "\": " + msg);
  }
  return re;
}

Regex::~Regex() = default;

bool Regex::Matches(std::string_view input) const {
  const Rep& rep = *rep_;
  if (rep.literal) {
    return rep.mode == Mode::kFullMatch
               ? input == pattern_
               : input.find(pattern_) != std::string_view::npos;
  }
  thread_local ThreadScratch ts;
  if (!ts.fitted.contains(rep.id)) {
    if (hs_alloc_scratch(rep.db, &ts.scratch) != HS_SUCCESS) return false;
    // Bound the set; forgetting only costs a re-check.
    if (ts.fitted.size() > 4096) ts.fitted.clear();
    ts.fitted.insert(rep.id);
  }
  bool matched = false;
  // Hyperscan wants a non-null pointer even for empty input.
  const char* data = input.data() != nullptr ? input.data() : "";
  hs_scan(rep.db, data, static_cast<unsigned int>(input.size()), 0, ts.scratch,
          OnMatch, &matched);
  return matched;
}

}  // namespace silt
