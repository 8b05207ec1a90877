/*
 * rep_html: writes the report's index.html — one self-contained page (inline CSS and script,
 * figures referenced by relative path, no network fetch: a Content-Security-Policy forbids
 * any other origin) with the figures, the best points per model, the errors and the table
 * of all points. Clicking a column header sorts a table (numbers numerically, missing values
 * last). On load the script checks that every <img> decoded (naturalWidth > 0) and writes the
 * outcome into #report-check ("figures-ok N" or "figures-failed ..."), the marker the
 * Chromium test reads back from the DOM.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

static const char CSS[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:0 auto;max-width:1200px;padding:0 24px 48px;color:#222;background:#fafafa}\n"
    "h1{margin:24px 0 4px;font-size:26px}h2{margin-top:36px;border-bottom:2px solid #ddd;"
    "padding-bottom:4px}h3{margin:0 0 8px;font-size:17px}\n"
    "nav a{margin-right:14px}code{background:#eee;padding:1px 4px;border-radius:3px}\n"
    "figure{margin:18px 0;padding:14px;background:#fff;border:1px solid #ddd;border-radius:6px}\n"
    "figure img{max-width:100%;height:auto;display:block;margin:0 auto}\n"
    "figcaption{color:#555;font-size:14px;margin-top:8px}\n"
    ".skip{color:#8a5a00;background:#fff6e0;border:1px solid #f0d9a0;padding:6px 10px;"
    "border-radius:4px}\n"
    ".tablewrap{overflow-x:auto;background:#fff;border:1px solid #ddd;border-radius:6px}\n"
    "table{border-collapse:collapse;font-size:13px;width:100%}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "th{background:#f0f0f0;position:sticky;top:0}\n"
    "table.sortable th{cursor:pointer;user-select:none}\n"
    "table.sortable th:hover{background:#e2e8f0}\n"
    "th[aria-sort=ascending]::after{content:' \\25B2'}th[aria-sort=descending]::after"
    "{content:' \\25BC'}\n"
    "tr.err td{color:#a00}tr.unfit td{color:#777}tr:hover td{background:#f5f9ff}\n"
    "#report-check{color:#777;font-size:12px}\n";

/* The page's only script: table sorting and the figure check. */
static const char SCRIPT[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var errors = [];\n"
    "  window.addEventListener('error', function (e) { errors.push(String(e.message)); });\n"
    "  function key(td) {\n"
    "    var v = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent;\n"
    "    var f = Number(v);\n"
    "    return (v !== '' && isFinite(f)) ? {num: true, v: f} : {num: false, v: v};\n"
    "  }\n"
    "  function compare(a, b) {\n"
    "    if (a.num && b.num) return a.v - b.v;\n"
    "    if (a.num !== b.num) return a.num ? -1 : 1;\n"
    "    return a.v < b.v ? -1 : (a.v > b.v ? 1 : 0);\n"
    "  }\n"
    "  function sortBy(table, th, col) {\n"
    "    var asc = th.getAttribute('aria-sort') !== 'ascending';\n"
    "    var heads = table.tHead.rows[0].cells;\n"
    "    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');\n"
    "    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');\n"
    "    var body = table.tBodies[0];\n"
    "    var rows = Array.prototype.slice.call(body.rows);\n"
    "    rows.sort(function (r, s) {\n"
    "      var d = compare(key(r.cells[col]), key(s.cells[col]));\n"
    "      return asc ? d : -d;\n"
    "    });\n"
    "    rows.forEach(function (r) { body.appendChild(r); });\n"
    "  }\n"
    "  var tables = document.querySelectorAll('table.sortable');\n"
    "  Array.prototype.forEach.call(tables, function (table) {\n"
    "    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {\n"
    "      th.title = 'click to sort';\n"
    "      th.addEventListener('click', function () { sortBy(table, th, col); });\n"
    "    });\n"
    "  });\n"
    "  window.addEventListener('load', function () {\n"
    "    var bad = [];\n"
    "    for (var i = 0; i < document.images.length; i++) {\n"
    "      var img = document.images[i];\n"
    "      if (!(img.complete && img.naturalWidth > 0)) bad.push(img.getAttribute('src'));\n"
    "    }\n"
    "    var m = document.getElementById('report-check');\n"
    "    var ok = bad.length === 0 && errors.length === 0;\n"
    "    m.setAttribute('data-status', ok ? 'ok' : 'fail');\n"
    "    m.textContent = ok ? 'figures-ok ' + document.images.length\n"
    "      : 'figures-failed ' + bad.join(' ') + (errors.length ? ' script-errors ' +\n"
    "        errors.join('; ') : '');\n"
    "  });\n"
    "})();\n";

/* A numeric table cell: data-v carries the exact value for sorting. */
static void td_num(rep_buf *b, double v) {
    char s[32];
    rep_fmt(s, sizeof s, v);
    if (isfinite(v))
        rb_printf(b, "<td class=\"n\" data-v=\"%.9g\">%s</td>", v, s);
    else
        rb_puts(b, "<td class=\"n\" data-v=\"\"></td>");
}

static void td_int(rep_buf *b, int64_t v, bool show) {
    if (show)
        rb_printf(b, "<td class=\"n\">%lld</td>", (long long)v);
    else
        rb_puts(b, "<td class=\"n\" data-v=\"\"></td>");
}

static void td_text(rep_buf *b, const char *s) {
    rb_puts(b, "<td>");
    rb_html(b, s);
    rb_puts(b, "</td>");
}

/* Header row of a sortable table. */
static void thead(rep_buf *b, const char *const *cols) {
    rb_puts(b, "<div class=\"tablewrap\"><table class=\"sortable\"><thead><tr>");
    for (size_t i = 0; cols[i]; i++)
        rb_printf(b, "<th>%s</th>", cols[i]);
    rb_puts(b, "</tr></thead><tbody>\n");
}

static void figures(rep_buf *b, const rep_ctx *c) {
    rb_puts(b, "<section id=\"figures\"><h2>Figures</h2>\n");
    for (size_t i = 0; i < REP_N_FIGS; i++) {
        const rep_fig *f = &c->figs[i];
        if (!f->drawn) {
            rb_printf(b, "<p class=\"skip\">Not drawn: %s — ", f->title);
            rb_html(b, f->skip);
            rb_puts(b, ".</p>\n");
            continue;
        }
        rb_printf(b,
                  "<figure id=\"fig-%s\"><h3>%s</h3><a href=\"%s.svg\"><img src=\"%s.png\" "
                  "alt=\"%s\"></a><figcaption>",
                  f->name, f->title, f->name, f->name, f->title);
        rb_html(b, f->caption);
        rb_printf(b,
                  " <a href=\"%s.svg\">SVG</a> · <a href=\"gnuplot/%s.gp\">gnuplot script</a>"
                  "</figcaption></figure>\n",
                  f->name, f->name);
    }
    rb_puts(b, "</section>\n");
}

/* One row of the best-points table. */
static void best_row(rep_buf *b, const char *what, const rep_point *p) {
    char m[96];
    rep_mapping_label(p, m, sizeof m);
    rb_printf(b, "<tr><td>%s</td>", what);
    td_text(b, p->id);
    td_text(b, p->model);
    td_text(b, p->mesh);
    td_int(b, p->mesh_nps, true);
    td_text(b, m);
    td_text(b, p->clock_mode);
    td_int(b, p->batch, true);
    td_num(b, p->latency_ms);
    td_num(b, p->energy_mj);
    rb_puts(b, "</tr>\n");
}

static void best(rep_buf *b, const rep_ctx *c, bool *on) {
    static const char *const COLS[] = {
        "best for", "point", "model", "mesh",         "mesh NPs",
        "mapping",  "clock", "batch", "latency (ms)", "energy (mJ/frame)",
        NULL};
    rb_puts(b, "<section id=\"best\"><h2>Best points per model</h2>\n");
    if (c->n_models == 0) {
        rb_puts(b, "<p class=\"skip\">No successful point.</p></section>\n");
        return;
    }
    rb_puts(b, "<p>Lowest latency, lowest energy per frame and the energy/latency Pareto set "
               "of each model.</p>\n");
    thead(b, COLS);
    for (size_t m = 0; m < c->n_models; m++) {
        best_row(b, "lowest latency", rep_best(c, m, false));
        best_row(b, "lowest energy", rep_best(c, m, true));
        rep_model_pareto(c, m, on);
        for (size_t i = 0; i < c->s->n; i++)
            if (on[i])
                best_row(b, "Pareto set", &c->s->pts[i]);
    }
    rb_puts(b, "</tbody></table></div></section>\n");
}

/* Whether any point carries estimate errors (adds two columns). */
static bool any_estimate(const rep_sweep *s) {
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->pts[i].est_err_cycles) || isfinite(s->pts[i].est_err_energy))
            return true;
    return false;
}

/* Whether any point carries a top-1 accuracy (adds a column). */
static bool any_accuracy(const rep_sweep *s) {
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->pts[i].accuracy))
            return true;
    return false;
}

static void point_row(rep_buf *b, const rep_point *p, bool est, bool acc) {
    const bool unfit = rep_point_unfit(p);
    rb_printf(b, "<tr%s>", p->ok ? "" : unfit ? " class=\"unfit\"" : " class=\"err\"");
    td_text(b, p->id);
    td_text(b, p->model);
    td_text(b, p->mesh);
    td_int(b, p->mesh_nps, p->mesh_nps > 0);
    td_text(b, p->hw_only ? "hw_only" : "hybrid");
    td_text(b, p->map_mode);
    td_text(b, p->clock_mode);
    td_int(b, p->batch, true);
    td_text(b, p->input);
    td_text(b, p->fidelity);
    td_text(b, p->ok ? "ok" : unfit ? "does not fit" : "error");
    td_int(b, p->nps, p->ok);
    td_int(b, p->passes, p->ok);
    td_int(b, p->sequences, p->ok);
    td_int(b, p->inference_clk, p->ok);
    const double nan = NAN;
    td_num(b, p->ok ? p->latency_ms : nan);
    td_num(b, p->ok ? p->fps : nan);
    td_num(b, p->ok ? p->power_avg_mw : nan);
    td_num(b, p->ok ? p->energy_mj : nan);
    td_num(b, p->ok ? p->dyn_energy_mj : nan);
    td_int(b, p->program_bytes, p->ok);
    if (est) {
        td_num(b, p->est_err_cycles);
        td_num(b, p->est_err_energy);
    }
    if (acc)
        td_num(b, p->accuracy);
    td_text(b, p->error);
    rb_puts(b, "</tr>\n");
}

static void points(rep_buf *b, const rep_ctx *c) {
    static const char *const COLS[] = {"id",
                                       "model",
                                       "mesh",
                                       "mesh NPs",
                                       "mapping",
                                       "map mode",
                                       "clock",
                                       "batch",
                                       "input",
                                       "fidelity",
                                       "status",
                                       "NPs",
                                       "passes",
                                       "sequences",
                                       "inference clk",
                                       "latency (ms)",
                                       "fps",
                                       "power (mW)",
                                       "energy (mJ/frame)",
                                       "dynamic (mJ/frame)",
                                       "program (bytes)",
                                       NULL};
    const bool est = any_estimate(c->s);
    rb_printf(b,
              "<section id=\"points\"><h2>All points (%zu)</h2>\n"
              "<p>Click a column header to sort; click again to reverse.</p>\n",
              c->s->n);
    rb_puts(b,
            "<div class=\"tablewrap\"><table class=\"sortable\" id=\"points-table\"><thead><tr>");
    for (size_t i = 0; COLS[i]; i++)
        rb_printf(b, "<th>%s</th>", COLS[i]);
    if (est)
        rb_puts(b, "<th>estimate error (cycles)</th><th>estimate error (energy)</th>");
    const bool acc = any_accuracy(c->s);
    if (acc)
        rb_puts(b, "<th>top-1 accuracy</th>");
    rb_puts(b, "<th>error</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < c->s->n; i++)
        point_row(b, &c->s->pts[i], est, acc);
    rb_puts(b, "</tbody></table></div></section>\n");
}

npu_status rep_write_html(const rep_ctx *c, npu_err *err) {
    bool *on = calloc(c->s->n + 1, sizeof *on);
    if (!on)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    rep_buf b = {0};
    rb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
                "<title>akisim sweep report</title>\n<style>\n");
    rb_puts(&b, CSS);
    rb_puts(&b, "</style>\n</head>\n<body>\n<header><h1>akisim sweep report</h1>\n<p>Sweep <code>");
    rb_html(&b, c->s->dir);
    const size_t unfit = rep_count_unfit(c->s);
    rb_printf(&b, "</code>: %zu points, %zu ok, ", c->s->n, c->s->n_ok);
    if (unfit)
        rb_printf(&b,
                  "%zu do%s not fit a hardware-only mapping (expected: the hybrid points of the "
                  "same model and mesh run in several passes), ",
                  unfit, unfit == 1 ? "es" : "");
    rb_printf(&b, "%zu failed, %zu models.", c->s->n - c->s->n_ok - unfit, c->n_models);
    if (c->chosen)
        rb_printf(&b, " Power and NP figures: point <code>%s</code>.", c->chosen->id);
    rb_puts(&b, "</p>\n<nav><a href=\"#figures\">Figures</a><a href=\"#best\">Best points</a>"
                "<a href=\"#points\">All points</a><a href=\"summary.md\">summary.md</a></nav>"
                "</header>\n");
    figures(&b, c);
    best(&b, c, on);
    points(&b, c);
    rb_puts(&b, "<footer><p id=\"report-check\" data-status=\"pending\">figures not checked "
                "(scripts disabled?)</p></footer>\n<script>\n");
    rb_puts(&b, SCRIPT);
    rb_puts(&b, "</script>\n</body>\n</html>\n");
    free(on);
    char *path = rep_path(c->stage, "index.html");
    const npu_status st =
        path ? rep_write_buf(path, &b, err) : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    free(path);
    rb_free(&b);
    return st;
}
