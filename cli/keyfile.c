/* keyfile.c — reading and writing key files of hex digits, and wiping keys (keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "helpflow.h"

#include "util.h"

void cli_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

void cli_hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cli_key_read(const char *cmd, const char *path, unsigned char *out, size_t n,
                 const char *secret, size_t *digits)
{
    size_t len = 0, hex = 0;
    char *text = cli_read_file(path, &len);
    struct stat st;

    *digits = 0;
    if (!text) {
        cli_error("%s: %s: %s", cmd, path, strerror(errno));
        return -1;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    for (; hex < len && hex_digit((unsigned char)text[hex]) >= 0; hex++)
        ;
    if (hex != len || len != 2 * n) {
        *digits = hex == len ? len : 0;
        cli_wipe(text, len);
        free(text);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(hex_digit((unsigned char)text[2 * i]) << 4 |
                                 hex_digit((unsigned char)text[2 * i + 1]));
    cli_wipe(text, len);
    free(text);
    if (secret && stat(path, &st) == 0 && (st.st_mode & 077))
        cli_error("%s: warning: the %s key %s can be read by others (mode %04o): chmod 600 it",
                  cmd, secret, path, (unsigned)(st.st_mode & 07777));
    return 0;
}

int cli_key_write(const char *path, const unsigned char *p, size_t n, mode_t mode)
{
    size_t size = 2 * n + 2;
    char *line = cli_xrealloc(NULL, size);
    int fd, err = 0;

    cli_hex(line, p, n);
    strcat(line, "\n");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        err = errno;
    } else {
        size_t len = strlen(line);
        if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0)
            err = errno ? errno : EIO;
        if (close(fd) != 0 && !err)
            err = errno;
        if (err)
            unlink(path);
    }
    cli_wipe(line, size);
    free(line);
    return err;
}

int cli_snapshot_key(const char *cmd, const char *path, unsigned char *key)
{
    size_t digits;
    int rc = cli_key_read(cmd, path, key, HF_SNAPSHOT_KEYBYTES, "snapshot", &digits);

    if (rc > 0)
        cli_error("%s: %s is not a snapshot key file (one line of %d hex digits, as 'helpflow "
                  "snapshot keygen' writes)", cmd, path, 2 * HF_SNAPSHOT_KEYBYTES);
    return rc == 0 ? 0 : -1;
}
