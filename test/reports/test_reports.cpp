/*
 * test_reports: the sweep report generator (reports/, `akisim report`). A synthetic sweep
 * directory following the contract of docs/reports.md (point JSONs with stats objects holding
 * sequences and nps, power CSVs, results.csv) is built inside each test. Checked: the loader
 * (hand-computed sums over sequences, sorting, flags), the Pareto selection (hand example and
 * a randomized comparison with a naive O(n^2) reference), bad sweep directories (exit 2 with
 * the file named), a missing gnuplot (exit 2, nothing written), and — when gnuplot is
 * installed — every figure as a valid PNG and SVG, index.html and summary.md contents, stale
 * figure removal, and the page opened in headless Chromium: no console error and every
 * figure decoded (the page's script writes a marker into the DOM, read back with --dump-dom).
 */
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rep/rep_report.h"

namespace fs = std::filesystem;

namespace {

const char *const FIGS[] = {"latency_mesh", "energy_mesh", "hw_hybrid", "map_modes",
                            "power",        "np_util",     "pareto"};

// A fresh temporary directory, removed at the end of the test.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/akisim-rep-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void write_file(const std::string &path, const std::string &text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}

std::string read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// One synthetic point.
struct Pt {
    std::string id, model, mesh;
    int index = 0, cols = 0, rows = 0, mesh_nps = 0;
    bool hw_only = true, ok = true, power = false;
    std::string map_mode = "allnps", error;
    struct Seq {
        bool hw;
        double lat, energy, dyn, avg;
        long long clk;
    };
    std::vector<Seq> seqs;
    struct Np {
        int col, row, id;
        double util;
    };
    std::vector<Np> nps;
};

std::string num(double v) {
    char b[64];
    snprintf(b, sizeof b, "%.9g", v);
    return b;
}

std::string point_json(const Pt &p) {
    std::ostringstream o;
    o << "{\"schema\": \"akisim-point/1\", \"id\": \"" << p.id << "\", \"index\": " << p.index
      << ",\n\"point\": {\"model\": \"" << p.model << "\", \"mesh\": \"" << p.mesh
      << "\", \"mesh_cols\": " << p.cols << ", \"mesh_rows\": " << p.rows
      << ", \"mesh_nps\": " << p.mesh_nps << ", \"hw_only\": " << (p.hw_only ? "true" : "false")
      << ", \"map_mode\": \"" << p.map_mode
      << "\", \"clock_mode\": \"Performance\", \"batch\": 1, \"input\": \"random:seed=1\", "
         "\"fidelity\": \"exact\"},\n\"status\": \""
      << (p.ok ? "ok" : "error") << "\"";
    if (!p.ok) {
        o << ", \"error\": \"" << p.error << "\"}\n";
        return o.str();
    }
    o << ",\n\"mapping\": {\"nps\": " << p.nps.size()
      << ", \"passes\": 1, \"sequences\": " << p.seqs.size()
      << ", \"program_bytes\": 4096, \"external_bytes\": 0},\n"
      << "\"stats\": {\"schema\": \"akisim-stats/1\", \"device\": \"" << p.mesh
      << "\", \"clock_mode\": \"Performance\", \"clock_mhz\": 300, \"floor_mw\": 912.08,\n"
         "\"sequences\": [\n";
    for (size_t i = 0; i < p.seqs.size(); i++) {
        const Pt::Seq &s = p.seqs[i];
        o << (i ? ",\n" : "") << "{\"name\": \"" << (s.hw ? "HW" : "SW")
          << "/a-b\", \"backend\": \"" << (s.hw ? "Hardware" : "Software")
          << "\", \"frames\": 1, \"passes\": 1, "
          << "\"inference_clk\": " << s.clk
          << ", \"program_clk\": 5, \"latency_ms\": " << num(s.lat)
          << ", \"fps\": " << num(1000 / s.lat) << ", \"power_mw\": {\"avg\": " << num(s.avg)
          << ", \"min\": 0, \"max\": 0, \"std\": 0}, \"energy_mj_per_frame\": "
          << "{\"total\": " << num(s.energy) << ", \"dynamic\": " << num(s.dyn)
          << "}, \"host_s\": 0}";
    }
    o << "],\n\"layers\": [{\"name\": \"l0\", \"type\": \"InputConvolutional\", \"sequence\": 0, "
         "\"hardware\": true, \"events_in\": 1, \"events_out\": 1, \"outputs\": 1, "
         "\"sparsity\": 0, \"synops\": 1, \"cycles\": 1, \"nps\": 1}],\n\"nps\": [\n";
    for (size_t i = 0; i < p.nps.size(); i++) {
        const Pt::Np &n = p.nps[i];
        o << (i ? ",\n" : "") << "{\"ident\": [" << n.col << ", " << n.row << ", " << n.id
          << "], \"type\": \"CNP1\", \"layer\": 0, \"pass\": 0, \"events_in\": 1, "
             "\"events_out\": 1, \"synops\": 1, \"sram_reads\": 1, \"sram_writes\": 1, "
             "\"ext_bytes\": 0, \"busy_cycles\": 1, \"utilisation\": "
          << num(n.util) << "}";
    }
    o << "],\n\"memory\": {\"usage\": 1, \"top\": 1, \"external_bytes\": 0}}}\n";
    return o.str();
}

double sum_lat(const Pt &p) {
    double s = 0;
    for (const auto &q : p.seqs)
        s += q.lat;
    return s;
}

double sum_energy(const Pt &p) {
    double s = 0;
    for (const auto &q : p.seqs)
        s += q.energy;
    return s;
}

// CSV field with RFC 4180 quoting.
std::string csvf(const std::string &s) {
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string o = "\"";
    for (char ch : s)
        o += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return o + "\"";
}

const char CSV_HEADER[] =
    "id,index,model,mesh,mesh_nps,hw_only,map_mode,clock_mode,batch,input,fidelity,status,nps,"
    "passes,sequences,inference_clk,latency_ms,fps,power_avg_mw,energy_mj_per_frame,"
    "dynamic_energy_mj_per_frame,program_bytes,error\n";

std::string csv_row(const Pt &p) {
    std::ostringstream o;
    long long clk = 0;
    for (const auto &q : p.seqs)
        clk += q.clk;
    o << p.id << "," << p.index << "," << csvf(p.model) << "," << csvf(p.mesh) << "," << p.mesh_nps
      << "," << (p.hw_only ? "true" : "false") << "," << p.map_mode
      << ",Performance,1,random:seed=1,exact," << (p.ok ? "ok" : "error") << ",";
    if (p.ok)
        o << p.nps.size() << ",1," << p.seqs.size() << "," << clk << "," << num(sum_lat(p)) << ","
          << num(1000 / sum_lat(p)) << ",900," << num(sum_energy(p)) << ",0.01,4096,";
    else
        o << ",,,,,,,,,," << csvf(p.error);
    o << "\n";
    return o.str();
}

// The synthetic sweep: 2 models x 3 meshes x {hw_only, hybrid} x {minimal, allnps}, one
// failed point, a two-sequence (hybrid) point, power CSVs on a few points.
std::vector<Pt> make_points() {
    struct Mesh {
        const char *name;
        int cols, rows, nps;
    } meshes[] = {
        {"gen:cnp=8,fnp=2", 2, 2, 10}, {"akd1000", 5, 4, 78}, {"gen:cnp=200,fnp=8", 8, 8, 208}};
    const char *models[] = {"akidanet:alpha=0.5,size=160", "tiny'<b>&"};
    std::vector<Pt> v;
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    int idx = 0;
    for (int m = 0; m < 2; m++)
        for (const Mesh &me : meshes)
            for (int hw = 1; hw >= 0; hw--)
                for (const char *mode : {"minimal", "allnps"}) {
                    Pt p;
                    char id[16];
                    snprintf(id, sizeof id, "p%05d", idx);
                    p.id = id;
                    p.index = idx;
                    p.model = models[m];
                    p.mesh = me.name;
                    p.cols = me.cols;
                    p.rows = me.rows;
                    p.mesh_nps = me.nps;
                    p.hw_only = hw;
                    p.map_mode = mode;
                    const double base = m == 0 ? 5.0 : 0.02;
                    const double lat = base * 10.0 / me.nps * (mode[0] == 'm' ? 1.3 : 1.0) *
                                       (hw ? 1.0 : 1.1) * (1 + 0.05 * u(rng));
                    const double en =
                        base * 0.4 * std::pow(me.nps / 10.0, 0.3) * (1 + 0.05 * u(rng));
                    p.seqs.push_back(
                        {true, lat, en, en * 0.1, en / lat * 1000, (long long)(lat * 3e5)});
                    if (!hw && mode[0] == 'a' && me.nps == 78)
                        p.seqs.push_back({false, lat * 0.5, 0, 0, 0, 0});
                    for (int c = 1; c <= me.cols; c++)
                        for (int r = 1; r <= me.rows; r++)
                            for (int s = 0; s < 4; s++)
                                if (u(rng) < 0.5)
                                    p.nps.push_back({c, r, s, u(rng)});
                    p.power = idx % 5 == 1;
                    if (m == 0 && me.nps == 10 && hw && mode[0] == 'm') {
                        p.ok = false;
                        p.error = "model does not fit: needs 12 CNPs, has 8";
                        p.power = false;
                    }
                    v.push_back(p);
                    idx++;
                }
    return v;
}

std::string power_csv(double t_end_us) {
    std::ostringstream o;
    o << "timestamp_us,voltage_uv,current_ma,power_mw\n";
    char b[128];
    for (double t = 0; t <= t_end_us; t += 25.0) {
        const double pw = 912.08 + 40.0 * std::fabs(std::sin(t / 300.0));
        snprintf(b, sizeof b, "%.3f,1000000,%.3f,%.3f\n", t, pw, pw);
        o << b;
    }
    o << "# floor_mw=912.080\n";
    return o.str();
}

// Writes the sweep into dir (the points given, results.csv with all of them).
void write_sweep(const std::string &dir, const std::vector<Pt> &pts, bool with_power = true) {
    fs::create_directories(dir + "/points");
    std::string csv = CSV_HEADER;
    for (const Pt &p : pts) {
        write_file(dir + "/points/" + p.id + ".json", point_json(p));
        if (p.power && with_power)
            write_file(dir + "/points/" + p.id + ".power.csv", power_csv(sum_lat(p) * 1000 * 2));
        csv += csv_row(p);
    }
    write_file(dir + "/results.csv", csv);
    write_file(dir + "/scenario.yaml", "# synthetic\n");
}

// Runs a shell command line; returns the exit status, stdout and stderr.
int run(const std::string &cmd, std::string *out = nullptr, std::string *err = nullptr) {
    static int seq = 0;
    const std::string base =
        "/tmp/akisim-rep-run-" + std::to_string(getpid()) + "-" + std::to_string(seq++);
    const int rc = std::system((cmd + " >" + base + ".out 2>" + base + ".err").c_str());
    if (out)
        *out = read_file(base + ".out");
    if (err)
        *err = read_file(base + ".err");
    unlink((base + ".out").c_str());
    unlink((base + ".err").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int report(const std::string &args, std::string *err = nullptr) {
    return run(std::string(AKISIM_CLI) + " report " + args, nullptr, err);
}

bool have_gnuplot() {
    return run("command -v gnuplot") == 0;
}

bool is_png(const std::string &path) {
    const std::string s = read_file(path);
    return s.size() > 100 && s.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

bool is_svg(const std::string &path) {
    const std::string s = read_file(path);
    return s.size() > 100 && (s.rfind("<?xml", 0) == 0 || s.rfind("<svg", 0) == 0) &&
           s.find("</svg>") != std::string::npos;
}

size_t count(const std::string &s, const std::string &what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        n++;
    return n;
}

std::vector<std::string> g_warnings;
void capture_warning(const char *msg) {
    g_warnings.push_back(msg);
}

} // namespace

// ---- Pareto selection ----

TEST(ReportPareto, HandExample) {
    // (1,5) (2,3) (3,4) dominated by (2,3); (4,1); (2,3) duplicated; (5,1) dominated by (4,1).
    const double x[] = {1, 2, 3, 4, 2, 5, NAN};
    const double y[] = {5, 3, 4, 1, 3, 1, 0};
    bool on[7];
    EXPECT_EQ(rep_pareto(x, y, 7, on), 4u);
    const bool want[] = {true, true, false, true, true, false, false};
    for (int i = 0; i < 7; i++)
        EXPECT_EQ(on[i], want[i]) << i;
}

TEST(ReportPareto, RandomAgainstNaive) {
    std::mt19937 rng(11);
    for (int iter = 0; iter < 300; iter++) {
        const size_t n = rng() % 40;
        std::vector<double> x(n), y(n);
        for (size_t i = 0; i < n; i++) {
            x[i] = rng() % 8; // small ranges: many ties
            y[i] = rng() % 8;
            if (rng() % 13 == 0)
                x[i] = NAN;
        }
        std::vector<char> on(n + 1);
        const size_t k = rep_pareto(x.data(), y.data(), n, reinterpret_cast<bool *>(on.data()));
        size_t want_k = 0;
        for (size_t i = 0; i < n; i++) {
            bool front = !std::isnan(x[i]) && !std::isnan(y[i]);
            for (size_t j = 0; j < n && front; j++)
                if (j != i && !std::isnan(x[j]) && x[j] <= x[i] && y[j] <= y[i] &&
                    (x[j] < x[i] || y[j] < y[i]))
                    front = false;
            ASSERT_EQ(static_cast<bool>(on[i]), front) << "iter " << iter << " i " << i;
            want_k += front;
        }
        EXPECT_EQ(k, want_k);
    }
}

// ---- loading ----

TEST(ReportLoad, SyntheticSweep) {
    TempDir t;
    std::vector<Pt> pts = make_points();
    std::reverse(pts.begin(), pts.end()); // file order must not matter
    write_sweep(t.path, pts);
    rep_sweep s;
    npu_err err;
    npu_err_clear(&err);
    g_warnings.clear();
    ASSERT_EQ(rep_sweep_load(t.path.c_str(), &s, capture_warning, &err), NPU_OK) << err.msg;
    EXPECT_TRUE(g_warnings.empty()) << g_warnings[0];
    ASSERT_EQ(s.n, pts.size());
    EXPECT_EQ(s.n_ok, pts.size() - 1);
    EXPECT_EQ(s.n_csv, pts.size());
    std::map<std::string, const Pt *> by_id;
    for (const Pt &p : pts)
        by_id[p.id] = &p;
    for (size_t i = 0; i < s.n; i++) {
        const rep_point &r = s.pts[i];
        EXPECT_EQ(r.index, (int64_t)i);
        const Pt &p = *by_id.at(r.id);
        EXPECT_EQ(r.ok, p.ok);
        EXPECT_EQ(r.model, p.model);
        EXPECT_EQ(r.hw_only, p.hw_only);
        EXPECT_EQ(r.has_power, p.power);
        EXPECT_TRUE(r.in_csv);
        if (!p.ok) {
            EXPECT_EQ(std::string(r.error), p.error);
            continue;
        }
        EXPECT_NEAR(r.latency_ms, sum_lat(p), 1e-12 + 1e-8 * sum_lat(p));
        EXPECT_NEAR(r.energy_mj, sum_energy(p), 1e-12 + 1e-8 * sum_energy(p));
        EXPECT_EQ(r.n_np, p.nps.size());
        EXPECT_EQ(r.mesh_cols, p.cols);
    }
    rep_sweep_free(&s);
}

TEST(ReportLoad, TwoSequenceSumsByHand) {
    TempDir t;
    Pt p;
    p.id = "p00000";
    p.model = "m";
    p.mesh = "akd1000";
    p.cols = 5;
    p.rows = 4;
    p.mesh_nps = 78;
    // HW: 0.5 ms, 0.4 mJ, 800 mW; SW: 0.25 ms, no energy, no power.
    p.seqs = {{true, 0.5, 0.4, 0.04, 800, 150000}, {false, 0.25, 0, 0, 0, 0}};
    p.nps = {{1, 1, 0, 0.5}, {1, 1, 0, 0.25}};
    write_sweep(t.path, {p});
    rep_sweep s;
    npu_err err;
    ASSERT_EQ(rep_sweep_load(t.path.c_str(), &s, nullptr, &err), NPU_OK) << err.msg;
    ASSERT_EQ(s.n, 1u);
    EXPECT_DOUBLE_EQ(s.pts[0].latency_ms, 0.75);
    EXPECT_DOUBLE_EQ(s.pts[0].energy_mj, 0.4);
    EXPECT_DOUBLE_EQ(s.pts[0].dyn_energy_mj, 0.04);
    EXPECT_DOUBLE_EQ(s.pts[0].power_avg_mw, 800.0); // hardware sequences only
    EXPECT_DOUBLE_EQ(s.pts[0].fps, 1000.0 / 0.75);
    EXPECT_EQ(s.pts[0].inference_clk, 150000);
    EXPECT_EQ(s.pts[0].sequences, 2);
    EXPECT_DOUBLE_EQ(s.pts[0].floor_mw, 912.08);
    rep_sweep_free(&s);
}

TEST(ReportLoad, PointWithoutCsvRowWarns) {
    TempDir t;
    std::vector<Pt> pts = make_points();
    write_sweep(t.path, pts);
    Pt extra = pts[3];
    extra.id = "p00999";
    extra.index = 999;
    write_file(t.path + "/points/p00999.json", point_json(extra));
    rep_sweep s;
    npu_err err;
    g_warnings.clear();
    ASSERT_EQ(rep_sweep_load(t.path.c_str(), &s, capture_warning, &err), NPU_OK) << err.msg;
    ASSERT_EQ(g_warnings.size(), 1u);
    EXPECT_NE(g_warnings[0].find("p00999"), std::string::npos);
    EXPECT_FALSE(s.pts[s.n - 1].in_csv);
    rep_sweep_free(&s);
}

// ---- bad sweep directories (through the CLI: exit 2, the file named) ----

struct BadCase {
    const char *what;
    std::string file;    // file to damage (relative to the sweep)
    std::string content; // new content ("" = delete)
    std::string expect;  // substring of the message
};

TEST(ReportBadInput, ExitTwoWithFileNamed) {
    const std::vector<BadCase> cases = {
        {"malformed JSON", "points/p00002.json",
         "{\"schema\": \"akisim-point/1\", \"id\": ", "p00002.json"},
        {"wrong schema", "points/p00002.json", "{\"schema\": \"akisim-point/9\"}", "schema"},
        {"missing key", "points/p00002.json",
         "{\"schema\": \"akisim-point/1\", \"id\": \"p00002\", \"index\": 2, \"status\": \"ok\"}",
         "point: missing"},
        {"id mismatch", "points/p00002.json", "", "p00002"},
        {"no results.csv", "results.csv", "", "results.csv"},
        {"results.csv header", "results.csv", "id,index\np00000,0\n", "results.csv"},
        {"unterminated quote", "results.csv", std::string(CSV_HEADER) + "\"p00000,0\n",
         "results.csv"},
        {"row without JSON", "results.csv", "", "p00777"},
    };
    for (const BadCase &c : cases) {
        TempDir t;
        const std::vector<Pt> pts = make_points();
        write_sweep(t.path, pts);
        const std::string path = t.path + "/" + c.file;
        if (std::string(c.what) == "id mismatch") {
            Pt p = pts[2];
            p.id = "p00003";
            write_file(path, point_json(p));
        } else if (std::string(c.what) == "row without JSON") {
            Pt p = pts[2];
            p.id = "p00777";
            write_file(path, read_file(path) + csv_row(p));
        } else if (c.content.empty()) {
            unlink(path.c_str());
        } else {
            write_file(path, c.content);
        }
        std::string err;
        EXPECT_EQ(report(t.path + " -o " + t.path + "/out", &err), 2) << c.what;
        EXPECT_NE(err.find(c.expect), std::string::npos) << c.what << ": " << err;
        EXPECT_EQ(count(err, "\n"), 1u) << c.what << ": one line expected: " << err;
        EXPECT_FALSE(fs::exists(t.path + "/out/index.html")) << c.what;
    }
}

TEST(ReportBadInput, NoPointsAndUsage) {
    TempDir t;
    fs::create_directories(t.path + "/points");
    write_file(t.path + "/results.csv", CSV_HEADER);
    std::string err;
    EXPECT_EQ(report(t.path + " -o " + t.path + "/out", &err), 2);
    EXPECT_NE(err.find("no point JSON"), std::string::npos) << err;
    EXPECT_EQ(report("/nonexistent-sweep -o " + t.path + "/out", &err), 2);
    EXPECT_NE(err.find("/nonexistent-sweep/points"), std::string::npos) << err;
    EXPECT_EQ(report(t.path, &err), 2); // no -o
    EXPECT_NE(err.find("-o OUT"), std::string::npos) << err;
    EXPECT_EQ(report("--bogus " + t.path, &err), 2);
}

TEST(ReportBadInput, PointOption) {
    TempDir t;
    write_sweep(t.path, make_points());
    std::string err;
    EXPECT_EQ(report(t.path + " -o " + t.path + "/out --point p99999", &err), 2);
    EXPECT_NE(err.find("p99999"), std::string::npos) << err;
    EXPECT_EQ(report(t.path + " -o " + t.path + "/out --point p00000", &err), 2); // failed point
    EXPECT_NE(err.find("failed"), std::string::npos) << err;
}

TEST(ReportBadInput, MissingGnuplot) {
    TempDir t;
    write_sweep(t.path, make_points());
    std::string err;
    const int rc = run("env PATH=/nonexistent-dir " + std::string(AKISIM_CLI) + " report " +
                           t.path + " -o " + t.path + "/out",
                       nullptr, &err);
    EXPECT_EQ(rc, 2);
    EXPECT_NE(err.find("gnuplot"), std::string::npos) << err;
    EXPECT_NE(err.find("not found"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(t.path + "/out"));
    EXPECT_EQ(report(t.path + " -o " + t.path + "/out --gnuplot /nonexistent/gnuplot", &err), 2);
    EXPECT_NE(err.find("/nonexistent/gnuplot"), std::string::npos) << err;
}

// ---- rendering (needs gnuplot) ----

#define NEED_GNUPLOT()                                                                             \
    do {                                                                                           \
        if (!have_gnuplot())                                                                       \
            GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox): "             \
                            "the rendering part is skipped";                                       \
    } while (0)

TEST(ReportRender, EveryFigureHtmlAndSummary) {
    NEED_GNUPLOT();
    TempDir t;
    const std::vector<Pt> pts = make_points();
    write_sweep(t.path, pts);
    const std::string out = t.path + "/report";
    std::string err;
    ASSERT_EQ(report(t.path + " -o " + out, &err), 0) << err;
    for (const char *f : FIGS) {
        EXPECT_TRUE(is_png(out + "/" + f + ".png")) << f;
        EXPECT_TRUE(is_svg(out + "/" + f + ".svg")) << f;
        EXPECT_TRUE(fs::exists(out + "/gnuplot/" + f + ".gp")) << f;
    }
    // Nothing left of the staging directory.
    for (const auto &e : fs::directory_iterator(out))
        EXPECT_NE(e.path().filename().string().rfind(".report-", 0), 0u) << e.path();

    const std::string html = read_file(out + "/index.html");
    for (const char *f : FIGS)
        EXPECT_NE(html.find(std::string("<img src=\"") + f + ".png\""), std::string::npos) << f;
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(html.find("<script src"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_NE(html.find("table class=\"sortable\" id=\"points-table\""), std::string::npos);
    for (const Pt &p : pts)
        EXPECT_NE(html.find("<td>" + p.id + "</td>"), std::string::npos) << p.id;
    EXPECT_NE(html.find("tiny&#39;&lt;b&gt;&amp;"), std::string::npos); // escaped model name
    EXPECT_EQ(html.find("tiny'<b>"), std::string::npos);

    // summary.md: lowest latency / energy per model (naive reference) and the failed point.
    const std::string md = read_file(out + "/summary.md");
    for (const std::string model : {"akidanet:alpha=0.5,size=160", "tiny'<b>&"}) {
        const Pt *bl = nullptr, *be = nullptr;
        for (const Pt &p : pts) {
            if (!p.ok || p.model != model)
                continue;
            if (!bl || sum_lat(p) < sum_lat(*bl))
                bl = &p;
            if (!be || sum_energy(p) < sum_energy(*be))
                be = &p;
        }
        ASSERT_TRUE(bl && be);
        EXPECT_NE(md.find("### " + model), std::string::npos) << model;
        EXPECT_NE(md.find("| lowest latency | " + bl->id + " |"), std::string::npos) << model;
        EXPECT_NE(md.find("| lowest energy | " + be->id + " |"), std::string::npos) << model;
    }
    EXPECT_NE(md.find("Pareto set"), std::string::npos);
    EXPECT_NE(md.find("| p00000 |"), std::string::npos); // the failed point
    EXPECT_NE(md.find("needs 12 CNPs"), std::string::npos);
    for (const char *f : FIGS)
        EXPECT_NE(md.find(std::string("(") + f + ".png)"), std::string::npos) << f;
}

TEST(ReportRender, ChosenPointAndStaleFigures) {
    NEED_GNUPLOT();
    TempDir t;
    const std::vector<Pt> pts = make_points();
    write_sweep(t.path, pts);
    const std::string out = t.path + "/report";
    std::string err;
    ASSERT_EQ(report(t.path + " -o " + out + " --point p00006", &err), 0) << err;
    EXPECT_NE(read_file(out + "/gnuplot/np_util.gp").find("p00006:"), std::string::npos);
    EXPECT_NE(read_file(out + "/gnuplot/power.gp").find("p00006:"), std::string::npos);
    EXPECT_TRUE(is_png(out + "/power.png"));
    // A chosen point without a power CSV: no power figure, the heat map still drawn.
    ASSERT_EQ(report(t.path + " -o " + out + " -q --point p00003", &err), 0) << err;
    EXPECT_FALSE(fs::exists(out + "/power.png"));
    EXPECT_NE(read_file(out + "/gnuplot/np_util.gp").find("p00003:"), std::string::npos);
    // A sweep without power CSVs: the power figure is not drawn and the old one removed.
    TempDir t2;
    write_sweep(t2.path, pts, false);
    ASSERT_EQ(report(t2.path + " -o " + out + " -q", &err), 0) << err;
    EXPECT_FALSE(fs::exists(out + "/power.png"));
    EXPECT_FALSE(fs::exists(out + "/power.svg"));
    EXPECT_TRUE(is_png(out + "/pareto.png"));
    const std::string html = read_file(out + "/index.html");
    EXPECT_NE(html.find("Not drawn: Power over time"), std::string::npos);
    EXPECT_EQ(html.find("power.png"), std::string::npos);
}

TEST(ReportRender, ChromiumLoadsPageAndEveryFigure) {
    NEED_GNUPLOT();
    const char *chromium = "/usr/bin/chromium";
    if (access(chromium, X_OK) != 0)
        GTEST_SKIP() << "chromium is not installed: the browser check is skipped";
    TempDir t;
    write_sweep(t.path, make_points());
    const std::string out = t.path + "/report";
    std::string err;
    ASSERT_EQ(report(t.path + " -o " + out, &err), 0) << err;
    std::string dom, log;
    const int rc = run(std::string(chromium) +
                           " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                           "--disable-background-networking --disable-component-update "
                           "--disable-sync --user-data-dir=" +
                           t.path + "/chromium --enable-logging=stderr --v=0 --dump-dom file://" +
                           out + "/index.html",
                       &dom, &log);
    ASSERT_EQ(rc, 0) << log;
    // The page's load handler checked every <img> (naturalWidth > 0) and script errors.
    EXPECT_NE(dom.find("data-status=\"ok\">figures-ok 7<"), std::string::npos) << dom.substr(
        dom.find("report-check") == std::string::npos ? 0 : dom.find("report-check"), 300);
    EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
    EXPECT_EQ(log.find(":CONSOLE("), std::string::npos) << log;
    EXPECT_EQ(log.find("Content Security Policy"), std::string::npos) << log;
    // Sorting works: the script ran (aria-sort appears only after a click, so check wiring).
    EXPECT_NE(dom.find("title=\"click to sort\""), std::string::npos);
}

// ---- expected failures, heat-map labels, default point, hw_only vs hybrid per mesh ----

// The mapper's refusal of a hardware-only mapping that does not fit (sim sweep error text).
const char UNFIT[] = "hw_only: layer 'sep_11' does not fit: layers 'conv_0'..'sep_11' need "
                     "more NPs than the 10 slots of gen:cnp=8,fnp=2 in one pass";

TEST(ReportRender, UnfitPointsReportedAsExpected) {
    NEED_GNUPLOT();
    TempDir t;
    std::vector<Pt> pts = make_points();
    // p00001 (akidanet, gen:cnp=8, hw_only, allnps) becomes an expected "does not fit".
    pts[1].ok = false;
    pts[1].power = false;
    pts[1].error = UNFIT;
    write_sweep(t.path, pts);
    const std::string out = t.path + "/report";
    std::string so, se;
    ASSERT_EQ(run(std::string(AKISIM_CLI) + " report " + t.path + " -o " + out, &so, &se), 0) << se;
    const std::string counts = std::to_string(pts.size()) +
                               " points: " + std::to_string(pts.size() - 2) +
                               " ok, 1 does not fit hw_only (expected), 1 failed";
    EXPECT_NE(so.find(counts), std::string::npos) << so;
    EXPECT_NE(so.find("index.html"), std::string::npos) << so;
    EXPECT_NE(so.find("lowest latency"), std::string::npos) << so;
    const std::string md = read_file(out + "/summary.md");
    EXPECT_NE(md.find(counts.substr(counts.find(": ") + 2)), std::string::npos);
    const size_t unfit_at = md.find("## Points that do not fit hw_only (expected)");
    const size_t failed_at = md.find("## Failed points");
    ASSERT_NE(unfit_at, std::string::npos);
    ASSERT_NE(failed_at, std::string::npos);
    // Each point in its own section.
    EXPECT_GT(md.find("| p00001 |"), unfit_at);
    EXPECT_LT(md.find("| p00001 |"), failed_at);
    EXPECT_GT(md.find("| p00000 |"), failed_at);
    const std::string html = read_file(out + "/index.html");
    EXPECT_NE(html.find("<tr class=\"unfit\"><td>p00001</td>"), std::string::npos);
    EXPECT_NE(html.find("<tr class=\"err\"><td>p00000</td>"), std::string::npos);
    EXPECT_NE(html.find("<td>does not fit</td>"), std::string::npos);
    // The hw_only vs hybrid figure (3 meshes: per mesh) marks the cell and says why.
    const std::string gp = read_file(out + "/gnuplot/hw_hybrid.gp");
    EXPECT_NE(gp.find("best point per model and mesh"), std::string::npos);
    EXPECT_NE(gp.find("does not fit"), std::string::npos);
    EXPECT_TRUE(is_png(out + "/hw_hybrid.png"));
    EXPECT_TRUE(is_svg(out + "/hw_hybrid.svg"));
    // A failure that is not the mapper's hw_only refusal stays a failure.
    pts[1].error = "hw_only: run: more than max_cycles";
    write_sweep(t.path, pts);
    ASSERT_EQ(run(std::string(AKISIM_CLI) + " report " + t.path + " -o " + out, &so, &se), 0) << se;
    EXPECT_NE(so.find("ok, 2 failed"), std::string::npos) << so;
}

TEST(ReportRender, HeatMapLabelsAndDefaultPoint) {
    NEED_GNUPLOT();
    TempDir t;
    std::vector<Pt> pts = make_points();
    // Reference for the default point: ok, power CSV, single pass, most NPs, lowest index.
    const Pt *want = nullptr;
    for (const Pt &p : pts)
        if (p.ok && p.power && (!want || p.nps.size() > want->nps.size()))
            want = &p;
    ASSERT_NE(want, nullptr);
    Pt &w = pts[want->index];
    // Hand-chosen utilisations: 26 %, 1.9 %, 0.04 % (an idle-looking FNP), 0.
    w.nps = {{1, 1, 0, 0.2627}, {1, 1, 1, 0.0188}, {1, 1, 2, 0.0004}, {1, 1, 3, 0.0}};
    for (int k = 0; k < 4; k++) // keep it the point with the most NPs
        for (int s = 0; s < 4; s++)
            w.nps.push_back({2 + k % 2, 1 + k / 2, s, 0.5});
    write_sweep(t.path, pts);
    const std::string out = t.path + "/report";
    std::string err;
    ASSERT_EQ(report(t.path + " -o " + out + " -q", &err), 0) << err;
    const std::string gp = read_file(out + "/gnuplot/np_util.gp");
    bool best = true;
    for (const Pt &p : pts)
        if (p.ok && p.power && p.nps.size() > w.nps.size())
            best = false;
    if (best) { // the default chose the point the reference chose
        EXPECT_NE(gp.find(w.id + ":"), std::string::npos) << gp.substr(0, 400);
    }
    ASSERT_EQ(report(t.path + " -o " + out + " -q --point " + w.id, &err), 0) << err;
    const std::string dat = read_file(out + "/gnuplot/np_util.dat");
    EXPECT_NE(dat.find("\t26.27\tCNP1\t26%\n"), std::string::npos) << dat.substr(0, 300);
    EXPECT_NE(dat.find("\t1.88\tCNP1\t1.9%\n"), std::string::npos);
    EXPECT_NE(dat.find("\t0.04\tCNP1\t<0.1%\n"), std::string::npos);
    EXPECT_NE(dat.find("\t0\tCNP1\t0%\n"), std::string::npos);
    // Utilisations up to 50 %: the colour scale tops at 50 %.
    EXPECT_NE(read_file(out + "/gnuplot/np_util.gp").find("set cbrange [0:50]"), std::string::npos);
    EXPECT_TRUE(is_png(out + "/np_util.png"));
    EXPECT_TRUE(is_svg(out + "/np_util.svg"));
}

TEST(ReportRender, ManyMeshesFallBackToPerModelBars) {
    NEED_GNUPLOT();
    TempDir t;
    std::vector<Pt> pts;
    for (int k = 0; k < 10; k++) // ten meshes: more than the per-mesh figure shows
        for (int hw = 0; hw < 2; hw++) {
            Pt p;
            char id[16];
            snprintf(id, sizeof id, "p%05d", (int)pts.size());
            p.id = id;
            p.index = (int)pts.size();
            p.model = "m";
            p.mesh = "gen:cnp=" + std::to_string(8 * (k + 1)) + ",fnp=2";
            p.cols = p.rows = 2;
            p.mesh_nps = 8 * (k + 1) + 2;
            p.hw_only = hw;
            p.seqs.push_back({true, 1.0 + k, 0.5, 0.1, 500, 300000});
            p.nps.push_back({1, 1, 0, 0.5});
            pts.push_back(p);
        }
    write_sweep(t.path, pts);
    const std::string out = t.path + "/report";
    std::string err;
    ASSERT_EQ(report(t.path + " -o " + out + " -q", &err), 0) << err;
    const std::string gp = read_file(out + "/gnuplot/hw_hybrid.gp");
    EXPECT_NE(gp.find("hw_only vs hybrid: best point per model'"), std::string::npos);
    EXPECT_TRUE(is_png(out + "/hw_hybrid.png"));
    EXPECT_TRUE(is_svg(out + "/hw_hybrid.svg"));
}

// Dataset sweeps record a top-1 accuracy per point (results.csv's optional "accuracy" column):
// summary.md then shows it as a table column and per model as a value or a range; a sweep
// without it has no accuracy text at all.
TEST(ReportRender, SummaryShowsAccuracyOnlyWhenRecorded) {
    NEED_GNUPLOT();
    TempDir t;
    std::vector<Pt> pts = make_points();
    write_sweep(t.path, pts);
    // model 0: 0.8731 on every ok point; model 1 ("tiny..."): 0.5 + index / 100, except
    // p00013 which has none (empty field).
    std::map<std::string, double> acc;
    std::string csv = std::string(CSV_HEADER).substr(0, sizeof CSV_HEADER - 2) + ",accuracy\n";
    for (const Pt &p : pts) {
        std::string row = csv_row(p);
        row.pop_back(); // its "\n"
        std::string field;
        if (p.ok && p.id != "p00013") {
            acc[p.id] = p.model[0] == 'a' ? 0.8731 : 0.5 + p.index / 100.0;
            field = num(acc[p.id]);
        }
        csv += row + "," + field + "\n";
    }
    write_file(t.path + "/results.csv", csv);
    const std::string out = t.path + "/report";
    std::string err;
    ASSERT_EQ(report(t.path + " -o " + out + " -q", &err), 0) << err;
    const std::string md = read_file(out + "/summary.md");
    EXPECT_NE(md.find("| energy (mJ/frame) | top-1 accuracy |\n|---|---|---|---|---|---:|---:|---:|"
                      "---:|\n"),
              std::string::npos)
        << md;
    EXPECT_EQ(count(md, " top-1 accuracy |"), 2u); // one table per model
    // Lowest-latency rows end with the point's accuracy (4 significant digits).
    for (const std::string model : {"akidanet:alpha=0.5,size=160", "tiny'<b>&"}) {
        const Pt *bl = nullptr;
        for (const Pt &p : pts)
            if (p.ok && p.model == model && (!bl || sum_lat(p) < sum_lat(*bl)))
                bl = &p;
        ASSERT_TRUE(bl);
        char a[32];
        snprintf(a, sizeof a, "%.4g", acc.count(bl->id) ? acc[bl->id] : NAN);
        const size_t at = md.find("| lowest latency | " + bl->id + " |");
        ASSERT_NE(at, std::string::npos) << model;
        const std::string line = md.substr(at, md.find('\n', at) - at);
        const std::string want = acc.count(bl->id) ? std::string(a) : std::string("-");
        EXPECT_EQ(line.substr(line.size() - want.size() - 3), " " + want + " |") << line;
    }
    // Per model: one value on all of model 0's points, the range over model 1's.
    size_t n0 = 0, n1 = 0;
    double lo = 1e9, hi = -1e9;
    for (const Pt &p : pts) {
        if (!p.ok)
            continue;
        if (p.model[0] == 'a') {
            n0++;
        } else if (acc.count(p.id)) {
            n1++;
            lo = std::min(lo, acc[p.id]);
            hi = std::max(hi, acc[p.id]);
        }
    }
    EXPECT_NE(md.find("Top-1 accuracy: 0.8731 on all " + std::to_string(n0) +
                      " points with a dataset input."),
              std::string::npos)
        << md;
    char range[128];
    snprintf(range, sizeof range, "Top-1 accuracy: from %.4g to %.4g over %zu points", lo, hi, n1);
    EXPECT_NE(md.find(range), std::string::npos) << md;

    // The same sweep without the column: no accuracy anywhere in summary.md.
    write_sweep(t.path, pts);
    ASSERT_EQ(report(t.path + " -o " + out + " -q", &err), 0) << err;
    const std::string plain = read_file(out + "/summary.md");
    EXPECT_EQ(plain.find("accuracy"), std::string::npos);
    EXPECT_NE(plain.find("| energy (mJ/frame) |\n|---|---|---|---|---|---:|---:|---:|\n"),
              std::string::npos);
}
