// test_calib: the calibration sets of the core model (mesh_calib.h) — every shipped set loads
// complete and valid, every preset and generated mesh gets its default with the Performance
// clock equal to the mesh clock, hand-computed default values and their published anchors
// (akida-facts.md: clock-mode time ratios, AKD1500 power budget), file overrides, a failure
// test per validation rule naming the field, "field=value" overrides, YAML round trips
// (hand cases and a randomized property test), did-you-mean on unknown keys, and that
// docs/timing-model.md documents every field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "mesh/mesh_calib.h"
#include "mesh_calib_internal.h" // the field table (offsets, kinds)
}

namespace {

std::string read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// A temporary file removed at scope exit.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string &text, const char *name = "calib") {
        char tmpl[] = "/tmp/akisim_calib_XXXXXX";
        const int fd = mkstemp(tmpl);
        EXPECT_GE(fd, 0);
        close(fd);
        unlink(tmpl);
        path = std::string(tmpl) + "_" + name + ".yaml";
        std::ofstream(path, std::ios::binary) << text;
    }
    ~TempFile() {
        std::remove(path.c_str());
    }
};

mesh_calib preset(const char *name) {
    mesh_calib c{};
    npu_err err{};
    EXPECT_EQ(mesh_calib_preset(name, &c, &err), NPU_OK) << err.msg;
    return c;
}

double get(const mesh_calib &c, const char *field) {
    double v = NAN;
    npu_err err{};
    EXPECT_EQ(mesh_calib_get(&c, field, &v, &err), NPU_OK) << err.msg;
    return v;
}

// Field-by-field equality through the public field list (bitwise for doubles) plus the name.
void expect_equal(const mesh_calib &a, const mesh_calib &b) {
    EXPECT_STREQ(a.name, b.name);
    for (size_t i = 0; i < mesh_calib_field_count(); i++) {
        const char *f = mesh_calib_field_name(i);
        const double x = get(a, f), y = get(b, f);
        EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << f << ": " << x << " vs " << y;
    }
    EXPECT_EQ(a.max_cycles, b.max_cycles);
    EXPECT_EQ(a.max_events, b.max_events);
}

std::string validate_msg(const mesh_calib &c) {
    npu_err err{};
    const npu_status st = mesh_calib_validate(&c, &err);
    return st == NPU_OK ? std::string() : std::string(err.msg);
}

const char *const kSets[] = {"akd1000",     "akd1500",    "twonodes",
                             "sixnodes-v2", "generic-v1", "generic-v2"};

// ---- shipped sets and defaults ----

TEST(Calib, EveryShippedSetLoadsCompleteAndValid) {
    ASSERT_EQ(mesh_calib_preset_count(), 6u);
    for (const char *name : kSets) {
        SCOPED_TRACE(name);
        // Loading over a zeroed struct requires every field: this proves completeness.
        mesh_calib c = preset(name);
        EXPECT_STREQ(c.name, name);
        EXPECT_EQ(validate_msg(c), "");
        // The embedded text is the file in the source tree (the build embeds current files).
        const std::string disk =
            read_file(std::string(AKISIM_SOURCE_DIR) + "/mesh/calib/" + name + ".yaml");
        ASSERT_NE(mesh_calib_preset_yaml(name), nullptr);
        EXPECT_EQ(disk, std::string(mesh_calib_preset_yaml(name)));
    }
    EXPECT_EQ(mesh_calib_preset_name(6), nullptr);
    mesh_calib c{};
    npu_err err{};
    EXPECT_EQ(mesh_calib_preset("akd9999", &c, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::strstr(err.msg, "akd1000"), nullptr) << err.msg; // lists the known sets
}

TEST(Calib, PresetNamesAreCaseInsensitive) {
    mesh_calib c = preset("AKD1500");
    EXPECT_STREQ(c.name, "akd1500");
}

TEST(Calib, DefaultsForEveryMeshPresetMatchTheMeshClock) {
    for (size_t i = 0; i < mesh_preset_count(); i++) {
        const char *name = mesh_preset_name(i);
        SCOPED_TRACE(name);
        mesh_desc m{};
        npu_err err{};
        ASSERT_EQ(mesh_preset(name, &m, &err), NPU_OK) << err.msg;
        mesh_calib c{};
        ASSERT_EQ(mesh_calib_default(&m, &c, &err), NPU_OK) << err.msg;
        EXPECT_STREQ(c.name, name); // the preset's own set
        EXPECT_EQ(c.clock[MESH_CLOCK_PERFORMANCE].freq_mhz, static_cast<double>(m.clock_mhz));
        // The shipped set agrees with the preset: no scaling happened.
        expect_equal(c, preset(name));
        EXPECT_EQ(validate_msg(c), "");
        mesh_free(&m);
    }
}

TEST(Calib, GeneratedMeshesGetTheGenericSetOfTheirVersion) {
    const struct {
        const char *spec;
        const char *set;
    } cases[] = {{"gen:cnp=8,fnp=2", "generic-v1"},
                 {"gen:cnp=8,fnp=2,v2", "generic-v2"},
                 {"gen:cnp=3,fnp=0,no-hrc", "generic-v1"}};
    for (const auto &k : cases) {
        SCOPED_TRACE(k.spec);
        mesh_desc m{};
        npu_err err{};
        ASSERT_EQ(mesh_load(k.spec, &m, &err), NPU_OK) << err.msg;
        mesh_calib c{};
        ASSERT_EQ(mesh_calib_default(&m, &c, &err), NPU_OK) << err.msg;
        EXPECT_STREQ(c.name, k.set);
        EXPECT_EQ(c.clock[MESH_CLOCK_PERFORMANCE].freq_mhz, static_cast<double>(m.clock_mhz));
        EXPECT_EQ(validate_msg(c), "");
        mesh_free(&m);
    }
}

TEST(Calib, FileMeshWithAnotherClockScalesAllModes) {
    mesh_desc m{};
    std::snprintf(m.name, sizeof m.name, "%s", "myboard");
    m.ip_version = 1;
    m.clock_mhz = 150; // half of generic-v1's 300 MHz
    mesh_calib c{};
    npu_err err{};
    ASSERT_EQ(mesh_calib_default(&m, &c, &err), NPU_OK) << err.msg;
    const mesh_calib g = preset("generic-v1");
    EXPECT_STREQ(c.name, "generic-v1");
    EXPECT_EQ(c.clock[0].freq_mhz, 150.0);
    EXPECT_DOUBLE_EQ(c.clock[1].freq_mhz, g.clock[1].freq_mhz / 2.0); // 126.25
    EXPECT_DOUBLE_EQ(c.clock[1].freq_mhz, 126.25);
    EXPECT_DOUBLE_EQ(c.clock[2].freq_mhz, g.clock[2].freq_mhz / 2.0);
    for (int k = 0; k < MESH_CLOCK_MODE_COUNT; k++)
        EXPECT_EQ(c.clock[k].voltage_v, g.clock[k].voltage_v); // voltages unchanged
    EXPECT_EQ(c.hop_cycles, g.hop_cycles);                     // cycle costs unchanged

    // A file mesh named like a preset gets that preset's set, scaled to its own clock.
    std::snprintf(m.name, sizeof m.name, "%s", "AKD1500");
    m.clock_mhz = 200;
    ASSERT_EQ(mesh_calib_default(&m, &c, &err), NPU_OK) << err.msg;
    EXPECT_STREQ(c.name, "akd1500");
    EXPECT_EQ(c.clock[0].freq_mhz, 200.0);
    EXPECT_DOUBLE_EQ(c.clock[1].freq_mhz, preset("akd1500").clock[1].freq_mhz / 2.0);
}

// Hand-checked default values against akida-facts.md and the brief.
TEST(Calib, DefaultValuesFollowThePublishedAnchors) {
    const mesh_calib a = preset("akd1000"), b = preset("akd1500");
    EXPECT_EQ(a.clock[MESH_CLOCK_PERFORMANCE].freq_mhz, 300.0);
    EXPECT_EQ(b.clock[MESH_CLOCK_PERFORMANCE].freq_mhz, 400.0);
    EXPECT_GE(a.p_floor_mw, 880.0); /* fitted (docs/fidelity.md) to the 907 / 914 mW floors */
    EXPECT_LE(a.p_floor_mw, 914.0);
    EXPECT_EQ(a.max_cycles, 100000000000ull);
    EXPECT_EQ(a.max_events, 10000000000ull);
    EXPECT_EQ(a.power_sample_us, 100.0);
    EXPECT_EQ(a.event_bytes, 8u);
    EXPECT_GE(a.link_bytes_per_cycle, 8.0); /* at least one event packet per cycle (fitted) */
    EXPECT_GE(a.hop_cycles, 1.0);
    EXPECT_LE(a.hop_cycles, 2.0);
    EXPECT_EQ(a.np.cnp_event_cycles[3], std::floor(a.np.cnp_event_cycles[3])); /* RTL: whole */
    EXPECT_GE(a.np.cnp_event_cycles[3], 9.0); /* at least one cycle per tap of a 3x3 group */
    // Clock modes keep the third-party time ratios: 909 us / 1,080 us / 8,472 us.
    for (const mesh_calib *c : {&a, &b}) {
        const double p = c->clock[0].freq_mhz;
        EXPECT_NEAR(p / c->clock[1].freq_mhz, 1080.0 / 909.0, 0.01 * 1080.0 / 909.0);
        EXPECT_NEAR(p / c->clock[2].freq_mhz, 8472.0 / 909.0, 0.01 * 8472.0 / 909.0);
    }
    // AKD1500 chip-rail budget (akida-facts.md section 6): floor + powered NPs x static +
    // dynamic energy / latency lands within 5 % of the published total for the AkidaNet
    // rows (multi-pass: NPs summed over passes, so NPs/passes are powered at a time).
    const struct {
        double nps, passes, cycles, total_mw, dyn_mj;
    } rows[] = {{21, 1, 8417975, 140.2, 0.619},
                {33, 1, 5554226, 155.0, 0.610},
                {107, 4, 3210457, 188.1, 0.632},
                {33, 1, 36261735, 154.9, 3.944},
                {33, 1, 36261479, 154.7, 3.938}};
    for (const auto &r : rows) {
        const double seconds = r.cycles / 400e6;
        const double dyn_mw = r.dyn_mj / seconds; // mJ / s = mW
        const double model = b.p_floor_mw + r.nps / r.passes * b.p_static_np_mw + dyn_mw;
        EXPECT_NEAR(model, r.total_mw, 0.05 * r.total_mw) << r.nps << " NPs";
    }
}

// ---- loading files ----

TEST(Calib, FileOverridesOnlyTheFieldsItSets) {
    mesh_calib c = preset("akd1000");
    const mesh_calib before = c;
    TempFile f("hop_cycles: 2\n"
               "np:\n  cnp_event_cycles:\n    3: 11.5\n  fnp_unit_lanes: 16\n"
               "clock:\n  lowpower:\n    freq_mhz: 20\n"
               "max_events: 1e9\n",
               "override");
    npu_err err{};
    ASSERT_EQ(mesh_calib_load(f.path.c_str(), &c, &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.hop_cycles, 2.0);
    EXPECT_EQ(c.np.cnp_event_cycles[3], 11.5);
    EXPECT_EQ(c.np.fnp_unit_lanes, 16u);
    EXPECT_EQ(c.clock[MESH_CLOCK_LOWPOWER].freq_mhz, 20.0);
    EXPECT_EQ(c.max_events, 1000000000ull);
    // Name: the file's base name (no name: key).
    const std::string base = f.path.substr(f.path.rfind('/') + 1);
    EXPECT_EQ(std::string(c.name), base.substr(0, base.size() - 5));
    // Everything else untouched.
    mesh_calib expect = before;
    expect.hop_cycles = 2.0;
    expect.np.cnp_event_cycles[3] = 11.5;
    expect.np.fnp_unit_lanes = 16;
    expect.clock[MESH_CLOCK_LOWPOWER].freq_mhz = 20.0;
    expect.max_events = 1000000000ull;
    std::snprintf(expect.name, sizeof expect.name, "%s", c.name);
    expect_equal(c, expect);
}

TEST(Calib, FileNameKeySetsTheName) {
    mesh_calib c = preset("akd1500");
    npu_err err{};
    const char text[] = "version: 1\nname: \"my board\"\np_floor_mw: 120\n";
    ASSERT_EQ(mesh_calib_parse_yaml(text, sizeof text - 1, "x.yaml", &c, &err), NPU_OK) << err.msg;
    EXPECT_STREQ(c.name, "my board");
    EXPECT_EQ(c.p_floor_mw, 120.0);
}

TEST(Calib, PartialFileWithoutValidBaseNamesTheMissingField) {
    mesh_calib c{}; // zeroed: not a valid calibration, so the file must be complete
    npu_err err{};
    const char text[] = "hop_cycles: 2\n";
    EXPECT_EQ(mesh_calib_parse_yaml(text, sizeof text - 1, "part.yaml", &c, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::strstr(err.msg, "part.yaml"), nullptr) << err.msg;
    EXPECT_NE(std::strstr(err.msg, "missing calibration field 'link_bytes_per_cycle'"), nullptr)
        << err.msg;
    EXPECT_EQ(c.hop_cycles, 0.0); // unchanged on failure

    // A complete file minus one nested field: that field is named.
    std::string full = mesh_calib_preset_yaml("akd1000");
    const size_t at = full.find("  fnp_output_cycles:");
    ASSERT_NE(at, std::string::npos);
    full.erase(at, full.find('\n', at) - at + 1);
    EXPECT_EQ(mesh_calib_parse_yaml(full.data(), full.size(), "full.yaml", &c, &err),
              NPU_ERR_INPUT);
    EXPECT_NE(std::strstr(err.msg, "'np.fnp_output_cycles'"), nullptr) << err.msg;
}

TEST(Calib, LoadErrorsOnMissingFileAndBadDocuments) {
    mesh_calib c = preset("akd1000");
    const mesh_calib before = c;
    npu_err err{};
    EXPECT_EQ(mesh_calib_load("/nonexistent/calib.yaml", &c, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::strstr(err.msg, "/nonexistent/calib.yaml"), nullptr) << err.msg;
    const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"hop_cycles: [1, 2\n", "malformed YAML"},
        {"- 1\n- 2\n", "a calibration file is a YAML mapping"},
        {"hop_cycles: [1]\n", "'hop_cycles': expected a number"},
        {"hop_cycles: fast\n", "'fast' is not a number"},
        {"np: 3\n", "'np' must be a mapping"},
        {"np:\n  cnp_event_cycles: 9\n", "'np.cnp_event_cycles' must be a mapping"},
        {"np:\n  cnp_event_cycles:\n    9: 1\n", "unknown key 'np.cnp_event_cycles.9'"},
        {"np:\n  cnp_filter_lanes: 2.5\n", "'2.5' is not a non-negative integer"},
        {"np:\n  cnp_filter_lanes: -3\n", "'-3' is not a non-negative integer"},
        {"np:\n  cnp_filter_lanes: 4294967296\n", "too large for a 32-bit integer"},
        {"max_cycles: 18446744073709551616\n", "too large for a 64-bit integer"},
        {"clock:\n  Turbo: {freq_mhz: 1}\n", "unknown clock mode 'clock.Turbo'"},
        {"version: 2\n", "'version' must be 1"},
        {"name: \"\"\n", "'name' must be a string"},
        {"clock:\n  economy: {freq_mhz: 1}\n  Economy: {freq_mhz: 2}\n",
         "'clock.Economy.freq_mhz' is set twice (first at line 2)"},
        {"hop_cycles: 1\nhop_cycles: 2\n", "duplicate key"},
    };
    for (const auto &k : cases) {
        SCOPED_TRACE(k.text);
        err = npu_err{};
        EXPECT_EQ(mesh_calib_parse_yaml(k.text, std::strlen(k.text), "bad.yaml", &c, &err),
                  NPU_ERR_INPUT);
        EXPECT_NE(std::strstr(err.msg, "bad.yaml"), nullptr) << err.msg;
        EXPECT_NE(std::strstr(err.msg, k.expect), nullptr) << err.msg;
        expect_equal(c, before); // unchanged
    }
}

TEST(Calib, UnknownKeysSuggestTheClosestField) {
    mesh_calib c = preset("akd1000");
    const struct {
        const char *text;
        const char *unknown;
        const char *hint; // nullptr: no suggestion expected
    } cases[] = {
        {"hop_cycle: 1\n", "hop_cycle", "'hop_cycles'"},
        {"p_flor_mw: 1\n", "p_flor_mw", "'p_floor_mw'"},
        {"cnp_event_overhead: 1\n", "cnp_event_overhead", "'np.cnp_event_overhead'"},
        {"np:\n  fnp_unit_lane: 4\n", "np.fnp_unit_lane", "'np.fnp_unit_lanes'"},
        {"clock:\n  Economy: {freq_mz: 100}\n", "clock.Economy.freq_mz",
         "'clock.Economy.freq_mhz'"},
        {"zzzzzzzz: 1\n", "zzzzzzzz", nullptr},
    };
    for (const auto &k : cases) {
        SCOPED_TRACE(k.text);
        npu_err err{};
        EXPECT_EQ(mesh_calib_parse_yaml(k.text, std::strlen(k.text), "u.yaml", &c, &err),
                  NPU_ERR_INPUT);
        const std::string msg = err.msg;
        EXPECT_NE(msg.find("unknown key '" + std::string(k.unknown) + "'"), std::string::npos)
            << msg;
        EXPECT_NE(msg.find("u.yaml:"), std::string::npos) << msg; // file and line
        if (k.hint) {
            EXPECT_NE(msg.find(std::string("did you mean ") + k.hint), std::string::npos) << msg;
        } else {
            EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
        }
    }
}

TEST(Calib, ClockModeKeysAreCaseInsensitive) {
    mesh_calib c = preset("akd1000");
    npu_err err{};
    const char text[] = "clock:\n  PERFORMANCE: {freq_mhz: 310}\n  economy:\n    voltage_v: 0.85\n";
    ASSERT_EQ(mesh_calib_parse_yaml(text, sizeof text - 1, "c.yaml", &c, &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.clock[MESH_CLOCK_PERFORMANCE].freq_mhz, 310.0);
    EXPECT_EQ(c.clock[MESH_CLOCK_ECONOMY].voltage_v, 0.85);
}

// ---- validation ----

// Each field's own rule: negative, NaN and infinite always fail; zero fails for the fields
// that must be positive (bandwidths, hop latency, lanes, voltages, clocks, budgets, ...).
TEST(Calib, EveryFieldRejectsNegativeNanInfAndZeroWhenPositiveRequired) {
    const mesh_calib base = preset("akd1000");
    size_t n = 0;
    const mesh_calib_field *table = mesh_calib_fields(&n);
    ASSERT_EQ(n, mesh_calib_field_count());
    for (size_t i = 0; i < n; i++) {
        const mesh_calib_field &f = table[i];
        const char *name = f.name;
        SCOPED_TRACE(name);
        ASSERT_STREQ(name, mesh_calib_field_name(i));
        const bool integer = f.kind != MESH_CK_F64;
        // The fields allowed to be zero: latencies, overheads, energies, static/floor power.
        const bool may_be_zero =
            std::strstr(name, "latency") || std::strncmp(name, "e_", 2) == 0 ||
            std::strncmp(name, "p_", 2) == 0 || std::strcmp(name, "conf_track_cycles") == 0 ||
            std::strcmp(name, "np.cnp_event_overhead") == 0 || std::strstr(name, "output_cycles");
        if (integer) {
            mesh_calib c = base;
            npu_err err{};
            EXPECT_EQ(mesh_calib_set(&c, (std::string(name) + "=0").c_str(), &err), NPU_ERR_INPUT);
            EXPECT_NE(std::strstr(err.msg, name), nullptr) << err.msg;
            EXPECT_NE(std::strstr(err.msg, "must be > 0"), nullptr) << err.msg;
            expect_equal(c, base);
            EXPECT_FALSE(may_be_zero);
            continue;
        }
        // set() checks the field at once, names it and leaves the struct unchanged ...
        for (const char *v : {"-1", "-0.001", "nan", "inf", "-inf"}) {
            mesh_calib c = base;
            npu_err err{};
            const std::string assign = std::string(name) + "=" + v;
            EXPECT_EQ(mesh_calib_set(&c, assign.c_str(), &err), NPU_ERR_INPUT) << v;
            EXPECT_NE(std::strstr(err.msg, name), nullptr) << err.msg;
            expect_equal(c, base);
        }
        // ... and validate() finds a bad value stored directly, naming set and field.
        mesh_calib c = base;
        double *slot = reinterpret_cast<double *>(reinterpret_cast<char *>(&c) + f.offset);
        for (double v : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
            *slot = v;
            const std::string msg = validate_msg(c);
            EXPECT_EQ(msg.rfind(std::string("akd1000: calibration field '") + name + "'", 0), 0u)
                << msg;
        }
        *slot = 0.0;
        const std::string msg = validate_msg(c);
        EXPECT_EQ(msg.empty(), may_be_zero) << msg;
        if (!msg.empty()) {
            EXPECT_NE(msg.find(std::string("'") + name + "' is 0"), std::string::npos) << msg;
        }
    }
}

TEST(Calib, NamedValidationCases) {
    const mesh_calib base = preset("akd1500");
    struct Case {
        void (*edit)(mesh_calib &);
        const char *field;
    };
    const Case cases[] = {
        {[](mesh_calib &c) { c.link_bytes_per_cycle = 0; }, "'link_bytes_per_cycle' is 0"},
        {[](mesh_calib &c) { c.conf_dma_bytes_per_cycle = 0; }, "'conf_dma_bytes_per_cycle'"},
        {[](mesh_calib &c) { c.ext_bytes_per_cycle = 0; }, "'ext_bytes_per_cycle'"},
        {[](mesh_calib &c) { c.host_link_bytes_per_s = 0; }, "'host_link_bytes_per_s'"},
        {[](mesh_calib &c) { c.hop_cycles = 0; }, "'hop_cycles' is 0"},
        {[](mesh_calib &c) { c.np.cnp_filter_lanes = 0; }, "'np.cnp_filter_lanes' is 0"},
        {[](mesh_calib &c) { c.np.hrc_filter_lanes = 0; }, "'np.hrc_filter_lanes'"},
        {[](mesh_calib &c) { c.np.fnp_unit_lanes = 0; }, "'np.fnp_unit_lanes'"},
        {[](mesh_calib &c) { c.np.cnp_event_cycles[5] = 0; }, "'np.cnp_event_cycles.5'"},
        {[](mesh_calib &c) { c.e_synop_pj = -0.5; }, "'e_synop_pj' is negative"},
        {[](mesh_calib &c) { c.p_static_np_mw = NAN; }, "'p_static_np_mw' is NaN"},
        {[](mesh_calib &c) { c.clock[2].voltage_v = 0; }, "'clock.LowPower.voltage_v' is 0"},
        {[](mesh_calib &c) { c.clock[0].voltage_v = -0.9; }, "'clock.Performance.voltage_v'"},
        {[](mesh_calib &c) { c.max_cycles = 0; }, "'max_cycles' is 0"},
        {[](mesh_calib &c) { c.max_events = 0; }, "'max_events' is 0"},
        {[](mesh_calib &c) { c.power_sample_us = 0; }, "'power_sample_us' is 0"},
        {[](mesh_calib &c) { c.clock[1].freq_mhz = 401; }, "'clock.Economy.freq_mhz' is 401 MHz"},
        {[](mesh_calib &c) { c.clock[2].freq_mhz = 400; }, "'clock.LowPower.freq_mhz' is 400 MHz"},
        {[](mesh_calib &c) { c.clock[1].voltage_v = 0.9; }, "'clock.Economy.voltage_v' is 0.9 V"},
        {[](mesh_calib &c) { c.clock[2].voltage_v = 0.75; }, "'clock.LowPower.voltage_v'"},
    };
    for (const Case &k : cases) {
        SCOPED_TRACE(k.field);
        mesh_calib c = base;
        k.edit(c);
        const std::string msg = validate_msg(c);
        EXPECT_EQ(msg.rfind("akd1500: calibration field ", 0), 0u) << msg;
        EXPECT_NE(msg.find(k.field), std::string::npos) << msg;
    }
    // Equal modes are allowed (<=).
    mesh_calib c = base;
    c.clock[1] = c.clock[0];
    c.clock[2] = c.clock[1];
    EXPECT_EQ(validate_msg(c), "");
}

TEST(Calib, FileValidationNamesFileLineAndField) {
    mesh_calib c = preset("akd1000");
    npu_err err{};
    const char text[] = "hop_cycles: 1\n\nlink_bytes_per_cycle: -8\n";
    EXPECT_EQ(mesh_calib_parse_yaml(text, sizeof text - 1, "board.yaml", &c, &err), NPU_ERR_INPUT);
    EXPECT_EQ(std::string(err.msg).rfind("board.yaml:3: calibration field 'link_bytes_per_cycle' "
                                         "is negative",
                                         0),
              0u)
        << err.msg;
    const char order[] = "clock:\n  LowPower: {freq_mhz: 500}\n";
    EXPECT_EQ(mesh_calib_parse_yaml(order, sizeof order - 1, "board.yaml", &c, &err),
              NPU_ERR_INPUT);
    EXPECT_NE(std::strstr(err.msg, "board.yaml:2:"), nullptr) << err.msg;
    EXPECT_NE(std::strstr(err.msg, "'clock.LowPower.freq_mhz'"), nullptr) << err.msg;
    const char zero[] = "np:\n  fnp_unit_lanes: 0\n";
    EXPECT_EQ(mesh_calib_parse_yaml(zero, sizeof zero - 1, "board.yaml", &c, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::strstr(err.msg, "board.yaml:2: calibration field 'np.fnp_unit_lanes' is 0"),
              nullptr)
        << err.msg;
}

// ---- set ----

TEST(Calib, SetAppliesOverrides) {
    mesh_calib c = preset("akd1000");
    npu_err err{};
    ASSERT_EQ(mesh_calib_set(&c, "hop_cycles=2", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.hop_cycles, 2.0);
    ASSERT_EQ(mesh_calib_set(&c, " np.cnp_event_cycles.3 = 12.25 ", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.np.cnp_event_cycles[3], 12.25);
    ASSERT_EQ(mesh_calib_set(&c, "np.cnp_filter_lanes=16", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.np.cnp_filter_lanes, 16u);
    ASSERT_EQ(mesh_calib_set(&c, "clock.lowpower.freq_mhz=10", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.clock[MESH_CLOCK_LOWPOWER].freq_mhz, 10.0);
    ASSERT_EQ(mesh_calib_set(&c, "clock.Economy.voltage_v=0.75", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.clock[MESH_CLOCK_ECONOMY].voltage_v, 0.75);
    ASSERT_EQ(mesh_calib_set(&c, "max_cycles=1e12", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.max_cycles, 1000000000000ull);
    ASSERT_EQ(mesh_calib_set(&c, "max_events=18446744073709551615", &err), NPU_OK) << err.msg;
    EXPECT_EQ(c.max_events, UINT64_MAX);
    ASSERT_EQ(mesh_calib_set(&c, "name=tuned", &err), NPU_OK) << err.msg;
    EXPECT_STREQ(c.name, "tuned");
    EXPECT_EQ(validate_msg(c), "");
    EXPECT_EQ(get(c, "clock.LOWPOWER.freq_mhz"), 10.0);
}

TEST(Calib, SetRejectsBadAssignments) {
    const mesh_calib base = preset("akd1000");
    const struct {
        const char *assign;
        const char *expect;
    } cases[] = {
        {"hop_cycles", "not of the form field=value"},
        {"hop_cycle=2", "did you mean 'hop_cycles'"},
        {"clock.Turbo.freq_mhz=1", "unknown calibration field 'clock.Turbo.freq_mhz'"},
        {"np.cnp_event_cycles.8=1", "unknown calibration field"},
        {"hop_cycles=abc", "'abc' is not a number"},
        {"hop_cycles=", "empty value"},
        {"hop_cycles=-1", "'hop_cycles' is negative"},
        {"np.cnp_filter_lanes=0", "'np.cnp_filter_lanes' is 0"},
        {"np.cnp_filter_lanes=2.5", "not a non-negative integer"},
        {"max_cycles=18446744073709551616", "too large"},
        {"name=", "'name' must be"},
    };
    for (const auto &k : cases) {
        SCOPED_TRACE(k.assign);
        mesh_calib c = base;
        npu_err err{};
        EXPECT_EQ(mesh_calib_set(&c, k.assign, &err), NPU_ERR_INPUT);
        EXPECT_NE(std::strstr(err.msg, k.expect), nullptr) << err.msg;
        expect_equal(c, base);
    }
}

// ---- round trips ----

TEST(Calib, YamlRoundTripOfEveryShippedSet) {
    for (const char *name : kSets) {
        SCOPED_TRACE(name);
        const mesh_calib c = preset(name);
        char *text = mesh_calib_to_yaml(&c);
        ASSERT_NE(text, nullptr);
        mesh_calib back{}; // zeroed: the export must be complete
        npu_err err{};
        ASSERT_EQ(mesh_calib_parse_yaml(text, std::strlen(text), "export.yaml", &back, &err),
                  NPU_OK)
            << err.msg << "\n"
            << text;
        expect_equal(back, c);
        std::free(text);
    }
}

TEST(Calib, SaveThenLoadFromFile) {
    mesh_calib c = preset("sixnodes-v2");
    npu_err err{};
    ASSERT_EQ(mesh_calib_set(&c, "e_hop_byte_pj=0.123456789012345", &err), NPU_OK) << err.msg;
    TempFile f("", "save");
    ASSERT_EQ(mesh_calib_save_yaml(&c, f.path.c_str(), &err), NPU_OK) << err.msg;
    mesh_calib back{};
    ASSERT_EQ(mesh_calib_load(f.path.c_str(), &back, &err), NPU_OK) << err.msg;
    expect_equal(back, c);
}

// Property: random valid calibrations (arbitrary doubles, extreme integers, odd names)
// survive to_yaml -> parse bit-exactly.
TEST(Calib, RandomizedYamlRoundTrip) {
    std::mt19937_64 rng(20240604);
    std::uniform_real_distribution<double> mant(0.0, 1.0);
    std::uniform_int_distribution<int> expo(-12, 12);
    const char *const names[] = {"a", "x: y", "quote\"d", "back\\slash", "#hash", "  pad  "};
    for (int iter = 0; iter < 200; iter++) {
        mesh_calib c = preset("generic-v2");
        for (size_t i = 0; i < mesh_calib_field_count(); i++) {
            const std::string name = mesh_calib_field_name(i);
            char assign[160];
            const bool integer = name == "event_bytes" || name == "max_cycles" ||
                                 name == "max_events" || name.find("_lanes") != std::string::npos;
            if (integer) {
                const bool u64 = name.rfind("max_", 0) == 0;
                const uint64_t hi = u64 ? UINT64_MAX : UINT32_MAX;
                uint64_t v = rng() % 4 == 0 ? hi : 1 + rng() % (hi - 1);
                std::snprintf(assign, sizeof assign, "%s=%llu", name.c_str(),
                              static_cast<unsigned long long>(v));
            } else {
                // Positive, random magnitude and all 17 significant digits.
                const double v = (0.5 + mant(rng)) * std::pow(10.0, expo(rng));
                std::snprintf(assign, sizeof assign, "%s=%.17g", name.c_str(), v);
            }
            npu_err err{};
            ASSERT_EQ(mesh_calib_set(&c, assign, &err), NPU_OK) << err.msg;
        }
        // Order the clock modes so the set is valid.
        std::vector<double> f = {c.clock[0].freq_mhz, c.clock[1].freq_mhz, c.clock[2].freq_mhz};
        std::vector<double> v = {c.clock[0].voltage_v, c.clock[1].voltage_v, c.clock[2].voltage_v};
        std::sort(f.rbegin(), f.rend());
        std::sort(v.rbegin(), v.rend());
        for (int k = 0; k < 3; k++) {
            c.clock[k].freq_mhz = f[k];
            c.clock[k].voltage_v = v[k];
        }
        std::snprintf(c.name, sizeof c.name, "%s%d", names[iter % 6], iter);
        ASSERT_EQ(validate_msg(c), "");
        char *text = mesh_calib_to_yaml(&c);
        ASSERT_NE(text, nullptr);
        mesh_calib back{};
        npu_err err{};
        ASSERT_EQ(mesh_calib_parse_yaml(text, std::strlen(text), "rand.yaml", &back, &err), NPU_OK)
            << err.msg << "\n"
            << text;
        expect_equal(back, c);
        std::free(text);
    }
}

// ---- clock modes ----

TEST(Calib, ClockModeNamesAndParse) {
    EXPECT_STREQ(mesh_clock_mode_name(MESH_CLOCK_PERFORMANCE), "Performance");
    EXPECT_STREQ(mesh_clock_mode_name(MESH_CLOCK_ECONOMY), "Economy");
    EXPECT_STREQ(mesh_clock_mode_name(MESH_CLOCK_LOWPOWER), "LowPower");
    const struct {
        const char *text;
        mesh_clock_mode mode;
    } ok[] = {{"Performance", MESH_CLOCK_PERFORMANCE},
              {"performance", MESH_CLOCK_PERFORMANCE},
              {"ECONOMY", MESH_CLOCK_ECONOMY},
              {"lowpower", MESH_CLOCK_LOWPOWER},
              {"LowPower", MESH_CLOCK_LOWPOWER}};
    for (const auto &k : ok) {
        mesh_clock_mode m = MESH_CLOCK_MODE_COUNT;
        npu_err err{};
        EXPECT_EQ(mesh_clock_mode_parse(k.text, &m, &err), NPU_OK) << k.text;
        EXPECT_EQ(m, k.mode) << k.text;
    }
    for (const char *bad : {"Turbo", "", "low power", "Perf"}) {
        mesh_clock_mode m = MESH_CLOCK_MODE_COUNT;
        npu_err err{};
        EXPECT_EQ(mesh_clock_mode_parse(bad, &m, &err), NPU_ERR_INPUT) << bad;
        EXPECT_NE(std::strstr(err.msg, "Performance, Economy, LowPower"), nullptr) << err.msg;
        EXPECT_EQ(m, MESH_CLOCK_MODE_COUNT);
    }
    const mesh_calib c = preset("akd1000");
    EXPECT_EQ(mesh_calib_freq_hz(&c, MESH_CLOCK_PERFORMANCE), 300e6);
}

// ---- documentation ----

TEST(Calib, TimingModelDocumentsEveryField) {
    const std::string doc = read_file(std::string(AKISIM_SOURCE_DIR) + "/docs/timing-model.md");
    ASSERT_NE(doc.find("## Parameters"), std::string::npos);
    const size_t params = doc.find("## Parameters");
    for (size_t i = 0; i < mesh_calib_field_count(); i++) {
        std::string name = mesh_calib_field_name(i);
        // Per-kernel and per-mode rows are documented as patterns.
        if (name.rfind("np.cnp_event_cycles.", 0) == 0)
            name = "np.cnp_event_cycles.<k>";
        else if (name.rfind("clock.", 0) == 0)
            name = "clock.<mode>." + name.substr(name.rfind('.') + 1);
        EXPECT_NE(doc.find("`" + name + "`", params), std::string::npos) << name;
    }
}

} // namespace
