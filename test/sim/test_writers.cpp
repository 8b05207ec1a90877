/*
 * test_writers: the output writers (sim_write.h) on hand-built sim_results.
 *
 * The stats JSON is parsed back with libfyaml and checked key by key (exactly the documented
 * keys, in the documented order) and value by value; the trace is parsed and every span must
 * appear exactly once as an "X" event whose ts/dur equal an independent int128 rounding of
 * cycles * 10^6 / clock_mhz picoseconds (hand cases + randomized spans); the CSV and the text
 * summary are compared line by line with hand-written expectations. Also: byte-identical
 * repeated writes, atomic writes to a bad directory leave nothing, strings that need escaping
 * (quotes, backslashes, control bytes, UTF-8, invalid UTF-8) round-trip.
 */
#include <gtest/gtest.h>

#include <libfyaml.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "akisim/sim_write.h"

namespace {

/* Owns the arrays a sim_results points into. */
struct Results {
    std::vector<sim_seq_stats> seqs;
    std::vector<sim_layer_stats> layers;
    std::vector<sim_np_stats> nps;
    std::vector<std::array<char, 64>> tracks;
    std::vector<std::array<char, 96>> strings;
    std::vector<sim_span> spans;
    std::vector<sim_power_sample> power;
    sim_results r{};

    /* Points r at the vectors (call after any change). */
    const sim_results *get() {
        r.n_sequences = static_cast<uint32_t>(seqs.size());
        r.sequences = seqs.data();
        r.n_layers = static_cast<uint32_t>(layers.size());
        r.layers = layers.data();
        r.n_nps = static_cast<uint32_t>(nps.size());
        r.nps = nps.data();
        r.n_tracks = static_cast<uint32_t>(tracks.size());
        r.tracks = reinterpret_cast<char(*)[64]>(tracks.data());
        r.n_strings = static_cast<uint32_t>(strings.size());
        r.strings = reinterpret_cast<char(*)[96]>(strings.data());
        r.n_spans = spans.size();
        r.spans = spans.data();
        r.n_power = power.size();
        r.power = power.data();
        return &r;
    }
    void track(const char *s) {
        std::array<char, 64> a{};
        snprintf(a.data(), a.size(), "%s", s);
        tracks.push_back(a);
    }
    void str(const char *s) {
        std::array<char, 96> a{};
        snprintf(a.data(), a.size(), "%s", s);
        strings.push_back(a);
    }
};

/* The hand-built results used by most tests. */
Results sample() {
    Results x;
    snprintf(x.r.device, sizeof x.r.device, "akd1000");
    snprintf(x.r.clock_mode, sizeof x.r.clock_mode, "Performance");
    x.r.clock_mhz = 300.0;
    x.r.floor_mw = 912.08;
    sim_seq_stats hw{};
    snprintf(hw.name, sizeof hw.name, "HW/conv_0-dense");
    hw.hardware = true;
    hw.frames = 10;
    hw.passes = 1;
    hw.inference_clk = 123456;
    hw.program_clk = 7890;
    hw.latency_ms = 0.41152;
    hw.fps = 1234.5678;
    hw.power_avg_mw = 917.0;
    hw.power_min_mw = 900.5;
    hw.power_max_mw = 930.25;
    hw.power_std_mw = 3.14159;
    hw.energy_mj_per_frame = 0.7428;
    hw.dynamic_energy_mj_per_frame = 0.0041;
    hw.host_s = 0.0;
    sim_seq_stats sw{};
    snprintf(sw.name, sizeof sw.name, "SW/dequant-dequant");
    sw.hardware = false;
    sw.frames = 10;
    sw.passes = 1;
    sw.fps = 50000.0;
    sw.latency_ms = 0.02;
    sw.host_s = 0.0002;
    x.seqs = {hw, sw};
    sim_layer_stats l0{};
    snprintf(l0.name, sizeof l0.name, "conv_0");
    snprintf(l0.type, sizeof l0.type, "InputConvolutional");
    l0.sequence = 0;
    l0.hardware = true;
    l0.events_in = 1000;
    l0.events_out = 250;
    l0.outputs = 1000;
    l0.sparsity = 0.75;
    l0.synops = 88888;
    l0.cycles = 5000;
    l0.n_nps = 1;
    sim_layer_stats l1 = l0;
    snprintf(l1.name, sizeof l1.name, "dense");
    snprintf(l1.type, sizeof l1.type, "FullyConnected");
    l1.events_in = 250;
    l1.events_out = 10;
    l1.outputs = 100;
    l1.sparsity = 0.9;
    l1.synops = 2500;
    l1.cycles = 700;
    l1.n_nps = 2;
    x.layers = {l0, l1};
    sim_np_stats n0{};
    n0.ident = mesh_ident{3, 2, 1};
    n0.type = MESH_NP_CNP1;
    n0.layer = 0;
    n0.pass = 0;
    n0.counters = npu_np_counters{1000, 250, 88888, 4000, 1250, 0};
    n0.busy_cycles = 5000;
    n0.utilisation = 0.040500567;
    sim_np_stats n1 = n0;
    n1.ident = mesh_ident{1, 3, 0};
    n1.type = MESH_NP_FNP2;
    n1.layer = 1;
    n1.counters = npu_np_counters{250, 10, 2500, 0, 0, 5000};
    n1.busy_cycles = 700;
    n1.utilisation = 0.00567;
    x.nps = {n0, n1};
    x.r.memory_usage = 88748;
    x.r.memory_top = 90000;
    x.r.external_bytes = 5000;
    x.track("HW/conv_0-dense");
    x.track("NP (3,2,1)");
    x.track("dma_event");
    x.str("frame 0");
    x.str("conv_0");
    x.str("dma in");
    x.spans = {
        sim_span{0, 0, 12346, 0, 0},  /* frame span on the sequence track */
        sim_span{1, 100, 5100, 1, 0}, /* layer span inside it */
        sim_span{2, 0, 100, 2, 0},    /* DMA span */
        sim_span{2, 7, 7, 2, 1},      /* zero-length span */
    };
    x.power = {
        sim_power_sample{0.0, 1000000.0, 912.08, 912.08},
        sim_power_sample{100.5, 1000000.0, 917.1234, 917.1234},
        sim_power_sample{201.0, 999999.6, 930.25, 930.2496},
    };
    return x;
}

std::string take(char *s) {
    EXPECT_NE(s, nullptr);
    std::string out = s ? s : "";
    free(s);
    return out;
}

/* Parsed JSON document (libfyaml), destroyed with the object. */
struct Doc {
    std::string text; /* kept alive: libfyaml does not copy the input */
    fy_document *d = nullptr;
    explicit Doc(const std::string &t) : text(t) {
        fy_parse_cfg cfg{};
        cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_JSON_FORCE);
        d = fy_document_build_from_string(&cfg, text.c_str(), text.size());
    }
    ~Doc() {
        fy_document_destroy(d);
    }
    fy_node *root() const {
        return fy_document_root(d);
    }
};

fy_node *at(fy_node *n, const char *path) {
    return fy_node_by_path(n, path, static_cast<size_t>(-1), FYNWF_DONT_FOLLOW);
}

std::string scalar(fy_node *n, const char *path) {
    fy_node *s = at(n, path);
    if (!s || !fy_node_is_scalar(s))
        return "<missing " + std::string(path) + ">";
    size_t len = 0;
    const char *t = fy_node_get_scalar(s, &len);
    return std::string(t, len);
}

/* Keys of a mapping, in document order. */
std::vector<std::string> keys(fy_node *m) {
    std::vector<std::string> out;
    if (!m || !fy_node_is_mapping(m))
        return out;
    void *it = nullptr;
    fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(m, &it)) != nullptr) {
        size_t len = 0;
        const char *t = fy_node_get_scalar(fy_node_pair_key(p), &len);
        out.emplace_back(t, len);
    }
    return out;
}

double num(fy_node *n, const char *path) {
    return std::strtod(scalar(n, path).c_str(), nullptr);
}

/* Relative closeness for the 9-significant-digit doubles. */
void expect_close(double got, double want) {
    EXPECT_NEAR(got, want, std::fabs(want) * 1e-8 + 1e-12);
}

const std::vector<std::string> TOP_KEYS = {"schema",    "device",   "clock_mode",
                                           "clock_mhz", "floor_mw", "sequences",
                                           "layers",    "nps",      "memory"};
const std::vector<std::string> SEQ_KEYS = {
    "name",        "backend",    "frames", "passes",   "inference_clk",
    "program_clk", "latency_ms", "fps",    "power_mw", "energy_mj_per_frame",
    "host_s"};
const std::vector<std::string> LAYER_KEYS = {"name",      "type",       "sequence", "hardware",
                                             "events_in", "events_out", "outputs",  "sparsity",
                                             "synops",    "cycles",     "nps"};
const std::vector<std::string> NP_KEYS = {
    "ident",  "type",       "layer",       "pass",      "events_in",   "events_out",
    "synops", "sram_reads", "sram_writes", "ext_bytes", "busy_cycles", "utilisation"};

TEST(Writers, StatsJsonKeysAndValues) {
    Results x = sample();
    const std::string j = take(sim_write_stats_json(x.get()));
    Doc doc(j);
    ASSERT_NE(doc.d, nullptr) << j;
    fy_node *r = doc.root();
    EXPECT_EQ(keys(r), TOP_KEYS);
    EXPECT_EQ(scalar(r, "/schema"), SIM_STATS_SCHEMA);
    EXPECT_EQ(scalar(r, "/device"), "akd1000");
    EXPECT_EQ(scalar(r, "/clock_mode"), "Performance");
    EXPECT_EQ(scalar(r, "/clock_mhz"), "300");
    EXPECT_EQ(scalar(r, "/floor_mw"), "912.08");

    ASSERT_EQ(fy_node_sequence_item_count(at(r, "/sequences")), 2);
    fy_node *s0 = at(r, "/sequences/0");
    EXPECT_EQ(keys(s0), SEQ_KEYS);
    EXPECT_EQ(keys(at(s0, "/power_mw")), (std::vector<std::string>{"avg", "min", "max", "std"}));
    EXPECT_EQ(keys(at(s0, "/energy_mj_per_frame")), (std::vector<std::string>{"total", "dynamic"}));
    EXPECT_EQ(scalar(s0, "/name"), "HW/conv_0-dense");
    EXPECT_EQ(scalar(s0, "/backend"), "Hardware");
    EXPECT_EQ(scalar(s0, "/frames"), "10");
    EXPECT_EQ(scalar(s0, "/passes"), "1");
    EXPECT_EQ(scalar(s0, "/inference_clk"), "123456");
    EXPECT_EQ(scalar(s0, "/program_clk"), "7890");
    EXPECT_EQ(scalar(s0, "/fps"), "1234.5678");
    EXPECT_EQ(scalar(s0, "/power_mw/std"), "3.14159");
    expect_close(num(s0, "/latency_ms"), 0.41152);
    expect_close(num(s0, "/power_mw/avg"), 917.0);
    expect_close(num(s0, "/power_mw/min"), 900.5);
    expect_close(num(s0, "/power_mw/max"), 930.25);
    expect_close(num(s0, "/energy_mj_per_frame/total"), 0.7428);
    expect_close(num(s0, "/energy_mj_per_frame/dynamic"), 0.0041);
    EXPECT_EQ(scalar(s0, "/host_s"), "0");
    fy_node *s1 = at(r, "/sequences/1");
    EXPECT_EQ(keys(s1), SEQ_KEYS);
    EXPECT_EQ(scalar(s1, "/backend"), "Software");
    EXPECT_EQ(scalar(s1, "/host_s"), "0.0002");

    ASSERT_EQ(fy_node_sequence_item_count(at(r, "/layers")), 2);
    for (int i = 0; i < 2; i++) {
        fy_node *l = fy_node_sequence_get_by_index(at(r, "/layers"), i);
        EXPECT_EQ(keys(l), LAYER_KEYS);
        const sim_layer_stats &w = x.layers[i];
        EXPECT_EQ(scalar(l, "/name"), w.name);
        EXPECT_EQ(scalar(l, "/type"), w.type);
        EXPECT_EQ(scalar(l, "/sequence"), std::to_string(w.sequence));
        EXPECT_EQ(scalar(l, "/hardware"), "true");
        EXPECT_EQ(scalar(l, "/events_in"), std::to_string(w.events_in));
        EXPECT_EQ(scalar(l, "/events_out"), std::to_string(w.events_out));
        EXPECT_EQ(scalar(l, "/outputs"), std::to_string(w.outputs));
        expect_close(num(l, "/sparsity"), w.sparsity);
        EXPECT_EQ(scalar(l, "/synops"), std::to_string(w.synops));
        EXPECT_EQ(scalar(l, "/cycles"), std::to_string(w.cycles));
        EXPECT_EQ(scalar(l, "/nps"), std::to_string(w.n_nps));
    }

    ASSERT_EQ(fy_node_sequence_item_count(at(r, "/nps")), 2);
    fy_node *n0 = at(r, "/nps/0");
    EXPECT_EQ(keys(n0), NP_KEYS);
    EXPECT_EQ(scalar(n0, "/ident/0"), "3");
    EXPECT_EQ(scalar(n0, "/ident/1"), "2");
    EXPECT_EQ(scalar(n0, "/ident/2"), "1");
    EXPECT_EQ(scalar(n0, "/type"), mesh_np_type_name(MESH_NP_CNP1));
    EXPECT_EQ(scalar(n0, "/synops"), "88888");
    EXPECT_EQ(scalar(n0, "/sram_reads"), "4000");
    EXPECT_EQ(scalar(n0, "/sram_writes"), "1250");
    EXPECT_EQ(scalar(n0, "/busy_cycles"), "5000");
    EXPECT_EQ(scalar(n0, "/utilisation"), "0.040500567");
    fy_node *n1 = at(r, "/nps/1");
    EXPECT_EQ(keys(n1), NP_KEYS);
    EXPECT_EQ(scalar(n1, "/type"), mesh_np_type_name(MESH_NP_FNP2));
    EXPECT_EQ(scalar(n1, "/layer"), "1");
    EXPECT_EQ(scalar(n1, "/ext_bytes"), "5000");

    fy_node *m = at(r, "/memory");
    EXPECT_EQ(keys(m), (std::vector<std::string>{"usage", "top", "external_bytes"}));
    EXPECT_EQ(scalar(m, "/usage"), "88748");
    EXPECT_EQ(scalar(m, "/top"), "90000");
    EXPECT_EQ(scalar(m, "/external_bytes"), "5000");
}

TEST(Writers, StatsJsonEmptyAndNonFinite) {
    Results x;
    snprintf(x.r.device, sizeof x.r.device, "gen");
    x.r.clock_mhz = NAN;
    x.r.floor_mw = INFINITY;
    const std::string j = take(sim_write_stats_json(x.get()));
    Doc doc(j);
    ASSERT_NE(doc.d, nullptr) << j;
    EXPECT_EQ(keys(doc.root()), TOP_KEYS);
    EXPECT_EQ(fy_node_sequence_item_count(at(doc.root(), "/sequences")), 0);
    EXPECT_EQ(fy_node_sequence_item_count(at(doc.root(), "/layers")), 0);
    EXPECT_EQ(fy_node_sequence_item_count(at(doc.root(), "/nps")), 0);
    EXPECT_NE(j.find("\"clock_mhz\": null"), std::string::npos) << j;
    EXPECT_NE(j.find("\"floor_mw\": null"), std::string::npos) << j;
}

TEST(Writers, StringsNeedingEscapes) {
    Results x = sample();
    /* quote, backslash, newline, tab, control byte, UTF-8 e-acute, an invalid byte */
    snprintf(x.layers[0].name, sizeof x.layers[0].name,
             "a\"b\\c\nd\te\x01"
             "f\xc3\xa9g\xffh");
    snprintf(x.r.device, sizeof x.r.device, "dev/\"x\"");
    /* a fixed-size name field filled to the end without a NUL */
    memset(x.layers[1].type, 'T', sizeof x.layers[1].type);
    x.str("span \"q\"\\");
    x.spans.push_back(sim_span{1, 10, 20, 3, 2});
    const std::string j = take(sim_write_stats_json(x.get()));
    EXPECT_NE(j.find("\\u0001"), std::string::npos);
    EXPECT_NE(j.find("\\ufffd"), std::string::npos);
    Doc doc(j);
    ASSERT_NE(doc.d, nullptr) << j;
    EXPECT_EQ(scalar(doc.root(), "/layers/0/name"), "a\"b\\c\nd\te\x01"
                                                    "f\xc3\xa9g\xef\xbf\xbdh");
    EXPECT_EQ(scalar(doc.root(), "/device"), "dev/\"x\"");
    EXPECT_EQ(scalar(doc.root(), "/layers/1/type"), std::string(sizeof x.layers[1].type, 'T'));

    const std::string t = take(sim_write_trace_json(x.get()));
    Doc tdoc(t);
    ASSERT_NE(tdoc.d, nullptr) << t;
    bool found = false;
    fy_node *ev = at(tdoc.root(), "/traceEvents");
    for (int i = 0; i < fy_node_sequence_item_count(ev); i++)
        if (scalar(fy_node_sequence_get_by_index(ev, i), "/name") == "span \"q\"\\")
            found = true;
    EXPECT_TRUE(found);
}

/* Independent reference: round(cycles * 10^6 / mhz) in 128-bit integers (integral mhz). */
uint64_t ref_ps(uint64_t cycles, uint64_t mhz) {
    const unsigned __int128 num = static_cast<unsigned __int128>(cycles) * 1000000u + mhz / 2;
    return static_cast<uint64_t>(num / mhz);
}

/* "123.456789" -> 123456789 (the exact decimal, parsed as text). */
uint64_t us6_to_ps(const std::string &s) {
    const size_t dot = s.find('.');
    EXPECT_NE(dot, std::string::npos) << s;
    EXPECT_EQ(s.size() - dot - 1, 6u) << s;
    return std::stoull(s.substr(0, dot)) * 1000000u + std::stoull(s.substr(dot + 1));
}

/* Checks the trace of x against its spans/tracks (clock integral): every span exactly once as
 * an X event on its track's thread (or an extra lane "<track> #k"), ts/dur exact, and the
 * X events of every thread properly nested (the format's requirement). */
void check_trace(Results &x) {
    const sim_results *r = x.get();
    const std::string t = take(sim_write_trace_json(r));
    Doc doc(t);
    ASSERT_NE(doc.d, nullptr) << t.substr(0, 2000);
    EXPECT_EQ(scalar(doc.root(), "/displayTimeUnit"), "ns");
    fy_node *ev = at(doc.root(), "/traceEvents");
    ASSERT_NE(ev, nullptr);
    std::map<uint64_t, std::string> thread_names; /* tid -> name */
    std::string process;
    struct XEvent {
        uint64_t tid, frame, cycles, ts, dur;
        std::string name;
    };
    std::vector<XEvent> xs;
    for (int i = 0; i < fy_node_sequence_item_count(ev); i++) {
        fy_node *e = fy_node_sequence_get_by_index(ev, i);
        const std::string ph = scalar(e, "/ph");
        EXPECT_EQ(scalar(e, "/pid"), "1");
        if (ph == "M") {
            if (scalar(e, "/name") == "process_name") {
                process = scalar(e, "/args/name");
            } else if (scalar(e, "/name") == "thread_name") {
                const bool fresh =
                    thread_names.emplace(std::stoull(scalar(e, "/tid")), scalar(e, "/args/name"))
                        .second;
                EXPECT_TRUE(fresh) << "tid named twice";
            }
            continue;
        }
        ASSERT_EQ(ph, "X");
        xs.push_back({std::stoull(scalar(e, "/tid")), std::stoull(scalar(e, "/args/frame")),
                      std::stoull(scalar(e, "/args/cycles")), us6_to_ps(scalar(e, "/ts")),
                      us6_to_ps(scalar(e, "/dur")), scalar(e, "/name")});
    }
    EXPECT_EQ(xs.size(), x.spans.size());
    const uint64_t mhz = static_cast<uint64_t>(r->clock_mhz);
    /* the track a thread name belongs to: exact name or "<name> #k" */
    auto on_track = [&](uint64_t tid, const sim_span &s) {
        const std::string tn = thread_names.count(tid) ? thread_names[tid] : "<unnamed>";
        const std::string track = x.tracks[s.track].data();
        return tn == track || (tn.rfind(track + " #", 0) == 0 && tn.size() > track.size() + 2);
    };
    std::vector<int> seen(x.spans.size(), 0);
    for (const XEvent &e : xs) {
        int matches = 0;
        for (size_t k = 0; k < x.spans.size() && !matches; k++) {
            const sim_span &s = x.spans[k];
            if (!seen[k] && on_track(e.tid, s) && s.frame == e.frame &&
                s.end - s.start == e.cycles && e.name == x.strings[s.name].data() &&
                ref_ps(s.start, mhz) == e.ts &&
                ref_ps(s.end, mhz) - ref_ps(s.start, mhz) == e.dur) {
                seen[k] = 1;
                matches = 1;
            }
        }
        EXPECT_EQ(matches, 1) << "unmatched X event tid " << e.tid << " ts " << e.ts;
    }
    for (size_t k = 0; k < x.spans.size(); k++)
        EXPECT_TRUE(seen[k]) << "span " << k << " missing";
    /* proper nesting per thread, in file order (sorted by start, longer first) */
    std::map<uint64_t, std::vector<uint64_t>> open; /* tid -> stack of end times */
    std::map<uint64_t, uint64_t> last_ts;
    for (const XEvent &e : xs) {
        auto &st = open[e.tid];
        if (last_ts.count(e.tid)) {
            EXPECT_GE(e.ts, last_ts[e.tid]) << "X events of a thread out of order";
        }
        last_ts[e.tid] = e.ts;
        while (!st.empty() && st.back() <= e.ts)
            st.pop_back();
        EXPECT_TRUE(st.empty() || st.back() >= e.ts + e.dur)
            << "tid " << e.tid << ": [" << e.ts << ", " << e.ts + e.dur << ") overlaps its parent";
        st.push_back(e.ts + e.dur);
    }
    EXPECT_EQ(process, r->device);
    for (size_t k = 0; k < x.tracks.size(); k++)
        EXPECT_EQ(thread_names[k + 1], x.tracks[k].data());
}

TEST(Writers, TraceHandCases) {
    Results x = sample();
    const std::string t = take(sim_write_trace_json(x.get()));
    /* 12346 cycles at 300 MHz = 41.153333.. us; 100 cycles = 0.333333 us; 5100 = 17 us */
    EXPECT_NE(t.find("\"ts\": 0.000000, \"dur\": 41.153333"), std::string::npos) << t;
    EXPECT_NE(t.find("\"ts\": 0.333333, \"dur\": 16.666667"), std::string::npos) << t;
    EXPECT_NE(t.find("\"ts\": 0.023333, \"dur\": 0.000000"), std::string::npos) << t;
    EXPECT_NE(t.find("\"args\": {\"frame\": 1, \"cycles\": 0}"), std::string::npos) << t;
    check_trace(x);
    EXPECT_EQ(sim_write_cycles_to_ps(3, 300.0), 10000u);   /* 0.01 us exactly */
    EXPECT_EQ(sim_write_cycles_to_ps(1, 300.0), 3333u);    /* 3.333 ns */
    EXPECT_EQ(sim_write_cycles_to_ps(2, 300.0), 6667u);    /* rounds up */
    EXPECT_EQ(sim_write_cycles_to_ps(75, 37.5), 2000000u); /* non-integral clock */
    EXPECT_EQ(sim_write_cycles_to_ps(10, 0.0), 0u);

    /* two pipelined frames overlapping on one track: the second goes to lane "#2", tid 4 */
    x.spans.push_back(sim_span{0, 300, 15000, 0, 1});
    const std::string t2 = take(sim_write_trace_json(x.get()));
    EXPECT_NE(t2.find("{\"ph\": \"M\", \"pid\": 1, \"tid\": 4, \"name\": \"thread_name\", "
                      "\"args\": {\"name\": \"HW/conv_0-dense #2\"}}"),
              std::string::npos)
        << t2;
    EXPECT_NE(t2.find("{\"ph\": \"X\", \"pid\": 1, \"tid\": 4, \"name\": \"frame 0\", "
                      "\"ts\": 1.000000, \"dur\": 49.000000, \"args\": {\"frame\": 1, "
                      "\"cycles\": 14700}}"),
              std::string::npos)
        << t2;
    check_trace(x);
}

TEST(Writers, TraceRandomSpans) {
    std::mt19937_64 rng(12345);
    for (int round = 0; round < 20; round++) {
        Results x = sample();
        x.r.clock_mhz = static_cast<double>(1 + rng() % 1500);
        x.tracks.clear();
        x.strings.clear();
        x.spans.clear();
        const int n_tracks = 1 + static_cast<int>(rng() % 6);
        for (int t = 0; t < n_tracks; t++)
            x.track(("track " + std::to_string(t)).c_str());
        for (int s = 0; s < 5; s++)
            x.str(("span " + std::to_string(s)).c_str());
        const int n = static_cast<int>(rng() % 40);
        for (int i = 0; i < n; i++) {
            sim_span s{};
            s.track = static_cast<uint32_t>(rng() % n_tracks);
            const bool tight = round % 3 == 0; /* many ties and partial overlaps */
            s.start = rng() % (tight ? 50u : round < 10 ? 100000u : 1000000000000ull);
            s.end = s.start + rng() % (tight ? 50u : 100000u);
            s.name = static_cast<uint32_t>(rng() % 5);
            s.frame = static_cast<uint32_t>(rng() % 4);
            x.spans.push_back(s);
        }
        check_trace(x);
    }
}

TEST(Writers, PowerCsv) {
    Results x = sample();
    const std::string c = take(sim_write_power_csv(x.get()));
    EXPECT_EQ(c, "timestamp_us,voltage_uv,current_ma,power_mw\n"
                 "0.000,1000000,912.080,912.080\n"
                 "100.500,1000000,917.123,917.123\n"
                 "201.000,1000000,930.250,930.250\n"
                 "# floor_mw=912.080\n");
    x.power.clear();
    EXPECT_EQ(take(sim_write_power_csv(x.get())),
              "timestamp_us,voltage_uv,current_ma,power_mw\n# floor_mw=912.080\n");
}

TEST(Writers, SummaryVendorStyle) {
    Results x = sample();
    const std::string s = take(sim_write_summary(x.get()));
    const char *want[] = {
        "Device akd1000, clock mode Performance (300.00 MHz)\n",
        "Floor power (mW): 912.08\n",
        "Sequence HW/conv_0-dense (Hardware, 1 pass, 10 frames)\n",
        "Average framerate = 1234.57 fps\n",
        "Last inference power range (mW):  Avg 917.00 / Min 900.50 / Max 930.25 / Std 3.14 \n",
        "Last inference energy consumed (mJ/frame): 0.74\n",
        "inference_clk = 123456, program_clk = 7890, latency = 0.4115 ms\n",
        "Sequence SW/dequant-dequant (Software, 1 pass, 10 frames)\n",
        "Average framerate = 50000.00 fps\n",
        "Device memory (bytes): usage 88748 / top 90000, external memory (bytes): 5000\n",
    };
    size_t pos = 0;
    for (const char *w : want) {
        const size_t at_ = s.find(w, pos);
        EXPECT_NE(at_, std::string::npos) << "missing (in order): " << w << "\n" << s;
        if (at_ != std::string::npos)
            pos = at_ + strlen(w);
    }
    /* the software sequence prints no power line */
    EXPECT_EQ(s.find("power range", s.find("Sequence SW")), std::string::npos);
}

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/* A fresh temporary directory, removed (with its files) at the end. */
struct TmpDir {
    std::string path;
    TmpDir() {
        char t[] = "/tmp/akisim_writers_XXXXXX";
        path = mkdtemp(t);
    }
    ~TmpDir() {
        for (const auto &f : files())
            unlink((path + "/" + f).c_str());
        rmdir(path.c_str());
    }
    std::vector<std::string> files() const {
        std::vector<std::string> out;
        DIR *d = opendir(path.c_str());
        if (!d)
            return out;
        while (dirent *e = readdir(d))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                out.push_back(e->d_name);
        closedir(d);
        return out;
    }
};

TEST(Writers, DeterministicFiles) {
    TmpDir dir;
    const char *names[SIM_WRITE_KIND_COUNT] = {"s.json", "s.txt", "t.json", "p.csv"};
    std::string first[SIM_WRITE_KIND_COUNT];
    for (int run = 0; run < 2; run++) {
        Results x = sample(); /* rebuilt from scratch each time */
        std::string p[SIM_WRITE_KIND_COUNT];
        const char *paths[SIM_WRITE_KIND_COUNT];
        for (int k = 0; k < SIM_WRITE_KIND_COUNT; k++) {
            p[k] = dir.path + "/" + std::to_string(run) + names[k];
            paths[k] = p[k].c_str();
        }
        npu_err err;
        npu_err_clear(&err);
        ASSERT_EQ(sim_write_files(x.get(), paths, &err), NPU_OK) << err.msg;
        for (int k = 0; k < SIM_WRITE_KIND_COUNT; k++) {
            const std::string got = slurp(p[k]);
            EXPECT_EQ(got, take(sim_write_render(static_cast<sim_write_kind>(k), x.get())));
            if (run == 0)
                first[k] = got;
            else
                EXPECT_EQ(got, first[k]) << names[k];
        }
    }
    EXPECT_EQ(dir.files().size(), 8u); /* no temporary file left */
    EXPECT_EQ(sim_write_render(SIM_WRITE_KIND_COUNT, sample().get()), nullptr);
}

TEST(Writers, BadDirectoryLeavesNothing) {
    TmpDir dir;
    Results x = sample();
    npu_err err;
    npu_err_clear(&err);
    const std::string bad = dir.path + "/missing/stats.json";
    EXPECT_EQ(sim_write_file(SIM_WRITE_STATS, x.get(), bad.c_str(), &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("missing"), std::string::npos) << err.msg;
    EXPECT_TRUE(dir.files().empty());

    /* a set with one bad path writes none of them */
    const std::string good = dir.path + "/stats.json";
    const std::string good2 = dir.path + "/power.csv";
    const char *paths[SIM_WRITE_KIND_COUNT] = {good.c_str(), nullptr, bad.c_str(), good2.c_str()};
    npu_err_clear(&err);
    EXPECT_EQ(sim_write_files(x.get(), paths, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("missing"), std::string::npos) << err.msg;
    EXPECT_TRUE(dir.files().empty());

    /* an existing file is replaced whole */
    ASSERT_EQ(sim_write_file(SIM_WRITE_POWER, x.get(), good2.c_str(), &err), NPU_OK) << err.msg;
    x.power.pop_back();
    ASSERT_EQ(sim_write_file(SIM_WRITE_POWER, x.get(), good2.c_str(), &err), NPU_OK) << err.msg;
    EXPECT_EQ(slurp(good2), take(sim_write_power_csv(x.get())));
    EXPECT_EQ(dir.files().size(), 1u);
}

} // namespace
