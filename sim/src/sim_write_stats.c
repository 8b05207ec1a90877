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
 */
#include "akisim/sim_write.h"

#include "sim_write_buf.h"

#include <stdio.h>
#include <string.h>

/* Vendor backend names (akida.BackendType). */
static const char *backend_name(bool hardware) {
    return hardware ? "Hardware" : "Software";
}

/* Appends `"key": ` */
static void key(sim_buf *b, const char *k) {
    sim_buf_printf(b, "\"%s\": ", k);
}

/* Appends `"key": <double>` */
static void kv_double(sim_buf *b, const char *k, double v) {
    key(b, k);
    sim_buf_json_double(b, v);
}

/* Appends `"key": <unsigned>` */
static void kv_u64(sim_buf *b, const char *k, uint64_t v) {
    sim_buf_printf(b, "\"%s\": %llu", k, (unsigned long long)v);
}

static void json_sequence(sim_buf *b, const sim_seq_stats *s) {
    sim_buf_puts(b, "{");
    key(b, "name");
    sim_buf_json_string(b, s->name, sizeof s->name);
    sim_buf_printf(b, ", \"backend\": \"%s\", ", backend_name(s->hardware));
    kv_u64(b, "frames", s->frames);
    sim_buf_puts(b, ", ");
    kv_u64(b, "passes", s->passes);
    sim_buf_puts(b, ", ");
    kv_u64(b, "inference_clk", s->inference_clk);
    sim_buf_puts(b, ", ");
    kv_u64(b, "program_clk", s->program_clk);
    sim_buf_puts(b, ", ");
    kv_double(b, "latency_ms", s->latency_ms);
    sim_buf_puts(b, ", ");
    kv_double(b, "fps", s->fps);
    sim_buf_puts(b, ", \"power_mw\": {");
    kv_double(b, "avg", s->power_avg_mw);
    sim_buf_puts(b, ", ");
    kv_double(b, "min", s->power_min_mw);
    sim_buf_puts(b, ", ");
    kv_double(b, "max", s->power_max_mw);
    sim_buf_puts(b, ", ");
    kv_double(b, "std", s->power_std_mw);
    sim_buf_puts(b, "}, \"energy_mj_per_frame\": {");
    kv_double(b, "total", s->energy_mj_per_frame);
    sim_buf_puts(b, ", ");
    kv_double(b, "dynamic", s->dynamic_energy_mj_per_frame);
    sim_buf_puts(b, "}, ");
    kv_double(b, "host_s", s->host_s);
    sim_buf_puts(b, "}");
}

static void json_layer(sim_buf *b, const sim_layer_stats *l) {
    sim_buf_puts(b, "{");
    key(b, "name");
    sim_buf_json_string(b, l->name, sizeof l->name);
    sim_buf_puts(b, ", ");
    key(b, "type");
    sim_buf_json_string(b, l->type, sizeof l->type);
    sim_buf_puts(b, ", ");
    kv_u64(b, "sequence", l->sequence);
    sim_buf_printf(b, ", \"hardware\": %s, ", l->hardware ? "true" : "false");
    kv_u64(b, "events_in", l->events_in);
    sim_buf_puts(b, ", ");
    kv_u64(b, "events_out", l->events_out);
    sim_buf_puts(b, ", ");
    kv_u64(b, "outputs", l->outputs);
    sim_buf_puts(b, ", ");
    kv_double(b, "sparsity", l->sparsity);
    sim_buf_puts(b, ", ");
    kv_u64(b, "synops", l->synops);
    sim_buf_puts(b, ", ");
    kv_u64(b, "cycles", l->cycles);
    sim_buf_puts(b, ", ");
    kv_u64(b, "nps", l->n_nps);
    sim_buf_puts(b, "}");
}

static void json_np(sim_buf *b, const sim_np_stats *n) {
    sim_buf_printf(b, "{\"ident\": [%u, %u, %u], \"type\": ", (unsigned)n->ident.col,
                   (unsigned)n->ident.row, (unsigned)n->ident.id);
    sim_buf_json_string(b, mesh_np_type_name(n->type), 64);
    sim_buf_puts(b, ", ");
    kv_u64(b, "layer", n->layer);
    sim_buf_puts(b, ", ");
    kv_u64(b, "pass", n->pass);
    sim_buf_puts(b, ", ");
    kv_u64(b, "events_in", n->counters.events_in);
    sim_buf_puts(b, ", ");
    kv_u64(b, "events_out", n->counters.events_out);
    sim_buf_puts(b, ", ");
    kv_u64(b, "synops", n->counters.synops);
    sim_buf_puts(b, ", ");
    kv_u64(b, "sram_reads", n->counters.sram_reads);
    sim_buf_puts(b, ", ");
    kv_u64(b, "sram_writes", n->counters.sram_writes);
    sim_buf_puts(b, ", ");
    kv_u64(b, "ext_bytes", n->counters.ext_bytes);
    sim_buf_puts(b, ", ");
    kv_u64(b, "busy_cycles", n->busy_cycles);
    sim_buf_puts(b, ", ");
    kv_double(b, "utilisation", n->utilisation);
    sim_buf_puts(b, "}");
}

/* Appends `"name": [` elements `]` with one element per line. */
#define JSON_ARRAY(b, name, count, items, fn)                                                      \
    do {                                                                                           \
        sim_buf_printf(b, "  \"%s\": [", name);                                                    \
        for (size_t i_ = 0; i_ < (size_t)(count); i_++) {                                          \
            sim_buf_puts(b, i_ ? ",\n    " : "\n    ");                                            \
            fn(b, &(items)[i_]);                                                                   \
        }                                                                                          \
        sim_buf_puts(b, (count) ? "\n  ],\n" : "],\n");                                            \
    } while (0)

char *sim_write_stats_json(const sim_results *r) {
    sim_buf b = {0};
    sim_buf_puts(&b, "{\n  \"schema\": \"" SIM_STATS_SCHEMA "\",\n  ");
    key(&b, "device");
    sim_buf_json_string(&b, r->device, sizeof r->device);
    sim_buf_puts(&b, ",\n  ");
    key(&b, "clock_mode");
    sim_buf_json_string(&b, r->clock_mode, sizeof r->clock_mode);
    sim_buf_puts(&b, ",\n  ");
    kv_double(&b, "clock_mhz", r->clock_mhz);
    sim_buf_puts(&b, ",\n  ");
    kv_double(&b, "floor_mw", r->floor_mw);
    sim_buf_puts(&b, ",\n");
    JSON_ARRAY(&b, "sequences", r->n_sequences, r->sequences, json_sequence);
    JSON_ARRAY(&b, "layers", r->n_layers, r->layers, json_layer);
    JSON_ARRAY(&b, "nps", r->n_nps, r->nps, json_np);
    sim_buf_puts(&b, "  \"memory\": {");
    kv_u64(&b, "usage", r->memory_usage);
    sim_buf_puts(&b, ", ");
    kv_u64(&b, "top", r->memory_top);
    sim_buf_puts(&b, ", ");
    kv_u64(&b, "external_bytes", r->external_bytes);
    sim_buf_puts(&b, "}\n}\n");
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
