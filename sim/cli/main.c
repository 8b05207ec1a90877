/*
 * main: the akisim command line entry point. It handles the global options (--version,
 * --help) and dispatches the first word to a subcommand from CLI_COMMANDS, one row per
 * command (see cli.h for how to add one).
 */
#include "cli.h"

#include <string.h>

#ifndef AKISIM_VERSION
#define AKISIM_VERSION "0.0.0"
#endif

/* The subcommands, in the order `akisim --help` lists them. */
static const cli_command CLI_COMMANDS[] = {
    {"summary", cmd_summary, "print a model's layers, shapes and sequences"},
    {"run", cmd_run, "forward inputs through a model (software backend)"},
    {"evaluate", cmd_evaluate, "class accuracy of a model on labelled inputs"},
    {"sparsity", cmd_sparsity, "per-layer output sparsity on inputs"},
    {"demo", cmd_demo, "write the built-in demo model, inputs and labels"},
    {"mesh", cmd_mesh, "show or export a mesh (preset, gen:..., or YAML file)"},
    {"zoo", cmd_zoo, "build a model-zoo architecture with synthetic weights"},
    {"check", cmd_check, "list a model's incompatibilities with a mesh"},
    {"map", cmd_map, "map a model onto a mesh (sequences, passes, NPs)"},
    {"sweep", cmd_sweep, "run a scenario's points (models x meshes x mappings ...)"},
    {"report", cmd_report, "render a sweep directory: figures, index.html, summary.md"},
    {"input", cmd_input, "write seeded random inputs (.npy) for a shape or a model"},
    {"dataset", cmd_dataset, "convert a packaged dataset (fashion-mnist) to .npy"},
    {"calibrate", cmd_calibrate, "published silicon figures vs simulated; fit the calibration"},
    {"rtl-check", cmd_rtl_check, "cross-check the Verilated RTL blocks against the C models"},
};

#define CLI_N_COMMANDS (sizeof CLI_COMMANDS / sizeof CLI_COMMANDS[0])

/* The top-level help. */
static void usage(FILE *f) {
    fprintf(f, "usage: akisim [--version] [--help] <command> [<args>]\n\n"
               "akisim simulates Akida-class event-based neural processors.\n\n"
               "commands:\n");
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", CLI_COMMANDS[i].name, CLI_COMMANDS[i].brief);
    fprintf(f, "\nRun 'akisim <command> --help' for a command's options.\n"
               "Exit status: 0 success, 2 bad input or usage, 1 internal failure.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "akisim: no command given (see 'akisim --help')\n");
        return CLI_BAD_INPUT;
    }
    const char *word = argv[1];
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) {
        printf("akisim %s\n", AKISIM_VERSION);
        return CLI_OK;
    }
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        if (strcmp(word, "help") == 0 && argc > 2) {
            char help[] = "--help";
            char *sub[] = {argv[2], help, NULL};
            cli_getopt_reset();
            for (size_t i = 0; i < CLI_N_COMMANDS; i++)
                if (strcmp(argv[2], CLI_COMMANDS[i].name) == 0)
                    return CLI_COMMANDS[i].run(2, sub);
            fprintf(stderr, "akisim: unknown command '%s' (see 'akisim --help')\n", argv[2]);
            return CLI_BAD_INPUT;
        }
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        if (strcmp(word, CLI_COMMANDS[i].name) == 0) {
            cli_getopt_reset();
            return CLI_COMMANDS[i].run(argc - 1, argv + 1);
        }
    if (word[0] == '-')
        fprintf(stderr, "akisim: unknown option '%s' (see 'akisim --help')\n", word);
    else
        fprintf(stderr, "akisim: unknown command '%s' (see 'akisim --help')\n", word);
    return CLI_BAD_INPUT;
}
