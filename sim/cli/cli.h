/*
 * cli: the akisim command line — git-style subcommands dispatched from one table in main.c.
 *
 * Adding a command: write cmd_<name>.c with `int cmd_<name>(int argc, char **argv)` (argv[0]
 * is the command name; parse the rest with getopt_long and handle --help), declare it
 * below, and add one row to CLI_COMMANDS in main.c. Conventions every command follows:
 * every error is ONE line "akisim: <message>" on stderr (cli_fail / cli_usage); exit status 0
 * on success, 2 for bad input or usage, 1 for internal failures; outputs are written only
 * once everything succeeded (atomically, through cmp_npy_write & co.); --json switches a
 * table to JSON on stdout.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "akisim/akisim.h"
#include "cmp/cmp_array.h"
#include "cmp/cmp_map.h"

/* Exit statuses. */
#define CLI_OK 0
#define CLI_INTERNAL 1
#define CLI_BAD_INPUT 2

/* A subcommand: one row of the dispatch table. */
typedef struct cli_command {
    const char *name;                  /* word after "akisim" */
    int (*run)(int argc, char **argv); /* argv[0] = name; returns the exit status */
    const char *brief;                 /* one-line description for `akisim --help` */
} cli_command;

/* Commands (one file each). */
int cmd_summary(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_sparsity(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_mesh(int argc, char **argv);
int cmd_zoo(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_input(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_rtl_check(int argc, char **argv);

/* Prints "akisim: <err message>" and returns its exit status (1 or 2). */
int cli_fail(const npu_err *err);
/* mkdir -p: creates dir and its missing parents; NPU_ERR_INPUT naming the path that cannot
 * be created or is not a directory (or an empty / over-long dir). */
npu_status cli_make_dirs(const char *dir, npu_err *err);
/* Prints "akisim: <cmd>: <message>" and returns CLI_BAD_INPUT (usage errors). */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports the getopt_long failure c ('?' unknown option / ':' missing argument) for the
 * option just parsed; returns CLI_BAD_INPUT. Use with an optstring starting with ':'. */
int cli_bad_option(const char *cmd, int c, char **argv);
/* Parses a positive integer option value; false (message printed) when invalid. */
bool cli_parse_positive(const char *cmd, const char *opt, const char *text, uint64_t max,
                        uint64_t *out);
/* Resets getopt so a command can parse its own argv. */
void cli_getopt_reset(void);

/* Loads MODEL, printing the error; returns the exit status. */
int cli_load_model(const char *path, akisim_model **m);

/* An input batch read from an .npy file and checked against the model. */
typedef struct cli_batch {
    cmp_array arr;            /* the array as read (uint8 or int8) */
    size_t n;                 /* number of samples */
    akisim_input_dtype dtype; /* element type for the API */
} cli_batch;
/* Reads X.npy (4-D (n, x, y, c), or 3-D for one sample) with the dtype and shape the model
 * expects (uint8, int8 for signed inputs); messages start with the file name. */
npu_status cli_batch_read(const char *path, akisim_model *m, cli_batch *b, npu_err *err);
void cli_batch_free(cli_batch *b);

/* The device options of `run` and `evaluate`: --mesh and the options that need it. */
typedef struct cli_device_opts {
    const char *mesh;       /* --mesh: preset, gen:..., or mesh YAML (NULL: software backend) */
    bool hw_only;           /* --hw-only */
    bool map_mode_set;      /* --map-mode given */
    cmp_map_mode map_mode;  /* --map-mode (default allnps) */
    const char *clock_mode; /* --clock-mode, or NULL (Performance) */
} cli_device_opts;

/* getopt_long codes of the device options (long only); a command's own long-only codes start
 * at CLI_OPT_NEXT. */
enum { CLI_OPT_MESH = 256, CLI_OPT_HW_ONLY, CLI_OPT_MAP_MODE, CLI_OPT_CLOCK_MODE, CLI_OPT_NEXT };
/* The rows of the device options in a command's getopt_long table (needs <getopt.h>). */
/* clang-format off */
#define CLI_DEVICE_OPTIONS                                                                         \
    {"mesh", required_argument, NULL, CLI_OPT_MESH},                                               \
    {"hw-only", no_argument, NULL, CLI_OPT_HW_ONLY},                                               \
    {"map-mode", required_argument, NULL, CLI_OPT_MAP_MODE},                                       \
    {"clock-mode", required_argument, NULL, CLI_OPT_CLOCK_MODE}
/* clang-format on */
/* The defaults: no mesh, map mode allnps. */
void cli_device_opts_init(cli_device_opts *o);
/* Handles getopt_long code c (argument arg) of command cmd when it is a device option:
 * returns -1 when it is not one, else CLI_OK or the usage status (unknown map mode). */
int cli_device_option(const char *cmd, int c, const char *arg, cli_device_opts *o);
/* The first device option given without --mesh ("--hw-only", ...), or NULL. */
const char *cli_device_without_mesh(const cli_device_opts *o);

/* Formats an array shape as "(a, b, c)" for messages. */
void cli_fmt_dims(char *dst, size_t cap, const cmp_array *a);

/* Writes s as a JSON string literal (quotes, escapes). */
void cli_json_string(FILE *f, const char *s);
/* Writes a shape as a JSON array "[x, y, c]". */
void cli_json_shape(FILE *f, akisim_shape s);

#endif /* CLI_H */
