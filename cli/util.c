/*
 * util.c — messages, allocation, formatted strings, reading and writing files, path names,
 * dates and string lists for the helpflow commands.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

char *cli_format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = cli_vformat(fmt, ap);
    va_end(ap);
    return s;
}

char *cli_vformat(const char *fmt, va_list ap)
{
    va_list again;
    int n;
    char *s;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0)
        n = 0;
    s = cli_xrealloc(NULL, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *cli_read_stream(FILE *f, size_t *len)
{
    char *buf = NULL;
    size_t used = 0, cap = 0;

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
    buf[used] = '\0';
    *len = used;
    return buf;
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t used;
    int saved;

    if (!f)
        return NULL;
    buf = cli_read_stream(f, &used);
    if (ferror(f)) {
        /* fread() on a directory fails with EISDIR: report that, not a silent empty file. */
        saved = errno ? errno : EIO;
        fclose(f);
        free(buf);
        errno = saved;
        return NULL;
    }
    fclose(f);
    if (len)
        *len = used;
    return buf;
}

int cli_write_atomic(const char *cmd, const char *path, const void *bytes, size_t len,
                     mode_t mode)
{
    char *tmp = cli_format("%s.XXXXXX", path);
    const unsigned char *p = bytes;
    int fd, err = 0;

    fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        err = errno;
    } else {
        size_t done = 0;
        while (done < len && !err) {
            ssize_t w = write(fd, p + done, len - done);
            if (w < 0 && errno != EINTR)
                err = errno;
            else if (w > 0)
                done += (size_t)w;
        }
        if (!err && mode != 0600 && fchmod(fd, mode) != 0)
            err = errno;
        if (!err && fsync(fd) != 0)
            err = errno;
        if (close(fd) != 0 && !err)
            err = errno;
        if (!err && rename(tmp, path) != 0)
            err = errno;
        if (err)
            unlink(tmp);
    }
    free(tmp);
    if (err) {
        cli_error("%s: %s: %s", cmd, path, strerror(err));
        return -1;
    }
    return 0;
}

const char *cli_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *cli_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return cli_format("%s%s%s", dir, n > 0 && dir[n - 1] != '/' ? "/" : "", name);
}

int cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

char *cli_utc_date(char *buf, size_t size, time_t t)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "?");
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

int cli_strv_has(const cli_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return 1;
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cli_strv_sort(cli_strv *sv)
{
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof *sv->v, by_bytes);
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
