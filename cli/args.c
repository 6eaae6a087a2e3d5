/* args.c — the parser of the commands' options (args.h). */
#include "args.h"

#include <string.h>

#include "load.h"
#include "util.h"

/* Whether argv[*i] is option o, spelled `spelling`: 1 and *value set (NULL for a flag), 0 if
 * not. A value is what follows "=", else the next argument (*i moves past it); *missing is set
 * when there is none. */
static int match(const cli_option *o, const char *spelling, int argc, char **argv, int *i,
                 const char **value, int *missing)
{
    const char *arg = argv[*i];
    size_t n = strlen(spelling);

    if (o->flag) {
        *value = NULL;
        return strcmp(arg, spelling) == 0;
    }
    if (strncmp(arg, spelling, n) != 0)
        return 0;
    if (arg[n] == '=' && (n > 2 || (o->how & CLI_OPT_EQUALS))) {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        *missing = 1;
        return 1;
    }
    *value = argv[++*i];
    return 1;
}

/* argv[*i], which starts with '-': one of the options. Returns as cli_args.operand does. */
static int option(const cli_args *a, int argc, char **argv, int *i)
{
    for (const cli_option *o = a->options; o->name; o++) {
        const char *spelling = o->name, *value = NULL;
        int missing = 0;
        if (!match(o, spelling, argc, argv, i, &value, &missing)) {
            spelling = o->alias;
            if (!spelling || !match(o, spelling, argc, argv, i, &value, &missing))
                continue;
        }
        if (missing) {
            const char *cmd = a->value_cmd ? a->value_cmd : a->cmd;
            if (o->how & CLI_OPT_FILE)
                cli_error("%s: %s needs a file; try 'helpflow %s --help'", a->cmd, spelling,
                          a->help);
            else
                cli_error("%s: option '%s' needs a value; try 'helpflow %s --help'", cmd,
                          spelling, cmd);
            return -1;
        }
        if (o->flag)
            *o->flag = 1;
        else if (o->take)
            return o->take(a->ud, value);
        else
            *o->value = value;
        return 0;
    }
    cli_error("%s: unknown option '%s'; try 'helpflow %s --help'", a->cmd, argv[*i], a->help);
    return -1;
}

int cli_parse_args(const cli_args *a, int argc, char **argv)
{
    int quoted = 0, bad = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int r;

        if (quoted || arg[0] != '-' || arg[1] == '\0') {
            r = a->operand(a->ud, arg, quoted);
        } else if (strcmp(arg, "--") == 0) {
            quoted = 1;
            continue;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->usage(stdout);
            return CLI_EXIT_OK;
        } else {
            r = option(a, argc, argv, &i);
        }
        if (r < 0)
            return CLI_EXIT_USAGE;
        bad |= r > 0;
    }
    return bad ? CLI_EXIT_USAGE : -1;
}

int cli_operand_push(void *ud, const char *arg, int quoted)
{
    (void)quoted;
    cli_strv_push(ud, arg);
    return 0;
}

int cli_operand_flow(void *ud, const char *arg, int quoted)
{
    (void)quoted;
    if (cli_file_role_of(arg) == CLI_FILE_FLOW)
        cli_strv_push_file(ud, arg);
    return 0;
}
