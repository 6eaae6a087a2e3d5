/* util.c — messages, allocation, file reading and string lists for the helpflow commands. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("helpflow: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void *cli_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p) {
        cli_error("out of memory");
        exit(CLI_EXIT_USAGE);
    }
    return p;
}

char *cli_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(cli_xrealloc(NULL, n), s, n);
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t used = 0, cap = 0;
    int saved;

    if (!f)
        return NULL;
    for (;;) {
        size_t got;
        if (cap - used < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = cli_xrealloc(buf, cap);
        }
        got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        /* fread() on a directory fails with EISDIR: report that, not a silent empty file. */
        saved = errno ? errno : EIO;
        fclose(f);
        free(buf);
        errno = saved;
        return NULL;
    }
    fclose(f);
    buf[used] = '\0';
    if (len)
        *len = used;
    return buf;
}

int cli_is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

size_t cli_chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return n;
}

void cli_strv_push(cli_strv *sv, const char *s)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 8;
        sv->v = cli_xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = cli_xstrdup(s);
}

void cli_strv_free(cli_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

void cli_strv_push_file(cli_strv *sv, const char *path)
{
    struct stat a, b;

    if (stat(path, &a) == 0) {
        for (size_t i = 0; i < sv->n; i++)
            if (stat(sv->v[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return;
    }
    cli_strv_push(sv, path);
}
