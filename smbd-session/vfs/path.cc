#include "smbd-session/vfs/path.h"

#include <fnmatch.h>
#include <locale.h>
#include <wctype.h>

#include <optional>

#include "common/util/utf16.h"
#include "smbd-session/streams/stream_name.h"

namespace cifsd::session::vfs {
namespace {

// Decodes one UTF-8 sequence; invalid bytes decode as themselves (they can
// only come from local names, which we still want to compare consistently).
char32_t next_cp(std::string_view s, size_t* i) {
  unsigned char b = (unsigned char)s[*i];
  size_t n = 1;
  char32_t c = b;
  if (b >= 0xC0 && b < 0xE0) { n = 2; c = b & 0x1F; }
  else if (b >= 0xE0 && b < 0xF0) { n = 3; c = b & 0x0F; }
  else if (b >= 0xF0 && b < 0xF8) { n = 4; c = b & 0x07; }
  if (n > 1) {
    if (*i + n > s.size()) { (*i)++; return b; }
    for (size_t k = 1; k < n; k++) {
      unsigned char cb = (unsigned char)s[*i + k];
      if ((cb & 0xC0) != 0x80) { (*i)++; return b; }
      c = c << 6 | (cb & 0x3F);
    }
  }
  *i += n;
  return c;
}

// Non-ASCII case folding uses the C.UTF-8 locale's upper-case mapping (the
// way Windows compares names: through an upcase table), created at start-up
// before the sandbox closes the file system. Without it, the table below.
const locale_t g_fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));

char32_t fold_cp(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (g_fold_locale && c < 0x110000 && !(c >= 0xD800 && c <= 0xDFFF)) {
    char32_t u = char32_t(towupper_l(wint_t(c), g_fold_locale));
    // A non-ASCII letter whose upper case is ASCII (U+017F long s, U+0131
    // dotless i) compares like that ASCII letter.
    return u < 0x80 ? ((u >= 'A' && u <= 'Z') ? u + 32 : u) : u;
  }
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137) return c | 1;                       // Latin Extended-A pairs
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;        // odd upper, even lower
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;       // Greek
  if (c >= 0x400 && c <= 0x40F) return c + 80;                     // Cyrillic
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  return c;
}

bool invalid_char(char c) {
  unsigned char u = (unsigned char)c;
  if (u < 0x20) return true;
  switch (c) {
    case '*': case '?': case '<': case '>': case '"': case '|': case '/':
      return true;
  }
  return false;
}

}  // namespace

NtStatus parse_wire_name(Bytes utf16, NameUse use, ParsedName* out) {
  *out = ParsedName{};
  if (utf16.empty()) return status::kSuccess;  // the share root
  std::optional<std::string> s = utf16le_to_utf8(utf16);
  if (!s) return status::kObjectNameInvalid;
  std::string_view name = *s;
  if (name.front() == '\\') {
    if (use == NameUse::kCreate) return status::kInvalidParameter;
    name.remove_prefix(1);
    if (name.empty()) return status::kObjectNameInvalid;
  }
  if (name.back() == '\\') {
    out->trailing_sep = true;
    name.remove_suffix(1);
    if (name.empty() || name.back() == '\\') return status::kObjectNameInvalid;
  }
  if (name.size() > kMaxPathBytes) return status::kNameTooLong;

  std::string path;
  path.reserve(name.size());
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('\\', start);
    bool last = end == std::string_view::npos;
    if (last) end = name.size();
    std::string_view comp = name.substr(start, end - start);
    if (last) {
      // Stream syntax only on the last component: "name[:stream[:type]]".
      size_t colon = comp.find(':');
      if (colon != std::string_view::npos) {
        // The suffix rules live with the streams code (streams/stream_name.h).
        streams::StreamSpec spec;
        NtStatus ss = streams::parse_stream_suffix(comp.substr(colon + 1), &spec);
        if (ss != status::kSuccess) return ss;
        comp = comp.substr(0, colon);
        out->stream = std::move(spec.name);
        out->explicit_data = spec.explicit_type;
        out->named_stream = !out->stream.empty();
        if (comp.empty() && start == 0) {  // "::$DATA" on the root, ":s" as a rename target
          out->path = path;
          return status::kSuccess;
        }
      }
    } else if (comp.find(':') != std::string_view::npos) {
      return status::kObjectNameInvalid;
    }
    if (comp.empty() || comp == ".") return status::kObjectNameInvalid;
    if (comp == "..") return status::kObjectPathSyntaxBad;
    if (comp.size() > kMaxComponentBytes) return status::kNameTooLong;
    for (char ch : comp) if (invalid_char(ch)) return status::kObjectNameInvalid;
    if (!path.empty()) path += '/';
    path += comp;
    if (last) break;
    start = end + 1;
  }
  out->path = std::move(path);
  return status::kSuccess;
}

void split_parent(std::string_view path, std::string_view* parent, std::string_view* leaf) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    *parent = {};
    *leaf = path;
  } else {
    *parent = path.substr(0, slash);
    *leaf = path.substr(slash + 1);
  }
}

std::u32string fold_case(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) out += fold_cp(next_cp(utf8, &i));
  return out;
}

bool equal_fold(std::string_view a, std::string_view b) { return fold_case(a) == fold_case(b); }

bool has_wildcards(std::string_view p) {
  return p.find_first_of("*?<>\"") != std::string_view::npos;
}

bool dos_wildcard_match(std::string_view pattern_utf8, std::string_view name_utf8) {
  const std::u32string p = fold_case(pattern_utf8);
  const std::u32string n = fold_case(name_utf8);
  const size_t P = p.size(), N = n.size();
  size_t last_dot = n.rfind(U'.');
  // reach[j]: the pattern prefix processed so far can end at name position j.
  std::vector<char> reach(N + 1, 0), next(N + 1, 0);
  reach[0] = 1;
  for (size_t i = 0; i < P; i++) {
    std::fill(next.begin(), next.end(), 0);
    char32_t pc = p[i];
    for (size_t j = 0; j <= N; j++) {
      if (!reach[j]) continue;
      switch (pc) {
        case U'*':
          // Everything from the first reachable position on: one pass.
          for (size_t k = j; k <= N && !next[k]; k++) next[k] = 1;
          break;
        case U'<': {
          // DOS_STAR (MS-FSA FsRtlIsNameInExpression): zero or more
          // characters up to the name's final '.'; past it (no '.' ahead),
          // up to the end.
          size_t limit = (last_dot == std::u32string::npos || last_dot < j) ? N : last_dot;
          for (size_t k = j; k <= limit && !next[k]; k++) next[k] = 1;
          break;
        }
        case U'?':
          if (j < N) next[j + 1] = 1;
          break;
        case U'>':
          // DOS_QM: any one character, or nothing at a '.' or the end.
          if (j == N || n[j] == U'.') next[j] = 1;
          else next[j + 1] = 1;
          break;
        case U'"':
          // DOS_DOT: a '.', or nothing at the end of the name.
          if (j == N) next[j] = 1;
          else if (n[j] == U'.') next[j + 1] = 1;
          break;
        default:
          if (j < N && n[j] == pc) next[j + 1] = 1;
      }
    }
    reach.swap(next);
  }
  return reach[N] != 0;
}

bool is_vetoed(std::string_view component, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return false;
  std::string c(component);
  for (const std::string& pat : patterns)
    if (!pat.empty() && fnmatch(pat.c_str(), c.c_str(), 0) == 0) return true;
  return false;
}

bool path_vetoed(std::string_view path, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return false;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (is_vetoed(path.substr(start, end - start), patterns)) return true;
    start = end + 1;
  }
  return false;
}

std::string to_wire_path(std::string_view path) {
  std::string out = "\\";
  for (char c : path) out += c == '/' ? '\\' : c;
  return out;
}

}  // namespace cifsd::session::vfs
