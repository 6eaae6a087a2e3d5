/*
 * main.c — the `helpflow` command: dispatches to a subcommand. Like lua.c for Lua, it is an
 * ordinary client of the public API in helpflow.h and never reaches into the engine.
 */
#include <stdio.h>
#include <string.h>

#include "helpflow.h"

#include "cli.h"
#include "util.h"

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *synopsis;
    const char *what;
} commands[] = {
    { "run", cli_run,
      "run [--json] [--flow ID] [--context JSON] [--save FILE] [--restore FILE] FLOW.lua...",
      "play a flow in the terminal, or drive it over JSON lines; save and restore snapshots" },
    { "check", cli_check, "check [--strict] [--max-text N] [--actions FILE] PATH...",
      "load and lint flows (files, or directories of *.lua)" },
    { "test", cli_test, "test [--coverage] [--min-coverage PCT] PATH...",
      "run the conversation tests beside the flows (X.test.lua); step and transition coverage" },
    { "graph", cli_graph,
      "graph [--flow ID] [--format dot|mermaid|svg] [--heat OUTCOMES.jsonl] [-o FILE] FLOW.lua...",
      "draw a flow (Graphviz dot, Mermaid, SVG), optionally coloured by sessions' trails" },
    { "route", cli_route, "route --routing FILE --queues LIVE.json [--explain] ESCALATION.json",
      "where an escalation goes: queue, priority, Erlang C wait, overflow, explanation" },
    { "bundle", cli_bundle, "bundle keygen|pack|verify|list ...",
      "signing keys; pack, sign, verify and list flow bundles for apps" },
    { "report", cli_report, "report [--json] [--html FILE] OUTCOMES.jsonl...",
      "containment, escalations and funnels from outcome records, per flow version" },
    { "snapshot", cli_snapshot,
      "snapshot inspect FILE [--key KEYFILE] [--json] [FLOW.lua...] | keygen -o KEYFILE",
      "show what a saved session holds; make a snapshot key" },
    { "replay", cli_replay,
      "replay LOG [--claim FILE] [--key KEYFILE] [--quiet | --json] FLOW.lua...",
      "rebuild a session from its event log, step by step; check a claimed final output" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("usage: helpflow COMMAND [OPTIONS] [ARGS]\n"
          "       helpflow --help | --version\n"
          "\n"
          "commands:\n", out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %s\n      %s\n", commands[i].synopsis, commands[i].what);
    fputs("\n"
          "'helpflow COMMAND --help' describes a command.\n"
          "Exit status: 0 success, 1 a check failed, 2 bad usage or bad input.\n", out);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct command *cmd;
    const char *arg = argc > 1 ? argv[1] : NULL;

    if (!arg) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0) {
        /* "helpflow help run" is "helpflow run --help". */
        if (argc > 2) {
            char help[] = "--help";
            char *sub[2];
            cmd = find_command(argv[2]);
            if (!cmd) {
                cli_error("unknown command '%s'; try 'helpflow --help'", argv[2]);
                return CLI_EXIT_USAGE;
            }
            sub[0] = argv[2];
            sub[1] = help;
            return cmd->fn(2, sub);
        }
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(arg, "--version") == 0) {
        puts(hf_version());
        return CLI_EXIT_OK;
    }
    cmd = find_command(arg);
    if (cmd)
        return cmd->fn(argc - 1, argv + 1);
    if (arg[0] == '-')
        cli_error("unknown option '%s'; try 'helpflow --help'", arg);
    else
        cli_error("unknown command '%s'; try 'helpflow --help'", arg);
    return CLI_EXIT_USAGE;
}
