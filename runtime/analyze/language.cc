// language.cc: cloc 1.96's classify_file, is_binary (Perl's -B) and the
// content heuristics for shared extensions, over generated tables.
//
// Design: the tables in language_table.inc are sorted arrays (generated in
// `sort` order, i.e. byte order) searched with std::lower_bound; nothing is
// allocated and nothing is initialized at run time, so every function is
// trivially thread-safe. The decision order follows classify_file line by
// line: not-code file names, '~' backups, exact file names, then the triple,
// double and single extension (a not-code extension stops the search, an
// unmapped one falls through to the next and finally to the first line),
// the name's prefix (Dockerfile.*), and last the #! line or an XML prolog.
// The content heuristics (really_is_php, Perl_or_Prolog...) are transcribed
// regex by regex; each helper names the Perl it reproduces.

#include "runtime/analyze/language.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <string_view>
#include <utility>

namespace adaptrt::analyze {
namespace {

struct NameToLanguage {
  std::string_view name;
  int language;
};

#include "runtime/analyze/language_table.inc"

template <typename Table>
const NameToLanguage* Lookup(const Table& table, std::string_view key) {
  auto it = std::lower_bound(
      std::begin(table), std::end(table), key,
      [](const NameToLanguage& e, std::string_view k) { return e.name < k; });
  if (it == std::end(table) || it->name != key) return nullptr;
  return &*it;
}

template <typename Table>
bool Contains(const Table& table, std::string_view key) {
  return std::binary_search(std::begin(table), std::end(table), key);
}

bool IsSpace(unsigned char c) {  // Perl's \s on bytes: [ \t\n\v\f\r]
  return c == ' ' || (c >= '\t' && c <= '\r');
}
bool IsWord(unsigned char c) {  // Perl's \w on bytes (ASCII rules)
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}
bool IsAlpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
unsigned char Lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

bool EqualsAt(std::string_view s, std::size_t pos, std::string_view lit,
              bool ignore_case) {
  if (pos > s.size() || s.size() - pos < lit.size()) return false;
  if (!ignore_case) return s.compare(pos, lit.size(), lit) == 0;
  for (std::size_t i = 0; i < lit.size(); ++i) {
    if (Lower(s[pos + i]) != Lower(lit[i])) return false;
  }
  return true;
}

// Position of `lit` in `s` at or after `from` (case-insensitively if asked),
// or npos.
std::size_t Find(std::string_view s, std::string_view lit, std::size_t from,
                 bool ignore_case) {
  if (ignore_case) {
    ignore_case = false;  // case only matters for a literal with letters
    for (unsigned char c : lit) ignore_case |= IsAlpha(c);
  }
  if (!ignore_case) return s.find(lit, from);
  if (lit.empty()) return from <= s.size() ? from : std::string_view::npos;
  for (std::size_t i = from; i + lit.size() <= s.size(); ++i) {
    if (EqualsAt(s, i, lit, true)) return i;
  }
  return std::string_view::npos;
}

// Calls fn(line) for each line of `content` as Perl's <$IN> yields them
// (each with its '\n', the last one possibly without); stops when fn
// returns false.
template <typename Fn>
void ForEachLine(std::string_view content, Fn fn) {
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? content.size() : nl + 1;
    if (!fn(content.substr(pos, end - pos))) return;
    pos = end;
  }
}

// Perl's /\bWORD\b/i (or with `tail_space_alpha`, /\bWORD\s+[A-Za-z]/i, or
// with `tail_space`, /\bWORD\s+/i).
enum class Tail { kWordEnd, kSpaceAlpha, kSpace };
bool HasWord(std::string_view line, std::string_view word, Tail tail) {
  for (std::size_t i = Find(line, word, 0, true); i != std::string_view::npos;
       i = Find(line, word, i + 1, true)) {
    if (i > 0 && IsWord(line[i - 1])) continue;
    std::size_t j = i + word.size();
    if (tail == Tail::kWordEnd) {
      if (j >= line.size() || !IsWord(line[j])) return true;
      continue;
    }
    std::size_t k = j;
    while (k < line.size() && IsSpace(line[k])) ++k;
    if (k == j) continue;
    if (tail == Tail::kSpace) return true;
    if (k < line.size() && IsAlpha(line[k])) return true;
  }
  return false;
}

// /^\s*WORD\s+/i
bool StartsWithWordThenSpace(std::string_view line, std::string_view word) {
  std::size_t i = 0;
  while (i < line.size() && IsSpace(line[i])) ++i;
  if (!EqualsAt(line, i, word, true)) return false;
  std::size_t j = i + word.size();
  return j < line.size() && IsSpace(line[j]);
}

// /PATTERN\s*$/ where the line may end with '\n': `suffix` followed only by
// white space.
bool EndsWithThenSpace(std::string_view line, std::string_view suffix,
                       bool ignore_case) {
  std::size_t end = line.size();
  while (end > 0 && IsSpace(line[end - 1])) --end;
  return end >= suffix.size() &&
         EqualsAt(line, end - suffix.size(), suffix, ignore_case);
}

// s/OPEN.*?CLOSE//g on one line ('.' does not match '\n').
void StripDelimited(std::string_view line, std::string_view open,
                    std::string_view close, std::string* out) {
  out->clear();
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t s = line.find(open, pos);
    if (s == std::string_view::npos) break;
    std::size_t e = line.find(close, s + open.size());
    std::size_t nl = line.find('\n', s);
    if (e == std::string_view::npos || (nl != std::string_view::npos && nl < e)) {
      break;
    }
    out->append(line.substr(pos, s - pos));
    pos = e + close.size();
  }
  out->append(line.substr(pos));
}

// cloc's really_is_php.
bool ReallyIsPhp(std::string_view content) {
  int normal = 0, script = 0, asp = 0;
  ForEachLine(content, [&](std::string_view line) {
    if (line.find("<?") != std::string_view::npos) normal |= 1;
    if (line.find("?>") != std::string_view::npos && (normal & 1)) normal |= 2;
    // /\<script.*language="?php"?/i
    std::size_t s = Find(line, "<script", 0, true);
    if (s != std::string_view::npos) {
      for (std::size_t l = Find(line, "language=", s + 7, true);
           l != std::string_view::npos; l = Find(line, "language=", l + 1, true)) {
        std::size_t p = l + 9;
        if (p < line.size() && line[p] == '"') ++p;
        if (EqualsAt(line, p, "php", true)) {
          script |= 1;
          break;
        }
      }
    }
    if (Find(line, "</script>", 0, true) != std::string_view::npos &&
        (script & 1)) {
      script |= 2;
    }
    if (line.find("<%") != std::string_view::npos) asp |= 1;
    if (line.find("%>") != std::string_view::npos && (asp & 1)) asp |= 2;
    return true;
  });
  return normal == 3 || script == 3 || asp == 3;
}

// cloc's really_is_incpascal (which subsumes really_is_pascal: every
// condition of the latter includes one that sets the former).
bool ReallyIsIncPascal(std::string_view content) {
  bool is_pascal = false;
  std::string a, b;
  ForEachLine(content, [&](std::string_view raw) {
    StripDelimited(raw, "{", "}", &a);
    StripDelimited(a, "(*", "*)", &b);
    std::string_view line = b;
    if (HasWord(line, "program", Tail::kSpaceAlpha) ||
        HasWord(line, "unit", Tail::kSpaceAlpha) ||
        HasWord(line, "module", Tail::kSpaceAlpha) ||
        HasWord(line, "procedure", Tail::kWordEnd) ||
        HasWord(line, "function", Tail::kWordEnd) ||
        StartsWithWordThenSpace(line, "interface") ||
        StartsWithWordThenSpace(line, "implementation") ||
        HasWord(line, "constant", Tail::kSpace)) {
      is_pascal = true;
    }
    // /end\.\s*$/i (no \b: "append." matches too, as in cloc).
    if (EndsWithThenSpace(line, "end.", true)) is_pascal = true;
    return !is_pascal;
  });
  return is_pascal;
}

bool IsBlankLine(std::string_view line) {
  for (unsigned char c : line) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

// cloc's Perl_or_Prolog: true for Perl.
bool PerlNotProlog(std::string_view content) {
  int perl = 0, prolog = 0;
  int number = 0;
  ForEachLine(content, [&](std::string_view line) {
    ++number;
    if (IsBlankLine(line)) return true;
    if (number == 1 && line.starts_with("#!")) {
      // /^#!.*?\bperl/
      for (std::size_t i = line.find("perl", 2); i != std::string_view::npos;
           i = line.find("perl", i + 1)) {
        if (i > 0 && IsWord(line[i - 1])) continue;
        if (line.find('\n') < i) break;
        perl = 100;
        return false;
      }
    }
    if (line.starts_with("=head") || line.starts_with("=over") ||
        line.starts_with("=item") || line.starts_with("=cut")) {
      ++perl;
    }
    if (EndsWithThenSpace(line, ";", false)) ++perl;
    if (line.find_first_of("{}") != std::string_view::npos) ++perl;
    {
      std::size_t i = 0;
      while (i < line.size() && IsSpace(line[i])) ++i;
      if (EqualsAt(line, i, "sub", false) && i + 3 < line.size() &&
          IsSpace(line[i + 3])) {
        ++perl;
      }
    }
    if (line.find("<<'") != std::string_view::npos) ++perl;
    // /\$(\w+\->|[_!])/
    for (std::size_t i = line.find('$'); i != std::string_view::npos;
         i = line.find('$', i + 1)) {
      std::size_t j = i + 1;
      if (j < line.size() && (line[j] == '_' || line[j] == '!')) {
        ++perl;
        break;
      }
      while (j < line.size() && IsWord(line[j])) ++j;
      if (j > i + 1 && EqualsAt(line, j, "->", false)) {
        ++perl;
        break;
      }
    }
    if (line.find('#') == std::string_view::npos &&
        EndsWithThenSpace(line, ".", false)) {
      ++prolog;
    }
    if (line.find(":-") != std::string_view::npos) ++prolog;
    return true;
  });
  return perl > prolog;
}

// cloc's TypeScript_or_QtLinguist: true for TypeScript.
bool TypeScriptNotQtLinguist(std::string_view content) {
  int ts = 0, linguist = 0;
  ForEachLine(content, [&](std::string_view line) {
    // m{\b</?(message|source|translation)>}: \b before '<' needs a word
    // character before it.
    for (std::size_t i = line.find('<'); i != std::string_view::npos;
         i = line.find('<', i + 1)) {
      if (i == 0 || !IsWord(line[i - 1])) continue;
      std::size_t j = i + 1;
      if (j < line.size() && line[j] == '/') ++j;
      if (EqualsAt(line, j, "message>", false) ||
          EqualsAt(line, j, "source>", false) ||
          EqualsAt(line, j, "translation>", false)) {
        ++linguist;
        break;
      }
    }
    std::size_t i = 0;
    while (i < line.size() && IsSpace(line[i])) ++i;
    for (std::string_view word : {"var", "const", "let", "class", "document"}) {
      if (EqualsAt(line, i, word, false) &&
          (i + word.size() >= line.size() || !IsWord(line[i + word.size()]))) {
        ++ts;
        break;
      }
    }
    if (EndsWithThenSpace(line, ";", false) ||
        EndsWithThenSpace(line, "}", false)) {
      ++ts;
    }
    if (EqualsAt(line, i, "//", false)) ++ts;
    return true;
  });
  return ts >= linguist;
}

// cloc's Ant_or_XML / Maven_or_XML: true for Ant (Maven).
bool ProjectNotXml(std::string_view content, std::string_view marker) {
  int tool = 0, xml = 1;
  ForEachLine(content, [&](std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (EqualsAt(line, i, "<project", false) && i + 8 < line.size() &&
        IsSpace(line[i + 8])) {
      ++tool;
      --xml;
    }
    if (line.find(marker) != std::string_view::npos) {
      ++tool;
      --xml;
    }
    return true;
  });
  return xml < tool;
}

// cloc's really_is_bf.
bool ReallyIsBrainfuck(std::string_view content) {
  std::int64_t lines = 0, indicators = 0;
  ForEachLine(content, [&](std::string_view line) {
    ++lines;
    int plus_minus = 0, brackets = 0, less = 0;
    bool hit = false;
    for (std::size_t i = 0; i < line.size() && !hit; ++i) {
      char c = line[i];
      plus_minus = (c == '+' || c == '-') ? plus_minus + 1 : 0;
      brackets = (c == '[' || c == ']') ? brackets + 1 : 0;
      less = c == '<' ? less + 1 : 0;
      if (plus_minus >= 4 || brackets >= 4 || less >= 3) hit = true;
      if ((c == '<' || c == '>') && i + 1 < line.size() &&
          (line[i + 1] == '+' || line[i + 1] == '-')) {
        hit = true;
      }
    }
    if (!hit) {  // ^\s*[\[\]]\s*$
      std::size_t i = 0;
      while (i < line.size() && IsSpace(line[i])) ++i;
      if (i < line.size() && (line[i] == '[' || line[i] == ']')) {
        std::size_t j = i + 1;
        while (j < line.size() && IsSpace(line[j])) ++j;
        hit = j == line.size();
      }
    }
    if (hit) ++indicators;
    return true;
  });
  return (lines > 0 && indicators * 2 > lines) || indicators > 5;
}

// cloc's IDL_or_QtProject: the language with the most points, ties by name.
std::string_view IdlOrQtProject(std::string_view content) {
  int idl = 0, qt = 0, prolog = 0, proguard = 0;
  ForEachLine(content, [&](std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i < line.size() && line[i] == ';') ++idl;
    if (Find(line, "plot(", 0, true) != std::string_view::npos) ++idl;
    for (std::string_view word :
         {"qt", "configs", "sources", "template", "target", "targetpath", "subdirs"}) {
      if (EqualsAt(line, i, word, true) &&
          (i + word.size() >= line.size() || !IsWord(line[i + word.size()]))) {
        ++qt;
        break;
      }
    }
    if (Find(line, "qthavemodule", 0, true) != std::string_view::npos) ++qt;
    if (EndsWithThenSpace(line, ".", false)) ++prolog;
    if (line.find(":-") != std::string_view::npos) ++prolog;
    if (i < line.size() && line[i] == '#') ++proguard;
    if (line.starts_with("-keep")) ++proguard;
    if (line.starts_with("-obfuscate") || line.starts_with("-dontobfuscate")) ++proguard;
    return true;
  });
  // Sorted by name: IDL, ProGuard, Prolog, Qt Project; the first maximum wins.
  std::pair<int, std::string_view> best{idl, "IDL"};
  for (auto [points, name] : {std::pair<int, std::string_view>{proguard, "ProGuard"},
                              {prolog, "Prolog"},
                              {qt, "Qt Project"}}) {
    if (points > best.first) best = {points, name};
  }
  return best.second;
}

// File::Basename::basename for a Unix path.
std::string_view BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// cloc's peek_at_first_line: the interpreter named on a #! first line
// ("" when none), and the first line itself.
std::string_view Interpreter(std::string_view content,
                             std::string_view* first_line) {
  std::size_t nl = content.find('\n');
  std::string_view line =
      nl == std::string_view::npos ? content : content.substr(0, nl);
  *first_line = line;
  if (!line.starts_with("#!")) return {};
  // /^#\!\s*(\S.*?)$/ then split(' ', $1)
  std::array<std::string_view, 2> words;
  int n = 0;
  std::size_t i = 2;
  while (n < 2) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i >= line.size()) break;
    std::size_t j = i;
    while (j < line.size() && !IsSpace(line[j])) ++j;
    words[n++] = line.substr(i, j - i);
    i = j;
  }
  if (n == 0) return {};
  std::string_view program = BaseName(words[0]);
  if (program == "env" && n > 1) return words[1];
  return program;
}

const LanguageSpec* ByIndex(int index) { return &kLanguages[index]; }

Detection Found(const LanguageSpec* language) {
  return Detection{language, SkipReason::kNone};
}
Detection Skipped(SkipReason reason) { return Detection{nullptr, reason}; }

Detection FromInterpreter(std::string_view interpreter) {
  if (const NameToLanguage* e = Lookup(kByInterpreter, interpreter)) {
    return Found(ByIndex(e->language));
  }
  return Skipped(SkipReason::kUnknown);
}

Detection Resolve(const LanguageSpec* spec, std::string_view content) {
  switch (spec->resolver) {
    case Resolver::kNone:
      return Found(spec);
    case Resolver::kPhpOrPascal:
      if (ReallyIsPhp(content)) return Found(FindLanguage("PHP"));
      if (ReallyIsIncPascal(content)) return Found(FindLanguage("Pascal"));
      return Skipped(SkipReason::kUnknown);
    case Resolver::kPerlOrProlog:
      return Found(FindLanguage(PerlNotProlog(content) ? "Perl" : "Prolog"));
    case Resolver::kRakuOrProlog:
      return Found(FindLanguage(PerlNotProlog(content) ? "Raku" : "Prolog"));
    case Resolver::kTypeScriptOrQtLinguist:
      return Found(FindLanguage(TypeScriptNotQtLinguist(content) ? "TypeScript"
                                                                : "Qt Linguist"));
    case Resolver::kDOrDtrace: {
      std::string_view first_line;
      std::string_view interpreter = Interpreter(content, &first_line);
      if (interpreter.empty()) return Found(FindLanguage("D"));
      return FromInterpreter(interpreter);
    }
    case Resolver::kAntOrXml:
      return Found(FindLanguage(
          ProjectNotXml(content, "xmlns:artifact=\"antlib:org.apache.maven.artifact.ant\"")
              ? "Ant"
              : "XML"));
    case Resolver::kIdlOrQtProject:
      return Found(FindLanguage(IdlOrQtProject(content)));
    case Resolver::kBrainfuck:
      if (ReallyIsBrainfuck(content)) return Found(FindLanguage("Brainfuck"));
      return Skipped(SkipReason::kUnknown);
    case Resolver::kMavenOrXml:
      return Found(FindLanguage(
          ProjectNotXml(content, "xmlns=\"http://maven.apache.org/POM/") ? "Maven"
                                                                          : "XML"));
  }
  return Skipped(SkipReason::kUnknown);
}

// The last `n` dot-separated components of `name` (cloc's
// /\.([^\.]+)$/, /\.([^\.]+\.[^\.]+)$/, ...), or "" when there are fewer.
std::string_view Extension(std::string_view name, int n) {
  std::size_t end = name.size();
  std::size_t pos = end;
  for (int k = 0; k < n; ++k) {
    std::size_t dot = name.rfind('.', pos == 0 ? 0 : pos - 1);
    if (pos == 0 || dot == std::string_view::npos || dot + 1 == pos) return {};
    pos = dot;
  }
  return name.substr(pos + 1);
}

}  // namespace

bool LineMatcher::Matches(std::string_view line, bool newline_follows) const {
  // The literal at `pos`, followed by white space when required.
  auto at = [&](std::string_view lit, std::size_t pos) {
    if (!EqualsAt(line, pos, lit, ignore_case)) return false;
    std::size_t end = pos + lit.size();
    if (!space_after) return true;
    return end < line.size() ? IsSpace(line[end]) : newline_follows;
  };
  for (int a = 0; a < count; ++a) {
    std::string_view lit = alternatives[a];
    switch (anchor) {
      case Anchor::kAnywhere:
        for (std::size_t p = Find(line, lit, 0, ignore_case); p != std::string_view::npos;
             p = Find(line, lit, p + 1, ignore_case)) {
          if (at(lit, p)) return true;
        }
        break;
      case Anchor::kLineStart:
        if (at(lit, 0)) return true;
        break;
      case Anchor::kAfterSpace: {
        std::size_t i = 0;
        while (i < line.size() && IsSpace(line[i])) ++i;
        if (at(lit, i)) return true;
        break;
      }
    }
  }
  return false;
}

const LanguageSpec* FindLanguage(std::string_view name) {
  for (const LanguageSpec& spec : kLanguages) {
    if (spec.name == name) {
      return spec.pseudo || spec.resolver != Resolver::kNone ? nullptr : &spec;
    }
  }
  return nullptr;
}

Detection DetectLanguage(std::string_view path, std::string_view content) {
  std::string_view file = BaseName(path);
  if (Contains(kNotCodeFileNames, file)) {
    return Skipped(SkipReason::kNotCodeFileName);
  }
  if (!file.empty() && file.back() == '~') {
    return Skipped(SkipReason::kEditorBackup);
  }
  if (const NameToLanguage* e = Lookup(kByFileName, file)) {
    return Resolve(ByIndex(e->language), content);
  }
  bool look_at_first_line = false;
  if (!Extension(file, 1).empty()) {
    for (int n = 3; n >= 1; --n) {
      std::string_view ext = Extension(file, n);
      if (ext.empty()) continue;
      if (Contains(kNotCodeExtensions, ext)) {
        return Skipped(SkipReason::kNotCodeExtension);
      }
      if (const NameToLanguage* e = Lookup(kByExtension, ext)) {
        return Resolve(ByIndex(e->language), content);
      }
      look_at_first_line = true;
    }
    // s/^(.*?)\.\S+$/$1/: the name before its first dot (names here have
    // no white space after a dot in practice; a name with some keeps its
    // full stem, which no prefix entry matches either).
    std::string_view stem = file.substr(0, file.find('.'));
    if (!stem.empty()) {
      if (const NameToLanguage* e = Lookup(kByPrefix, stem)) {
        return Found(ByIndex(e->language));
      }
    }
  } else {
    std::string lower(file);
    for (char& c : lower) c = static_cast<char>(Lower(c));
    if (const NameToLanguage* e = Lookup(kByFileName, lower)) {
      return Resolve(ByIndex(e->language), content);
    }
    look_at_first_line = true;
  }
  if (!look_at_first_line) return Skipped(SkipReason::kUnknown);
  std::string_view first_line;
  std::string_view interpreter = Interpreter(content, &first_line);
  if (!interpreter.empty()) {
    Detection d = FromInterpreter(interpreter);
    if (d.language != nullptr) return d;
  }
  // #456: an XML prolog on the first line of an unknown file: /<\?xml\s/
  for (std::size_t i = first_line.find("<?xml"); i != std::string_view::npos;
       i = first_line.find("<?xml", i + 1)) {
    if (i + 5 < first_line.size() && IsSpace(first_line[i + 5])) {
      return Found(FindLanguage("XML"));
    }
  }
  return Skipped(SkipReason::kUnknown);
}

bool LooksBinary(std::string_view prefix) {
  // Perl 5.36 pp_fttext: read 512 bytes; valid UTF-8 with some non-ASCII
  // is text; a NUL is binary; else binary when more than a third of the
  // bytes are "odd".
  std::string_view block = prefix.substr(0, kBinaryProbeBytes);
  const std::size_t len = block.size();
  if (len == 0) return true;
  const auto* s = reinterpret_cast<const unsigned char*>(block.data());
  bool ascii = true;
  for (std::size_t i = 0; i < len; ++i) {
    if (s[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) {
    // is_utf8_fixed_width_buf_flags(s, len, 0): well-formed (Perl's lax
    // rules: surrogates and code points above Unicode allowed, overlongs
    // not), a character cut by the end of the block allowed.
    std::size_t i = 0;
    bool valid = true;
    while (i < len && valid) {
      unsigned char c = s[i];
      if (c < 0x80) {
        ++i;
        continue;
      }
      int more;
      unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
      if (c >= 0xC2 && c <= 0xDF) {
        more = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        more = 2;
        if (c == 0xE0) lo = 0xA0;
      } else if (c >= 0xF0 && c <= 0xF7) {
        more = 3;
        if (c == 0xF0) lo = 0x90;
      } else if (c >= 0xF8 && c <= 0xFB) {
        more = 4;
        if (c == 0xF8) lo = 0x88;
      } else if (c >= 0xFC && c <= 0xFD) {
        more = 5;
        if (c == 0xFC) lo = 0x84;
      } else {
        valid = false;
        break;
      }
      for (int k = 1; k <= more; ++k) {
        if (i + k >= len) break;  // cut by the end of the block: allowed
        unsigned char t = s[i + k];
        unsigned char tlo = k == 1 ? lo : 0x80, thi = k == 1 ? hi : 0xBF;
        if (t < tlo || t > thi) {
          valid = false;
          break;
        }
      }
      i += static_cast<std::size_t>(more) + 1;
    }
    if (valid) return false;
  }
  std::size_t odd = 0;
  for (std::size_t i = 0; i < len; ++i) {
    unsigned char c = s[i];
    if (c == 0) {
      odd += len;
      break;
    }
    bool printable = c >= 0x20 && c <= 0x7E;
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    if (printable || space || c == '\b' || c == 0x1B) continue;
    ++odd;
  }
  return odd * 3 > len;
}

std::string_view ClocVersion() { return kClocVersion; }

int LanguageCount() {
  int n = 0;
  for (const LanguageSpec& spec : kLanguages) {
    if (!spec.pseudo && spec.resolver == Resolver::kNone) ++n;
  }
  return n;
}

}  // namespace adaptrt::analyze
