/*
 * args.h — the options of the helpflow commands, read by one parser so that every command
 * takes them alike: "--name VALUE" or "--name=VALUE" (a one-letter option "-o VALUE" only),
 * flags as they are, "--help" or "-h" for the usage, "--" to end the options, and "-" as an
 * operand (stdin, where a command reads it). A command lists its options as data and gets its
 * operands one by one.
 */
#ifndef HF_CLI_ARGS_H
#define HF_CLI_ARGS_H

#include <stdio.h>

/* cli_option.how: spellings and wordings some options keep from before there was one parser. */
#define CLI_OPT_EQUALS 1u /* a one-letter option that takes "-o=VALUE" too (snapshot -o) */
#define CLI_OPT_FILE 2u   /* a missing value reads "--html needs a file" (report, route) */

typedef struct cli_option {
    const char *name;    /* "--flow", "-o" */
    const char *alias;   /* another spelling ("-q", "--output"), or NULL */
    int *flag;           /* a flag: set to 1 */
    const char **value;  /* an option with a value: where it goes */
    /* or an option whose value is checked as it comes: returns as cli_args.operand does */
    int (*take)(void *ud, const char *value);
    unsigned how;        /* CLI_OPT_* */
} cli_option;

typedef struct cli_args {
    const char *cmd;       /* what the messages start with: "run", "bundle pack" */
    const char *help;      /* the command whose --help they point to: "run", "bundle" */
    const char *value_cmd; /* for "option '--x' needs a value", when not cmd ("bundle") */
    void (*usage)(FILE *out);
    const cli_option *options; /* the last one's name is NULL */
    /* Takes an operand (anything after "--": quoted is 1). Returns 0; 1 when it is bad, after
     * a message: the parse goes on, and fails at the end; -1 to stop the parse now. */
    int (*operand)(void *ud, const char *arg, int quoted);
    void *ud;              /* for operand and take */
} cli_args;

/* Reads argv[1..argc) (argv[0] is the command or subcommand). Returns -1 to go on, CLI_EXIT_OK
 * after printing the usage on stdout (--help), or CLI_EXIT_USAGE after a message. */
int cli_parse_args(const cli_args *a, int argc, char **argv);

/* Operand takers: cli_operand_push() keeps every operand in the cli_strv ud points to;
 * cli_operand_flow() keeps each flow file once (cli_strv_push_file()), passing over
 * routing.lua, actions.lua and conversation tests (load.h), so that a glob of a directory of
 * flows will do. */
int cli_operand_push(void *ud, const char *arg, int quoted);
int cli_operand_flow(void *ud, const char *arg, int quoted);

#endif
