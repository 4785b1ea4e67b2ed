// cloc_fixtures.cc: the fixture files and cloc 1.96's counts for them.

#include "tests/runtime/analyze/cloc_fixtures.h"

#include <string_view>

namespace adaptrt::analyze_testing {
namespace {

using namespace std::string_view_literals;

// Expected counts: cloc --skip-uniqueness --by-file --json (cloc 1.96).
constexpr ClocFixture kFixtures[] = {
    // "//" and "/*" inside strings: cloc's regex has no notion of strings,
    // so "src/*.cc" opens a comment that the "*/" two lines below closes.
    {"strings.cpp",
     "#include <cstdio>\n"
     "int main() {\n"
     "  const char* url = \"http://example.com\";  // a comment\n"
     "  const char* glob = \"src/*.cc\";\n"
     "  int x = 1;\n"
     "  int y = 2; /* real */ int z = 3;\n"
     "  return x + y + z;\n"
     "}\n"
     "// */ after\n"
     "int after = 0;\n"sv,
     "C++", 0, 3, 7},
    // Block comments: whole lines, inline, merging two code lines into one,
    // empty /**/, two on a line, and a // tail.
    {"block.c",
     "/* header\n"
     " * comment\n"
     " */\n"
     "int a; /* start\n"
     " middle\n"
     " end */ int b;\n"
     "\n"
     "/**/ int c;\n"
     "/* one */ /* two */\n"
     "int d; // tail\n"
     "   \t  \n"
     "int e; /*/ still a comment */\n"sv,
     "C", 2, 6, 4},
    // An unterminated /* comments nothing (the regex needs the */), while
    // // after it still does.
    {"unterminated.h",
     "int a;\n"
     "/* never closed\n"
     "int b;\n"
     "// line comment\n"
     "int c;\n"sv,
     "C/C++ Header", 0, 1, 4},
    // CRLF line ends and no newline at the end.
    {"crlf.cpp",
     "int a;\r\n"
     "\r\n"
     "// c\r\n"
     "int b; /* x */\r\n"
     "/* y\r\n"
     " z */\r\n"
     "int c;"sv,
     "C++", 1, 3, 3},
    // Continuation lines: a blank line after a line ending in '\' is code;
    // a // comment ending in '\' does not continue (cloc joins the lines).
    {"continuation.h",
     "#define M(x) \\\n"
     "  do { \\\n"
     "\n"
     "  } while (0)\n"
     "#define N \\\n"
     "  /* c */\n"
     "// note \\\n"
     "int z;\n"sv,
     "C/C++ Header", 0, 1, 7},
    // Rust block comments do not nest in cloc: the first */ closes.
    {"nested.rs",
     "/* outer /* inner */ fn visible() {} /* again */\n"
     "fn main() {\n"
     "    let s = \"// not a comment\"; // comment\n"
     "    /* a /* b */\n"
     "    c */\n"
     "}\n"sv,
     "Rust", 0, 1, 5},
    // Python: docstrings are comments, # comments, a line with "/*" is a
    // comment, a #! line is code, an unterminated docstring counts as code.
    {"docstrings.py",
     "#!/usr/bin/env python3\n"
     "\"\"\"Module docstring.\"\"\"\n"
     "import os  # trailing comment\n"
     "\n"
     "\n"
     "def f():\n"
     "    '''Multi\n"
     "    line\n"
     "    docstring'''\n"
     "    s = \"a /* b */ c\"\n"
     "    t = \"# not a comment\"\n"
     "    return u\"\"\"unicode doc\"\"\"\n"
     "\n"
     "\n"
     "class C:\n"
     "    x = 1  \\\n"
     "\n"
     "    y = \"\"\"\n"
     "    never closed\n"
     "    z = 2\n"sv,
     "Python", 4, 5, 11},
    // Shell scripts found by their #! line; the #! line is code.
    {"script",
     "#!/bin/bash\n"
     "# comment\n"
     "echo hi # trailing\n"
     "\n"
     "  # indented comment\n"sv,
     "Bourne Again Shell", 1, 2, 2},
    {"run.sh",
     "#!/bin/sh\n"
     "\n"
     "echo a\n"
     "  # indented\n"
     "echo b\n"sv,
     "Bourne Shell", 1, 1, 3},
    {"tool",
     "#!/usr/bin/env python3\n"
     "# comment\n"
     "print('x')\n"sv,
     "Python", 0, 1, 2},
    // Build files by name and extension.
    {"Makefile",
     "# comment\n"
     "all: x\n"
     "\tcc -o x x.c # trailing\n"sv,
     "make", 0, 1, 2},
    {"CMakeLists.txt",
     "cmake_minimum_required(VERSION 3.20)\n"
     "# comment\n"
     "project(x)\n"sv,
     "CMake", 0, 1, 2},
    {"BUILD.bazel",
     "# comment\n"
     "cc_library(\n"
     "    name = \"x\",\n"
     "    srcs = glob([\"**/*.cc\"]),\n"
     ")\n"sv,
     "Starlark", 0, 1, 4},
    {"WORKSPACE",
     "# comment\n"
     "workspace(name = \"x\")\n"sv,
     "Bazel", 0, 1, 1},
    {"defs.bzl",
     "\"\"\"Rules.\"\"\"\n"
     "\n"
     "def rule(name):\n"
     "    \"\"\"Doc.\n"
     "\n"
     "    More.\n"
     "    \"\"\"\n"
     "    native.glob([\"**/*.h\"])  # comment\n"
     "    return name\n"sv,
     "Starlark", 2, 4, 3},
    {"Dockerfile",
     "FROM debian\n"
     "# comment\n"
     "RUN true\n"sv,
     "Dockerfile", 0, 1, 2},
    {"config.yaml",
     "# comment\n"
     "key: value # trailing\n"
     "\n"
     "list:\n"
     "  - a\n"sv,
     "YAML", 1, 1, 3},
    {"data.json",
     "{\n"
     "  \"a\": \"// not a comment\",\n"
     "\n"
     "  \"b\": 1\n"
     "}\n"sv,
     "JSON", 1, 0, 4},
    {"notes.md",
     "# Title\n"
     "\n"
     "<!-- a comment -->\n"
     "Text <!-- inline --> more.\n"
     "<!--\n"
     "multi\n"
     "-->\n"
     "End.\n"sv,
     "Markdown", 1, 4, 3},
    // Markdown's link-comments: [//]: # (...), [comment]: <> (...), [](...).
    {"links.md",
     "Intro [a link](http://x) stays.\n"
     "[//]: # (a hidden comment)\n"
     "[comment]: <> (another one)\n"
     "Text [](hidden) after.\n"
     "[//]: # (spans\n"
     "two lines)\n"
     "Done.\n"sv,
     "Markdown", 0, 4, 3},
    // XML: <!-- --> comments; a line that opens a comment is dropped whole.
    {"layout.xml",
     "<?xml version=\"1.0\"?>\n"
     "<!-- header -->\n"
     "<root> <!-- inline --> <a/>\n"
     "  <b/> <!-- opens\n"
     "  still comment\n"
     "  --> <c/>\n"
     "</root>\n"sv,
     "XML", 0, 3, 4},
    // Java: a string that ends in "/*" is replaced before the comment regex.
    {"Main.java",
     "class Main {\n"
     "  String a = \"x/*\";\n"
     "  String b = \"*/y\";\n"
     "  // comment\n"
     "  /* block */ int c;\n"
     "}\n"sv,
     "Java", 0, 1, 5},
    // Gradle: a string holding "/*" is split in two before the comment regex.
    {"build.gradle",
     "task x {\n"
     "  from \"src/*.java\"\n"
     "  include \"a/**/b\" // c\n"
     "  /* block */\n"
     "}\n"sv,
     "Gradle", 0, 1, 4},
    // PowerShell: <# #> blocks become /* */ before the C comment regex.
    {"script.ps1",
     "<#\n"
     ".SYNOPSIS\n"
     "  Does x.\n"
     "#>\n"
     "param($a) # trailing\n"
     "# comment\n"
     "Write-Host \"hi\" <# inline #> ; $b = 1\n"sv,
     "PowerShell", 0, 5, 2},
    {"app.js",
     "// comment\n"
     "const re = /ab+c/;\n"
     "const s = '/* not closed';\n"
     "let x = 1;\n"
     "/* end */\n"sv,
     "JavaScript", 0, 3, 2},
    {"app.ts",
     "let x: number = 1; // c\n"
     "/** doc */\n"
     "function f(): void {}\n"sv,
     "TypeScript", 0, 1, 2},
    {"main.go",
     "package main\n"
     "\n"
     "// Doc.\n"
     "func main() {\n"
     "\tprintln(\"hi\") /* c */\n"
     "}\n"sv,
     "Go", 1, 1, 4},
    // A UTF-8 byte-order mark is dropped before the first line is looked at.
    {"bom.c",
     "\xEF\xBB\xBF// first line comment\n"
     "int x;\n"sv,
     "C", 0, 1, 1},
    // The last line is "0" without a newline (Perl's false string).
    {"zero.c",
     "int a =\n"
     "0"sv,
     "C", 0, 0, 2},
    // Perl: POD between =head1 and =cut, and everything after __END__.
    {"lib.pm",
     "package Lib;\n"
     "# comment\n"
     "\n"
     "=head1 NAME\n"
     "\n"
     "Lib - a module\n"
     "\n"
     "=cut\n"
     "\n"
     "sub f { return 1; }\n"
     "1;\n"
     "__END__\n"
     "trailing text\n"sv,
     "Perl", 4, 6, 3},
    // Skipped by cloc: binary content (a NUL byte), unknown names.
    {"blob.c", "int x;\n\0\1\2\3 binary\n"sv, "", 0, 0, 0},
    {"noext", "just some words\nno shebang\n"sv, "", 0, 0, 0},
    {"README", "A readme.\n"sv, "", 0, 0, 0},
    {"image.png", "not really a png\n"sv, "", 0, 0, 0},
};

}  // namespace

std::span<const ClocFixture> ClocFixtures() { return kFixtures; }

}  // namespace adaptrt::analyze_testing
