# helpflow graph --format mermaid, rendered by Mermaid itself: every reference flow's drawing
# (and a --heat one) parses and lays out in headless Chromium, with a node per step and an
# edge per transition, as many as Graphviz's drawing of the same flow has. A broken Mermaid
# text in the same page is reported as an error, so the check can fail.
#
# Mermaid is not in Debian and none of its source is in this repository: the test installs
# a pinned release from the npm registry (npm install, into a cache in the build tree, reused
# while its mermaid.min.js has the pinned hash) and loads that one self-contained file into a
# page with no network. Without chromium, node/npm or the registry the test prints SKIP and
# passes, unless CI is set, where that is a failure naming what is missing. Override the
# cache with HF_MERMAID_CACHE (a directory the test may replace), and the browser with CHROMIUM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The release drawn with, and the SHA-256 of its dist/mermaid.min.js: a registry version is
# immutable, so a file with any other hash is a broken cache or a tampered download. To move
# to another release, change both (the hash: sha256sum of the package's dist/mermaid.min.js).
MERMAID_VERSION=11.12.2
MERMAID_SHA256=d0830a6c05546e9edb8fe20a8f545f3e0dc7c4c3134d584bad9c13a99d7a71e0

# skip WHAT: SKIP and pass, or under CI fail, naming what is missing.
skip() {
    [ -z "${CI:-}" ] || fail "$1, and CI is set (scripts/install-deps.sh installs what this test needs)"
    echo "SKIP: $1"
    exit 0
}

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || skip "chromium is not installed (apt-get install chromium)"

# --- mermaid from the npm registry ------------------------------------------------------------
# The cache sits beside the helpflow binary, in the build tree (never the source tree), named
# by the version so that a new pin never reuses an old release.
CACHE=${HF_MERMAID_CACHE:-$(cd "$(dirname "$HF_BIN")" && pwd)/test-cache/mermaid-$MERMAID_VERSION}
MJS="$CACHE/mermaid.min.js"
cache_ok() { [ -f "$MJS" ] && [ "$(sha256sum <"$MJS" | cut -d' ' -f1)" = "$MERMAID_SHA256" ]; }
if ! cache_ok; then
    command -v node >/dev/null 2>&1 || skip "node is not installed (apt-get install nodejs npm)"
    command -v npm >/dev/null 2>&1 || skip "npm is not installed (apt-get install npm)"
    # Installed beside the cache, and of it only the one file (with mermaid's package.json and
    # licence, to say what it is) moved into place: an install cut short is never taken for a
    # cache, and the cache is 3 MB, not the 130 MB of mermaid's dependencies. No install scripts run (the page needs only the one built file), no
    # package.json or lock is written, and no audit or funding request is made; what npm's
    # own cache holds is used first (npm still checks each tarball's integrity).
    rm -rf "$CACHE.new.$$"
    mkdir -p "$CACHE.new.$$"
    if ! timeout 300 npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
            --prefer-offline --no-update-notifier --loglevel=error --fetch-retries=2 --fetch-retry-mintimeout=2000 \
            --fetch-retry-maxtimeout=10000 --prefix "$CACHE.new.$$" "mermaid@$MERMAID_VERSION" \
            >"$T/npm.log" 2>&1; then
        rm -rf "$CACHE.new.$$"
        grep -m 4 . "$T/npm.log" | sed 's/^/npm: /' >&2
        skip "npm cannot install mermaid@$MERMAID_VERSION (is the registry reachable?)"
    fi
    pkg="$CACHE.new.$$/node_modules/mermaid"
    got=$(sha256sum <"$pkg/dist/mermaid.min.js" | cut -d' ' -f1) ||
        { rm -rf "$CACHE.new.$$"; fail "mermaid@$MERMAID_VERSION has no dist/mermaid.min.js"; }
    if [ "$got" != "$MERMAID_SHA256" ]; then
        rm -rf "$CACHE.new.$$"
        fail "mermaid@$MERMAID_VERSION's mermaid.min.js has SHA-256 $got, not the pinned $MERMAID_SHA256"
    fi
    rm -rf "$CACHE.keep.$$"
    mkdir "$CACHE.keep.$$"
    cp "$pkg/dist/mermaid.min.js" "$pkg/package.json" "$pkg/LICENSE" "$CACHE.keep.$$/"
    rm -rf "$CACHE.new.$$" "$CACHE"
    mv "$CACHE.keep.$$" "$CACHE"
    cache_ok || fail "the mermaid cache $CACHE is not usable after installing it"
fi
cp "$MJS" "$T/mermaid.min.js"

# --- the graphs ---------------------------------------------------------------------------------
# For each: NAME, its Mermaid text in $T/NAME.mmd, and from Graphviz's drawing of the same
# flow (the other renderer of the same description) how many steps, intents nodes and edges
# it has: what Mermaid's picture must hold too.
FLOWS=("$HF_SOURCE_DIR"/flows/*.lua)
NAMES=()
# expect_counts NAME DOTFILE: records NAME's step, intents-node and edge counts from the dot.
expect_counts() {
    local steps intents edges
    steps=$(grep -E '^  ".*" \[shape=' "$2" | grep -cvE '^  "\((start|intents)\)" ' || true)
    intents=$(grep -cE '^  "\(intents\)" \[' "$2" || true)
    edges=$(grep -cE '^  ".*" -> ".*"' "$2" || true)
    [ "$steps" -gt 0 ] || fail "no steps in the dot drawing of $1"
    printf '%s %s %s %s\n' "$1" "$steps" "$intents" "$edges" >>"$T/expected"
    NAMES+=("$1")
}
: >"$T/expected"
for f in "${FLOWS[@]}"; do
    case $(basename "$f") in routing.lua|actions.lua|*.test.lua) continue ;; esac
    id=$(sed -n 's/^return flow "\([^"]*\)".*/\1/p' "$f")
    [ -n "$id" ] || fail "no 'return flow \"ID\"' line in $f"
    run_hf graph --format mermaid --flow "$id" "${FLOWS[@]}"
    expect_code 0 "mermaid graph of flows/$id.lua"
    cp "$OUT" "$T/$id.mmd"
    run_hf graph --flow "$id" "${FLOWS[@]}"
    expect_code 0 "dot graph of flows/$id.lua"
    expect_counts "$id" "$OUT"
done
[ "${#NAMES[@]}" -ge 10 ] || fail "only ${#NAMES[@]} reference flows found in $HF_SOURCE_DIR/flows"

# What the reference flows do not hold: every step kind in one flow, an intent (the "any
# waiting step" node), step ids Mermaid would misread (". - :" and its keyword "end"), and
# labels and a title full of what Mermaid reads as syntax.
cat >"$T/helper.lua" <<'LUA'
return flow "helper" {
  start = "fine",
  steps = {
    fine = say { text = "Fine", go = "ok" },
    ok = resolved { text = "OK" },
  },
}
LUA
cat >"$T/kinds.lua" <<'LUA'
return flow "kinds" {
  title = 'Every "kind" | <of> step & `odd` #ids; %% {x} [y] (z)',
  start = "end",
  on = { human = "agent" },
  steps = {
    ["end"] = say {
      text = "Hi",
      choices = {
        { id = "q", label = 'a "b" | #c <d> & `e`', go = "a.b" },
        { id = "r", label = "{f} [g] (h) ;i: %%j --> k", go = "a_b" },
        { id = "s", label = "end", go = "agent" },
      },
    },
    ["a.b"] = ask { text = "Name?", input = "text", save = "name", go = "a-b:c" },
    ["a-b:c"] = action {
      call = "people.find",
      next = { { when = function(ctx) return ctx.found end, go = "route" }, { go = "a_b" } },
      on_error = "agent",
    },
    route = decide {
      next = {
        { when = function(ctx) return ctx.a end, go = "sub" },
        { when = function(ctx) return ctx.b end, go = "pause" },
        { go = "a_b" },
      },
    },
    sub = call { flow = "helper", go = "a_b" },
    pause = wait { event = "ping", timeout = 60, go = "a_b", on_timeout = "agent" },
    a_b = resolved { text = "Bye." },
    agent = escalate { reason = "not_resolved" },
  },
}
LUA
run_hf graph --format mermaid --flow kinds "$T/helper.lua" "$T/kinds.lua"
expect_code 0 "mermaid graph of kinds"
cp "$OUT" "$T/kinds.mmd"
expect_out 'hf_intents>'
run_hf graph --flow kinds "$T/helper.lua" "$T/kinds.lua"
expect_code 0 "dot graph of kinds"
expect_counts kinds "$OUT"
HEAT="$HF_SOURCE_DIR/tests/data/outcomes.jsonl"
run_hf graph --format mermaid --heat "$HEAT" --flow lost_card "${FLOWS[@]}"
expect_code 0 "mermaid heat graph of lost_card"
cp "$OUT" "$T/heat_lost_card.mmd"
run_hf graph --heat "$HEAT" --flow lost_card "${FLOWS[@]}"
expect_code 0 "dot heat graph of lost_card"
expect_counts heat_lost_card "$OUT"

# Controls, which Mermaid must refuse: the first drawing with a label's quote left unescaped
# (what graph.c's entity codes prevent), and with a linkStyle one past its last edge (what an
# off-by-one in its link numbering would write).
first=${NAMES[0]}
sed '0,/-->|"/s//-->|"say "hi" /' "$T/$first.mmd" >"$T/bad_quote.mmd"
cmp -s "$T/$first.mmd" "$T/bad_quote.mmd" && fail "the control bad_quote is not broken"
last_edges=$(awk -v n="$first" '$1 == n { print $4 }' "$T/expected")
{ cat "$T/$first.mmd"; echo "  linkStyle $last_edges stroke:#000"; } >"$T/bad_link.mmd"
CONTROLS=(bad_quote bad_link)

# From here on a failure's message says all: no command output to show with it.
: >"$OUT"
: >"$ERR"

# --- the page ---------------------------------------------------------------------------------
# One page renders every graph in turn with mermaid.render and writes what happened into the
# DOM: the SVG, or the error's message. No request can leave it: its CSP allows only its own
# script file and inline code and styles, a violation is written into the DOM too, and
# Chromium resolves no host name.
html_escape() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g' "$1"; }
{
    cat <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src file: 'unsafe-inline'; style-src 'unsafe-inline'">
<title>helpflow graphs in Mermaid</title>
<script>
document.addEventListener('securitypolicyviolation', e => {
  const p = document.createElement('p');
  p.className = 'violation';
  p.textContent = 'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI;
  document.body.appendChild(p);
});
</script>
<script src="mermaid.min.js"></script>
</head><body>
EOF
    for name in "${NAMES[@]}" "${CONTROLS[@]}"; do
        printf '<pre class="src" data-name="%s">' "$name"
        html_escape "$T/$name.mmd"
        printf '</pre>\n'
    done
    cat <<'EOF'
<div id="results"></div><div id="results-end"></div>
<script>
(async () => {
  const results = document.getElementById('results');
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', suppressErrorRendering: true });
    let n = 0;
    for (const src of document.querySelectorAll('pre.src')) {
      const div = document.createElement('div');
      div.className = 'result';
      div.dataset.name = src.dataset.name;
      try {
        const { svg } = await mermaid.render('graph' + n++, src.textContent);
        div.dataset.status = 'ok';
        div.innerHTML = svg;
      } catch (e) {
        div.dataset.status = 'error';
        div.textContent = 'error: ' + (e && e.message ? e.message : String(e));
      }
      results.appendChild(div);
    }
    document.body.dataset.done = String(n);
  } catch (e) {
    const p = document.createElement('p');
    p.id = 'fatal';
    p.textContent = 'page failed: ' + (e && e.message ? e.message : String(e));
    document.body.appendChild(p);
  }
})();
</script>
</body></html>
EOF
} >"$T/page.html"

# The DOM is dumped once the page is idle: virtual time runs only while nothing else is left to
# do, so every render has settled by the end of the budget (which costs no real time).
rm -rf "$T/profile"
HOME="$T" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$T/profile" --host-resolver-rules="MAP * ~NOTFOUND" \
    --virtual-time-budget=60000 --dump-dom "file://$T/page.html" >"$T/dom.html" 2>"$T/chromium.log" ||
    { cat "$T/chromium.log" >&2; fail "chromium failed on the page"; }
[ -s "$T/dom.html" ] || { cat "$T/chromium.log" >&2; fail "chromium dumped no DOM"; }
if grep -q 'id="fatal"' "$T/dom.html"; then
    fail "the page failed: $(grep -o '<p id="fatal">[^<]*' "$T/dom.html" | sed 's/.*>//')"
fi
total=$(( ${#NAMES[@]} + ${#CONTROLS[@]} ))
grep -qF "data-done=\"$total\"" "$T/dom.html" ||
    fail "the page did not render all $total graphs before its DOM was dumped"
! grep -q 'class="violation"' "$T/dom.html" ||
    fail "the page broke its CSP: $(grep -o 'CSP violation: [^<]*' "$T/dom.html" | head -n 3)"

# result NAME: the DOM of NAME's result alone: from its <div class="result"> to the next one's
# or to the end of the results.
result() {
    awk -v name="$1" 'BEGIN { RS = "<div class=\"result\" " }
        index($0, "data-name=\"" name "\"") == 1 {
            end = index($0, "<div id=\"results-end\">")
            print end ? substr($0, 1, end - 1) : $0
        }' "$T/dom.html"
}
count() { { grep -oE -- "$1" || true; } | wc -l; }

while read -r name steps intents edges; do
    result "$name" >"$T/r.html"
    [ -s "$T/r.html" ] || fail "$name: no result in the page"
    if ! grep -q 'data-status="ok"' "$T/r.html"; then
        fail "Mermaid rejects the drawing of $name: $(sed 's/<[^>]*>//g' "$T/r.html" | head -c 600)
--- the drawing:
$(cat "$T/$name.mmd")"
    fi
    grep -q '<svg id="graph' "$T/r.html" || fail "$name: no <svg> in the result"
    grep -qiE 'syntax error|parse error' "$T/r.html" && fail "$name: the SVG holds an error"
    got=$(count '<g class="node[^"]*" id="flowchart-s_[^"]*"' <"$T/r.html")
    [ "$got" -eq "$steps" ] || fail "$name: Mermaid drew $got step nodes, the flow has $steps steps"
    got=$(count '<g class="node[^"]*" id="flowchart-hf_start-[0-9]+"' <"$T/r.html")
    [ "$got" -eq 1 ] || fail "$name: $got start nodes, expected 1"
    got=$(count '<g class="node[^"]*" id="flowchart-hf_intents-[0-9]+"' <"$T/r.html")
    [ "$got" -eq "$intents" ] || fail "$name: $got intents nodes, expected $intents"
    got=$(count '<path [^>]*class="[^"]*flowchart-link' <"$T/r.html")
    [ "$got" -eq "$edges" ] || fail "$name: Mermaid drew $got edges, Graphviz $edges"
    echo "ok: $name: $steps steps, $edges edges"
done <"$T/expected"

# The heat colours took: the most-visited step (freeze, all 9 sessions) is in class heat5 and
# its edge to lost_or_stolen (8 sessions) drawn in the darkest red; the zero step is grey.
result heat_lost_card >"$T/r.html"
grep -qE '<g class="node[^"]* heat5[^"]*" id="flowchart-s_freeze-' "$T/r.html" ||
    fail "heat: freeze is not drawn in class heat5"
grep -qE '<g class="node[^"]* heat0[^"]*" id="flowchart-s_tx_unavailable-' "$T/r.html" ||
    fail "heat: tx_unavailable is not drawn in class heat0"
grep -qE '<path [^>]*id="L_s_freeze_s_lost_or_stolen_0"[^>]*style="[^"]*stroke:#bd0026' "$T/r.html" ||
    fail "heat: the freeze -> lost_or_stolen edge is not dark red"

# Mermaid reads back the words graph.c wrote: entity codes become the characters they stand
# for (the dump escapes < > & again), <br/> a line break, and no label is lost or misread.
result kinds >"$T/r.html"
grep -oE '<span class="edgeLabel"><p>[^<]*' "$T/r.html" | sed 's/.*<p>//' >"$T/labels"
cat >"$T/want-labels" <<'EOF'
when
otherwise
on_error
a "b" | #c &lt;d&gt; &amp; `e`
{f} [g] (h) ;i: %%j --&gt; k
end
ping
timeout 60 s
when #1
when #2
otherwise
resolved
human
EOF
diff -u "$T/want-labels" "$T/labels" >&2 || fail "kinds: Mermaid shows other edge labels"
grep -qF '<p>a-b:c<br>people.find</p>' "$T/r.html" || fail "kinds: the action's node label"
grep -qF '<p>any waiting step</p>' "$T/r.html" || fail "kinds: the intents node label"
grep -qE '<path [^>]*id="L_s_a_b_c_s_agent_0"[^>]*style="[^"]*stroke:#c92a2a' "$T/r.html" ||
    fail "kinds: the on_error edge is not red (linkStyle numbering)"

# The controls were refused, with an error message and no picture.
for name in "${CONTROLS[@]}"; do
    result "$name" >"$T/r.html"
    grep -q 'data-status="error"' "$T/r.html" || fail "Mermaid accepted the broken control $name"
    ! grep -q '<svg' "$T/r.html" || fail "the control $name has an SVG"
done
result bad_quote >"$T/r.html"
grep -qF 'Parse error on line' "$T/r.html" || fail "bad_quote: not Mermaid's parse error"
echo "ok: ${#NAMES[@]} drawings rendered by Mermaid $MERMAID_VERSION, ${#CONTROLS[@]} broken ones refused"
exit 0
