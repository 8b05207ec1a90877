/*
 * test_cli: what the CLI tests share — running the `akisim` binary (AKISIM_CLI, set by the
 * test CMake) in a directory with its stdout, stderr and exit status captured, and small file
 * helpers (whole-file read, existence, line count). Header-only, C++17.
 */
#ifndef AKISIM_TEST_CLI_HPP
#define AKISIM_TEST_CLI_HPP

#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>

namespace akisim_test {

/* One finished `akisim` run. */
struct CliRun {
    int status = -1; /* exit status (-1: did not exit normally) */
    std::string out; /* stdout */
    std::string err; /* stderr */
};

/* The whole file (binary safe; empty when unreadable). */
inline std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline bool exists(const std::string &path) {
    struct stat sb;
    return stat(path.c_str(), &sb) == 0;
}

/* Counts '\n'-terminated lines. */
inline size_t lines(const std::string &s) {
    size_t n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

/* Runs `akisim <args>` (args are shell words) with dir as the working directory; the
 * captured streams go through dir/.stdout and dir/.stderr. */
inline CliRun akisim_in(const std::string &dir, const std::string &args) {
    const std::string o = dir + "/.stdout", e = dir + "/.stderr";
    const std::string cmd =
        "cd '" + dir + "' && '" AKISIM_CLI "' " + args + " >'" + o + "' 2>'" + e + "'";
    CliRun r;
    const int st = std::system(cmd.c_str());
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(o);
    r.err = slurp(e);
    return r;
}

} // namespace akisim_test

#endif /* AKISIM_TEST_CLI_HPP */
