/*
 * sim_write_power: the PowerMeter-like CSV of a run.
 *
 * A header "timestamp_us,voltage_uv,current_ma,power_mw", one row per power sample in the
 * results' (time) order — timestamp in microseconds with 3 decimals, voltage in whole
 * microvolts, current and power with 3 decimals — then one final comment line
 * "# floor_mw=<floor, 3 decimals>" (the PowerMeter's floor). See docs/stats-format.md.
 */
#include "akisim/sim_write.h"

#include "sim_write_buf.h"

#include <math.h>

/* Appends v with the given number of decimals ("nan"/"inf" never appear: 0 instead). */
static void csv_num(sim_buf *b, double v, int decimals) {
    sim_buf_printf(b, "%.*f", decimals, isfinite(v) ? v : 0.0);
}

char *sim_write_power_csv(const sim_results *r) {
    sim_buf b = {0};
    sim_buf_puts(&b, "timestamp_us,voltage_uv,current_ma,power_mw\n");
    for (size_t i = 0; i < r->n_power; i++) {
        const sim_power_sample *p = &r->power[i];
        csv_num(&b, p->t_us, 3);
        sim_buf_puts(&b, ",");
        csv_num(&b, p->voltage_uv, 0);
        sim_buf_puts(&b, ",");
        csv_num(&b, p->current_ma, 3);
        sim_buf_puts(&b, ",");
        csv_num(&b, p->power_mw, 3);
        sim_buf_puts(&b, "\n");
    }
    sim_buf_puts(&b, "# floor_mw=");
    csv_num(&b, r->floor_mw, 3);
    sim_buf_puts(&b, "\n");
    return sim_buf_take(&b);
}
