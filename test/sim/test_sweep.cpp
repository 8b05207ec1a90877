/*
 * test_sweep: `akisim sweep` end to end through the built binary (AKISIM_CLI) — a tiny sweep
 * (2 models x 2 meshes) with results.csv checked against the point JSONs and hand-derived
 * values, a failing point recorded while the others finish, determinism (different worker
 * counts, and the in-process single-point API without reuse give identical files), bad input
 * before any point runs (scenario, DIR of another sweep, estimate fidelity), and
 * KILL-AND-RESUME: a sweep SIGKILLed after some points, resumed, loses and duplicates nothing
 * and equals an uninterrupted run byte for byte; resume after a simulated power loss (point
 * files not written through: a truncated JSON, a truncated power CSV) reruns exactly those
 * points; the results.csv rows the workers make from the figures equal the rows parsed back
 * from the point files (end to end, and a randomized property test on synthetic figures with
 * non-finite values and software sequences); top-1 accuracy of dataset inputs against labels built
 * from an independent golden forward (hand-checkable counts, cyclic batches), and labels outside
 * the model's classes recorded as error points.
 */
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akisim/sim_scenario.h"
#include "akisim/sim_sweep.h"
#include "akisim/sim_write.h"
#include "cmp/cmp_array.h"
#include "cmp/cmp_zoo.h"
#include "npu/npu_model.h"

namespace {

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool exists(const std::string &path) {
    struct stat sb;
    return stat(path.c_str(), &sb) == 0;
}

/* Sorted file names of a directory. */
std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> out;
    DIR *d = opendir(dir.c_str());
    if (!d)
        return out;
    while (struct dirent *e = readdir(d))
        if (e->d_name[0] != '.')
            out.push_back(e->d_name);
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

size_t count_json(const std::string &dir) {
    size_t n = 0;
    for (const auto &f : list_dir(dir))
        n += f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0;
    return n;
}

/* Splits one CSV line (RFC 4180 quotes). */
std::vector<std::string> csv_split(const std::string &line) {
    std::vector<std::string> out(1);
    bool q = false;
    for (size_t i = 0; i < line.size(); i++) {
        const char c = line[i];
        if (q && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
            out.back() += '"', i++;
        else if (c == '"')
            q = !q;
        else if (c == ',' && !q)
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

std::vector<std::vector<std::string>> csv_rows(const std::string &path) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(slurp(path));
    std::string line;
    while (std::getline(in, line))
        rows.push_back(csv_split(line));
    return rows;
}

/* Integer value of the first "key": N after position from. */
long long json_int(const std::string &t, const std::string &key, size_t from = 0) {
    const size_t p = t.find("\"" + key + "\": ", from);
    return p == std::string::npos ? -1 : std::atoll(t.c_str() + p + key.size() + 4);
}

struct SweepRun {
    int status = -1;
    std::string out, err;
};

class Sweep : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/akisim_sweep_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override {
        std::string cmd = "rm -rf '" + dir + "'";
        (void)std::system(cmd.c_str());
    }
    std::string write(const std::string &name, const std::string &text) {
        const std::string p = dir + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
    SweepRun cli(const std::string &args) {
        const std::string cmd =
            std::string("cd '") + dir + "' && " + AKISIM_CLI + " " + args + " > out.txt 2> err.txt";
        SweepRun r;
        const int w = std::system(cmd.c_str());
        r.status = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
        r.out = slurp(dir + "/out.txt");
        r.err = slurp(dir + "/err.txt");
        return r;
    }
    std::string dir;
};

/* 2 models x 2 meshes, hw_only: gxnor_mnist does not fit the 9-NP mesh in one pass. */
const char TINY[] = "name: tiny\n"
                    "models: [ds_cnn_kws, gxnor_mnist]\n"
                    "meshes: [akd1000, {gen: {cnp: 8, fnp: 1}}]\n"
                    "mapping: {hw_only: true, map_mode: allnps}\n"
                    "inputs: {random: {n: 2, seed: 5}}\n"
                    "batch: 2\n";

} // namespace

TEST_F(Sweep, TinyEndToEnd) {
    write("tiny.yaml", TINY);
    const SweepRun r = cli("sweep tiny.yaml -o out -j 2");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("2 models x 1 input x 2 meshes x 1 hw_only x 1 map mode x 1 clock mode "
                         "x 1 batch size = 4 points"),
              std::string::npos)
        << r.out;
    /* not a terminal: plain lines, one per point */
    EXPECT_NE(r.out.find("[4/4] p0000"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\r'), std::string::npos);
    EXPECT_EQ(slurp(dir + "/out/scenario.yaml"), std::string(TINY));
    const std::vector<std::string> files = list_dir(dir + "/out/points");
    const std::vector<std::string> expect = {
        "p00000.json", "p00000.power.csv", "p00001.json", "p00001.power.csv",
        "p00002.json", "p00002.power.csv", "p00003.json"};
    EXPECT_EQ(files, expect);
    const auto rows = csv_rows(dir + "/out/results.csv");
    ASSERT_EQ(rows.size(), 5u);
    ASSERT_EQ(rows[0].size(), 24u);
    EXPECT_EQ(rows[0][0], "id");
    EXPECT_EQ(rows[0][15], "inference_clk");
    EXPECT_EQ(rows[0][22], "accuracy");
    EXPECT_EQ(rows[0][23], "error");
    const char *const model[] = {"ds_cnn_kws", "ds_cnn_kws", "gxnor_mnist", "gxnor_mnist"};
    const char *const mesh[] = {"akd1000", "gen:cnp=8,fnp=1", "akd1000", "gen:cnp=8,fnp=1"};
    const char *const nps[] = {"78", "9", "78", "9"};
    for (int i = 0; i < 4; i++) {
        const auto &row = rows[i + 1];
        ASSERT_EQ(row.size(), 24u) << i;
        char id[16];
        snprintf(id, sizeof id, "p%05d", i);
        EXPECT_EQ(row[0], id);
        EXPECT_EQ(row[1], std::to_string(i));
        EXPECT_EQ(row[2], model[i]);
        EXPECT_EQ(row[3], mesh[i]);
        EXPECT_EQ(row[4], nps[i]);
        EXPECT_EQ(row[5], "true");
        EXPECT_EQ(row[6], "allnps");
        EXPECT_EQ(row[7], "Performance");
        EXPECT_EQ(row[8], "2");
        EXPECT_EQ(row[9], "random:n=2,seed=5");
        EXPECT_EQ(row[10], "exact");
        const std::string json = slurp(dir + "/out/points/" + id + ".json");
        if (i == 3) {
            /* the failing point: recorded, with its message, others unaffected */
            EXPECT_EQ(row[11], "error");
            EXPECT_NE(row[23].find("hw_only"), std::string::npos) << row[23];
            for (int k = 12; k < 23; k++)
                EXPECT_EQ(row[k], "") << k;
            EXPECT_NE(json.find("\"status\": \"error\""), std::string::npos);
            EXPECT_EQ(json.find("\"stats\""), std::string::npos);
            continue;
        }
        EXPECT_EQ(row[11], "ok") << row[23];
        EXPECT_EQ(row[22], ""); /* no accuracy: random input */
        EXPECT_EQ(row[23], "");
        EXPECT_EQ(json.find("\"accuracy\""), std::string::npos);
        /* mapping figures and cycles as the point JSON has them */
        EXPECT_EQ(std::atoll(row[12].c_str()), json_int(json, "nps"));
        EXPECT_LE(std::atoll(row[12].c_str()), std::atoll(nps[i]));
        EXPECT_EQ(row[13], "1"); /* hw_only: one pass */
        EXPECT_EQ(row[14], "1"); /* one sequence */
        const size_t seq = json.find("\"sequences\": [");
        ASSERT_NE(seq, std::string::npos);
        EXPECT_EQ(std::atoll(row[15].c_str()), json_int(json, "inference_clk", seq));
        EXPECT_GT(std::atoll(row[15].c_str()), 0);
        EXPECT_EQ(json_int(json, "frames", seq), 2);
        const double lat = std::atof(row[16].c_str()), fps = std::atof(row[17].c_str());
        EXPECT_NEAR(lat * fps, 1000.0, 1e-4);
        /* latency = cycles / frames / clock: 300 MHz on akd1000 and the generated mesh */
        EXPECT_NEAR(lat, std::atof(row[15].c_str()) / 2 / 300e3, lat * 1e-6);
        EXPECT_GT(std::atof(row[18].c_str()), 0.0);
        EXPECT_GE(std::atof(row[19].c_str()), std::atof(row[20].c_str()));
        EXPECT_EQ(std::atoll(row[21].c_str()), json_int(json, "program_bytes"));
        EXPECT_NE(slurp(dir + "/out/points/" + id + ".power.csv").find("timestamp_us"),
                  std::string::npos);
    }
}

TEST_F(Sweep, Deterministic) {
    write("tiny.yaml", TINY);
    ASSERT_EQ(cli("sweep tiny.yaml -o a -j 1 -q").status, 0);
    ASSERT_EQ(cli("sweep tiny.yaml -o b -j 4 -q").status, 0);
    const auto files = list_dir(dir + "/a/points");
    ASSERT_EQ(files, list_dir(dir + "/b/points"));
    for (const auto &f : files)
        EXPECT_EQ(slurp(dir + "/a/points/" + f), slurp(dir + "/b/points/" + f)) << f;
    EXPECT_EQ(slurp(dir + "/a/results.csv"), slurp(dir + "/b/results.csv"));
    /* one point alone, in process, without reuse: the same bytes */
    sim_scenario s;
    npu_err e;
    npu_err_clear(&e);
    ASSERT_EQ(sim_scenario_load((dir + "/tiny.yaml").c_str(), &s, &e), NPU_OK) << e.msg;
    for (size_t i : {1u, 3u}) {
        char *json = nullptr, *power = nullptr;
        ASSERT_EQ(sim_sweep_point_text(&s, i, SIM_FIDELITY_EXACT, nullptr, &json, &power, &e),
                  NPU_OK)
            << e.msg;
        char name[32];
        snprintf(name, sizeof name, "/a/points/p%05zu", i);
        EXPECT_EQ(std::string(json), slurp(dir + name + ".json"));
        if (power)
            EXPECT_EQ(std::string(power), slurp(dir + name + ".power.csv"));
        else
            EXPECT_FALSE(exists(dir + name + ".power.csv"));
        free(json);
        free(power);
    }
    sim_scenario_free(&s);
}

TEST_F(Sweep, BadInputBeforeAnyPoint) {
    write("bad.yaml", "models: [ds_cnn_kws]\nmeshes: [akd1000]\nmapping: {hw_onyl: true}\n");
    SweepRun r = cli("sweep bad.yaml -o out");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("did you mean 'hw_only'"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(dir + "/out"));
    write("nofile.yaml", "models: [ds_cnn_kws]\nmeshes: [akd1000]\ninputs: {npy: nope.npy}\n");
    r = cli("sweep nofile.yaml -o out");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("nope.npy"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(dir + "/out"));
    write("tiny.yaml", TINY);
    /* the estimate fidelity exists now (test_estimate.cpp); bad --check values still fail */
    r = cli("sweep tiny.yaml -o out --fidelity estimate --check 0");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(count_json(dir + "/out/points"), 0u);
    EXPECT_EQ(cli("sweep tiny.yaml -o out --fidelity rough").status, 2);
    EXPECT_EQ(cli("sweep missing.yaml").status, 2);
    EXPECT_EQ(cli("sweep").status, 2);
    /* a finished sweep is not overwritten without --resume; another scenario is refused */
    ASSERT_EQ(cli("sweep tiny.yaml -o out -q").status, 0);
    r = cli("sweep tiny.yaml -o out -q");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
    write("other.yaml", std::string(TINY) + "clock_modes: [Economy]\n");
    r = cli("sweep other.yaml -o out --resume -q");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("another scenario"), std::string::npos) << r.err;
    /* resuming a finished sweep runs nothing */
    r = cli("sweep tiny.yaml -o out --resume");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("4 skipped"), std::string::npos) << r.out;
}

TEST_F(Sweep, KillAndResume) {
    const std::string scn = "name: kill\n"
                            "models: [ds_cnn_kws]\n"
                            "meshes: [{gen: {cnp: \"8..64\", step: 8}}]\n"
                            "mapping: {hw_only: [true, false], map_mode: [minimal, allnps, hwpr]}\n"
                            "clock_modes: [Performance, Economy, LowPower]\n"
                            "batch: [1, 2]\n";
    write("kill.yaml", scn);
    const size_t total = 8 * 2 * 3 * 3 * 2;
    /* the reference, uninterrupted */
    ASSERT_EQ(cli("sweep kill.yaml -o ref -j 2 -q").status, 0);
    ASSERT_EQ(count_json(dir + "/ref/points"), total);
    /* the interrupted run */
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (chdir(dir.c_str()) != 0)
            _exit(99);
        if (!freopen("/dev/null", "w", stdout))
            _exit(99);
        execl(AKISIM_CLI, "akisim", "sweep", "kill.yaml", "-o", "cut", "-j", "2", (char *)nullptr);
        _exit(98);
    }
    const auto t0 = std::chrono::steady_clock::now();
    while (count_json(dir + "/cut/points") < 10 &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    /* the workers died with the parent: no point file appears any more */
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const size_t cut = count_json(dir + "/cut/points");
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    EXPECT_EQ(count_json(dir + "/cut/points"), cut);
    ASSERT_GE(cut, 10u);
    ASSERT_LT(cut, total) << "the sweep finished before it was killed";
    /* resume */
    const SweepRun r = cli("sweep kill.yaml -o cut -j 2 --resume");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find(std::to_string(cut) + " skipped"), std::string::npos) << r.out;
    /* nothing lost, nothing duplicated, no temporary file, identical to the reference */
    const auto files = list_dir(dir + "/cut/points");
    EXPECT_EQ(files, list_dir(dir + "/ref/points"));
    for (const auto &f : files) {
        EXPECT_EQ(f.find(".tmp."), std::string::npos) << f;
        EXPECT_EQ(slurp(dir + "/cut/points/" + f), slurp(dir + "/ref/points/" + f)) << f;
    }
    const auto rows = csv_rows(dir + "/cut/results.csv");
    ASSERT_EQ(rows.size(), total + 1);
    std::set<std::string> ids;
    for (size_t i = 1; i < rows.size(); i++) {
        ids.insert(rows[i][0]);
        EXPECT_EQ(rows[i][1], std::to_string(i - 1));
    }
    EXPECT_EQ(ids.size(), total);
    EXPECT_EQ(slurp(dir + "/cut/results.csv"), slurp(dir + "/ref/results.csv"));
}

/* The rows the workers make from the figures (sent to the parent) are the rows parsed back
 * from the point files (sim_sweep_write_csv): exact and estimate (with exact references),
 * hw_only and hybrid, ok and error points. */
TEST_F(Sweep, CsvRowsEqualParsedFiles) {
    const std::string scn = "name: rows\n"
                            "models: [ds_cnn_kws, gxnor_mnist]\n"
                            "meshes: [akd1000, {gen: {cnp: [8, 16], fnp: 1}}]\n"
                            "mapping: {hw_only: [true, false], map_mode: [minimal, allnps]}\n"
                            "clock_modes: [Performance, LowPower]\n"
                            "inputs: {random: {n: 2, seed: 3}}\n"
                            "batch: 2\n";
    write("rows.yaml", scn);
    const size_t total = 2 * 3 * 2 * 2 * 2;
    for (const char *fid : {"exact", "estimate"}) {
        const std::string out = std::string("o_") + fid;
        const SweepRun r =
            cli("sweep rows.yaml -q -j 2 --check 3 --fidelity " + std::string(fid) + " -o " + out);
        ASSERT_EQ(r.status, 0) << r.err;
        const std::string sent = slurp(dir + "/" + out + "/results.csv");
        ASSERT_EQ(csv_rows(dir + "/" + out + "/results.csv").size(), total + 1);
        npu_err e;
        npu_err_clear(&e);
        ASSERT_EQ(sim_sweep_write_csv((dir + "/" + out).c_str(), total, &e), NPU_OK) << e.msg;
        EXPECT_EQ(slurp(dir + "/" + out + "/results.csv"), sent) << fid;
        EXPECT_NE(sent.find(",ok,"), std::string::npos);
        EXPECT_NE(sent.find(",error,"), std::string::npos);
    }
}

/* A resumed sweep re-checks every point file: files that did not reach the disk whole (a
 * power loss without the final sync) are run again, the others are kept. */
TEST_F(Sweep, ResumeRerunsIncompleteFiles) {
    write("tiny.yaml", TINY);
    ASSERT_EQ(cli("sweep tiny.yaml -o ref -q").status, 0);
    ASSERT_EQ(cli("sweep tiny.yaml -o cut -q").status, 0);
    const std::string p = dir + "/cut/points/";
    const std::string j1 = slurp(p + "p00001.json"), c2 = slurp(p + "p00002.power.csv");
    ASSERT_GT(c2.size(), 20u);
    std::ofstream(p + "p00001.json", std::ios::binary) << j1.substr(0, j1.size() / 2);
    std::ofstream(p + "p00002.power.csv", std::ios::binary) << c2.substr(0, c2.size() - 5);
    std::ofstream(p + "p00000.json.tmp.1234", std::ios::binary) << "{";
    std::remove((dir + "/cut/results.csv").c_str());
    const SweepRun r = cli("sweep tiny.yaml -o cut --resume");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("2 skipped"), std::string::npos) << r.out;
    const auto files = list_dir(dir + "/cut/points");
    EXPECT_EQ(files, list_dir(dir + "/ref/points"));
    for (const auto &f : files)
        EXPECT_EQ(slurp(p + f), slurp(dir + "/ref/points/" + f)) << f;
    EXPECT_EQ(slurp(dir + "/cut/results.csv"), slurp(dir + "/ref/results.csv"));
}

namespace {

/* Writes an .npy with the library writer. */
void write_npy(const std::string &path, cmp_dtype t, std::vector<uint64_t> shape,
               const void *data) {
    cmp_array a;
    npu_err err;
    npu_err_clear(&err);
    ASSERT_EQ(cmp_array_alloc(&a, t, uint32_t(shape.size()), shape.data(), &err), NPU_OK);
    memcpy(a.data, data, a.count * cmp_dtype_size(t));
    ASSERT_EQ(cmp_npy_write(path.c_str(), &a, &err), NPU_OK) << err.msg;
    cmp_array_free(&a);
}

/* Class of each sample by the golden functional model (first maximum, index mod channels):
 * the reference the sweep's accuracy is checked against. */
std::vector<int64_t> golden_classes(const npu_model *m, const std::vector<uint8_t> &x, size_t n) {
    const npu_shape is = npu_model_input_shape(m);
    const size_t per = npu_shape_size(is);
    std::vector<int64_t> cls;
    for (size_t i = 0; i < n; i++) {
        std::vector<int32_t> v(x.begin() + i * per, x.begin() + (i + 1) * per);
        npu_tensor in = {is, v.data()}, out = {};
        npu_err e;
        npu_err_clear(&e);
        EXPECT_EQ(npu_model_forward(m, &in, &out, nullptr, &e), NPU_OK) << e.msg;
        const size_t k = npu_shape_size(out.shape);
        size_t best = 0;
        for (size_t j = 1; j < k; j++)
            if (out.data[j] > out.data[best])
                best = j;
        cls.push_back(int64_t(best % out.shape.c));
        npu_tensor_free(&out);
    }
    return cls;
}

} // namespace

/* Top-1 accuracy of a dataset input: 4 samples, labels right for samples 0 and 1 and wrong
 * for 2 and 3 (by the golden model), so batch 1 (sample 0) = 1/1, batch 4 = 2/4 and batch 6
 * (samples 0 1 2 3 0 1) = 4/6, in both fidelities, in the point JSON and results.csv. */
TEST_F(Sweep, DatasetAccuracy) {
    npu_model *m = nullptr;
    cmp_zoo_opts zo;
    cmp_zoo_opts_default(&zo);
    npu_err e;
    npu_err_clear(&e);
    ASSERT_EQ(cmp_zoo_build("gxnor_mnist", &zo, &m, &e), NPU_OK) << e.msg;
    const npu_shape is = npu_model_input_shape(m);
    ASSERT_FALSE(npu_model_input_signed(m));
    const size_t n = 4, per = npu_shape_size(is), classes = npu_model_output_shape(m).c;
    ASSERT_GE(classes, 2u);
    std::vector<uint8_t> x(n * per);
    uint64_t st = 7;
    for (auto &v : x) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        v = uint8_t(st >> 56);
    }
    const std::vector<int64_t> cls = golden_classes(m, x, n);
    npu_model_free(m);
    ASSERT_EQ(cls.size(), n);
    std::vector<int64_t> labels = {cls[0], cls[1], int64_t((cls[2] + 1) % classes),
                                   int64_t((cls[3] + 1) % classes)};
    write_npy(dir + "/x.npy", CMP_U8, {n, is.x, is.y, is.c}, x.data());
    write_npy(dir + "/y.npy", CMP_I64, {n}, labels.data());
    write("ds.yaml", "name: ds\nmodels: [gxnor_mnist]\nmeshes: [akd1000]\n"
                     "mapping: {hw_only: [true, false]}\n"
                     "inputs: {dataset: {x: x.npy, labels: y.npy}}\nbatch: [1, 4, 6]\n");
    const char *const top1[] = {"1", "0.5", "0.666666667"};
    const int correct[] = {1, 2, 4}, frames[] = {1, 4, 6};
    for (const char *fid : {"exact", "estimate"}) {
        const std::string out = std::string("o_") + fid;
        const SweepRun r =
            cli("sweep ds.yaml -q -j 2 --fidelity " + std::string(fid) + " -o " + out);
        ASSERT_EQ(r.status, 0) << r.err;
        const auto rows = csv_rows(dir + "/" + out + "/results.csv");
        ASSERT_EQ(rows.size(), 7u);
        ASSERT_EQ(rows[0][22], "accuracy");
        for (size_t i = 0; i < 6; i++) {
            const size_t b = i % 3; /* batch is the innermost list */
            EXPECT_EQ(rows[i + 1][11], "ok") << rows[i + 1][23];
            EXPECT_EQ(rows[i + 1][22], top1[b]) << fid << " point " << i;
            char name[32];
            snprintf(name, sizeof name, "/points/p%05zu.json", i);
            const std::string json = slurp(dir + "/" + out + name);
            char line[128];
            snprintf(line, sizeof line,
                     "  \"accuracy\": {\"top1\": %s, \"correct\": %d, \"frames\": %d},\n", top1[b],
                     correct[b], frames[b]);
            EXPECT_NE(json.find(line), std::string::npos) << json.substr(0, 800);
        }
    }
    /* a label that is not a class of the model: every point is an error point saying so */
    labels[1] = int64_t(classes) + 7;
    write_npy(dir + "/y.npy", CMP_I64, {n}, labels.data());
    const SweepRun r = cli("sweep ds.yaml -q -o bad");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto rows = csv_rows(dir + "/bad/results.csv");
    ASSERT_EQ(rows.size(), 7u);
    for (size_t i = 1; i < rows.size(); i++) {
        EXPECT_EQ(rows[i][11], "error");
        EXPECT_NE(rows[i][23].find("label " + std::to_string(classes + 7)), std::string::npos)
            << rows[i][23];
    }
}

extern "C" {
#include "sim_sweep_int.h"
}

/* Property test of the row a worker makes without parsing: for random figures (doubles of
 * every magnitude, non-finite values written as null, software and hardware sequences, with
 * and without accuracy) it equals the row parsed back from the point JSON; a label that
 * needs JSON escaping makes the direct row decline (NULL: the caller parses instead). */
TEST(SweepRows, DirectRowEqualsParsedRow) {
    const std::string text = "name: r\nmodels: [ds_cnn_kws]\nmeshes: [akd1000]\n"
                             "mapping: {hw_only: [true, false]}\nbatch: [1, 7]\n";
    sim_scenario s;
    npu_err e;
    npu_err_clear(&e);
    ASSERT_EQ(sim_scenario_parse(text.data(), text.size(), "/tmp/r.yaml", &s, &e), NPU_OK) << e.msg;
    uint64_t st = 12345;
    auto next = [&st]() {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        return st >> 11;
    };
    auto dbl = [&]() {
        const uint64_t k = next() % 20;
        if (k == 0)
            return std::nan("");
        if (k == 1)
            return HUGE_VAL;
        if (k == 2)
            return 0.0;
        const double mag = std::pow(10.0, double(int(next() % 41) - 20));
        return (double(next() % 1000000007) / 1000000007.0) * mag;
    };
    for (int trial = 0; trial < 300; trial++) {
        const sim_point p = sim_scenario_point(&s, next() % sim_scenario_count(&s));
        sim_results r;
        memset(&r, 0, sizeof r);
        snprintf(r.device, sizeof r.device, "akd1000");
        snprintf(r.clock_mode, sizeof r.clock_mode, "Performance");
        r.clock_mhz = 300;
        r.n_sequences = uint32_t(1 + next() % 4);
        std::vector<sim_seq_stats> seqs(r.n_sequences);
        for (auto &q : seqs) {
            memset(&q, 0, sizeof q);
            q.hardware = next() % 3 != 0;
            snprintf(q.name, sizeof q.name, "%s/x", q.hardware ? "HW" : "SW");
            q.frames = uint32_t(1 + next() % 9);
            q.inference_clk = next() % (1ull << (next() % 53));
            q.latency_ms = dbl();
            q.fps = dbl();
            q.power_avg_mw = dbl();
            q.energy_mj_per_frame = dbl();
            q.dynamic_energy_mj_per_frame = dbl();
        }
        r.sequences = seqs.data();
        cmp_mapped mm;
        memset(&mm, 0, sizeof mm);
        mm.total_nps = uint32_t(next() % 80);
        mm.total_passes = uint32_t(next() % 5);
        mm.n_sequences = r.n_sequences;
        mm.program_bytes = next() % 100000000;
        const uint64_t frames = 1 + next() % 100;
        const sweep_accuracy acc = {next() % 2 == 0, next() % (frames + 1), frames};
        char *stats = sim_write_stats_json(&r);
        ASSERT_NE(stats, nullptr);
        char *json = sweep_json_ok(&s, &p, SIM_FIDELITY_EXACT, &mm, &acc, stats, nullptr);
        ASSERT_NE(json, nullptr);
        char *parsed = sweep_csv_row(json, strlen(json));
        char *direct = sweep_csv_row_direct(&s, &p, SIM_FIDELITY_EXACT, &mm, &r, &acc);
        ASSERT_NE(parsed, nullptr);
        ASSERT_NE(direct, nullptr);
        EXPECT_STREQ(direct, parsed) << json;
        free(parsed);
        free(direct);
        free(json);
        free(stats);
    }
    /* a label with a quote: no direct row */
    snprintf(s.inputs[0].label, sizeof s.inputs[0].label, "npy:a\"b.npy");
    sim_results r;
    memset(&r, 0, sizeof r);
    cmp_mapped mm;
    memset(&mm, 0, sizeof mm);
    const sim_point p = sim_scenario_point(&s, 0);
    EXPECT_EQ(sweep_csv_row_direct(&s, &p, SIM_FIDELITY_EXACT, &mm, &r, nullptr), nullptr);
    sim_scenario_free(&s);
}
