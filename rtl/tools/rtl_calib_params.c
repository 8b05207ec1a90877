/*
 * rtl_calib_params: prints the NP cycle parameters of a calibration file (mesh/calib/<name>.yaml,
 * fields `np.*`, docs/timing-model.md "Parameters") as the Verilog parameter names of the RTL
 * blocks (rtl/src/cnp.v, fnp.v, hrc.v), one `NAME=VALUE` line each, for rtl/CMakeLists.txt
 * to pass them to Verilator (-G) at configure time. The cost formulas accept real values;
 * the RTL counts whole cycles, so every value must be a non-negative integer (lanes and
 * rates >= 1): anything else fails with a message naming the field and exit status 2.
 * Built and run at configure time (like the register-map generator), reads YAML with
 * libfyaml.
 *
 * Usage: rtl_calib_params FILE.yaml
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One parameter: calibration path (libfyaml path below the root), RTL name, minimum. */
typedef struct rcp_field {
    const char *path; /* YAML path, e.g. /np/cnp_filter_lanes */
    const char *name; /* Verilog parameter name */
    long min;         /* smallest value the RTL accepts */
} rcp_field;

static const rcp_field rcp_fields[] = {
    {"/np/cnp_filter_lanes", "CNP_FILTER_LANES", 1},
    {"/np/cnp_event_overhead", "CNP_EVENT_OVERHEAD", 0},
    {"/np/cnp_event_cycles/1", "CNP_EVENT_CYCLES_1", 1},
    {"/np/cnp_event_cycles/2", "CNP_EVENT_CYCLES_2", 1},
    {"/np/cnp_event_cycles/3", "CNP_EVENT_CYCLES_3", 1},
    {"/np/cnp_event_cycles/4", "CNP_EVENT_CYCLES_4", 1},
    {"/np/cnp_event_cycles/5", "CNP_EVENT_CYCLES_5", 1},
    {"/np/cnp_event_cycles/6", "CNP_EVENT_CYCLES_6", 1},
    {"/np/cnp_event_cycles/7", "CNP_EVENT_CYCLES_7", 1},
    {"/np/cnp_output_cycles", "CNP_OUTPUT_CYCLES", 0},
    {"/np/cnp_pw_channels_per_cycle", "CNP_PW_CHANNELS_PER_CYCLE", 1},
    {"/np/cnp_sep_event_cycles", "CNP_SEP_EVENT_CYCLES", 1},
    {"/np/cnp_sep_channels_per_cycle", "CNP_SEP_CHANNELS_PER_CYCLE", 0},
    {"/np/hrc_macs_per_cycle", "HRC_MACS_PER_CYCLE", 1},
    {"/np/hrc_output_cycles", "HRC_OUTPUT_CYCLES", 0},
    {"/np/hrc_filter_lanes", "HRC_FILTER_LANES", 1},
    {"/np/fnp_event_cycles", "FNP_EVENT_CYCLES", 1},
    {"/np/fnp_unit_lanes", "FNP_UNIT_LANES", 1},
    {"/np/fnp_output_cycles", "FNP_OUTPUT_CYCLES", 0},
};

#define RCP_MAX_VALUE 65536L /* sanity bound of any cycle / lane parameter */

/* Value of field f as an integer in [f->min, RCP_MAX_VALUE]; -1 with a message otherwise. */
static long rcp_value(struct fy_node *root, const char *file, const rcp_field *f) {
    struct fy_node *n = fy_node_by_path(root, f->path, (size_t)-1, FYNWF_DONT_FOLLOW);
    const char *s = n != NULL ? fy_node_get_scalar0(n) : NULL;
    if (s == NULL) {
        fprintf(stderr, "%s: np field %s (%s) missing or not a scalar\n", file, f->path, f->name);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v != floor(v) ||
        v < (double)f->min || v > (double)RCP_MAX_VALUE) {
        fprintf(stderr,
                "%s: np field %s = '%s' is not an integer in [%ld, %ld]: the RTL parameter %s "
                "counts whole cycles (docs/rtl.md, \"Cycle contract\")\n",
                file, f->path, s, f->min, RCP_MAX_VALUE, f->name);
        return -1;
    }
    return (long)v;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CALIB.yaml\n", argv[0]);
        return 2;
    }
    struct fy_document *d = fy_document_build_from_file(NULL, argv[1]);
    if (d == NULL || fy_document_root(d) == NULL) {
        fprintf(stderr, "%s: cannot read the YAML calibration file\n", argv[1]);
        fy_document_destroy(d);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof rcp_fields / sizeof rcp_fields[0]; i++) {
        long v = rcp_value(fy_document_root(d), argv[1], &rcp_fields[i]);
        if (v < 0) {
            rc = 2;
            continue;
        }
        printf("%s=%ld\n", rcp_fields[i].name, v);
    }
    fy_document_destroy(d);
    return rc;
}
