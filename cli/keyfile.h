/*
 * keyfile.h — key files: one line of lowercase hex digits, what 'helpflow bundle keygen' and
 * 'helpflow snapshot keygen' write and what bundle, run, snapshot and replay read; and wiping
 * key bytes once they are used.
 */
#ifndef HF_CLI_KEYFILE_H
#define HF_CLI_KEYFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Zeroes n bytes at p in a way the compiler keeps (a key read into memory). */
void cli_wipe(void *p, size_t n);

/* Writes the n bytes at p as 2n lowercase hex digits and a NUL into out (2n + 1 chars). */
void cli_hex(char *out, const unsigned char *p, size_t n);

/*
 * Reads the key file at path into out, which receives n bytes: the file must hold 2n hex
 * digits, trailing line ends and spaces allowed. Returns 0 then; when secret names the key
 * ("secret", "snapshot"), warns if others may read the file. Returns -1 after the message
 * "cmd: path: why" if the file cannot be read; 1 if it holds something else, with no message
 * (the caller words it) and *digits set to the number of hex digits the file holds when it
 * holds nothing else (a key of another size), else 0. The text read is wiped either way.
 */
int cli_key_read(const char *cmd, const char *path, unsigned char *out, size_t n,
                 const char *secret, size_t *digits);

/* Writes the n bytes at p as one line of hex to a new file (never over an existing one: O_EXCL)
 * with that mode; a file half written is removed. 0, or the errno of the failure. */
int cli_key_write(const char *path, const unsigned char *p, size_t n, mode_t mode);

/* Reads a snapshot key file, one line of 2 * HF_SNAPSHOT_KEYBYTES hex digits (what `helpflow
 * snapshot keygen` writes), into key. cmd names the command in messages ("run"). Warns when
 * others may read the file. 0, or -1 after a message. */
int cli_snapshot_key(const char *cmd, const char *path, unsigned char *key);

#endif
