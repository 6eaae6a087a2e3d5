/*
 * fuzz_bundle.c — libFuzzer target: arbitrary bytes as a bundle's inflated body (manifest size,
 * manifest, entries), sealed and signed here with a fixed key the engine trusts, so that the
 * fuzzer gets past the signature and reaches the manifest reader, the hashes and the flow
 * compiler. The raw bytes are also handed to hf_bundle_inspect() as a whole bundle. Whatever
 * the input: no crash, no leak, and a refused bundle leaves the engine's flows as they were.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "helpflow.h"

static const char *BASE =
    "return flow 'base' { start = 'a', steps = { a = resolved { text = 'x' } } }";

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static unsigned char pk[32], sk[64];
    static int ready;
    if (!ready) {
        unsigned char seed[32] = {1, 2, 3};
        if (sodium_init() < 0 || crypto_sign_seed_keypair(pk, sk, seed) != 0)
            abort();
        ready = 1;
    }
    if (size > 1u << 20)
        return 0;
    uLongf zn = compressBound(size);
    unsigned char *b = malloc(56 + zn + 64);
    if (!b || compress2(b + 56, &zn, data, size, 1) != Z_OK)
        abort();
    memcpy(b, HF_BUNDLE_MAGIC, HF_BUNDLE_MAGICBYTES);
    put32(b + 8, 1);
    put32(b + 12, 0);
    put32(b + 16, (uint32_t)size);
    put32(b + 20, (uint32_t)zn);
    memcpy(b + 24, pk, 32);
    crypto_sign_detached(b + 56 + zn, NULL, b, 56 + zn, sk);

    hf_engine_options o;
    hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION);
    o.instruction_limit = 20000;
    o.memory_limit = 8u << 20;
    o.bundle_public_key = pk;
    hf_engine *e;
    if (hf_engine_new(&e, &o) != HF_OK || hf_engine_load_string(e, BASE, strlen(BASE), "b", NULL))
        abort();
    const char *before, *after;
    hf_engine_flows(e, &before, NULL);
    size_t n = strlen(before) + 1;
    char *copy = malloc(n);
    if (!copy)
        abort();
    memcpy(copy, before, n);
    if (hf_engine_load_bundle(e, b, 56 + zn + 64, NULL, NULL) != HF_OK) {
        hf_engine_flows(e, &after, NULL);
        if (strcmp(copy, after) != 0)
            abort(); /* a refused bundle changed the engine */
    }
    hf_bundle_inspect(e, data, size, pk, NULL, NULL);
    free(copy);
    free(b);
    hf_engine_free(e);
    return 0;
}
