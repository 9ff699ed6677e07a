#include "query/internal/template.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "common/time_util.h"
#include "query/internal/lexer.h"

namespace silt::query {

// One argument of a command: a field, a special value or a literal.
struct Arg {
  enum class Kind { kField, kLine, kTimestamp, kLiteral };
  Kind kind = Kind::kLiteral;
  std::string text;  // field name or literal value
};

enum class Func {
  kNone,  // the command is a lone argument
  kUpper,
  kLower,
  kTrimSpace,
  kTrimPrefix,
  kTrimSuffix,
  kReplace,
  kDefault,
  kSubstr,
  kTrunc,
};

struct Command {
  Func func = Func::kNone;
  std::vector<Arg> args;
};

struct Template::Node {
  std::string text;               // literal text (when commands is empty)
  std::vector<Command> commands;  // an action: a | b | c
};

namespace {

struct FuncInfo {
  const char* name;
  Func func;
  int args;  // including the piped value
};

constexpr FuncInfo kFuncs[] = {
    {"ToUpper", Func::kUpper, 1},         {"upper", Func::kUpper, 1},
    {"ToLower", Func::kLower, 1},         {"lower", Func::kLower, 1},
    {"TrimSpace", Func::kTrimSpace, 1},   {"trim", Func::kTrimSpace, 1},
    {"trimPrefix", Func::kTrimPrefix, 2}, {"TrimPrefix", Func::kTrimPrefix, 2},
    {"trimSuffix", Func::kTrimSuffix, 2}, {"TrimSuffix", Func::kTrimSuffix, 2},
    {"replace", Func::kReplace, 3},       {"Replace", Func::kReplace, 3},
    {"default", Func::kDefault, 2},       {"substr", Func::kSubstr, 3},
    {"trunc", Func::kTrunc, 2},
};

const FuncInfo* FindFunc(std::string_view name) {
  for (const auto& f : kFuncs) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

absl::Status Bad(std::string_view msg) {
  return absl::InvalidArgumentError("template: " + std::string(msg));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits an action body into words: strings stay whole (with quotes), `|`
// is a word of its own.
absl::StatusOr<std::vector<std::string>> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (IsSpace(c)) {
      ++i;
    } else if (c == '|') {
      out.emplace_back("|");
      ++i;
    } else if (c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != c) {
        if (c == '"' && s[j] == '\\') ++j;
        ++j;
      }
      if (j >= s.size()) return Bad("unterminated quoted string");
      out.emplace_back(s.substr(i, j + 1 - i));
      i = j + 1;
    } else if (c == '(' || c == ')') {
      return Bad("parenthesised pipelines are not supported");
    } else {
      size_t j = i;
      while (j < s.size() && !IsSpace(s[j]) && s[j] != '|') ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

absl::StatusOr<Arg> ParseArg(const std::string& w) {
  Arg a;
  if (w.front() == '"') {
    auto body = UnescapeGoString(std::string_view(w).substr(1, w.size() - 2));
    if (!body.ok()) return Bad(std::string(body.status().message()));
    a.text = *std::move(body);
    return a;
  }
  if (w.front() == '`') {
    a.text = w.substr(1, w.size() - 2);
    return a;
  }
  if (w == "__line__") {
    a.kind = Arg::Kind::kLine;
    return a;
  }
  if (w == "__timestamp__") {
    a.kind = Arg::Kind::kTimestamp;
    return a;
  }
  if (w.front() == '.' && w.size() > 1) {
    a.kind = Arg::Kind::kField;
    a.text = w.substr(1);
    if (a.text.find('.') != std::string::npos) {
      return Bad("nested field " + w + " is not supported");
    }
    return a;
  }
  double d;
  if (std::isdigit(static_cast<unsigned char>(w.front())) || w.front() == '-') {
    if (absl::SimpleAtod(w, &d)) {
      a.text = w;
      return a;
    }
  }
  return Bad("unexpected \"" + w + "\" in action");
}

}  // namespace

Template::~Template() = default;

namespace {

absl::Status ParseActionInto(std::string_view body,
                             std::vector<Command>* commands) {
  auto words = Words(body);
  if (!words.ok()) return words.status();
  if (words->empty()) return Bad("missing value for command");
  static constexpr const char* kControl[] = {
      "if",     "else",     "end",   "range", "with",
      "define", "template", "block", "break", "continue"};
  for (const char* kw : kControl) {
    if ((*words)[0] == kw) {
      return Bad("action \"" + (*words)[0] + "\" is not supported");
    }
  }
  std::vector<std::string> cmd;
  auto flush = [&]() -> absl::Status {
    if (cmd.empty()) return Bad("missing command in pipeline");
    Command c;
    size_t first = 0;
    const FuncInfo* f = FindFunc(cmd[0]);
    if (f != nullptr) {
      c.func = f->func;
      first = 1;
    } else if (cmd.size() > 1 ||
               !(cmd[0].front() == '.' || cmd[0].front() == '"' ||
                 cmd[0].front() == '`' || cmd[0].rfind("__", 0) == 0 ||
                 std::isdigit(static_cast<unsigned char>(cmd[0].front())))) {
      return Bad("function \"" + cmd[0] + "\" not defined");
    }
    for (size_t i = first; i < cmd.size(); ++i) {
      auto a = ParseArg(cmd[i]);
      if (!a.ok()) return a.status();
      c.args.push_back(*std::move(a));
    }
    const bool piped = !commands->empty();
    const int have = static_cast<int>(c.args.size()) + (piped ? 1 : 0);
    if (f != nullptr && have != f->args) {
      return Bad("wrong number of args for " + cmd[0] + ": want " +
                 std::to_string(f->args) + " got " + std::to_string(have));
    }
    if (f == nullptr && piped) {
      return Bad("can't give argument to non-function " + cmd[0]);
    }
    commands->push_back(std::move(c));
    cmd.clear();
    return absl::OkStatus();
  };
  for (const std::string& w : *words) {
    if (w == "|") {
      absl::Status st = flush();
      if (!st.ok()) return st;
    } else {
      cmd.push_back(w);
    }
  }
  return flush();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Template>> Template::Parse(
    std::string_view text) {
  std::shared_ptr<Template> t(new Template());
  size_t i = 0;
  bool trim_next = false;  // the previous action ended with -}}
  while (i <= text.size()) {
    size_t open = text.find("{{", i);
    std::string_view lit = text.substr(
        i, open == std::string_view::npos ? std::string_view::npos : open - i);
    if (trim_next) {
      while (!lit.empty() && IsSpace(lit.front())) lit.remove_prefix(1);
    }
    bool trim_before = open != std::string_view::npos &&
                       open + 3 < text.size() && text[open + 2] == '-' &&
                       IsSpace(text[open + 3]);
    if (trim_before) {
      while (!lit.empty() && IsSpace(lit.back())) lit.remove_suffix(1);
    }
    if (!lit.empty()) {
      Node n;
      n.text = std::string(lit);
      t->nodes_.push_back(std::move(n));
    }
    if (open == std::string_view::npos) break;
    size_t body_start = open + 2 + (trim_before ? 2 : 0);
    size_t close = text.find("}}", body_start);
    if (close == std::string_view::npos) return Bad("unclosed action");
    std::string_view body = text.substr(body_start, close - body_start);
    trim_next = false;
    if (body.size() >= 2 && body.back() == '-' &&
        IsSpace(body[body.size() - 2])) {
      body.remove_suffix(2);
      trim_next = true;
    }
    std::string_view stripped = body;
    while (!stripped.empty() && IsSpace(stripped.front()))
      stripped.remove_prefix(1);
    while (!stripped.empty() && IsSpace(stripped.back()))
      stripped.remove_suffix(1);
    if (stripped.rfind("/*", 0) == 0) {
      if (stripped.size() < 4 || stripped.substr(stripped.size() - 2) != "*/") {
        return Bad("unclosed comment");
      }
    } else {
      Node n;
      absl::Status st = ParseActionInto(stripped, &n.commands);
      if (!st.ok()) return st;
      t->nodes_.push_back(std::move(n));
    }
    i = close + 2;
  }
  return std::shared_ptr<const Template>(std::move(t));
}

namespace {

std::string ArgValue(const Arg& a, const LabelSource& labels,
                     std::string_view line, int64_t ts_ns) {
  switch (a.kind) {
    case Arg::Kind::kField: {
      const std::string* v = labels.Get(a.text);
      return v ? *v : std::string();
    }
    case Arg::Kind::kLine:
      return std::string(line);
    case Arg::Kind::kTimestamp:
      return FormatRfc3339Nanos(ts_ns);
    case Arg::Kind::kLiteral:
      return a.text;
  }
  return {};
}

absl::StatusOr<int64_t> IntArg(const std::string& s) {
  int64_t n;
  if (!absl::SimpleAtoi(s, &n)) return Bad("not an integer: " + s);
  return n;
}

absl::StatusOr<std::string> Call(Func f, std::vector<std::string> a) {
  switch (f) {
    case Func::kNone:
      return a[0];
    case Func::kUpper:
      return absl::AsciiStrToUpper(a[0]);
    case Func::kLower:
      return absl::AsciiStrToLower(a[0]);
    case Func::kTrimSpace:
      return std::string(absl::StripAsciiWhitespace(a[0]));
    case Func::kTrimPrefix:
      if (a[1].rfind(a[0], 0) == 0) return a[1].substr(a[0].size());
      return a[1];
    case Func::kTrimSuffix:
      if (a[1].size() >= a[0].size() && a[1].ends_with(a[0])) {
        return a[1].substr(0, a[1].size() - a[0].size());
      }
      return a[1];
    case Func::kReplace:
      if (a[0].empty()) return a[2];
      return absl::StrReplaceAll(a[2], {{a[0], a[1]}});
    case Func::kDefault:
      return a[1].empty() ? a[0] : a[1];
    case Func::kSubstr: {
      auto start = IntArg(a[0]);
      auto end = IntArg(a[1]);
      if (!start.ok()) return start.status();
      if (!end.ok()) return end.status();
      const int64_t n = static_cast<int64_t>(a[2].size());
      int64_t s = std::clamp<int64_t>(*start, 0, n);
      int64_t e = *end < 0 ? n : std::clamp<int64_t>(*end, s, n);
      return a[2].substr(s, e - s);
    }
    case Func::kTrunc: {
      auto k = IntArg(a[0]);
      if (!k.ok()) return k.status();
      const int64_t n = static_cast<int64_t>(a[1].size());
      if (*k >= 0) return a[1].substr(0, std::min(*k, n));
      return a[1].substr(std::max<int64_t>(0, n + *k));
    }
  }
  return Bad("unknown function");
}

}  // namespace

absl::Status Template::Render(const LabelSource& labels, std::string_view line,
                              int64_t ts_ns, std::string* out) const {
  for (const Node& n : nodes_) {
    if (n.commands.empty()) {
      out->append(n.text);
      continue;
    }
    std::string value;
    for (size_t i = 0; i < n.commands.size(); ++i) {
      const Command& c = n.commands[i];
      std::vector<std::string> args;
      args.reserve(c.args.size() + 1);
      for (const Arg& a : c.args)
        args.push_back(ArgValue(a, labels, line, ts_ns));
      if (i > 0) args.push_back(std::move(value));
      auto r = Call(c.func, std::move(args));
      if (!r.ok()) return r.status();
      value = *std::move(r);
    }
    out->append(value);
  }
  return absl::OkStatus();
}

}  // namespace silt::query
