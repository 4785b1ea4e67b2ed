"""Repository rule that describes Debian's system libraries to Bazel.

`system_libraries(name = "system")` asks pkg-config for each library's compile
and link flags and writes them to `@system//:flags.bzl` as SYSTEM_FLAGS, a dict
from our short name to struct-like dicts {"copts": [...], "linkopts": [...]}.
third_party/BUILD.bazel turns each entry into one cc_library. Headers live in
/usr/include, which the compiler searches as a system directory, so warnings in
third-party headers never fail our -Werror build.

A library that is missing fails the fetch with the Debian package to install.
"""

# short name -> (Debian package, pkg-config modules, fallback linkopts, probe header)
_LIBRARIES = {
    "absl": ("libabsl-dev", [
        "absl_base",
        "absl_btree",
        "absl_cleanup",
        "absl_core_headers",
        "absl_flags",
        "absl_flags_parse",
        "absl_flags_usage",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_function_ref",
        "absl_hash",
        "absl_inlined_vector",
        "absl_random_random",
        "absl_span",
        "absl_status",
        "absl_statusor",
        "absl_str_format",
        "absl_strings",
        "absl_synchronization",
        "absl_time",
    ], [], "absl/status/status.h"),
    "benchmark": ("libbenchmark-dev", ["benchmark"], ["-lbenchmark"], "benchmark/benchmark.h"),
    "gmock": ("libgmock-dev", ["gmock"], ["-lgmock"], "gmock/gmock.h"),
    "gtest": ("libgtest-dev", ["gtest"], ["-lgtest"], "gtest/gtest.h"),
    "hwloc": ("libhwloc-dev", ["hwloc"], ["-lhwloc"], "hwloc.h"),
    "mimalloc": ("libmimalloc-dev", [], ["-lmimalloc"], "mimalloc.h"),
    "rocksdb": ("librocksdb-dev", ["rocksdb"], ["-lrocksdb"], "rocksdb/db.h"),
    "tbb": ("libtbb-dev", ["tbb"], ["-ltbb"], "oneapi/tbb/task_group.h"),
    "yaml_cpp": ("libyaml-cpp-dev", ["yaml-cpp"], ["-lyaml-cpp"], "yaml-cpp/yaml.h"),
}

_INCLUDE_DIRS = ["/usr/include", "/usr/local/include"]

# Libraries linked from their static archives where Debian ships them. Each
# shared library costs every process start a mapping and its relocations:
# abseil is 55 of the 74 shared libraries `adaptrt` loads, and linking its
# archives takes about 15 ms of CPU off each start (docs/analyze.md). No
# other system library we link uses abseil, so each binary holds one copy.
_STATIC_WHEN_AVAILABLE = ["absl"]

_LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/usr/local/lib"]

# Libraries the `adaptrt` command links from their static archives (and only
# it: CLI_STATIC_LINKOPTS in flags.bzl, used by //runtime:adaptrt). RocksDB's
# shared library alone costs each start about 22,000 symbol relocations
# (vtables, typeinfo) that the dynamic loader binds at load time; linked from
# librocksdb.a they are resolved by the linker. Measured on the 2-core VM:
# `adaptrt --help` 17.8 -> 9.8 ms CPU (docs/startup.md). Tests and
# benchmarks keep the shared libraries: linking the 33 MB archive costs each
# binary about 0.6 s more, and dozens of them link RocksDB.
# short name -> (archives, the library's first; shared-only dependencies).
# RocksDB's archives are librocksdb.so's NEEDED entries (Debian's rocksdb.pc
# lists none) less libgflags, which only its tools use; the linker takes only
# the members the binary references.
_CLI_STATIC = {
    "rocksdb": (["rocksdb", "snappy", "lz4", "zstd", "bz2", "z"], []),
    "hwloc": (["hwloc"], ["udev"]),  # libudev ships no archive
    "yaml_cpp": (["yaml-cpp"], []),
}

def _find_lib(ctx, file_name):
    """Whether `file_name` is in one of the library directories."""
    for lib_dir in _LIB_DIRS:
        if ctx.path(lib_dir + "/" + file_name).exists:
            return True
    return False

def _static_archive(ctx, flag):
    """`-lNAME` -> `-l:libNAME.a` when that archive exists, else unchanged."""
    if not flag.startswith("-l") or flag.startswith("-l:"):
        return flag
    archive = "lib%s.a" % flag[2:]
    return "-l:" + archive if _find_lib(ctx, archive) else flag

def _shared_flag(ctx, name):
    """`-lNAME`, or `-l:libNAME.so.N` when only the runtime package (no .so link) is installed."""
    if _find_lib(ctx, "lib%s.so" % name):
        return "-l" + name
    for lib_dir in _LIB_DIRS:
        d = ctx.path(lib_dir)
        if not d.exists:
            continue
        for f in d.readdir():
            if f.basename.startswith("lib%s.so." % name):
                return "-l:" + f.basename
    return None

def _cli_static_linkopts(ctx, dynamic_linkopts):
    """Link flags for CLI_STATIC_LINKOPTS: each _CLI_STATIC library from its
    archives when all of them exist, else its shared library's flags."""
    out = []
    for name, (archives, shared) in _CLI_STATIC.items():
        flags = ["-l:lib%s.a" % a for a in archives]
        ok = all([_find_lib(ctx, "lib%s.a" % a) for a in archives])
        for lib in shared:
            f = _shared_flag(ctx, lib)
            if f == None:
                ok = False
            else:
                flags.append(f)
        out += flags if ok else dynamic_linkopts.get(name, [])

    # Shared libraries named after this point (the same libraries, from the
    # deps' linkopts) become NEEDED only if something still references them,
    # so the process does not load librocksdb.so beside the archive's copy.
    return out + ["-Wl,--as-needed"]

def _libstdcxx_archive(ctx):
    """The path of the compiler's libstdc++.a, or "" (CLI_LIBSTDCXX_ARCHIVE)."""
    cc = ctx.which("gcc")
    if cc == None:
        return ""
    result = ctx.execute([str(cc), "-print-file-name=libstdc++.a"])
    path = result.stdout.strip()
    if result.return_code != 0 or not path.startswith("/") or not ctx.path(path).exists:
        return ""
    return str(ctx.path(path).realpath)

def _split(text):
    return [flag for flag in text.strip().split(" ") if flag]

def _pkg_config(ctx, pkg_config, modules, what):
    result = ctx.execute([pkg_config, what] + modules)
    if result.return_code != 0:
        return None
    return _split(result.stdout)

def _header_present(ctx, header):
    for include_dir in _INCLUDE_DIRS:
        if ctx.path(include_dir + "/" + header).exists:
            return True
    return False

def _system_libraries_impl(ctx):
    pkg_config = ctx.which("pkg-config")
    missing = []
    lines = ["SYSTEM_FLAGS = {"]
    dynamic_linkopts = {}
    for name, (package, modules, fallback, header) in _LIBRARIES.items():
        if not _header_present(ctx, header):
            missing.append(package)
            continue
        copts = []
        linkopts = fallback
        if modules and pkg_config:
            cflags = _pkg_config(ctx, pkg_config, modules, "--cflags")
            libs = _pkg_config(ctx, pkg_config, modules, "--libs")
            if cflags == None or libs == None:
                missing.append(package)
                continue

            # -I/usr/include would demote system headers to user headers.
            copts = [f for f in cflags if not f.startswith("-I")]
            linkopts = libs
            if name in _STATIC_WHEN_AVAILABLE:
                linkopts = [_static_archive(ctx, f) for f in libs]
        dynamic_linkopts[name] = linkopts
        lines.append('    "%s": {"copts": %s, "linkopts": %s},' % (name, repr(copts), repr(linkopts)))
    lines.append("}")
    lines.append("")
    lines.append("# Put in the linkopts of //runtime:adaptrt only (see _CLI_STATIC).")
    lines.append("CLI_STATIC_LINKOPTS = %s" % repr(_cli_static_linkopts(ctx, dynamic_linkopts)))
    lines.append("CLI_LIBSTDCXX_ARCHIVE = %s" % repr(_libstdcxx_archive(ctx)))
    if missing:
        fail("adaptrt needs Debian packages that are not installed: %s\n" % " ".join(missing) +
             "Install them with: apt-get install -y %s (or run tools/setup.sh)" % " ".join(missing))
    ctx.file("flags.bzl", "\n".join(lines) + "\n")

    # Where this checkout lives, so tests can find ../shared (real traces) even
    # when run as plain `bazel test`; they skip when it is absent.
    workspace_root = str(ctx.path(Label("//:WORKSPACE")).dirname)
    ctx.file("workspace_root.h", "\n".join([
        "// Generated by //third_party:system_library.bzl.",
        "#ifndef ADAPTRT_WORKSPACE_ROOT",
        "#define ADAPTRT_WORKSPACE_ROOT \"%s\"" % workspace_root,
        "#endif",
        "",
    ]))
    ctx.file("BUILD.bazel", "\n".join([
        "exports_files([\"flags.bzl\"])",
        "cc_library(",
        "    name = \"workspace_root\",",
        "    hdrs = [\"workspace_root.h\"],",
        "    visibility = [\"//visibility:public\"],",
        ")",
        "",
    ]))
    ctx.file("WORKSPACE", "")

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
    doc = "Describes Debian's system libraries (compile and link flags from pkg-config).",
)
