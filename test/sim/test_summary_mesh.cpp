/*
 * test_summary_mesh: `akisim summary MODEL --mesh MESH` — the mapped view of a model, through
 * the built binary (AKISIM_CLI) on zoo models generated into a temporary directory.
 *
 * Hand-computed: DS-CNN KWS on akd1000 in allnps mode is the published mapping (one
 * HW/conv_0-dense sequence, HRC for conv_0, 16 NPs per separable layer, dense on 1 FNP3,
 * 65 NPs); the banner's program size equals the size of the program `akisim map -o` writes;
 * with two hardware sequences each banner is the size of a one-sequence program, so their
 * sum exceeds the whole program by exactly the repeated header/CRC and the dropped sequence
 * entries. JSON: parsed with libfyaml; every key/value of `akisim map --json` is present
 * with the same value, plus the model summary fields. Randomized: generated meshes and map
 * modes, where the text's per-layer NP cells, its totals line and the JSON NP mapping lists
 * must all agree (counted independently here). Negative: unknown mesh, unknown map mode,
 * --hw-only that cannot hold, malformed mesh YAML, mapping options without --mesh — each
 * exit 2 with one "akisim:" line naming the culprit and nothing on stdout.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <libfyaml.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akisim/akisim.h"
#include "cmp/cmp_program.h"

namespace {

/* Result of one akisim invocation. */
struct CliOut {
    int status = -1; /* exit status */
    std::string out; /* stdout */
    std::string err; /* stderr */
};

std::string slurp(const std::string &path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

size_t count_lines(const std::string &s) {
    size_t n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

std::vector<std::string> split_lines(const std::string &s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string line;
    while (std::getline(ss, line))
        v.push_back(line);
    return v;
}

bool starts_with(const std::string &s, const std::string &p) {
    return s.compare(0, p.size(), p) == 0;
}

/* Parsed JSON document (libfyaml). */
struct Json {
    fy_document *doc = nullptr;
    explicit Json(const std::string &text) {
        fy_parse_cfg cfg = {};
        cfg.flags = (fy_parse_cfg_flags)(FYPCF_QUIET | FYPCF_JSON_FORCE);
        doc = fy_document_build_from_string(&cfg, text.c_str(), text.size());
    }
    ~Json() {
        fy_document_destroy(doc);
    }
    Json(const Json &) = delete;
    Json &operator=(const Json &) = delete;
    fy_node *root() const {
        return doc ? fy_document_root(doc) : nullptr;
    }
};

fy_node *at(fy_node *n, const char *path) {
    return n ? fy_node_by_path(n, path, FY_NT, FYNWF_DONT_FOLLOW) : nullptr;
}

std::string scalar(fy_node *n, const char *path) {
    fy_node *v = at(n, path);
    if (!v || fy_node_get_type(v) != FYNT_SCALAR)
        return "<missing " + std::string(path) + ">";
    size_t len = 0;
    const char *s = fy_node_get_scalar(v, &len);
    return std::string(s, len);
}

long long number(fy_node *n, const char *path) {
    const std::string s = scalar(n, path);
    char *end = nullptr;
    const long long v = strtoll(s.c_str(), &end, 10);
    EXPECT_TRUE(!s.empty() && *end == '\0') << path << " = " << s;
    return v;
}

int items(fy_node *n) {
    return n && fy_node_get_type(n) == FYNT_SEQUENCE ? fy_node_sequence_item_count(n) : -1;
}

fy_node *item(fy_node *n, int i) {
    return fy_node_sequence_get_by_index(n, i);
}

/* Every key and value of `sub` is in `super` with the same value (scalars compared as text,
 * sequences element-wise); the first difference goes to *where. */
bool contained(fy_node *sub, fy_node *super, std::string *where, const std::string &path) {
    if (!sub || !super || fy_node_get_type(sub) != fy_node_get_type(super)) {
        *where = path + ": kind differs or missing";
        return false;
    }
    if (fy_node_get_type(sub) == FYNT_SCALAR) {
        size_t a = 0, b = 0;
        const char *x = fy_node_get_scalar(sub, &a), *y = fy_node_get_scalar(super, &b);
        if (a != b || memcmp(x, y, a) != 0) {
            *where = path + ": " + std::string(x, a) + " != " + std::string(y, b);
            return false;
        }
        return true;
    }
    if (fy_node_get_type(sub) == FYNT_SEQUENCE) {
        if (items(sub) != items(super)) {
            *where = path + ": lengths differ";
            return false;
        }
        for (int i = 0; i < items(sub); i++)
            if (!contained(item(sub, i), item(super, i), where, path + "/" + std::to_string(i)))
                return false;
        return true;
    }
    for (int i = 0; i < fy_node_mapping_item_count(sub); i++) {
        fy_node_pair *p = fy_node_mapping_get_by_index(sub, i);
        const char *k = fy_node_get_scalar0(fy_node_pair_key(p));
        fy_node *other = fy_node_mapping_lookup_by_string(super, k, FY_NT);
        if (!contained(fy_node_pair_value(p), other, where, path + "/" + k))
            return false;
    }
    return true;
}

/* One layer row of the mapped text: "name (type)" ... NPs cell (the text after the kernel). */
struct TextLayer {
    std::string name; /* layer name */
    std::string nps;  /* NPs cell: "16", "HRC", "1 (FNP3)", "-" */
};

/* The banner sizes ("... - size: N bytes"), layer rows and totals line of a mapped text. */
struct Mapped {
    std::vector<std::string> banners;    /* sequence names, in order */
    std::vector<long long> banner_bytes; /* their sizes (-1 for software sequences) */
    std::vector<TextLayer> layers;       /* layer rows */
    std::string totals;                  /* the "Totals: ..." line */
};

/* Parses the text of `summary --mesh`; the NP cell starts after the kernel shape (the
 * last ')' of the row). */
Mapped parse_mapped(const std::string &text) {
    Mapped m;
    bool in_table = false;
    for (const std::string &l : split_lines(text)) {
        if (starts_with(l, "Layer (type)")) {
            in_table = true;
            continue;
        }
        if (starts_with(l, "Totals: ")) {
            m.totals = l;
            continue;
        }
        if (!in_table || l.empty() || l[0] == '_')
            continue;
        if (l[0] == '=') {
            const size_t a = l.find_first_not_of("= ");
            const size_t b = l.find(" (", a);
            m.banners.push_back(l.substr(a, b - a));
            const size_t s = l.find(" - size: ");
            m.banner_bytes.push_back(s == std::string::npos ? -1 : atoll(l.c_str() + s + 9));
            continue;
        }
        TextLayer t;
        t.name = l.substr(0, l.find(' '));
        size_t k = l.find(" (", l.find(']')); /* the kernel shape after the output shape */
        k = k == std::string::npos ? l.find("N/A") : k + 1;
        size_t e = l[k] == '(' ? l.find(')', k) + 1 : k + 3;
        const size_t c = l.find_first_not_of(' ', e);
        t.nps = c == std::string::npos ? "" : l.substr(c);
        m.layers.push_back(t);
    }
    return m;
}

/* The NP count a text NP cell stands for (the HRC does not count, like the totals). */
long long cell_nps(const std::string &cell) {
    if (cell == "HRC" || cell == "-")
        return 0;
    return atoll(cell.c_str());
}

class SummaryMesh : public ::testing::Test {
  protected:
    static std::string dir;

    static void SetUpTestSuite() {
        char tmpl[] = "/tmp/akisim_summesh_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        ASSERT_EQ(cli("zoo ds_cnn_kws -o kws").status, 0);
        ASSERT_EQ(cli("zoo ds_cnn_kws --version v2 -o kws2").status, 0);
    }
    static void TearDownTestSuite() {
        const std::string cmd = "rm -rf '" + dir + "'";
        ASSERT_EQ(system(cmd.c_str()), 0);
    }
    /* Runs `akisim <args>` (shell words) in the temp dir. */
    static CliOut cli(const std::string &args) {
        const std::string o = dir + "/.stdout", e = dir + "/.stderr";
        const std::string cmd =
            "cd '" + dir + "' && '" AKISIM_CLI "' " + args + " >'" + o + "' 2>'" + e + "'";
        CliOut r;
        const int st = system(cmd.c_str());
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        r.out = slurp(o);
        r.err = slurp(e);
        return r;
    }
    /* Exit 2, nothing on stdout, one "akisim:" line holding every word of `want`. */
    static void expect_bad(const CliOut &r, std::initializer_list<const char *> want) {
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_TRUE(starts_with(r.err, "akisim: ")) << r.err;
        for (const char *w : want)
            EXPECT_NE(r.err.find(w), std::string::npos) << "'" << w << "' not in: " << r.err;
    }
};

std::string SummaryMesh::dir;

TEST_F(SummaryMesh, KwsAllnpsTextIsThePublishedMapping) {
    const CliOut r = cli("summary kws --mesh akd1000 --map-mode allnps");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    /* Header table: shapes, 1 sequence, 6 layers, 65 NPs. */
    EXPECT_NE(r.out.find("Input shape"), std::string::npos);
    EXPECT_NE(r.out.find("Sequences"), std::string::npos);
    const std::vector<std::string> lines = split_lines(r.out);
    bool header_row = false;
    for (const std::string &l : lines) {
        if (starts_with(l, "[49, 10, 1]")) {
            std::istringstream ss(l.substr(l.find("[1, 1, 33]") + 10));
            int seqs = 0, layers = 0, nps = 0;
            ss >> seqs >> layers >> nps;
            EXPECT_EQ(seqs, 1);
            EXPECT_EQ(layers, 6);
            EXPECT_EQ(nps, 65);
            header_row = true;
        }
    }
    EXPECT_TRUE(header_row) << r.out;
    const Mapped m = parse_mapped(r.out);
    ASSERT_EQ(m.banners.size(), 1u) << r.out;
    EXPECT_EQ(m.banners[0], "HW/conv_0-dense");
    EXPECT_NE(r.out.find("HW/conv_0-dense (Hardware) - size: "), std::string::npos);
    ASSERT_EQ(m.layers.size(), 6u) << r.out;
    const char *names[] = {"conv_0",      "separable_1", "separable_2",
                           "separable_3", "separable_4", "dense"};
    const char *cells[] = {"HRC", "16", "16", "16", "16", "1 (FNP3)"};
    for (size_t i = 0; i < 6; i++) {
        EXPECT_EQ(m.layers[i].name, names[i]);
        EXPECT_EQ(m.layers[i].nps, cells[i]) << names[i];
    }
    EXPECT_NE(r.out.find("(3, 3, 64, 1)"), std::string::npos); /* separable kernel shape */
    ASSERT_TRUE(starts_with(m.totals, "Totals: 65 NPs (HRC excluded), 1 pass(es), program "))
        << m.totals;
    EXPECT_NE(m.totals.find("external memory 0 bytes"), std::string::npos) << m.totals;
    EXPECT_EQ(m.totals.find("estimate"), std::string::npos) << m.totals;
    /* One hardware sequence: its size is the whole program's, which is what map -o writes. */
    ASSERT_GT(m.banner_bytes[0], 0);
    EXPECT_NE(m.totals.find("program " + std::to_string(m.banner_bytes[0]) + " bytes"),
              std::string::npos)
        << m.totals;
    ASSERT_EQ(cli("map kws --mesh akd1000 -o kws.prog").status, 0);
    struct stat sb;
    ASSERT_EQ(stat((dir + "/kws.prog").c_str(), &sb), 0);
    EXPECT_EQ((long long)sb.st_size, m.banner_bytes[0]);
}

TEST_F(SummaryMesh, DefaultModeIsAllnpsAndTextEqualsMap) {
    const CliOut a = cli("summary kws --mesh akd1000");
    const CliOut b = cli("summary kws --mesh akd1000 --map-mode allnps");
    const CliOut c = cli("map kws --mesh akd1000");
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.out, c.out); /* one hardware sequence: same sizes as `akisim map` */
}

TEST_F(SummaryMesh, ApiMatchesCli) {
    akisim_error err;
    akisim_error_clear(&err);
    akisim_model *m = nullptr;
    ASSERT_EQ(akisim_model_load((dir + "/kws").c_str(), &m, &err), AKISIM_OK)
        << akisim_error_message(&err);
    akisim_map_options opt = {};
    opt.mesh = "akd1000";
    opt.map_mode = "minimal";
    char *text = nullptr;
    ASSERT_EQ(akisim_model_summary_mapped(m, &opt, &text, &err), AKISIM_OK)
        << akisim_error_message(&err);
    const CliOut r = cli("summary kws --mesh akd1000 --map-mode minimal");
    EXPECT_EQ(std::string(text), r.out);
    free(text);
    text = nullptr;
    opt.map_mode = "sideways";
    EXPECT_EQ(akisim_model_summary_mapped(m, &opt, &text, &err), AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(akisim_error_message(&err)).find("sideways"), std::string::npos);
    EXPECT_EQ(text, nullptr);
    opt.map_mode = nullptr;
    opt.mesh = nullptr;
    EXPECT_EQ(akisim_model_summary_mapped(m, &opt, &text, &err), AKISIM_ERR_INPUT);
    EXPECT_EQ(akisim_model_summary_mapped(m, nullptr, &text, &err), AKISIM_ERR_INPUT);
    EXPECT_EQ(text, nullptr);
    akisim_model_free(m);
}

TEST_F(SummaryMesh, WithoutMeshTheSoftwareViewStays) {
    const CliOut r = cli("summary kws");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("SW/conv_0-dense (Software)"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("NPs"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Hardware"), std::string::npos) << r.out;
    const CliOut j = cli("summary kws --json");
    ASSERT_EQ(j.status, 0) << j.err;
    Json doc(j.out);
    ASSERT_NE(doc.root(), nullptr) << j.out;
    EXPECT_EQ(scalar(doc.root(), "/sequences/0/backend"), "Software");
    EXPECT_EQ(at(doc.root(), "/mesh"), nullptr);
}

TEST_F(SummaryMesh, JsonIsTheMapSchemaPlusModelFields) {
    const CliOut r = cli("summary kws --mesh akd1000 --map-mode allnps --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(count_lines(r.out), 1u);
    Json doc(r.out);
    fy_node *root = doc.root();
    ASSERT_NE(root, nullptr) << r.out;
    const CliOut mr = cli("map kws --mesh akd1000 --map-mode allnps --json");
    ASSERT_EQ(mr.status, 0) << mr.err;
    Json map(mr.out);
    ASSERT_NE(map.root(), nullptr);
    std::string where;
    EXPECT_TRUE(contained(map.root(), root, &where, "")) << where;

    EXPECT_EQ(scalar(root, "/mesh"), "akd1000");
    EXPECT_EQ(scalar(root, "/map_mode"), "allnps");
    EXPECT_EQ(scalar(root, "/hw_only"), "false");
    EXPECT_EQ(number(root, "/totals/nps"), 65);
    EXPECT_EQ(number(root, "/totals/passes"), 1);
    EXPECT_EQ(scalar(root, "/totals/program_bytes_estimated"), "false");
    /* Model summary fields. */
    EXPECT_EQ(number(root, "/input_bits"), 8);
    EXPECT_EQ(scalar(root, "/input_signed"), "false");
    EXPECT_EQ(number(root, "/layers"), 6);
    fy_node *seqs = at(root, "/sequences");
    ASSERT_EQ(items(seqs), 1);
    EXPECT_EQ(scalar(item(seqs, 0), "/name"), "HW/conv_0-dense");
    EXPECT_EQ(scalar(item(seqs, 0), "/backend"), "Hardware");
    EXPECT_EQ(number(item(seqs, 0), "/program_bytes"), number(root, "/totals/program_bytes"));
    fy_node *layers = at(item(seqs, 0), "/layers");
    ASSERT_EQ(items(layers), 6);
    long long non_hrc = 0;
    for (int i = 0; i < 6; i++) {
        fy_node *l = item(layers, i);
        const std::string name = scalar(l, "/name");
        fy_node *maps = at(l, "/np_mappings");
        EXPECT_EQ(items(maps), number(l, "/nps")) << name;
        EXPECT_EQ(scalar(l, "/activation"), i < 5 ? "true" : "false") << name;
        EXPECT_EQ(number(l, "/output_bits"), i < 5 ? 4 : 32) << name;
        EXPECT_NE(at(l, "/output_signed"), nullptr) << name;
        long long filters = 0, next_first = 0;
        for (int k = 0; k < items(maps); k++) {
            fy_node *np = item(maps, k);
            non_hrc += scalar(np, "/type") != "HRC";
            EXPECT_EQ(number(np, "/filter_first"), next_first) << name << " NP " << k;
            next_first += number(np, "/filters");
            filters += number(np, "/filters");
        }
        if (starts_with(name, "separable_")) {
            EXPECT_EQ(number(l, "/nps"), 16) << name;
            EXPECT_EQ(filters, 64) << name;
            fy_node *pw = at(l, "/kernel_pw_shape");
            ASSERT_EQ(items(pw), 4) << name;
            EXPECT_EQ(number(pw, "/2"), 64);
            EXPECT_EQ(number(pw, "/3"), 64);
        } else {
            EXPECT_EQ(at(l, "/kernel_pw_shape"), nullptr) << name;
        }
        if (name == "dense") {
            EXPECT_EQ(number(l, "/nps"), 1);
            EXPECT_EQ(scalar(l, "/np_mappings/0/type"), "FNP3");
            EXPECT_EQ(filters, 33);
        }
        if (name == "conv_0") {
            EXPECT_EQ(scalar(l, "/np_mappings/0/type"), "HRC");
        }
    }
    EXPECT_EQ(non_hrc, 65);
}

TEST_F(SummaryMesh, TwoHardwareSequencesEachGetTheirOwnProgramSize) {
    /* 3 CNPs cannot hold the 4 separable layers in one pass and the mesh has no partial
     * reconfiguration: the mapper splits the model into two hardware sequences. */
    const CliOut r = cli("summary kws --mesh gen:cnp=3,fnp=1");
    ASSERT_EQ(r.status, 0) << r.err;
    const Mapped m = parse_mapped(r.out);
    ASSERT_EQ(m.banners.size(), 2u) << r.out;
    EXPECT_TRUE(starts_with(m.banners[0], "HW/conv_0-")) << m.banners[0];
    EXPECT_TRUE(starts_with(m.banners[1], "HW/")) << m.banners[1];
    const CliOut j = cli("summary kws --mesh gen:cnp=3,fnp=1 --json");
    ASSERT_EQ(j.status, 0) << j.err;
    Json doc(j.out);
    ASSERT_NE(doc.root(), nullptr);
    const long long total = number(doc.root(), "/totals/program_bytes");
    EXPECT_EQ(scalar(doc.root(), "/totals/program_bytes_estimated"), "false");
    long long sum = 0;
    for (size_t s = 0; s < 2; s++) {
        ASSERT_GT(m.banner_bytes[s], 0);
        EXPECT_LT(m.banner_bytes[s], total);
        sum += m.banner_bytes[s];
        const std::string p = "/sequences/" + std::to_string(s) + "/program_bytes";
        EXPECT_EQ(number(doc.root(), p.c_str()), m.banner_bytes[s]);
    }
    /* Each one-sequence program has its own header, one sequence entry and a 4-byte CRC; the
     * whole program has one header, two entries and one CRC; passes, tracks and external
     * bytes are the same. So the sum exceeds the total by one header and one CRC. */
    EXPECT_EQ(sum - total, (long long)CMP_PROGRAM_HEADER_BYTES + 4);
    EXPECT_NE(m.totals.find("program " + std::to_string(total) + " bytes"), std::string::npos);
}

TEST_F(SummaryMesh, RandomMeshesTextTotalsAndJsonAgree) {
    std::mt19937 rng(20240611u);
    const char *modes[] = {"minimal", "allnps", "hwpr"};
    for (int it = 0; it < 8; it++) {
        const unsigned cnp = 3 + rng() % 60, fnp = 1 + rng() % 3;
        const std::string mode = modes[rng() % 3];
        const std::string args = "kws --mesh gen:cnp=" + std::to_string(cnp) +
                                 ",fnp=" + std::to_string(fnp) + " --map-mode " + mode;
        SCOPED_TRACE(args);
        const CliOut t = cli("summary " + args);
        const CliOut j = cli("summary " + args + " --json");
        ASSERT_EQ(t.status, 0) << t.err;
        ASSERT_EQ(j.status, 0) << j.err;
        const Mapped m = parse_mapped(t.out);
        Json doc(j.out);
        ASSERT_NE(doc.root(), nullptr);
        /* Independent counts: text cells, JSON mapping lists without the HRC. */
        long long text_sum = 0, json_sum = 0;
        for (const TextLayer &l : m.layers)
            text_sum += cell_nps(l.nps);
        fy_node *seqs = at(doc.root(), "/sequences");
        ASSERT_EQ(items(seqs), (int)m.banners.size());
        size_t row = 0;
        for (int s = 0; s < items(seqs); s++) {
            EXPECT_EQ(scalar(item(seqs, s), "/name"), m.banners[s]);
            fy_node *layers = at(item(seqs, s), "/layers");
            for (int i = 0; i < items(layers); i++, row++) {
                fy_node *maps = at(item(layers, i), "/np_mappings");
                long long n = 0;
                for (int k = 0; k < items(maps); k++)
                    n += scalar(item(maps, k), "/type") != "HRC";
                json_sum += n;
                ASSERT_LT(row, m.layers.size());
                EXPECT_EQ(m.layers[row].name, scalar(item(layers, i), "/name"));
                EXPECT_EQ(cell_nps(m.layers[row].nps), n) << m.layers[row].name;
            }
        }
        EXPECT_EQ(row, m.layers.size());
        EXPECT_EQ(text_sum, json_sum);
        EXPECT_EQ(number(doc.root(), "/totals/nps"), json_sum);
        EXPECT_TRUE(starts_with(m.totals, "Totals: " + std::to_string(json_sum) + " NPs"))
            << m.totals;
        EXPECT_LE(json_sum, (long long)(cnp + fnp));
    }
}

TEST_F(SummaryMesh, BadInput) {
    expect_bad(cli("summary kws --mesh nowhere"), {"nowhere"});
    expect_bad(cli("summary kws --mesh akd1000 --map-mode sideways"), {"sideways"});
    expect_bad(cli("summary kws --mesh akd1000 --map-mode sideways --json"), {"sideways"});
    /* --hw-only that cannot hold: the layer and the reason are named. */
    expect_bad(cli("summary kws --mesh gen:cnp=3,fnp=1 --hw-only"),
               {"hw_only", "separable_4", "partial reconfiguration"});
    expect_bad(cli("summary kws2 --mesh akd1000 --hw-only"), {"conv_0", "ip_version"});
    expect_bad(cli("summary kws2 --mesh akd1000 --hw-only --json"), {"conv_0"});
    /* Malformed mesh YAML. */
    {
        std::ofstream f(dir + "/bad.yaml");
        f << "bad: [\n";
    }
    expect_bad(cli("summary kws --mesh bad.yaml"), {"bad.yaml"});
    /* Mapping options need a mesh; --mesh needs a value. */
    expect_bad(cli("summary kws --hw-only"), {"--mesh"});
    expect_bad(cli("summary kws --map-mode minimal"), {"--mesh"});
    expect_bad(cli("summary kws --mesh"), {"--mesh"});
    expect_bad(cli("summary --mesh akd1000"), {"MODEL"});
    expect_bad(cli("summary missing_model --mesh akd1000"), {"missing_model"});
}

TEST_F(SummaryMesh, HelpMentionsMeshOptions) {
    const CliOut r = cli("summary --help");
    ASSERT_EQ(r.status, 0);
    for (const char *w : {"--mesh", "--hw-only", "--map-mode", "--json"})
        EXPECT_NE(r.out.find(w), std::string::npos) << w;
}

} // namespace
