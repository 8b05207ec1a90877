/*
 * sim_sweep_json: the files of a sweep point — the point JSON (schema akisim-point/1, one key
 * per line, the stats JSON of docs/stats-format.md embedded as is), the test that a point file
 * is complete (for --resume), and the results.csv row of a point — derived from a point file
 * (parsed with libfyaml: resume, error points), or made directly from the figures the file was
 * written from (every double rounded through the file's "%.9g" and read back, so both give
 * the same bytes; the sweep's tests check it). Formats: docs/scenarios.md. Pure formatting and
 * parsing: no host state enters a file, so identical points give identical bytes.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim_sweep_int.h"

#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_mapper.h"
#include "sim_write_buf.h"

const char SWEEP_CSV_HEADER[] =
    "id,index,model,mesh,mesh_nps,hw_only,map_mode,clock_mode,batch,input,fidelity,status,nps,"
    "passes,sequences,inference_clk,latency_ms,fps,power_avg_mw,energy_mj_per_frame,"
    "dynamic_energy_mj_per_frame,program_bytes,accuracy,error\n";

void sweep_point_path(char *dst, size_t cap, const char *dir, uint32_t index, const char *suffix) {
    snprintf(dst, cap, "%s/points/p%05u%s", dir, index, suffix);
}

char *sweep_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    const bool bad = ferror(f) != 0;
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* ---- point JSON ---- */

static void json_point_desc(sim_buf *b, const sim_scenario *s, const sim_point *p, sim_fidelity f) {
    const sim_scn_mesh *m = &s->meshes[p->mesh];
    sim_buf_puts(b, "  \"point\": {\"model\": ");
    sim_buf_json_string(b, s->models[p->model].label, sizeof s->models[p->model].label);
    sim_buf_puts(b, ", \"mesh\": ");
    sim_buf_json_string(b, m->label, sizeof m->label);
    sim_buf_printf(b, ", \"mesh_cols\": %u, \"mesh_rows\": %u, \"mesh_nps\": %u", m->cols, m->rows,
                   m->nps);
    sim_buf_printf(b, ", \"hw_only\": %s, \"map_mode\": \"%s\", \"clock_mode\": \"%s\"",
                   s->hw_only[p->hw] ? "true" : "false", cmp_map_mode_name(s->map_modes[p->map]),
                   mesh_clock_mode_name(s->clocks[p->clock]));
    sim_buf_printf(b, ", \"batch\": %u, \"input\": ", s->batches[p->batch]);
    sim_buf_json_string(b, s->inputs[p->input].label, sizeof s->inputs[p->input].label);
    sim_buf_printf(b, ", \"fidelity\": \"%s\"},\n", sim_fidelity_name(f));
}

static void json_head(sim_buf *b, const sim_scenario *s, const sim_point *p, sim_fidelity f) {
    sim_buf_printf(b, "{\n  \"schema\": \"%s\",\n  \"id\": \"p%05u\",\n  \"index\": %u,\n",
                   SIM_POINT_SCHEMA, p->index, p->index);
    json_point_desc(b, s, p, f);
}

char *sweep_json_point_line(const sim_scenario *s, const sim_point *p, sim_fidelity f) {
    sim_buf b = {0};
    json_point_desc(&b, s, p, f);
    return sim_buf_take(&b);
}

char *sweep_json_error(const sim_scenario *s, const sim_point *p, sim_fidelity f, const char *msg) {
    sim_buf b = {0};
    json_head(&b, s, p, f);
    sim_buf_puts(&b, "  \"status\": \"error\",\n  \"error\": ");
    sim_buf_json_string(&b, msg && msg[0] ? msg : "unknown error", NPU_ERR_MSG_MAX);
    sim_buf_puts(&b, "\n}\n");
    return sim_buf_take(&b);
}

char *sweep_json_ok(const sim_scenario *s, const sim_point *p, sim_fidelity f, const cmp_mapped *mm,
                    const sweep_accuracy *acc, const char *stats_json, const double *errs) {
    sim_buf b = {0};
    json_head(&b, s, p, f);
    sim_buf_puts(&b, "  \"status\": \"ok\",\n");
    sim_buf_printf(&b,
                   "  \"mapping\": {\"nps\": %u, \"passes\": %u, \"sequences\": %u, "
                   "\"program_bytes\": %llu, \"external_bytes\": %llu},\n",
                   mm->total_nps, mm->total_passes, mm->n_sequences,
                   (unsigned long long)mm->program_bytes, (unsigned long long)mm->external_bytes);
    if (acc && acc->have) {
        sim_buf_printf(&b, "  \"accuracy\": {\"top1\": ");
        sim_buf_json_double(&b, acc->frames ? (double)acc->correct / (double)acc->frames : 0.0);
        sim_buf_printf(&b, ", \"correct\": %llu, \"frames\": %llu},\n",
                       (unsigned long long)acc->correct, (unsigned long long)acc->frames);
    }
    const size_t len = strlen(stats_json);
    size_t n = len;
    while (n && (stats_json[n - 1] == '\n' || stats_json[n - 1] == ' '))
        n--;
    sim_buf_puts(&b, "  \"stats\": ");
    sim_buf_puts(&b, stats_json); /* copied whole (no printf), then its trailing blanks cut */
    if (!b.oom)
        b.n -= len - n;
    if (errs)
        sim_buf_printf(&b, ",\n  \"estimate_error\": {\"cycles\": %.6g, \"energy\": %.6g}", errs[0],
                       errs[1]);
    sim_buf_puts(&b, "\n}\n");
    return sim_buf_take(&b);
}

/* ---- parsing point files ---- */

static struct fy_document *json_parse(const char *text, size_t len) {
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_FORCE};
    return fy_document_build_from_string(&cfg, text, len);
}

/* Scalar text at path under root ("" when absent). */
static const char *json_str(struct fy_node *root, const char *path, char *buf, size_t cap) {
    struct fy_node *n = fy_node_by_path(root, path, (size_t)-1, FYNWF_DONT_FOLLOW);
    size_t len = 0;
    const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    if (!s)
        len = 0;
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

static double json_num(struct fy_node *root, const char *path) {
    char t[64];
    json_str(root, path, t, sizeof t);
    return t[0] ? strtod(t, NULL) : 0.0;
}

static char *csv_row_of(struct fy_node *root);

bool sweep_json_complete(const char *text, size_t len, const sim_scenario *s, const sim_point *p,
                         sim_fidelity f, char **row) {
    char *line = sweep_json_point_line(s, p, f);
    bool ok = line && strstr(text, line) != NULL;
    free(line);
    struct fy_document *doc = ok ? json_parse(text, len) : NULL;
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    ok = root && fy_node_is_mapping(root);
    if (ok) {
        char t[64], id[16];
        snprintf(id, sizeof id, "p%05u", p->index);
        ok = strcmp(json_str(root, "/schema", t, sizeof t), SIM_POINT_SCHEMA) == 0 &&
             strcmp(json_str(root, "/id", t, sizeof t), id) == 0;
        json_str(root, "/status", t, sizeof t);
        ok = ok && (strcmp(t, "ok") == 0 || strcmp(t, "error") == 0);
    }
    if (ok && row)
        *row = csv_row_of(root);
    if (doc)
        fy_document_destroy(doc);
    return ok;
}

/* Appends a CSV field (RFC 4180 quoting when needed) and a separator. */
static void csv_field(sim_buf *b, const char *v, bool last) {
    if (strpbrk(v, ",\"\n\r")) {
        sim_buf_puts(b, "\"");
        for (const char *c = v; *c; c++)
            sim_buf_printf(b, "%s%c", *c == '"' ? "\"" : "", *c == '\n' || *c == '\r' ? ' ' : *c);
        sim_buf_puts(b, "\"");
    } else {
        sim_buf_puts(b, v);
    }
    sim_buf_puts(b, last ? "\n" : ",");
}

static void csv_num(sim_buf *b, double v) {
    char t[64];
    snprintf(t, sizeof t, "%.9g", v);
    csv_field(b, t, false);
}

/* The sequence columns of a row from the sums over the sequences: inference_clk, latency,
 * fps, power (average weighted by hardware cycles pw / w), energy and dynamic energy. */
static void csv_sequence_totals(sim_buf *b, unsigned long long clk, double lat, double pw, double w,
                                double e, double dyn) {
    char t[32];
    snprintf(t, sizeof t, "%llu", clk);
    csv_field(b, t, false);
    csv_num(b, lat);
    csv_num(b, lat > 0.0 ? 1000.0 / lat : 0.0);
    csv_num(b, w > 0.0 ? pw / w : 0.0);
    csv_num(b, e);
    csv_num(b, dyn);
}

/* Sums over the sequences of the stats: cycles, latency, energies; time-weighted power of the
 * hardware sequences. */
static void csv_sequences(sim_buf *b, struct fy_node *root) {
    struct fy_node *seqs = fy_node_by_path(root, "/stats/sequences", (size_t)-1, FYNWF_DONT_FOLLOW);
    unsigned long long clk = 0;
    double lat = 0.0, e = 0.0, dyn = 0.0, pw = 0.0, w = 0.0;
    void *it = NULL;
    struct fy_node *q;
    while (seqs && fy_node_is_sequence(seqs) && (q = fy_node_sequence_iterate(seqs, &it))) {
        char t[32];
        const double c = json_num(q, "/inference_clk");
        clk += (unsigned long long)c;
        lat += json_num(q, "/latency_ms");
        e += json_num(q, "/energy_mj_per_frame/total");
        dyn += json_num(q, "/energy_mj_per_frame/dynamic");
        if (strcmp(json_str(q, "/backend", t, sizeof t), "Software") != 0) {
            pw += json_num(q, "/power_mw/avg") * c;
            w += c;
        }
    }
    csv_sequence_totals(b, clk, lat, pw, w, e, dyn);
}

/* The row of a parsed point file. */
static char *csv_row_of(struct fy_node *root) {
    static const char *const head[] = {"/id",
                                       "/index",
                                       "/point/model",
                                       "/point/mesh",
                                       "/point/mesh_nps",
                                       "/point/hw_only",
                                       "/point/map_mode",
                                       "/point/clock_mode",
                                       "/point/batch",
                                       "/point/input",
                                       "/point/fidelity",
                                       "/status"};
    sim_buf b = {0};
    char t[NPU_ERR_MSG_MAX + 64], status[16];
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        csv_field(&b, json_str(root, head[i], t, sizeof t), false);
    json_str(root, "/status", status, sizeof status);
    if (strcmp(status, "ok") == 0) {
        static const char *const map[] = {"/mapping/nps", "/mapping/passes", "/mapping/sequences"};
        for (size_t i = 0; i < 3; i++)
            csv_field(&b, json_str(root, map[i], t, sizeof t), false);
        csv_sequences(&b, root);
        csv_field(&b, json_str(root, "/mapping/program_bytes", t, sizeof t), false);
        if (json_str(root, "/accuracy/top1", t, sizeof t)[0])
            csv_num(&b, json_num(root, "/accuracy/top1"));
        else
            csv_field(&b, "", false);
        csv_field(&b, "", true);
    } else {
        sim_buf_puts(&b, ",,,,,,,,,,,");
        csv_field(&b, json_str(root, "/error", t, sizeof t), true);
    }
    return sim_buf_take(&b);
}

char *sweep_csv_row(const char *text, size_t len) {
    struct fy_document *doc = json_parse(text, len);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    char *row = root && fy_node_is_mapping(root) ? csv_row_of(root) : NULL;
    if (doc)
        fy_document_destroy(doc);
    return row;
}

/* ---- rows without parsing ---- */

/* v as the parser reads it back from the JSON: "%.9g" text, null (non-finite) as 0. */
static double json_round(double v) {
    if (!isfinite(v))
        return 0.0;
    char t[64];
    snprintf(t, sizeof t, "%.9g", v);
    return strtod(t, NULL);
}

/* True when s goes into a JSON string unchanged (printable ASCII, no quote or backslash), so
 * the parser gives it back as is. */
static bool json_plain(const char *s) {
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            return false;
    return true;
}

/* csv_sequences from the figures themselves. */
static void direct_sequences(sim_buf *b, const sim_results *r) {
    unsigned long long clk = 0;
    double lat = 0.0, e = 0.0, dyn = 0.0, pw = 0.0, w = 0.0;
    for (uint32_t i = 0; i < r->n_sequences; i++) {
        const sim_seq_stats *q = &r->sequences[i];
        const double c = (double)q->inference_clk;
        clk += (unsigned long long)c;
        lat += json_round(q->latency_ms);
        e += json_round(q->energy_mj_per_frame);
        dyn += json_round(q->dynamic_energy_mj_per_frame);
        if (q->hardware) {
            pw += json_round(q->power_avg_mw) * c;
            w += c;
        }
    }
    csv_sequence_totals(b, clk, lat, pw, w, e, dyn);
}

char *sweep_csv_row_direct(const sim_scenario *s, const sim_point *p, sim_fidelity f,
                           const cmp_mapped *mm, const sim_results *r, const sweep_accuracy *acc) {
    const char *model = s->models[p->model].label, *mesh = s->meshes[p->mesh].label,
               *input = s->inputs[p->input].label;
    if (!json_plain(model) || !json_plain(mesh) || !json_plain(input))
        return NULL;
    sim_buf b = {0};
    sim_buf_printf(&b, "p%05u,%u,", p->index, p->index);
    csv_field(&b, model, false);
    csv_field(&b, mesh, false);
    sim_buf_printf(&b, "%u,%s,%s,%s,%u,", s->meshes[p->mesh].nps,
                   s->hw_only[p->hw] ? "true" : "false", cmp_map_mode_name(s->map_modes[p->map]),
                   mesh_clock_mode_name(s->clocks[p->clock]), s->batches[p->batch]);
    csv_field(&b, input, false);
    sim_buf_printf(&b, "%s,ok,%u,%u,%u,", sim_fidelity_name(f), mm->total_nps, mm->total_passes,
                   mm->n_sequences);
    direct_sequences(&b, r);
    sim_buf_printf(&b, "%llu,", (unsigned long long)mm->program_bytes);
    if (acc && acc->have)
        csv_num(&b, json_round(acc->frames ? (double)acc->correct / (double)acc->frames : 0.0));
    else
        csv_field(&b, "", false);
    csv_field(&b, "", true);
    return sim_buf_take(&b);
}
