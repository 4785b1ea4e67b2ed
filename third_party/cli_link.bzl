"""Link flags for the `adaptrt` command (see _CLI_STATIC in system_library.bzl).

CLI_STATIC_LINKOPTS links RocksDB (with its codecs), hwloc and yaml-cpp from
Debian's static archives where they are installed, and ends with
-Wl,--as-needed so that the same libraries' shared objects, named later by the
deps' linkopts, are not loaded too. Bazel puts a cc_binary's own linkopts
before its deps' on the link line, which is what makes the archives win.
Only //runtime:adaptrt uses it: start-up time matters for a command run once
per invocation, and the archives add about 0.5 s to each link.
"""

load("@system//:flags.bzl", _CLI_STATIC_LINKOPTS = "CLI_STATIC_LINKOPTS")

CLI_STATIC_LINKOPTS = _CLI_STATIC_LINKOPTS
