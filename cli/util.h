/*
 * util.h — small helpers shared by the helpflow commands: exit codes, error messages,
 * allocation that gives up loudly, reading files and a growable list of strings.
 */
#ifndef HF_CLI_UTIL_H
#define HF_CLI_UTIL_H

#include <stddef.h>

/* The command's exit codes (DESIGN.md section 8). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILED = 1, CLI_EXIT_USAGE = 2 };

#if defined(__GNUC__)
#  define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF(f, a)
#endif

/* Prints "helpflow: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/* malloc/realloc/strdup that print a message and exit(2) when memory runs out: a command-line
 * tool has nothing better to do, and it keeps every caller free of NULL checks. */
void *cli_xrealloc(void *ptr, size_t size);
char *cli_xstrdup(const char *s);

/* The whole file, NUL-terminated (its length in *len if len is not NULL); the caller frees it.
 * NULL with errno set if it cannot be read. */
char *cli_read_file(const char *path, size_t *len);

/* True if s holds only white space. */
int cli_is_blank(const char *s);

/* Removes trailing newline / carriage-return characters in place; returns the new length. */
size_t cli_chomp(char *s);

/* A growable array of owned strings. Zero-initialise it; cli_strv_free() releases it. */
typedef struct cli_strv {
    char **v;
    size_t n, cap;
} cli_strv;

void cli_strv_push(cli_strv *sv, const char *s);
void cli_strv_free(cli_strv *sv);

/* Adds a file path, unless the list already names that same file (a path given twice, or a
 * file given both by itself and through its directory): it is loaded once. */
void cli_strv_push_file(cli_strv *sv, const char *path);

#endif
