# docs/authoring.md tells the truth: its example flows load clean and their tests pass with full
# coverage; every Lua sample is either a whole flow that loads or cut word for word from
# docs/examples/; every command in its sh blocks runs; the outputs it shows are what the
# commands print; every command and flag it names exists; its Mermaid picture is what
# `helpflow graph` draws today; its links lead somewhere. (Its migrate example runs in
# tests/test_docs_example.c.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DOC="$HF_SOURCE_DIR/docs/authoring.md"
EX="$HF_SOURCE_DIR/docs/examples"
[ -f "$DOC" ] || fail "no docs/authoring.md"

# --- the example flows ---------------------------------------------------------------------------
run_hf check --strict "$EX"
expect_code 0 "check --strict docs/examples"
printf 'ok: 2 flows, 1 action manifest\n' >"$T/want"
diff -u "$T/want" "$OUT" >&2 || fail "docs/examples does not check clean"
run_hf test --min-coverage 100 "$EX"
expect_code 0 "test --min-coverage 100 docs/examples"
expect_out "11 passed, 0 failed"
expect_out "total: steps 15/15 (100%), transitions 17/17 (100%)"

# --- the code blocks ------------------------------------------------------------------------------
# Each fenced block goes to $T/blocks/N.LANG (N from 1, in order).
mkdir "$T/blocks"
awk -v dir="$T/blocks" '
    /^```/ {
        if (inblock) { inblock = 0; close(file); next }
        n++; lang = substr($0, 4); if (lang == "") lang = "none"
        file = sprintf("%s/%03d.%s", dir, n, lang); inblock = 1; printf "" > file; next
    }
    inblock { print > file }
' "$DOC"
ls "$T/blocks"/*.lua >/dev/null 2>&1 || fail "no lua blocks found in the guide"

# A Lua block is a whole flow (it must load and lint clean, beside the examples it may call) or
# a piece of docs/examples/*.lua, word for word, so that the guide cannot drift from code that
# is tested.
examples=""
for f in "$EX"/*.lua; do examples+=$(cat "$f")$'\n\x1e\n'; done
nlua=0
for b in "$T/blocks"/*.lua; do
    nlua=$((nlua + 1))
    block=$(cat "$b")
    if [[ $examples == *"$block"* ]]; then
        continue
    fi
    head -n 1 "$b" | grep -q '^return flow ' ||
        fail "the guide's Lua block $(basename "$b") is not in docs/examples/*.lua word for word:
$block"
    mkdir -p "$T/whole"
    cp "$b" "$T/whole/block.lua"
    run_hf check --strict "$T/whole/block.lua" "$EX/check_identity.lua"
    expect_code 0 "the guide's whole flow $(basename "$b") checks clean"
    rm "$T/whole/block.lua"
done
[ "$nlua" -ge 10 ] || fail "only $nlua Lua blocks: the guide lost its examples?"

# The Mermaid picture is today's drawing of the example.
for b in "$T/blocks"/*.mermaid; do
    run_hf graph --flow replace_card --format mermaid "$EX/replace_card.lua" "$EX/check_identity.lua"
    expect_code 0 "graph of the example"
    diff -u "$b" "$OUT" >&2 || fail "the guide's Mermaid picture is out of date: regenerate it with
helpflow graph --flow replace_card --format mermaid docs/examples/replace_card.lua docs/examples/check_identity.lua"
done

# Every command line of the sh blocks runs and succeeds, from a scratch copy of the checkout's
# docs/examples (so that what they write lands there), with `helpflow` on the PATH.
mkdir -p "$T/run/docs" "$T/bin"
cp -r "$EX" "$T/run/docs/"
ln -s "$HF_BIN" "$T/bin/helpflow"
ncmd=0
for b in "$T/blocks"/*.sh; do
    while IFS= read -r cmd; do
        case $cmd in ''|'#'*) continue ;; esac
        ncmd=$((ncmd + 1))
        CODE=0
        (cd "$T/run" && PATH="$T/bin:$PATH" bash -c "set -o pipefail; $cmd") >"$OUT" 2>"$ERR" </dev/null ||
            CODE=$?
        expect_code 0 "the guide's command: $cmd"
    done <"$b"
done
[ "$ncmd" -ge 15 ] || fail "only $ncmd commands ran: the guide lost its commands?"
[ -s "$T/run/replace_card.svg" ] && grep -q '<svg' "$T/run/replace_card.svg" || fail "graph -o wrote no svg"
grep -q '<html' "$T/run/report.html" || fail "report --html wrote no page"
[ -s "$T/run/replace_card.hfb" ] || fail "bundle pack wrote no bundle"

# The outputs the guide shows (```text blocks) are what the commands print today: the terminal
# play, the draft's lint and the report. Each block is one of them, and each of them is shown.
CODE=0
(cd "$HF_SOURCE_DIR" && printf '1\nSW1A 1AA\n' |
    "$HF_BIN" run docs/examples/replace_card.lua docs/examples/check_identity.lua) >"$T/out.play" 2>&1 || CODE=$?
expect_code 0 "the guide's play"
CODE=0
(cd "$EX/draft" && "$HF_BIN" check --strict --max-text 60 .) >"$T/out.lint" 2>&1 || CODE=$?
expect_code 1 "the guide's draft fails its strict check"
CODE=0
(cd "$HF_SOURCE_DIR" && "$HF_BIN" report docs/examples/outcomes.jsonl) >"$T/out.report" 2>&1 || CODE=$?
expect_code 0 "the guide's report"
head -n 2 "$T/out.report" >"$T/out.report-table" # the guide shows the table, not the reasons
for b in "$T/blocks"/*.text; do
    matched=""
    for o in play lint report-table; do
        if cmp -s "$b" "$T/out.$o"; then matched=$o; touch "$T/shown.$o"; fi
    done
    [ -n "$matched" ] ||
        fail "the guide's output block $(basename "$b") is not what any of its commands prints now
(the terminal play, the draft's check, the report's table):
$(cat "$b")"
done
for o in play lint report-table; do
    [ -e "$T/shown.$o" ] || fail "the guide no longer shows the $o output"
done

# --- every command and flag the guide names exists ---------------------------------------------------
# In code spans and code blocks: `helpflow CMD ...` must name a command of `helpflow --help`, and
# each --flag after it on that line must be in `helpflow CMD --help`.
run_hf --help
cp "$OUT" "$T/commands"
grep -o 'helpflow [a-z]\+[^`|]*' "$DOC" | sort -u >"$T/mentions"
[ -s "$T/mentions" ] || fail "no helpflow commands found in the guide"
while IFS= read -r m; do
    cmd=$(printf '%s\n' "$m" | awk '{print $2}')
    grep -q "^  $cmd " "$T/commands" || fail "the guide names 'helpflow $cmd', which is no command"
    run_hf "$cmd" --help
    expect_code 0 "helpflow $cmd --help"
    for flag in $(printf '%s\n' "$m" | grep -o -- '--[a-z][a-z-]*' || true); do
        grep -q -- "$flag" "$OUT" || fail "the guide names 'helpflow $cmd $flag', which $cmd --help does not know"
    done
done <"$T/mentions"

# --- links to other pages lead somewhere ------------------------------------------------------------
grep -o '](\([^)#]*\)[^)]*)' "$DOC" | sed 's/^](\([^)#]*\).*/\1/' | sort -u | while IFS= read -r target; do
    case $target in http*|'') continue ;; esac
    [ -e "$HF_SOURCE_DIR/docs/$target" ] || fail "docs/authoring.md links to $target, which does not exist"
done
exit 0
