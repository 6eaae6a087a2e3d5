# helpflow report --html, rendered in headless Chromium: the funnel charts are in the rendered
# DOM (one SVG per flow version, a bar per step reached), strings from the records stay text,
# and the page makes no network request. Without Chromium the test prints SKIP and passes,
# unless CI is set (CI installs chromium: scripts/install-deps.sh), where that is a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
    [ -z "${CI:-}" ] || fail "chromium is not installed, and CI is set (scripts/install-deps.sh installs it)"
    echo "SKIP: chromium is not installed (apt-get install chromium)"
    exit 0
fi

# render PAGE DOM NETLOG: the DOM of PAGE after Chromium loaded it, and its network log. Every
# host name resolves to nothing, so even a request that escaped the page's CSP could not
# reach the network; the net log shows whether the page tried.
render() {
    rm -rf "$T/profile"
    HOME="$T" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$T/profile" --host-resolver-rules="MAP * ~NOTFOUND" \
        --log-net-log="$3" --dump-dom "file://$1" >"$2" 2>"$T/chromium.log" ||
        { cat "$T/chromium.log" >&2; fail "chromium failed on $1"; }
    [ -s "$2" ] || fail "chromium rendered nothing for $1"
    grep -q '"events"' "$3" || fail "chromium wrote no net log"
}

# page_requests NETLOG: the URLs the page asked for. Chromium's own background requests
# (component updates and the like) come from no origin; the page's carry its file:// origin.
page_requests() {
    grep -F 'file://' "$1" | grep -oE '"url":"[a-z-]+:[^"]*"' | grep -vF '"url":"file:' || true
}

# per_svg DOM PATTERN: how many times PATTERN occurs in each <svg> of DOM, space-separated.
per_svg() {
    awk -v pat="$2" 'BEGIN { RS = "</svg>" } /<svg/ { printf "%s%d", sep, gsub(pat, "&"); sep = " " }' "$1"
}

D="$HF_SOURCE_DIR/tests/data/outcomes.jsonl"
run_hf report "$D" --html "$T/report.html"
expect_code 0 "report --html"
render "$T/report.html" "$T/dom.html" "$T/net.json"

# The charts: one per flow version, in the table's order; a bar for all sessions and one per
# step reached (card_declined 2: 10 steps, 3: 11, forgotten_pin 1: no trails, lost_card 2: 20
# including the verify_identity subflow's); a segment per outcome that occurred.
[ "$(grep -o '<svg class="funnel"' "$T/dom.html" | wc -l)" -eq 4 ] || fail "not 4 charts in the DOM"
[ "$(per_svg "$T/dom.html" '<rect class="bar')" = "11 12 1 21" ] ||
    fail "bars per chart: $(per_svg "$T/dom.html" '<rect class="bar'), expected 11 12 1 21"
[ "$(per_svg "$T/dom.html" '<rect class="bar off"')" = "5 6 0 15" ] || fail "off-path bars per chart"
[ "$(per_svg "$T/dom.html" '<rect class="seg ')" = "3 3 4 2" ] ||
    fail "outcome segments per chart: $(per_svg "$T/dom.html" '<rect class="seg ')"
[ "$(per_svg "$T/dom.html" '<title id="f[0-9]+-t">')" = "1 1 1 1" ] || fail "a chart lacks its title"
[ "$(per_svg "$T/dom.html" '<desc id="f[0-9]+-d">')" = "1 1 1 1" ] || fail "a chart lacks its desc"
grep -qF 'aria-labelledby="f3-t f3-d"' "$T/dom.html" || fail "a chart is not labelled"
grep -qF '<title id="f4-t">Funnel of lost_card version 2</title>' "$T/dom.html" || fail "chart title"
grep -qF '>verify_identity/send_check</text>' "$T/dom.html" || fail "no subflow step label"
grep -qF '<th scope="col">Most unresolved end</th>' "$T/dom.html" || fail "no table header"
grep -qE '<rect class="bar" x="[0-9.]+" y="[0-9]+" width="0(\.0)?"' "$T/dom.html" && fail "an empty bar"
# The longest bar (all sessions) and a step reached by 8 of 12 sessions, two thirds as long.
w_all=$(grep -oE '<rect class="bar all"[^>]*width="[0-9.]+"' "$T/dom.html" | sed -n 2p | sed 's/.*width="//; s/"//')
w_ask=$(awk 'BEGIN { RS = "</svg>" } NR == 2' "$T/dom.html" |
        grep -oE 'ask_amount</text><rect class="bar"[^>]*width="[0-9.]+"' | sed 's/.*width="//; s/"//')
awk -v a="$w_all" -v b="$w_ask" 'BEGIN { exit !(a > 0 && b > 0.66 * a && b < 0.67 * a) }' ||
    fail "bar widths: all $w_all, ask_amount $w_ask (expected 8/12 of it)"

# Nothing was requested: no page request in the net log, and the CSP is in force.
[ -z "$(page_requests "$T/net.json")" ] || fail "the page made requests: $(page_requests "$T/net.json")"
grep -qF "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" \
    "$T/dom.html" || fail "no CSP in the rendered page"
# The check itself can fail: the same page, its CSP removed, with an image from a host.
sed -e '/Content-Security-Policy/d' -e 's|<main>|<main><img alt="" src="http://probe.invalid/x.png">|' \
    "$T/report.html" >"$T/probe.html"
render "$T/probe.html" "$T/probe-dom.html" "$T/probe-net.json"
page_requests "$T/probe-net.json" | grep -qF 'probe.invalid' ||
    fail "the net-log check does not see a page's request"
# ... and with the CSP kept, the same image is never requested.
sed -e 's|<main>|<main><img alt="" src="http://probe.invalid/x.png">|' "$T/report.html" >"$T/csp.html"
render "$T/csp.html" "$T/csp-dom.html" "$T/csp-net.json"
[ -z "$(page_requests "$T/csp-net.json")" ] || fail "the CSP let a request through"

# Strings from the records stay text: a <script> in a reason is escaped, never run or parsed.
printf '%s\n' \
  '{"flow":"x<b>bold</b>","version":1,"outcome":"escalated","reason":"<script>document.title=\"pwned\"</script>","step":"<img src=x>","duration":3,"trail":["<i>a</i>","b\"onmouseover=\"x"]}' \
  >"$T/evil.jsonl"
run_hf report "$T/evil.jsonl" --html "$T/evil.html"
expect_code 0 "report --html of hostile strings"
render "$T/evil.html" "$T/evil-dom.html" "$T/evil-net.json"
grep -qiF '<script' "$T/evil-dom.html" && fail "a <script> element is in the rendered DOM"
grep -qF '&lt;script&gt;document.title="pwned"&lt;/script&gt;' "$T/evil-dom.html" ||
    fail "the reason is not shown as text"
grep -qE '<(b|i|img)[ >]' "$T/evil-dom.html" && fail "markup from the records is in the DOM"
grep -qF '<title>helpflow report: 1 outcome record</title>' "$T/evil-dom.html" || fail "the title changed"
[ -z "$(page_requests "$T/evil-net.json")" ] || fail "the hostile page made requests"
echo "ok: 4 charts, 45 bars, 12 outcome segments, no requests"
exit 0
