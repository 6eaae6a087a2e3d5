/*
 * json.c — Lua values <-> JSON text. Contexts live as JSON text in C (compact, isolated, cheap
 * to park and to snapshot); flow functions see them as Lua tables decoded per event.
 *
 * Encoding is deterministic: object keys are written in byte order, so the same context always
 * gives the same text (deterministic replay, stable snapshots).
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "internal.h"

#define MAX_DEPTH 64

typedef struct keyref {
    const char *s;
    size_t n;
} keyref;

static int keycmp(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o, int depth);

static void encode_table(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o, int depth)
{
    const char *key = hfi_dsl_tkey(L, idx);
    if (key) {
        const char *txt = o && o->flow ? hfi_text_lookup(o->flow, o->locale, key) : key;
        hfi_buf_add_jstrz(b, txt ? txt : key);
        return;
    }
    if (hfi_dsl_kind(L, idx))
        luaL_error(L, "a flow or step cannot be used as data");
    if (hfi_readonly_target(L, idx)) { /* a frozen table of the flow's: encode what it shows */
        encode_table(L, lua_gettop(L), b, o, depth);
        lua_pop(L, 1);
        return;
    }
    if (depth >= MAX_DEPTH)
        luaL_error(L, "data nested too deeply (or a table that contains itself)");
    lua_Unsigned n = lua_rawlen(L, idx);
    size_t count = 0, strkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        if (lua_type(L, -2) == LUA_TSTRING)
            strkeys++;
        lua_pop(L, 1);
    }
    hfi_budget_charge(L, count);
    if (b->len > hfi_engine_of(L)->opt.max_string)
        luaL_error(L, "data larger than %d bytes", (int)hfi_engine_of(L)->opt.max_string);
    if (count > 0 && count == n) { /* an array */
        hfi_buf_addc(b, '[');
        for (lua_Unsigned i = 1; i <= n; i++) {
            if (i > 1)
                hfi_buf_addc(b, ',');
            lua_rawgeti(L, idx, (lua_Integer)i);
            encode(L, lua_gettop(L), b, o, depth + 1);
            lua_pop(L, 1);
        }
        hfi_buf_addc(b, ']');
        return;
    }
    if (strkeys != count)
        luaL_error(L, "data tables need string keys (or be arrays 1..n)");
    keyref small[16];
    keyref *keys = count <= 16 ? small : lua_newuserdatauv(L, count * sizeof *keys, 0);
    int keys_at = lua_gettop(L);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        keys[k].s = lua_tolstring(L, -2, &keys[k].n); /* keys stay alive in the table */
        k++;
        lua_pop(L, 1);
    }
    qsort(keys, count, sizeof *keys, keycmp);
    hfi_buf_addc(b, '{');
    for (size_t i = 0; i < count; i++) {
        if (i)
            hfi_buf_addc(b, ',');
        hfi_buf_add_jstr(b, keys[i].s, keys[i].n);
        hfi_buf_addc(b, ':');
        lua_pushlstring(L, keys[i].s, keys[i].n);
        lua_rawget(L, idx);
        encode(L, lua_gettop(L), b, o, depth + 1);
        lua_pop(L, 1);
    }
    hfi_buf_addc(b, '}');
    if (keys != small)
        lua_remove(L, keys_at);
}

static void encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o, int depth)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        hfi_buf_add(b, "null", 4);
        break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx))
            hfi_buf_add(b, "true", 4);
        else
            hfi_buf_add(b, "false", 5);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            hfi_buf_add_i64(b, (int64_t)lua_tointeger(L, idx));
        else
            hfi_buf_add_num(b, (double)lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        hfi_budget_charge(L, 1 + n / 16);
        hfi_buf_add_jstr(b, s, n);
        if (b->len > hfi_engine_of(L)->opt.max_string)
            luaL_error(L, "data larger than %d bytes", (int)hfi_engine_of(L)->opt.max_string);
        break;
    }
    case LUA_TTABLE:
        encode_table(L, idx, b, o, depth);
        break;
    case LUA_TUSERDATA: {
        size_t n;
        const char *j = hfi_view_json(L, idx, &n);
        if (j) {
            hfi_buf_add(b, j, n);
            break;
        }
    }
        /* fall through */
    default:
        luaL_error(L, "a %s cannot be stored as data", luaL_typename(L, idx));
    }
    if (b->oom)
        luaL_error(L, "not enough memory");
    if (b->len > hfi_engine_of(L)->opt.max_string)
        luaL_error(L, "data larger than %d bytes", (int)hfi_engine_of(L)->opt.max_string);
}

void hfi_json_encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o)
{
    luaL_checkstack(L, MAX_DEPTH * 2 + 10, "data nested too deeply");
    encode(L, lua_absindex(L, idx), b, o, 0);
}

/* ---- JSON text -> Lua, directly --------------------------------------------------------
 * The texts decoded here were written by the engine (contexts, values it checked and
 * re-encoded), so they are valid JSON; the decoder still stops safely on anything else. */

typedef struct dec {
    lua_State *L;
    const char *p, *end;
} dec;

static void dec_ws(dec *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t'))
        d->p++;
}

static void dec_string(dec *d)
{
    const char *s = ++d->p, *q = s;
    while (q < d->end && *q != '"' && *q != '\\')
        q++;
    if (q < d->end && *q == '"') { /* no escapes: the common case */
        lua_pushlstring(d->L, s, (size_t)(q - s));
        d->p = q + 1;
        return;
    }
    luaL_Buffer b;
    luaL_buffinit(d->L, &b);
    luaL_addlstring(&b, s, (size_t)(q - s));
    while (q < d->end && *q != '"') {
        if (*q != '\\') {
            luaL_addchar(&b, *q++);
            continue;
        }
        if (++q >= d->end)
            break;
        char c = *q++;
        switch (c) {
        case 'n': luaL_addchar(&b, '\n'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'u': {
            if (d->end - q < 4)
                luaL_error(d->L, "internal: bad JSON escape");
            long cp = hfi_hex4(q);
            q += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && d->end - q >= 6 && q[0] == '\\' && q[1] == 'u') {
                long lo = hfi_hex4(q + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    q += 6;
                }
            }
            if (cp < 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                cp = 0xFFFD;
            char u[4];
            luaL_addlstring(&b, u, hfi_utf8_put(u, (unsigned long)cp));
            break;
        }
        default: luaL_addchar(&b, c);
        }
    }
    d->p = q < d->end ? q + 1 : q;
    luaL_pushresult(&b);
}

/* Past the JSON value at p (valid JSON assumed). */
const char *hfi_json_skip(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') { /* to the closing quote: one not preceded by an odd run of \\ */
            const char *q = p + 1;
            for (;;) {
                q = memchr(q, '"', (size_t)(end - q));
                if (!q)
                    return end;
                const char *b = q;
                while (b[-1] == '\\')
                    b--;
                if (((q - b) & 1) == 0)
                    break;
                q++;
            }
            p = q + 1;
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\t' ||
                                  c == '\r')) {
            return p;
        }
        p++;
    }
    return p;
}

/* How many members or items the object or array at p has, to size its table once. */
static int count_items(const char *p, const char *end)
{
    int n = 0;
    p++;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ','))
            p++;
        if (p >= end || *p == '}' || *p == ']')
            return n;
        p = hfi_json_skip(p, end);  /* a value, or an object member's key */
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        if (p < end && *p == ':')
            p = hfi_json_skip(p + 1 + (p[1] == ' '), end);
        n++;
    }
    return n;
}

static void dec_value(dec *d, int depth);

static void dec_number(dec *d)
{
    char tmp[64];
    size_t n = 0;
    bool frac = false;
    while (d->p < d->end && n < sizeof tmp - 1 &&
           (strchr("+-0123456789.eE", *d->p) != NULL) && *d->p) {
        frac |= *d->p == '.' || *d->p == 'e' || *d->p == 'E';
        tmp[n++] = *d->p++;
    }
    tmp[n] = '\0';
    if (!frac && n < 19) {
        lua_pushinteger(d->L, (lua_Integer)strtoll(tmp, NULL, 10));
        return;
    }
    double v = strtod(tmp, NULL);
    lua_Integer i;
    if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && lua_numbertointeger(v, &i) &&
        (double)i == v)
        lua_pushinteger(d->L, i);
    else
        lua_pushnumber(d->L, v);
}

static void dec_value(dec *d, int depth)
{
    lua_State *L = d->L;
    if (depth > MAX_DEPTH)
        luaL_error(L, "data nested too deeply");
    luaL_checkstack(L, 3, "data nested too deeply");
    dec_ws(d);
    if (d->p >= d->end)
        luaL_error(L, "internal: truncated JSON");
    switch (*d->p) {
    case '{':
        lua_createtable(L, 0, count_items(d->p, d->end));
        d->p++;
        dec_ws(d);
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            return;
        }
        while (d->p < d->end) {
            dec_ws(d);
            if (d->p >= d->end || *d->p != '"')
                luaL_error(L, "internal: bad JSON object");
            dec_string(d);
            dec_ws(d);
            if (d->p < d->end && *d->p == ':')
                d->p++;
            dec_value(d, depth + 1);
            lua_rawset(L, -3);
            dec_ws(d);
            if (d->p < d->end && *d->p == ',') {
                d->p++;
                continue;
            }
            if (d->p < d->end && *d->p == '}')
                d->p++;
            return;
        }
        luaL_error(L, "internal: truncated JSON");
        return;
    case '[': {
        lua_createtable(L, count_items(d->p, d->end), 0);
        d->p++;
        dec_ws(d);
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            return;
        }
        for (lua_Integer i = 1; d->p < d->end; i++) {
            dec_value(d, depth + 1);
            lua_rawseti(L, -2, i);
            dec_ws(d);
            if (d->p < d->end && *d->p == ',') {
                d->p++;
                continue;
            }
            if (d->p < d->end && *d->p == ']')
                d->p++;
            return;
        }
        luaL_error(L, "internal: truncated JSON");
        return;
    }
    case '"':
        dec_string(d);
        return;
    case 't':
        lua_pushboolean(L, 1);
        d->p += 4;
        return;
    case 'f':
        lua_pushboolean(L, 0);
        d->p += 5;
        return;
    case 'n':
        lua_pushnil(L);
        d->p += 4;
        return;
    default:
        dec_number(d);
    }
}

void hfi_json_push(lua_State *L, const char *text, size_t len)
{
    dec d = {L, text, text + len};
    dec_value(&d, 0);
}

/* ---- editing canonical objects in place ------------------------------------------------ */

/* Compares the raw (escaped) JSON key between p and q with the plain key, by unescaped bytes
 * (the order canonical objects are written in). */
int hfi_json_keycmp(const char *p, const char *q, const char *key, size_t klen)
{
    size_t n = (size_t)(q - p);
    if (!memchr(p, '\\', n)) {
        int c = memcmp(p, key, n < klen ? n : klen);
        return c ? c : (n > klen) - (n < klen);
    }
    /* rare: an escaped name; compare it unescaped, byte by byte */
    size_t i = 0;
    for (const char *r = p; r < q; i++) {
        unsigned char a;
        if (*r == '\\') {
            char e = r[1];
            if (e == 'u') { /* only \u00XX reach here from our own writer */
                a = (unsigned char)strtol((char[]){r[4], r[5], 0}, NULL, 16);
                r += 6;
            } else {
                a = (unsigned char)(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r'
                                    : e == 'b' ? '\b' : e == 'f' ? '\f' : e);
                r += 2;
            }
        } else {
            a = (unsigned char)*r++;
        }
        if (i >= klen)
            return 1;
        if (a != (unsigned char)key[i])
            return a < (unsigned char)key[i] ? -1 : 1;
    }
    return i < klen ? -1 : 0;
}

void hfi_json_set_member(hfi_buf *out, const char *obj, size_t len, const char *key,
                         size_t klen, const char *val, size_t vlen)
{
    const char *p = obj, *end = obj + len;
    while (p < end && *p != '{')
        p++;
    p++; /* past '{' */
    hfi_buf_add(out, obj, (size_t)(p - obj));
    bool first = true, done = false;
    while (p < end && *p != '}') {
        if (*p == ',') {
            p++;
            continue;
        }
        const char *kstart = p + 1, *kend = kstart;
        while (kend < end && *kend != '"')
            kend += *kend == '\\' ? 2 : 1;
        const char *vstart = kend + 2; /* past '":' */
        const char *vend = hfi_json_skip(vstart, end);
        int c = done ? -1 : hfi_json_keycmp(kstart, kend, key, klen);
        if (c >= 0 && !done) { /* insert (c > 0) or replace (c == 0) here */
            if (!first)
                hfi_buf_addc(out, ',');
            hfi_buf_add_jstr(out, key, klen);
            hfi_buf_addc(out, ':');
            hfi_buf_add(out, val, vlen);
            first = false;
            done = true;
            if (c == 0) {
                p = vend;
                continue;
            }
        }
        if (!first)
            hfi_buf_addc(out, ',');
        hfi_buf_add(out, p, (size_t)(vend - p));
        first = false;
        p = vend;
    }
    if (!done) {
        if (!first)
            hfi_buf_addc(out, ',');
        hfi_buf_add_jstr(out, key, klen);
        hfi_buf_addc(out, ':');
        hfi_buf_add(out, val, vlen);
    }
    hfi_buf_addc(out, '}');
}

