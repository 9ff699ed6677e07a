#include "common/labels.h"

#include <algorithm>

#include "xxhash.h"

namespace silt {

void Canonicalize(Labels* labels) {
  std::stable_sort(
      labels->begin(), labels->end(),
      [](const Label& a, const Label& b) { return a.first < b.first; });
  labels->erase(std::unique(labels->begin(), labels->end(),
                            [](const Label& a, const Label& b) {
                              return a.first == b.first;
                            }),
                labels->end());
}

std::string LabelsToString(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ", ";
    first = false;
    out += name;
    out += "=\"";
    for (char c : value) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '"':
          out += "\\\"";
          break;
        case '\n':
          out += "\\n";
          break;
        default:
          out += c;
      }
    }
    out += '"';
  }
  out += '}';
  return out;
}

uint64_t StreamId(std::string_view tenant, std::string_view key) {
  // The tenant's hash seeds the key's hash: equal keys of different tenants
  // get different ids.
  const uint64_t seed = XXH3_64bits(tenant.data(), tenant.size());
  return XXH3_64bits_withSeed(key.data(), key.size(), seed);
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

namespace {
void SkipSpace(std::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}
}  // namespace

bool ParseLabels(std::string_view s, Labels* out) {
  out->clear();
  size_t i = 0;
  SkipSpace(s, &i);
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  SkipSpace(s, &i);
  if (i < s.size() && s[i] == '}') {
    ++i;
    SkipSpace(s, &i);
    return i == s.size();
  }
  while (true) {
    SkipSpace(s, &i);
    size_t start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ' ') ++i;
    std::string name(s.substr(start, i - start));
    if (!IsValidLabelName(name)) return false;
    SkipSpace(s, &i);
    if (i >= s.size() || s[i] != '=') return false;
    ++i;
    SkipSpace(s, &i);
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    std::string value;
    while (true) {
      if (i >= s.size()) return false;
      char c = s[i++];
      if (c == '"') break;
      if (c == '\\') {
        if (i >= s.size()) return false;
        char e = s[i++];
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          default:
            value += e;
        }
      } else {
        value += c;
      }
    }
    out->emplace_back(std::move(name), std::move(value));
    SkipSpace(s, &i);
    if (i >= s.size()) return false;
    if (s[i] == ',') {
      ++i;
      continue;
    }
    if (s[i] == '}') {
      ++i;
      break;
    }
    return false;
  }
  SkipSpace(s, &i);
  if (i != s.size()) return false;
  Canonicalize(out);
  return true;
}

const std::string* FindLabel(const Labels& labels, std::string_view name) {
  for (const auto& l : labels) {
    if (l.first == name) return &l.second;
  }
  return nullptr;
}

}  // namespace silt
