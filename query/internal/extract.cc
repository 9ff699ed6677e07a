#include "query/internal/extract.h"

#include <string>

#include "query/internal/lexer.h"
#include "simdjson.h"

namespace silt::query {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

constexpr int kMaxDepth = 16;

// Lines are copied here so simdjson has its padding after the last byte.
std::string& PaddedCopy(std::string_view line) {
  thread_local std::string buf;
  buf.assign(line);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  return buf;
}

od::parser& Parser() {
  thread_local od::parser parser;
  return parser;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string ExtractedName(std::string name, const LabelBuilder& b) {
  if (b.BaseHas(name)) name += "_extracted";
  return name;
}

// Sets the scalar `v` under `name`; objects recurse, arrays and nulls are
// skipped.
error_code WalkValue(od::value v, std::string& prefix, LabelBuilder* b,
                     int depth);

error_code WalkObject(od::object obj, std::string& prefix, LabelBuilder* b,
                      int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  for (auto field_result : obj) {
    od::field field;
    error_code err = std::move(field_result).get(field);
    if (err) return err;
    std::string_view key;
    if ((err = field.unescaped_key().get(key))) return err;
    const size_t mark = prefix.size();
    if (!prefix.empty()) prefix += '_';
    prefix += SanitizeLabelName(key);
    err = WalkValue(field.value(), prefix, b, depth + 1);
    prefix.resize(mark);
    if (err) return err;
  }
  return simdjson::SUCCESS;
}

error_code WalkValue(od::value v, std::string& prefix, LabelBuilder* b,
                     int depth) {
  od::json_type type;
  error_code err = v.type().get(type);
  if (err) return err;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if ((err = v.get_object().get(obj))) return err;
      return WalkObject(obj, prefix, b, depth);
    }
    case od::json_type::string: {
      std::string_view s;
      if ((err = v.get_string().get(s))) return err;
      b->Set(ExtractedName(prefix, *b), s);
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      std::string_view raw = TrimRight(v.raw_json_token());
      b->Set(ExtractedName(prefix, *b), raw);
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool x;
      if ((err = v.get_bool().get(x))) return err;
      b->Set(ExtractedName(prefix, *b), x ? "true" : "false");
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      // Skipped, but walked so a syntax error inside still counts.
      od::array arr;
      if ((err = v.get_array().get(arr))) return err;
      std::string_view raw;
      return arr.raw_json().get(raw);
    }
    case od::json_type::null: {
      bool is_null;
      return v.is_null().get(is_null);
    }
  }
  return simdjson::SUCCESS;
}

// The text of one value for a named extraction.
error_code ValueText(od::value v, std::string* out) {
  od::json_type type;
  error_code err = v.type().get(type);
  if (err) return err;
  std::string_view s;
  switch (type) {
    case od::json_type::string:
      if ((err = v.get_string().get(s))) return err;
      break;
    case od::json_type::object: {
      od::object o;
      if ((err = v.get_object().get(o)) || (err = o.raw_json().get(s)))
        return err;
      break;
    }
    case od::json_type::array: {
      od::array a;
      if ((err = v.get_array().get(a)) || (err = a.raw_json().get(s)))
        return err;
      break;
    }
    case od::json_type::null:
      s = "";
      break;
    default:
      s = TrimRight(v.raw_json_token());
  }
  out->assign(s);
  return simdjson::SUCCESS;
}

// Follows `path` from `v`; false when a step is missing.
bool Follow(od::value v, const std::vector<Extraction::Step>& path, size_t i,
            std::string* out) {
  if (i == path.size()) return ValueText(v, out) == simdjson::SUCCESS;
  const Extraction::Step& step = path[i];
  if (step.index >= 0) {
    od::array arr;
    if (v.get_array().get(arr)) return false;
    int64_t k = 0;
    for (auto elem : arr) {
      od::value e;
      if (elem.get(e)) return false;
      if (k++ == step.index) return Follow(e, path, i + 1, out);
    }
    return false;
  }
  od::object obj;
  if (v.get_object().get(obj)) return false;
  od::value next;
  if (obj.find_field_unordered(step.key).get(next)) return false;
  return Follow(next, path, i + 1, out);
}

}  // namespace

std::string SanitizeLabelName(std::string_view key) {
  while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) {
    key.remove_prefix(1);
  }
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) {
    key.remove_suffix(1);
  }
  std::string out;
  out.reserve(key.size() + 1);
  if (!key.empty() && key.front() >= '0' && key.front() <= '9') out += '_';
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

void ExtractJson(std::string_view line, const PipelineStage& stage,
                 LabelBuilder* b) {
  std::string& buf = PaddedCopy(line);
  od::document doc;
  error_code err =
      Parser().iterate(buf.data(), line.size(), buf.size()).get(doc);
  if (stage.extractions.empty()) {
    od::object obj;
    std::string prefix;
    if (!err) err = doc.get_object().get(obj);
    if (!err) err = WalkObject(obj, prefix, b, 0);
    if (!err) {
      const char* trailing = nullptr;
      if (!doc.current_location().get(trailing)) {
        err = simdjson::TRAILING_CONTENT;
      }
    }
    if (err) b->SetError(kJsonParserErr, simdjson::error_message(err));
    return;
  }
  // Named paths: each read from a fresh iteration (On Demand reads forward
  // only, and paths may come in any order).
  const bool starts_ok =
      !line.empty() &&
      (line.front() == '{' || line.front() == '[' || line.front() == '"');
  std::string value;
  for (const Extraction& e : stage.extractions) {
    std::string name = ExtractedName(e.label, *b);
    value.clear();
    if (starts_ok && !err) {
      od::value root;
      od::document d;
      if (!Parser().iterate(buf.data(), line.size(), buf.size()).get(d) &&
          !d.get_value().get(root)) {
        Follow(root, e.path, 0, &value);
      }
    }
    b->Set(name, value);
  }
  if (!starts_ok) b->SetError(kJsonParserErr, "not a JSON value");
}

namespace {

// One key=value pair of a logfmt line.
struct Pair {
  std::string_view key;
  std::string value;
};

// go-logfmt's decoder, one pair at a time. Returns false at the end of the
// line; *error is set (and the pair skipped) on a syntax error.
bool NextPair(std::string_view line, size_t* pos, Pair* p, std::string* error) {
  error->clear();
  size_t i = *pos;
  while (i < line.size() && static_cast<unsigned char>(line[i]) <= ' ') ++i;
  if (i >= line.size()) {
    *pos = i;
    return false;
  }
  auto fail = [&](std::string msg) {
    *error = std::move(msg);
    while (i < line.size() && static_cast<unsigned char>(line[i]) > ' ') ++i;
    *pos = i;
    return true;
  };
  size_t k = i;
  while (i < line.size() && static_cast<unsigned char>(line[i]) > ' ' &&
         line[i] != '=' && line[i] != '"') {
    ++i;
  }
  if (i < line.size() && line[i] == '"') {
    return fail("logfmt syntax error at pos " + std::to_string(i + 1) +
                " on line 1: unexpected '\"'");
  }
  p->key = line.substr(k, i - k);
  p->value.clear();
  if (p->key.empty()) {
    return fail("logfmt syntax error at pos " + std::to_string(i + 1) +
                " on line 1: unexpected '='");
  }
  if (i >= line.size() || line[i] != '=') {
    *pos = i;
    return true;  // a lone key
  }
  ++i;
  if (i < line.size() && line[i] == '"') {
    size_t start = i;
    ++i;
    bool escaped = false;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\') {
        escaped = true;
        ++i;
      }
      ++i;
    }
    if (i >= line.size()) {
      return fail("logfmt syntax error at pos " +
                  std::to_string(line.size() + 1) +
                  " on line 1: unterminated quoted value");
    }
    std::string_view body = line.substr(start + 1, i - start - 1);
    ++i;
    if (escaped) {
      auto u = UnescapeGoString(body);
      if (!u.ok()) {
        return fail("logfmt syntax error at pos " + std::to_string(start + 1) +
                    " on line 1: invalid quoted value");
      }
      p->value = *std::move(u);
    } else {
      p->value.assign(body);
    }
    *pos = i;
    return true;
  }
  size_t v = i;
  while (i < line.size() && static_cast<unsigned char>(line[i]) > ' ') {
    if (line[i] == '=' || line[i] == '"') {
      return fail("logfmt syntax error at pos " + std::to_string(i + 1) +
                  " on line 1: unexpected '" + std::string(1, line[i]) + "'");
    }
    ++i;
  }
  p->value.assign(line.substr(v, i - v));
  *pos = i;
  return true;
}

}  // namespace

void ExtractLogfmt(std::string_view line, const PipelineStage& stage,
                   LabelBuilder* b) {
  if (!stage.extractions.empty()) {
    for (const Extraction& e : stage.extractions) {
      if (!b->BaseHas(e.label)) b->Set(e.label, "");
    }
  }
  size_t pos = 0;
  Pair p;
  std::string error;
  while (NextPair(line, &pos, &p, &error)) {
    if (!error.empty()) {
      if (stage.strict) {
        b->SetError(kLogfmtParserErr, error);
        return;
      }
      continue;
    }
    if (p.value.empty() && !stage.keep_empty) continue;
    std::string name = SanitizeLabelName(p.key);
    if (name.empty()) continue;
    if (stage.extractions.empty()) {
      b->Set(ExtractedName(name, *b), p.value);
      continue;
    }
    for (const Extraction& e : stage.extractions) {
      if (e.expr == p.key) b->Set(ExtractedName(e.label, *b), p.value);
    }
  }
}

}  // namespace silt::query
