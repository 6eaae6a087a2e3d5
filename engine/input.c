/*
 * input.c — the built-in input types of ask steps. Each parser checks what the customer typed
 * and writes the value to save, as JSON: numbers for number and money (money rounded to two
 * decimals), "YYYY-MM-DD" for dates, trimmed strings for the rest.
 *
 * What is wrong with an input is a problem (hfi_input_problem): a key of the flow's strings that
 * words it, input.<type> or input.<type>.<problem>, and the built-in English said when the flow
 * does not word it (docs/semantics.md). Parsing names the problem; hfi_input_message() finds
 * its words in the session's locale.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_TEXT 1000

/* Every problem, with its key, the key of its type to fall back on, and the built-in English. */
static const hfi_input_problem
    TEXT_EMPTY = {"input.text", NULL, "Please type your answer."},
    TEXT_LONG = {"input.text.too_long", "input.text",
                 "That's too long: please keep it under 1,000 characters."},
    NUMBER = {"input.number", NULL, "Please enter a number."},
    MONEY = {"input.money", NULL, "Please enter an amount, like 12.50."},
    DATE = {"input.date", NULL, "Please enter a date as YYYY-MM-DD."},
    DATE_NONE = {"input.date.no_such_date", "input.date", "That date doesn't exist."},
    EMAIL = {"input.email", NULL, "Please enter an email address."},
    PHONE = {"input.phone", NULL, "Please enter a phone number."},
    /* a JSON number where a date, email or phone was asked for */
    NOT_NUMBER[HFI_NINPUTS] = {
        [HFI_IN_DATE] = {"input.date", NULL, "That doesn't look right."},
        [HFI_IN_EMAIL] = {"input.email", NULL, "That doesn't look right."},
        [HFI_IN_PHONE] = {"input.phone", NULL, "That doesn't look right."},
    };

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* A plain decimal: optional sign, digits, optional fraction. No exponents, hex, inf or nan. */
static bool decimal(const char *s, size_t n, bool allow_commas, int *decimals, double *out)
{
    char tmp[64];
    size_t k = 0, i = 0, digits = 0;
    int dec = -1;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        tmp[k++] = s[i++];
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (k >= sizeof tmp - 1)
                return false;
            tmp[k++] = c;
            digits++;
            if (dec >= 0)
                dec++;
        } else if (c == '.' && dec < 0) {
            tmp[k++] = c;
            dec = 0;
        } else if (c == ',' && allow_commas && dec < 0 && digits > 0) {
            /* a thousands separator must be followed by exactly three digits */
            if (i + 3 >= n || !isdigit((unsigned char)s[i + 1]) ||
                !isdigit((unsigned char)s[i + 2]) || !isdigit((unsigned char)s[i + 3]) ||
                (i + 4 < n && isdigit((unsigned char)s[i + 4])))
                return false;
        } else {
            return false;
        }
    }
    if (!digits || dec == 0)
        return false;
    tmp[k] = '\0';
    *out = strtod(tmp, NULL);
    *decimals = dec < 0 ? 0 : dec;
    return isfinite(*out);
}

static const hfi_input_problem *money(const char *s, size_t n, hfi_buf *out)
{
    static const char *const symbols[] = {"\xC2\xA3", "$", "\xE2\x82\xAC", NULL}; /* £ $ € */
    for (const char *const *sym = symbols; *sym; sym++) {
        size_t l = strlen(*sym);
        if (n >= l && memcmp(s, *sym, l) == 0) {
            s += l;
            n -= l;
            trim(&s, &n);
            break;
        }
    }
    double v;
    int dec;
    if (!decimal(s, n, true, &dec, &v) || dec > 2 || v < 0 || s[0] == '+' || s[0] == '-')
        return &MONEY;
    hfi_buf_add_num(out, round(v * 100) / 100);
    return NULL;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static const hfi_input_problem *date(const char *s, size_t n, hfi_buf *out)
{
    const hfi_input_problem *msg = &DATE;
    int y, m, d;
    char tmp[32];
    if (n != 10)
        return msg;
    memcpy(tmp, s, 10);
    tmp[10] = '\0';
    for (int i = 0; i < 10; i++) {
        bool sep = (tmp[4] == '-') ? (i == 4 || i == 7) : (i == 2 || i == 5);
        if (sep ? !(tmp[i] == '-' || tmp[i] == '/') : !isdigit((unsigned char)tmp[i]))
            return msg;
    }
    if (tmp[4] == '-' && tmp[7] == '-')
        sscanf(tmp, "%4d-%2d-%2d", &y, &m, &d);
    else if (tmp[2] == '/' && tmp[5] == '/')
        sscanf(tmp, "%2d/%2d/%4d", &d, &m, &y);
    else
        return msg;
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap(y)))
        return &DATE_NONE;
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    hfi_buf_add_jstrz(out, tmp);
    return NULL;
}

static const hfi_input_problem *email(const char *s, size_t n, hfi_buf *out)
{
    const hfi_input_problem *msg = &EMAIL;
    const char *at = memchr(s, '@', n);
    if (!at || at == s || n > 254)
        return msg;
    size_t local = (size_t)(at - s), dom = n - local - 1;
    if (memchr(at + 1, '@', dom) || dom < 3)
        return msg;
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' ||
            c == '<' || c == '>' || c == '[' || c == ']' || c == '\\')
            return msg;
        if (i > local && c == '.')
            dot = s + i;
    }
    if (!dot || dot == at + 1 || dot == s + n - 1)
        return msg;
    hfi_buf_add_jstr(out, s, n);
    return NULL;
}

static const hfi_input_problem *phone(const char *s, size_t n, hfi_buf *out)
{
    char tmp[32];
    size_t k = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (k >= sizeof tmp - 1)
                return &PHONE;
            tmp[k++] = c;
            digits++;
        } else if (c == '+' && k == 0 && digits == 0) {
            tmp[k++] = c;
        } else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')) {
            return &PHONE;
        }
    }
    if (digits < 7 || digits > 15)
        return &PHONE;
    hfi_buf_add_jstr(out, tmp, k);
    return NULL;
}

const hfi_input_problem *hfi_input_parse(int type, const char *s, size_t n, bool is_number,
                                         double num, hfi_buf *out)
{
    char tmp[64];
    if (is_number) {
        if (type != HFI_IN_NUMBER && type != HFI_IN_MONEY)
            return type == HFI_IN_TEXT ? &TEXT_EMPTY : &NOT_NUMBER[type];
        if (!isfinite(num))
            return type == HFI_IN_MONEY ? &MONEY : &NUMBER;
        int k = snprintf(tmp, sizeof tmp, "%.17g", num);
        s = tmp;
        n = (size_t)k;
        if (type == HFI_IN_MONEY) {
            if (num < 0 || fabs(round(num * 100) - num * 100) > 1e-6)
                return &MONEY;
            hfi_buf_add_num(out, round(num * 100) / 100);
            return NULL;
        }
        hfi_buf_add_num(out, num);
        return NULL;
    }
    trim(&s, &n);
    switch (type) {
    case HFI_IN_NUMBER: {
        double v;
        int dec;
        if (!decimal(s, n, false, &dec, &v))
            return &NUMBER;
        hfi_buf_add_num(out, v);
        return NULL;
    }
    case HFI_IN_MONEY:
        return money(s, n, out);
    case HFI_IN_DATE:
        return date(s, n, out);
    case HFI_IN_EMAIL:
        return email(s, n, out);
    case HFI_IN_PHONE:
        return phone(s, n, out);
    default:
        if (n == 0)
            return &TEXT_EMPTY;
        if (n > MAX_TEXT)
            return &TEXT_LONG;
        hfi_buf_add_jstr(out, s, n);
        return NULL;
    }
}

const char *hfi_input_message(const hfi_flow *f, const char *locale,
                              const hfi_input_problem *p)
{
    const char *s;
    /* the customer's locale words it, then the flow's default locale, then the engine: the
     * problem's own key before its type's in each, so that a locale wording only input.date
     * still says it in the customer's language when the date does not exist */
    if ((s = hfi_text_lookup_in(f, locale, p->key)) ||
        (p->general && (s = hfi_text_lookup_in(f, locale, p->general))) ||
        (s = hfi_text_lookup_in(f, NULL, p->key)) ||
        (p->general && (s = hfi_text_lookup_in(f, NULL, p->general))))
        return s;
    return p->text;
}
