// A cursor over the lexer's tokens with the error helpers the LogQL parser
// shares between expressions (parser.cc) and pipelines (parse_pipeline.cc).
// Errors are kInvalidArgument "parse error at line L, col C: ...".
// Not thread-safe; one per parse.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "query/internal/lexer.h"

// RETURN_IF_ERROR for functions returning StatusOr (common/status.h's works
// too; this one keeps the parser free of its shadowing warnings).
#define RETURN_IF_ERROR_(expr) \
  do {                         \
    absl::Status _st = (expr); \
    if (!_st.ok()) return _st; \
  } while (0)

namespace silt::query {

class TokenStream {
 public:
  explicit TokenStream(std::vector<Token> toks) : toks_(std::move(toks)) {}

  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }

  static std::string Lower(const std::string& s) {
    return absl::AsciiStrToLower(s);
  }
  bool PeekKeyword(const char* kw, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == Tok::kIdent && Lower(t.text) == kw;
  }

  absl::Status Unexpected(const Token& t,
                          std::string_view expecting = "") const {
    std::string what = TokName(t.kind);
    std::string msg = "syntax error: unexpected " + what;
    if (!expecting.empty()) msg += ", expecting " + std::string(expecting);
    return ErrorAt(t, msg);
  }
  static absl::Status ErrorAt(const Token& t, std::string_view msg) {
    return absl::InvalidArgumentError(ParseErrorAt(t.line, t.col, msg));
  }
  absl::Status Expect(Tok kind) {
    if (Peek().kind != kind) return Unexpected(Peek(), TokName(kind));
    Next();
    return absl::OkStatus();
  }

 private:
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace silt::query
