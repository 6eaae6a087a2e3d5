/*
 * util.h — small helpers shared by the helpflow commands: exit codes, error messages,
 * allocation that gives up loudly, formatted strings, reading and writing files, path names,
 * dates and a growable list of strings.
 */
#ifndef HF_CLI_UTIL_H
#define HF_CLI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

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

/* printf into a new string the caller frees. */
char *cli_format(const char *fmt, ...) CLI_PRINTF(1, 2);
char *cli_vformat(const char *fmt, va_list ap) CLI_PRINTF(1, 0);

/* The whole file, NUL-terminated (its length in *len if len is not NULL); the caller frees it.
 * NULL with errno set if it cannot be read. */
char *cli_read_file(const char *path, size_t *len);

/* What is left of f, NUL-terminated (its length in *len), up to its end or its first read
 * error: ferror(f) tells which. Never NULL; the caller frees it. */
char *cli_read_stream(FILE *f, size_t *len);

/* Writes len bytes to path through a temporary file beside it, renamed over path at the end:
 * a reader (or a crash) sees the old file or the new one, never half of one. The file gets
 * mode (0600 for snapshots and event logs: they hold what the customer told the flow). 0, or
 * -1 after the message "cmd: path: why". */
int cli_write_atomic(const char *cmd, const char *path, const void *bytes, size_t len,
                     mode_t mode);

/* The last component of path (after its last '/'): a pointer into path. */
const char *cli_base_name(const char *path);

/* "dir/name" (no second '/' when dir ends with one); the caller frees it. */
char *cli_path_join(const char *dir, const char *name);

/* True if s ends with suffix. */
int cli_ends_with(const char *s, const char *suffix);

/* t as a UTC date, "2026-01-01T00:00:00Z", into buf; "?" if it is not a date gmtime_r() can
 * give. Returns buf. */
char *cli_utc_date(char *buf, size_t size, time_t t);

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

/* Whether the list holds s. */
int cli_strv_has(const cli_strv *sv, const char *s);

/* Sorts the list by byte order (strcmp). */
void cli_strv_sort(cli_strv *sv);

/* Adds a file path, unless the list already names that same file (a path given twice, or a
 * file given both by itself and through its directory): it is loaded once. */
void cli_strv_push_file(cli_strv *sv, const char *path);

#endif
