# helpflow report: the table and JSON for tests/data/outcomes.jsonl, medians, funnels, empty
# input, every kind of malformed record (exit 2 with FILE:LINE), and hostile strings.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

D="$HF_SOURCE_DIR/tests/data/outcomes.jsonl"

# rec FLOW VERSION OUTCOME STEP DURATION [REASON] [EXTRA-MEMBERS]: one outcome record.
rec() {
    local reason=""
    [ -n "${6:-}" ] && reason=",\"reason\":\"$6\""
    printf '{"session":"s","flow":"%s","version":%s,"outcome":"%s"%s,"step":"%s","steps":3,"started_at":1767225600,"finished_at":%d,"duration":%s%s}\n' \
        "$1" "$2" "$3" "$reason" "$4" $((1767225600 + ${5%%.*})) "$5" "${7:-}"
}

# --- the sample: exact text output --------------------------------------------------------
run_hf report "$D"
expect_code 0 "report of the sample"
cat >"$T/want" <<'TXT'
flow           version  sessions  resolved  containment  escalated  cancelled  abandoned  failed    median   (s)  most unresolved end
card_declined        2         5         2        40.0%          2          0          1       0    1m 35s    95  ask_amount (1)
card_declined        3        12         6        50.0%          5          1          0       0  1m 26.5s  86.5  to_agent (3)
forgotten_pin        1         7         3        42.9%          2          0          1       1    2m 00s   120  await_identity (1)
lost_card            2         9         6        66.7%          3          0          0       0    3m 50s   230  cant_freeze (1)
all flows                     33        17        51.5%         12          1          2       1    2m 00s   120

escalated by reason
flow           version  reason                   sessions  share
card_declined        2  card_status_unavailable         1  50.0%
card_declined        2  not_resolved                    1  50.0%
card_declined        3  not_resolved                    3  60.0%
card_declined        3  card_status_unavailable         1  20.0%
card_declined        3  customer_requested              1  20.0%
forgotten_pin        1  customer_requested              1  50.0%
forgotten_pin        1  identity_timeout                1  50.0%
lost_card            2  fraud_case_failed               1  33.3%
lost_card            2  freeze_failed                   1  33.3%
lost_card            2  identity_not_verified           1  33.3%
TXT
diff -u "$T/want" "$OUT" >&2 || fail "the table differs from the expected one"
[ ! -s "$ERR" ] || fail "stderr is not empty"

# the same file twice, and the same records from stdin: counted once / the same figures
run_hf report "$D" "$D"
diff -u "$T/want" "$OUT" >&2 || fail "a file given twice is read twice"
run_hf report - <"$D"
expect_code 0 "report from stdin"
diff -u "$T/want" "$OUT" >&2 || fail "stdin gives other figures"
# the order of the records changes nothing (ties are broken by name, not by position)
tac "$D" >"$T/reversed.jsonl"
run_hf report "$T/reversed.jsonl"
diff -u "$T/want" "$OUT" >&2 || fail "reversed records give another table"
run_hf report --json "$D"
cp "$OUT" "$T/forward.json"
run_hf report --json "$T/reversed.jsonl"
diff -u "$T/forward.json" "$OUT" >&2 || fail "reversed records give other JSON"

# --- JSON ---------------------------------------------------------------------------------
run_hf report --json "$D"
expect_code 0 "report --json"
J=$(tr -d '\n\t' <"$OUT" | sed 's/}, {/},{/g')
has() { printf '%s' "$J" | grep -qF -- "$1" || fail "JSON lacks: $1"; }
has '"records":33,"flows":[{"flow":"card_declined","version":2,"sessions":5,"resolved":2,"containment_pct":40,'
has '"flow":"card_declined","version":3,"sessions":12,"resolved":6,"containment_pct":50,"escalated":5,"escalated_by_reason":{"not_resolved":3,"card_status_unavailable":1,"customer_requested":1},"cancelled":1,"abandoned":0,"failed":0,"median_duration_s":86.5,"median_duration":"1m 26.5s","most_unresolved_end":{"step":"to_agent","sessions":3},"trails":12'
# the funnel: along the most common path (check_card > ask_amount > lookup > no_funds > done),
# then the steps reached off it, most reached first, ties by name
has '"funnel":[{"step":"check_card","sessions":12,"main_path":true},{"step":"ask_amount","sessions":8,"main_path":true},{"step":"lookup","sessions":7,"main_path":true},{"step":"no_funds","sessions":4,"main_path":true},{"step":"done","sessions":6,"main_path":true},{"step":"frozen","sessions":3,"main_path":false},{"step":"not_found","sessions":3,"main_path":false},{"step":"to_agent","sessions":3,"main_path":false},{"step":"did_it_help","sessions":2,"main_path":false},{"step":"unfreeze","sessions":2,"main_path":false},{"step":"cant_check","sessions":1,"main_path":false}]'
# a subflow's steps, reached through the call step
has '{"step":"verify_identity/send_check","sessions":2,"main_path":false}'
# no trails: no funnel steps, outcomes only
has '"flow":"forgotten_pin","version":1,"sessions":7,"resolved":3,"containment_pct":42.9,"escalated":2,"escalated_by_reason":{"customer_requested":1,"identity_timeout":1},"cancelled":0,"abandoned":1,"failed":1,"median_duration_s":120,"median_duration":"2m 00s","most_unresolved_end":{"step":"await_identity","sessions":1},"trails":0,"funnel":[]'
has '"total":{"sessions":33,"resolved":17,"containment_pct":51.5,"escalated":12,"escalated_by_reason":{"not_resolved":4,'

# --- medians and durations ----------------------------------------------------------------
{ rec f 1 resolved done 10; rec f 1 resolved done 30; rec f 1 resolved done 20; } >"$T/odd.jsonl"
run_hf report --json "$T/odd.jsonl"
expect_out '"median_duration_s":	20,'
expect_out '"median_duration":	"20s"'
{ rec f 1 resolved done 41; rec f 1 resolved done 10; rec f 1 resolved done 31; rec f 1 resolved done 20; } >"$T/even.jsonl"
run_hf report --json "$T/even.jsonl"
expect_out '"median_duration_s":	25.5,'
expect_out '"median_duration":	"25.5s"'
run_hf report "$T/even.jsonl"
expect_out '   25.5s  25.5  -'
rec f 1 resolved done 0 >"$T/one.jsonl"
run_hf report "$T/one.jsonl"
expect_out 'f           1         1         1       100.0%          0          0          0       0      0s    0  -'
expect_lines 5 # one row, no total row; then "escalated by reason" and "none"
expect_out 'escalated by reason'
expect_out 'none'
for d in "59 59s" "60 1m 00s" "3599 59m 59s" "3600 1h 00m 00s" "90061 1d 01h 01m 01s"; do
    rec f 1 resolved done "${d%% *}" >"$T/d.jsonl"
    run_hf report --json "$T/d.jsonl"
    expect_out "\"median_duration\":	\"${d#* }\""
done

# --- empty input: a clear message, exit 0 -------------------------------------------------
: >"$T/empty.jsonl"
printf '\n  \n\t\r\n' >"$T/blank.jsonl"
for f in empty blank; do
    run_hf report "$T/$f.jsonl"
    expect_code 0 "report of an $f file"
    [ "$(cat "$OUT")" = "no outcome records" ] || fail "$f file: not 'no outcome records'"
done
run_hf report --json "$T/empty.jsonl"
expect_code 0 "report --json of an empty file"
J=$(tr -d '\n\t' <"$OUT" | sed 's/}, {/},{/g')
has '"records":0,"flows":[],"total":{"sessions":0,"resolved":0,"containment_pct":null,'
has '"median_duration_s":null'
run_hf report "$T/empty.jsonl" --html "$T/empty.html"
expect_code 0 "report --html of an empty file"
grep -qF 'No outcome records.' "$T/empty.html" || fail "the empty page does not say so"

# --- unknown members are fine; blank lines and CRLF are fine ------------------------------
{ rec f 1 resolved done 5 '' ',"channel":"app","locale":"cy","extra":{"nested":[1,2]}'; echo;
  rec f 1 escalated agent 7 not_resolved | sed 's/$/\r/'; } >"$T/extra.jsonl"
run_hf report --json "$T/extra.jsonl"
expect_code 0 "records with unknown members"
expect_out '"sessions":	2,'

# --- malformed records: exit 2, FILE:LINE: what is wrong, no report -----------------------
# bad LINE MESSAGE: a file whose line 3 is LINE (after a good record and a blank line).
bad() {
    { rec f 1 resolved done 5; echo; printf '%s\n' "$1"; rec f 1 resolved done 6; } >"$T/bad.jsonl"
    run_hf report "$T/bad.jsonl" --html "$T/bad.html"
    expect_code 2 "malformed: $1"
    expect_err "$T/bad.jsonl:3: $2"
    [ ! -s "$OUT" ] || fail "a report was printed for a malformed file: $1"
    [ ! -e "$T/bad.html" ] || fail "a page was written for a malformed file: $1"
    expect_err "1 malformed line; no report made"
}
good='"session":"s","step":"x","steps":1,"started_at":1,"finished_at":2,"duration":1'
bad '{"flow": "f", "version": 1,' 'not valid JSON (column 29)'
bad 'not json' 'not valid JSON (column 1)'
bad '{"a":1} {"b":2}' 'not valid JSON'
bad '[1, 2]' 'not a JSON object'
bad '"resolved"' 'not a JSON object'
bad "{\"version\":1,\"outcome\":\"resolved\",$good}" 'missing "flow"'
bad "{\"flow\":7,\"version\":1,\"outcome\":\"resolved\",$good}" '"flow" must be a non-empty string'
bad "{\"flow\":\"\",\"version\":1,\"outcome\":\"resolved\",$good}" '"flow" must be a non-empty string'
bad "{\"flow\":\"f\",\"outcome\":\"resolved\",$good}" 'missing "version"'
bad "{\"flow\":\"f\",\"version\":\"3\",\"outcome\":\"resolved\",$good}" '"version" must be a whole number >= 0'
bad "{\"flow\":\"f\",\"version\":1.5,\"outcome\":\"resolved\",$good}" '"version" must be a whole number >= 0'
bad "{\"flow\":\"f\",\"version\":1e400,\"outcome\":\"resolved\",$good}" '"version" must be a whole number >= 0'
bad "{\"flow\":\"f\",\"version\":1,$good}" 'missing "outcome"'
bad "{\"flow\":\"f\",\"version\":1,\"outcome\":\"solved\",$good}" '"outcome" must be one of resolved, escalated, cancelled, abandoned, failed'
bad "{\"flow\":\"f\",\"version\":1,\"outcome\":true,$good}" '"outcome" must be one of'
bad "{\"flow\":\"f\",\"version\":1,\"outcome\":\"escalated\",$good}" 'an escalated outcome needs a "reason"'
bad "{\"flow\":\"f\",\"version\":1,\"outcome\":\"escalated\",\"reason\":null,$good}" '"reason" must be a non-empty string'
bad '{"flow":"f","version":1,"outcome":"resolved","duration":1}' 'missing "step"'
bad '{"flow":"f","version":1,"outcome":"resolved","step":["x"],"duration":1}' '"step" must be a non-empty string'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x"}' 'missing "duration"'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":-1}' '"duration" must be a whole number of seconds >= 0'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":"60"}' '"duration" must be a whole number of seconds >= 0'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":1,"steps":-2}' '"steps" must be a whole number >= 0'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":1,"started_at":"now"}' '"started_at" must be a whole number'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":1,"session":5}' '"session" must be a string'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":1,"trail":"x"}' '"trail" must be an array of step ids'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":1,"trail":["a",2]}' '"trail" entry 2 must be a non-empty string'
bad '{"flow":"f","version":1,"outcome":"resolved","step":"x","duration":1,"trail":["a",""]}' '"trail" entry 2 must be a non-empty string'
bad '{"flow":"f","flow":"g","version":1,"outcome":"resolved","step":"x","duration":1}' '"flow" appears 2 times'
bad "$(printf '{"flow":"f\xff","version":1,"outcome":"resolved","step":"x","duration":1}')" 'not valid UTF-8 (byte 11)'
bad "$(printf '{"flow":"\xed\xa0\x80","version":1,"outcome":"resolved","step":"x","duration":1}')" 'not valid UTF-8'
# a NUL byte inside a line
{ rec f 1 resolved done 5; printf '{"flow":"f"\0}\n'; } >"$T/nul.jsonl"
run_hf report "$T/nul.jsonl"
expect_code 2 "a line with a NUL byte"
expect_err "nul.jsonl:2: holds a NUL byte"

# every malformed line is named (the first 20), across files, then counted
{ for i in $(seq 1 25); do echo "bad $i"; done; } >"$T/many.jsonl"
run_hf report "$D" "$T/bad.jsonl" "$T/many.jsonl"
expect_code 2 "many malformed lines"
expect_err "bad.jsonl:3:"
expect_err "many.jsonl:19: not valid JSON"
grep -qF "many.jsonl:20:" "$ERR" && fail "more than 20 lines named"
expect_err "... and 6 more malformed lines"
expect_err "26 malformed lines; no report made"

# --- hostile strings: escaped in every output ---------------------------------------------
printf '%s\n' \
  '{"flow":"x<b>","version":1,"outcome":"escalated","reason":"<script>alert(1)</script>","step":"s\u001b[31m","duration":3,"trail":["a&b","s\"q'"'"'"]}' \
  '{"flow":"\u00e9t\u00e9\u0085","version":1,"outcome":"cancelled","step":"s","duration":4}' >"$T/evil.jsonl"
run_hf report "$T/evil.jsonl" --html "$T/evil.html"
expect_code 0 "report of hostile strings"
expect_out 's\x1b[31m (1)'
grep -q "$(printf '\033')" "$OUT" && fail "an escape character reached the terminal"
grep -q "$(printf '\302\205')" "$OUT" && fail "a C1 control reached the terminal"
expect_out 'été\x85'
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/evil.html" || fail "the reason is not HTML-escaped"
grep -qiF '<script' "$T/evil.html" && fail "a <script> tag made it into the page"
grep -qF 'x&lt;b&gt;' "$T/evil.html" || fail "the flow id is not HTML-escaped"
grep -qF '<b>' "$T/evil.html" && fail "markup from a flow id made it into the page"
grep -qF 'a&amp;b' "$T/evil.html" || fail "a step id is not HTML-escaped"
grep -qF 's&quot;q&#39;' "$T/evil.html" || fail "quotes in a step id are not escaped"
run_hf report --json "$T/evil.jsonl"
expect_out '"<script>alert(1)</script>":	1'
expect_out '"step":	"s\u001b[31m"'

# --- the page: self-contained, one chart per flow version ---------------------------------
run_hf report "$D" --html "$T/report.html"
expect_code 0 "report --html"
diff -u "$T/want" "$OUT" >&2 || fail "--html changed the table on stdout"
H="$T/report.html"
grep -qF "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" "$H" \
    || fail "the page has no strict CSP"
[ "$(grep -c '<svg class="funnel" role="img"' "$H")" -eq 4 ] || fail "not one chart per flow version"
[ "$(grep -o '<rect class="bar' "$H" | wc -l)" -eq 45 ] || fail "not 45 bars (4 totals + 41 steps)"
grep -qiE '(src|href)=|url\(|@import|<link|<script|<iframe|<object|<embed' "$H" \
    && fail "the page refers to something outside itself"
grep -qF '<title id="f2-t">Funnel of card_declined version 3</title>' "$H" || fail "no chart title"
grep -qF '<desc id="f2-d">12 sessions. Steps reached along the most common path: check_card 12, ask_amount 8, lookup 7, no_funds 4, done 6. Off that path: frozen 3,' "$H" \
    || fail "no chart description"
grep -qF '<th scope="col">Flow</th>' "$H" || fail "no table headers"
# A share is rounded the same way in the table and on the page: 1 of 16 escalations is 6.25%,
# 6.3% in both (printf alone rounds that binary 6.25 to even, 6.2).
{
    for i in $(seq 15); do
        printf '{"flow":"f","version":1,"outcome":"escalated","reason":"b","step":"x","duration":1}\n'
    done
    printf '{"flow":"f","version":1,"outcome":"escalated","reason":"a","step":"x","duration":1}\n'
} >"$T/share.jsonl"
run_hf report "$T/share.jsonl" --html "$T/share.html"
expect_code 0 "report of 16 escalations"
grep -qE '^f +1 +a +1 +6\.3%$' "$OUT" || fail "the table does not show reason a at 6.3%"
grep -qF '<code>a</code></td><td class="n">1</td><td class="n">6.3%</td>' "$T/share.html" ||
    fail "the page does not show reason a at 6.3%, as the table does"
grep -qF '6.2%' "$T/share.html" && fail "the page rounds a share another way than the table"
run_hf report "$D" --html - --json
expect_code 0 "report --html -"
grep -qF '<!DOCTYPE html>' "$OUT" || fail "--html - does not write the page to stdout"
expect_no_out '"records"'

# --- usage --------------------------------------------------------------------------------
run_hf report --help
expect_code 0 "report --help"
expect_out "usage: helpflow report"
run_hf --help
expect_out "report [--json] [--html FILE] OUTCOMES.jsonl..."
run_hf report
expect_code 2 "report without files"
expect_err "no outcome files given"
run_hf report --bogus "$D"
expect_code 2 "report --bogus"
expect_err "unknown option '--bogus'"
run_hf report "$D" --html
expect_code 2 "--html without a file"
expect_err "--html needs a file"
run_hf report "$T/nope.jsonl"
expect_code 2 "a missing file"
expect_err "nope.jsonl: No such file or directory"
run_hf report "$T"
expect_code 2 "a directory"
expect_err "$T:"
run_hf report "$D" --html "$T/no/such/dir/r.html"
expect_code 2 "an unwritable page"
expect_err "cannot write $T/no/such/dir/r.html"

# --- JSONTestSuite inputs as outcome files: exit 0 or 2, never a crash --------------------
JTS="$HF_SOURCE_DIR/../shared/data/jsontestsuite"
if [ -d "$JTS/test_parsing" ]; then
    n=0
    for f in "$JTS"/test_parsing/*.json "$JTS"/test_transform/*.json; do
        [ -f "$f" ] || continue
        run_hf report "$f"
        [ "$CODE" -eq 0 ] || [ "$CODE" -eq 2 ] || fail "$(basename "$f"): exit $CODE"
        # what is not blank is not a record, so it is always malformed
        if [ "$CODE" -eq 0 ]; then
            tr -d ' \t\r\n' <"$f" | grep -q . && fail "$(basename "$f"): accepted"
        fi
        n=$((n + 1))
    done
    [ "$n" -gt 300 ] || fail "only $n JSONTestSuite inputs"
    cat "$JTS"/test_parsing/*.json >"$T/all.jsonl"
    run_hf report "$T/all.jsonl" "$D"
    expect_code 2 "JSONTestSuite inputs together"
else
    echo "note: $JTS not found; JSONTestSuite inputs skipped" >&2
fi
exit 0
