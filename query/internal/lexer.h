// LogQL tokens. The lexer turns a query into a token list up front (queries
// are short); positions are 1-based line and column, as in Loki's errors.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace silt::query {

enum class Tok {
  kEnd,
  kIdent,     // label names, keywords, function names
  kString,    // "..." or `...`; text holds the unescaped value
  kNumber,    // 1, 1.5, 1e3, 0x1f
  kDuration,  // 5m, 1h30m (outside brackets, e.g. after offset)
  kRange,     // [5m]; text holds the duration inside the brackets
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kComma,
  kEq,         // =
  kNeq,        // !=
  kRe,         // =~
  kNre,        // !~
  kPipeExact,  // |=
  kPipeMatch,  // |~
  kPipe,       // |
  kCmpEq,      // ==
  kGt,
  kGe,
  kLt,
  kLe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kFlag,  // --strict, --keep-empty (logfmt parser flags)
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // source text (unescaped for strings)
  int line = 1;
  int col = 1;
};

// How a token kind is named in syntax errors ("IDENTIFIER", "}", "$end").
std::string TokName(Tok kind);

// kInvalidArgument "parse error at line L, col C: ..." for bad characters,
// unterminated strings and bad escapes.
absl::StatusOr<std::vector<Token>> Lex(std::string_view query);

// Go's strconv.Unquote for the body of a "..." string (without quotes).
absl::StatusOr<std::string> UnescapeGoString(std::string_view body);

std::string ParseErrorAt(int line, int col, std::string_view msg);

}  // namespace silt::query
