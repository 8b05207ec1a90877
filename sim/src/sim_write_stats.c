/*
 * sim_write_stats: the stats JSON (schema in docs/stats-format.md) and the vendor-style text
 * summary of a run.
 *
 * The JSON is laid out for diffing: two-space indentation, one line per scalar of the top
 * object, one line per element of the sequences / layers / nps arrays, keys always present
 * and always in the documented order. The text summary follows the runtime's
 * SequenceStatistics repr ("Average framerate = X fps", "Last inference power range (mW):
 * Avg X / Min X / Max X / Std X", "Last inference energy consumed (mJ/frame): X", two
 * decimals), adding the device clocks (inference_clk, program_clk, latency) and memory.
 * The JSON is built without printf (sim_buf_u64, sim_buf_json_double: the same text), as
 * sweeps write one per point.
 */
#include "akisim/sim_write.h"

#include "sim_write_buf.h"

#include <stdio.h>
#include <string.h>

/* Vendor backend names (akida.BackendType). */
static const char *backend_name(bool hardware) {
    return hardware ? "Hardware" : "Software";
}

/* Appends `"key": ` (k a string literal). */
#define KEY(b, k) SIM_BUF_LIT(b, "\"" k "\": ")

/* Appends `"key": <double>` */
#define KV_DOUBLE(b, k, v)                                                                         \
    do {                                                                                           \
        KEY(b, k);                                                                                 \
        sim_buf_json_double(b, v);                                                                 \
    } while (0)

/* Appends `sep"key": <unsigned>` (sep a string literal, often ", "). */
#define KV_U64(b, sep, k, v)                                                                       \
    do {                                                                                           \
        SIM_BUF_LIT(b, sep "\"" k "\": ");                                                         \
        sim_buf_u64(b, (uint64_t)(v));                                                             \
    } while (0)

static void json_sequence(sim_buf *b, const sim_seq_stats *s) {
    SIM_BUF_LIT(b, "{");
    KEY(b, "name");
    sim_buf_json_string(b, s->name, sizeof s->name);
    SIM_BUF_LIT(b, ", \"backend\": \"");
    sim_buf_puts(b, backend_name(s->hardware));
    SIM_BUF_LIT(b, "\"");
    KV_U64(b, ", ", "frames", s->frames);
    KV_U64(b, ", ", "passes", s->passes);
    KV_U64(b, ", ", "inference_clk", s->inference_clk);
    KV_U64(b, ", ", "program_clk", s->program_clk);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "latency_ms", s->latency_ms);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "fps", s->fps);
    SIM_BUF_LIT(b, ", \"power_mw\": {");
    KV_DOUBLE(b, "avg", s->power_avg_mw);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "min", s->power_min_mw);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "max", s->power_max_mw);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "std", s->power_std_mw);
    SIM_BUF_LIT(b, "}, \"energy_mj_per_frame\": {");
    KV_DOUBLE(b, "total", s->energy_mj_per_frame);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "dynamic", s->dynamic_energy_mj_per_frame);
    SIM_BUF_LIT(b, "}, ");
    KV_DOUBLE(b, "host_s", s->host_s);
    SIM_BUF_LIT(b, "}");
}

static void json_layer(sim_buf *b, const sim_layer_stats *l) {
    SIM_BUF_LIT(b, "{");
    KEY(b, "name");
    sim_buf_json_string(b, l->name, sizeof l->name);
    SIM_BUF_LIT(b, ", ");
    KEY(b, "type");
    sim_buf_json_string(b, l->type, sizeof l->type);
    KV_U64(b, ", ", "sequence", l->sequence);
    if (l->hardware) {
        SIM_BUF_LIT(b, ", \"hardware\": true");
    } else {
        SIM_BUF_LIT(b, ", \"hardware\": false");
    }
    KV_U64(b, ", ", "events_in", l->events_in);
    KV_U64(b, ", ", "events_out", l->events_out);
    KV_U64(b, ", ", "outputs", l->outputs);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "sparsity", l->sparsity);
    KV_U64(b, ", ", "synops", l->synops);
    KV_U64(b, ", ", "cycles", l->cycles);
    KV_U64(b, ", ", "nps", l->n_nps);
    SIM_BUF_LIT(b, "}");
}

static void json_np(sim_buf *b, const sim_np_stats *n) {
    SIM_BUF_LIT(b, "{\"ident\": [");
    sim_buf_u64(b, n->ident.col);
    SIM_BUF_LIT(b, ", ");
    sim_buf_u64(b, n->ident.row);
    SIM_BUF_LIT(b, ", ");
    sim_buf_u64(b, n->ident.id);
    SIM_BUF_LIT(b, "], \"type\": ");
    sim_buf_json_string(b, mesh_np_type_name(n->type), 64);
    KV_U64(b, ", ", "layer", n->layer);
    KV_U64(b, ", ", "pass", n->pass);
    KV_U64(b, ", ", "events_in", n->counters.events_in);
    KV_U64(b, ", ", "events_out", n->counters.events_out);
    KV_U64(b, ", ", "synops", n->counters.synops);
    KV_U64(b, ", ", "sram_reads", n->counters.sram_reads);
    KV_U64(b, ", ", "sram_writes", n->counters.sram_writes);
    KV_U64(b, ", ", "ext_bytes", n->counters.ext_bytes);
    KV_U64(b, ", ", "busy_cycles", n->busy_cycles);
    SIM_BUF_LIT(b, ", ");
    KV_DOUBLE(b, "utilisation", n->utilisation);
    SIM_BUF_LIT(b, "}");
}

/* Appends `"name": [` elements `]` with one element per line (name a string literal). */
#define JSON_ARRAY(b, name, count, items, fn)                                                      \
    do {                                                                                           \
        SIM_BUF_LIT(b, "  \"" name "\": [");                                                       \
        for (size_t i_ = 0; i_ < (size_t)(count); i_++) {                                          \
            if (i_) {                                                                              \
                SIM_BUF_LIT(b, ",\n    ");                                                         \
            } else {                                                                               \
                SIM_BUF_LIT(b, "\n    ");                                                          \
            }                                                                                      \
            fn(b, &(items)[i_]);                                                                   \
        }                                                                                          \
        if (count) {                                                                               \
            SIM_BUF_LIT(b, "\n  ],\n");                                                            \
        } else {                                                                                   \
            SIM_BUF_LIT(b, "],\n");                                                                \
        }                                                                                          \
    } while (0)

char *sim_write_stats_json(const sim_results *r) {
    sim_buf b = {0};
    /* room for the usual lengths of every line (more is reallocated as needed) */
    sim_buf_reserve(&b, 512 + 512 * (size_t)r->n_sequences + 320 * (size_t)r->n_layers +
                            320 * (size_t)r->n_nps);
    SIM_BUF_LIT(&b, "{\n  \"schema\": \"" SIM_STATS_SCHEMA "\",\n  ");
    KEY(&b, "device");
    sim_buf_json_string(&b, r->device, sizeof r->device);
    SIM_BUF_LIT(&b, ",\n  ");
    KEY(&b, "clock_mode");
    sim_buf_json_string(&b, r->clock_mode, sizeof r->clock_mode);
    SIM_BUF_LIT(&b, ",\n  ");
    KV_DOUBLE(&b, "clock_mhz", r->clock_mhz);
    SIM_BUF_LIT(&b, ",\n  ");
    KV_DOUBLE(&b, "floor_mw", r->floor_mw);
    SIM_BUF_LIT(&b, ",\n");
    JSON_ARRAY(&b, "sequences", r->n_sequences, r->sequences, json_sequence);
    JSON_ARRAY(&b, "layers", r->n_layers, r->layers, json_layer);
    JSON_ARRAY(&b, "nps", r->n_nps, r->nps, json_np);
    KV_U64(&b, "  \"memory\": {", "usage", r->memory_usage);
    KV_U64(&b, ", ", "top", r->memory_top);
    KV_U64(&b, ", ", "external_bytes", r->external_bytes);
    SIM_BUF_LIT(&b, "}\n}\n");
    return sim_buf_take(&b);
}

/* ---- text summary ---- */

/* Appends a fixed-size name field (not necessarily NUL-terminated). */
static void text_name(sim_buf *b, const char *s, size_t max) {
    sim_buf_printf(b, "%.*s", (int)strnlen(s, max), s);
}

static void text_sequence(sim_buf *b, const sim_seq_stats *s) {
    sim_buf_puts(b, "Sequence ");
    text_name(b, s->name, sizeof s->name);
    sim_buf_printf(b, " (%s, %u pass%s, %u frame%s)\n", backend_name(s->hardware),
                   (unsigned)s->passes, s->passes == 1 ? "" : "es", (unsigned)s->frames,
                   s->frames == 1 ? "" : "s");
    sim_buf_printf(b, "Average framerate = %.2f fps\n", s->fps);
    if (s->hardware) {
        sim_buf_printf(b,
                       "Last inference power range (mW):  Avg %.2f / Min %.2f / Max %.2f / "
                       "Std %.2f \n",
                       s->power_avg_mw, s->power_min_mw, s->power_max_mw, s->power_std_mw);
        sim_buf_printf(b, "Last inference energy consumed (mJ/frame): %.2f\n",
                       s->energy_mj_per_frame);
        sim_buf_printf(b, "Dynamic energy consumed (mJ/frame): %.4g\n",
                       s->dynamic_energy_mj_per_frame);
        sim_buf_printf(b, "inference_clk = %llu, program_clk = %llu, latency = %.4f ms\n",
                       (unsigned long long)s->inference_clk, (unsigned long long)s->program_clk,
                       s->latency_ms);
    } else {
        sim_buf_printf(b, "Host time = %.6f s, latency = %.4f ms\n", s->host_s, s->latency_ms);
    }
}

char *sim_write_summary(const sim_results *r) {
    sim_buf b = {0};
    sim_buf_puts(&b, "Device ");
    text_name(&b, r->device, sizeof r->device);
    sim_buf_puts(&b, ", clock mode ");
    text_name(&b, r->clock_mode, sizeof r->clock_mode);
    sim_buf_printf(&b, " (%.2f MHz)\n", r->clock_mhz);
    sim_buf_printf(&b, "Floor power (mW): %.2f\n", r->floor_mw);
    for (uint32_t i = 0; i < r->n_sequences; i++)
        text_sequence(&b, &r->sequences[i]);
    sim_buf_printf(&b,
                   "Device memory (bytes): usage %llu / top %llu, external memory (bytes): "
                   "%llu\n",
                   (unsigned long long)r->memory_usage, (unsigned long long)r->memory_top,
                   (unsigned long long)r->external_bytes);
    return sim_buf_take(&b);
}
