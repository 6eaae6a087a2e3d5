# helpflow graph: dot that Graphviz reads, exact Mermaid, heat counts from outcome records,
# svg through Graphviz's dot, and every kind of bad input as exit 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Every step kind, a subflow, numbered branches, a timeout, an intent and a quoted label.
cat >"$T/helper.lua" <<'LUA'
return flow "helper" {
  start = "fine",
  steps = {
    fine = say { text = "Fine", go = "ok" },
    ok = resolved { text = "OK" },
  },
}
LUA
cat >"$T/tiny.lua" <<'LUA'
return flow "tiny" {
  version = 2,
  title = 'Tiny "demo"',
  start = "hello",
  on = { human = "agent" },
  steps = {
    hello = say {
      text = "Hi",
      choices = {
        { id = "yes", label = 'Yes, "please"', go = "name" },
        { id = "no", label = "No", go = "agent" },
      },
    },
    name = ask { text = "Name?", input = "text", save = "name", go = "lookup" },
    lookup = action {
      call = "people.find",
      next = { { when = function(ctx) return ctx.found end, go = "route" }, { go = "done" } },
      on_error = "agent",
    },
    route = decide {
      next = {
        { when = function(ctx) return ctx.a end, go = "sub" },
        { when = function(ctx) return ctx.b end, go = "pause" },
        { go = "done" },
      },
    },
    sub = call { flow = "helper", go = "done" },
    pause = wait { event = "ping", timeout = 60, go = "done", on_timeout = "agent" },
    done = resolved { text = "Bye." },
    agent = escalate { reason = "not_resolved" },
  },
}
LUA

have_dot=0
if command -v dot >/dev/null 2>&1; then
    have_dot=1
elif [ -n "${CI:-}" ]; then
    fail "Graphviz's dot is not installed, and CI installs it (scripts/install-deps.sh)"
fi

# --- dot ----------------------------------------------------------------------------------------
run_hf graph "$T/helper.lua" "$T/tiny.lua"
expect_code 0 "graph (dot)"
expect_out 'digraph "tiny" {'
expect_out 'label="tiny v2: Tiny \"demo\"";'
expect_out '"(start)" -> "hello";'
expect_out '"hello" [shape=box, label="hello"];'
expect_out '"name" [shape=parallelogram, label="name\ninput: text"];'
expect_out '"lookup" [shape=box, style="rounded", label="lookup\npeople.find"];'
expect_out '"route" [shape=diamond, label="route"];'
expect_out '"sub" [shape=box, peripheries=2, label="sub\ncalls helper"];'
expect_out '"pause" [shape=hexagon, label="pause\nevent: ping, timeout 60 s"];'
expect_out '"done" [shape=box, style="rounded,filled", color="#2b8a3e", fillcolor="#d3f9d8", penwidth=2, label="done"];'
expect_out '"agent" [shape=box, style="rounded,filled", color="#d9480f", fillcolor="#ffe8cc", penwidth=2, label="agent\nreason: not_resolved"];'
expect_out '"hello" -> "name" [label="Yes, \"please\""];'
expect_out '"lookup" -> "route" [label="when"];'
expect_out '"lookup" -> "done" [label="otherwise"];'
expect_out '"lookup" -> "agent" [label="on_error", style=dashed, color="#c92a2a"];'
expect_out '"name" -> "lookup";'
expect_out '"route" -> "sub" [label="when #1"];'
expect_out '"route" -> "pause" [label="when #2"];'
expect_out '"pause" -> "done" [label="ping"];'
expect_out '"pause" -> "agent" [label="timeout 60 s", style=dashed];'
expect_out '"sub" -> "done" [label="resolved"];'
expect_out '"(intents)" -> "agent" [label="human", style=dotted];'
cp "$OUT" "$T/tiny.dot"
if [ "$have_dot" = 1 ]; then
    dot -Tsvg "$T/tiny.dot" >"$T/tiny.svg" 2>"$T/dot.err" || fail "Graphviz rejects the dot: $(cat "$T/dot.err")"
    [ ! -s "$T/dot.err" ] || fail "Graphviz warns about the dot: $(cat "$T/dot.err")"
fi

# The same flow drawn from its file alone is the last file's flow; --flow picks another.
run_hf graph "$T/tiny.lua" "$T/helper.lua" --flow tiny
expect_code 0 "graph --flow"
expect_out 'digraph "tiny" {'
run_hf graph "$T/tiny.lua" "$T/helper.lua"
expect_code 0 "graph of the last file"
expect_out 'digraph "helper" {'
expect_out '"fine" -> "ok";'

# --- mermaid, exactly -----------------------------------------------------------------------------
run_hf graph --format mermaid "$T/helper.lua" "$T/tiny.lua"
expect_code 0 "graph --format mermaid"
cat >"$T/want.mmd" <<'EOF'
flowchart TD
  %% tiny v2: Tiny #34;demo#34;
  hf_start(("start"))
  s_agent(["agent<br/>reason: not_resolved"])
  s_done(["done"])
  s_hello["hello"]
  s_lookup("lookup<br/>people.find")
  s_name[/"name<br/>input: text"/]
  s_pause{{"pause<br/>event: ping, timeout 60 s"}}
  s_route{"route"}
  s_sub[["sub<br/>calls helper"]]
  hf_intents>"any waiting step"]
  hf_start --> s_hello
  s_hello -->|"Yes, #34;please#34;"| s_name
  s_hello -->|"No"| s_agent
  s_lookup -->|"when"| s_route
  s_lookup -->|"otherwise"| s_done
  s_lookup -.->|"on_error"| s_agent
  s_name --> s_lookup
  s_pause -->|"ping"| s_done
  s_pause -.->|"timeout 60 s"| s_agent
  s_route -->|"when #35;1"| s_sub
  s_route -->|"when #35;2"| s_pause
  s_route -->|"otherwise"| s_done
  s_sub -->|"resolved"| s_done
  hf_intents -.->|"human"| s_agent
  classDef start fill:#212529,stroke:#212529,color:#fff
  class hf_start start
  classDef resolved fill:#d3f9d8,stroke:#2b8a3e,stroke-width:2px
  classDef escalate fill:#ffe8cc,stroke:#d9480f,stroke-width:2px
  class s_agent escalate
  class s_done resolved
  linkStyle 5 stroke:#c92a2a
EOF
diff -u "$T/want.mmd" "$OUT" >&2 || fail "mermaid output differs"

# Step ids Mermaid would misread (". - :" and the keyword "end") get safe, unique node ids;
# what labels hold that Mermaid reads as syntax becomes entity codes.
cat >"$T/odd.lua" <<'LUA'
return flow "odd" {
  start = "end",
  steps = {
    ["end"] = say { text = "x", choices = {
        { id = "q", label = 'a "b" | #c <d> & `e`', go = "a.b" },
        { id = "r", label = "r", go = "a_b" } } },
    ["a.b"] = resolved { text = "ok" },
    ["a_b"] = escalate { reason = "r" },
  },
}
LUA
run_hf graph --format mermaid "$T/odd.lua"
expect_code 0 "graph of odd ids"
expect_out '  s_a_b(["a.b"])'
expect_out '  s_a_b_2(["a_b<br/>reason: r"])'
expect_out '  s_end["end"]'
expect_out '  s_end -->|"a #34;b#34; #124; #35;c #60;d#62; #38; #96;e#96;"| s_a_b'
expect_out '  s_end -->|"r"| s_a_b_2'
run_hf graph "$T/odd.lua"
expect_code 0 "graph of odd ids (dot)"
expect_out '"end" -> "a.b" [label="a \"b\" | #c <d> & `e`"];'
if [ "$have_dot" = 1 ]; then
    dot -Tsvg "$OUT" >/dev/null 2>"$T/dot.err" || fail "Graphviz rejects odd.dot: $(cat "$T/dot.err")"
fi

# Localised choice labels show the default locale's words, not t"key"; long labels are cut
# short for the picture (at a word, with an ellipsis), counting characters, not bytes.
cat >"$T/words.lua" <<'LUA'
return flow "words" {
  start = "menu",
  strings = {
    ["en-GB"] = { ["choice.yes"] = "Yes, please", ["choice.long"] = "I would like to talk to somebody about my card" },
    ["cy-GB"] = { ["choice.yes"] = "Ie, os gwelwch yn dda", ["choice.long"] = "Hoffwn i siarad â rhywun am fy ngherdyn" },
  },
  steps = {
    menu = say { text = "Hi", choices = {
      { id = "yes", label = t"choice.yes", go = "done" },
      { id = "long", label = t"choice.long", go = "done" },
      { id = "forty", label = "Exactly forty characters long, this one.", go = "done" },
      { id = "word", label = "Averyveryverylongwordwithnospacesinsideitatallreally", go = "done" },
      { id = "e", label = string.rep("é", 45), go = "done" },
      { id = "fn", label = function(ctx) return "Computed" end, go = "done" } } },
    done = resolved { text = "Bye." },
  },
}
LUA
run_hf graph --format mermaid "$T/words.lua"
expect_code 0 "graph with localised labels"
expect_out '  s_menu -->|"Yes, please"| s_done'
expect_out '  s_menu -->|"I would like to talk to somebody about…"| s_done'
expect_out '  s_menu -->|"Exactly forty characters long, this one."| s_done'
expect_out '  s_menu -->|"Averyveryverylongwordwithnospacesinside…"| s_done'
expect_out "  s_menu -->|\"$(printf 'é%.0s' $(seq 39))…\"| s_done"
expect_out '  s_menu -->|"fn"| s_done'
expect_no_out 't#34;'
run_hf graph "$T/words.lua"
expect_code 0 "graph with localised labels (dot)"
expect_out '"menu" -> "done" [label="Yes, please"];'
# The default locale is the flow's: with locale = "cy-GB", the Welsh words.
sed 's/start = "menu",/start = "menu", locale = "cy-GB",/' "$T/words.lua" >"$T/geiriau.lua"
run_hf graph --format mermaid "$T/geiriau.lua"
expect_code 0 "graph with a Welsh default locale"
expect_out '  s_menu -->|"Ie, os gwelwch yn dda"| s_done'
expect_out '  s_menu -->|"Hoffwn i siarad â rhywun am fy ngherdyn"| s_done'

# --- heat ---------------------------------------------------------------------------------------
# Four sessions of tiny v2 (one went back from name to hello: each step and edge counts once a
# session), one of v1 and one of another flow (both passed over), a blank line.
cat >"$T/out.jsonl" <<'EOF'
{"session":"a","flow":"tiny","version":2,"outcome":"resolved","step":"done","steps":4,"trail":["hello","name","lookup","done"]}
{"session":"b","flow":"tiny","version":2,"outcome":"resolved","step":"done","steps":7,"trail":["hello","name","lookup","route","sub","helper/fine","helper/ok","done"]}
{"session":"c","flow":"tiny","version":2,"outcome":"escalated","reason":"not_resolved","step":"agent","steps":2,"trail":["hello","agent"]}

{"session":"d","flow":"tiny","version":2,"outcome":"escalated","reason":"input_failed","step":"name","steps":4,"trail":["hello","name","hello","name"]}
{"session":"e","flow":"tiny","version":1,"outcome":"resolved","trail":["gone"]}
{"session":"f","flow":"other","version":2,"outcome":"resolved","trail":["hello","agent"]}
EOF
run_hf graph --heat "$T/out.jsonl" "$T/helper.lua" "$T/tiny.lua"
expect_code 0 "graph --heat"
expect_out "heat: 4 sessions in $T/out.jsonl"
expect_out '"(start)" -> "hello" [label="(4)"];'
expect_out '"hello" [shape=box, style="filled", fillcolor="#bd0026", fontcolor="white", label="hello (4)"];'
expect_out '"name" [shape=parallelogram, style="filled", fillcolor="#f03b20", fontcolor="white", label="name (3)\ninput: text"];'
expect_out '"done" [shape=box, style="rounded,filled", fillcolor="#fd8d3c", color="#2b8a3e", penwidth=3, label="done (2)"];'
expect_out '"agent" [shape=box, style="rounded,filled", fillcolor="#fecc5c", color="#d9480f", penwidth=3, label="agent (1)\nreason: not_resolved"];'
expect_out '"pause" [shape=hexagon, style="filled", fillcolor="#e9ecef", label="pause (0)\nevent: ping, timeout 60 s"];'
expect_out '"sub" [shape=box, peripheries=2, style="filled", fillcolor="#fecc5c", label="sub (1)\ncalls helper"];'
expect_out '"hello" -> "name" [label="Yes, \"please\" (3)", color="#bd0026", penwidth=5];'
expect_out '"name" -> "lookup" [label="(2)", color="#f03b20", penwidth=4];'
expect_out '"sub" -> "done" [label="resolved (1)", color="#fecc5c", penwidth=2];'
expect_out '"route" -> "pause" [label="when #2 (0)", color="#adb5bd", penwidth=1];'
expect_out '"lookup" -> "agent" [label="on_error (0)", style=dashed, color="#adb5bd", penwidth=1];'
if [ "$have_dot" = 1 ]; then
    dot -Tsvg "$OUT" >/dev/null 2>"$T/dot.err" || fail "Graphviz rejects the heat dot: $(cat "$T/dot.err")"
fi

run_hf graph --format mermaid --heat "$T/out.jsonl" "$T/helper.lua" "$T/tiny.lua"
expect_code 0 "graph --format mermaid --heat"
expect_out '  s_hello["hello (4)"]'
expect_out '  s_name[/"name (3)<br/>input: text"/]'
expect_out '  hf_start -->|"(4)"| s_hello'
expect_out '  s_hello -->|"Yes, #34;please#34; (3)"| s_name'
expect_out '  classDef heat5 fill:#bd0026,stroke:#495057,color:#fff'
expect_out '  class s_hello heat5'
expect_out '  class s_name heat4'
expect_out '  class s_pause heat0'
expect_out '  class s_done heat3'
expect_out '  style s_done stroke:#2b8a3e,stroke-width:3px'
expect_out '  linkStyle 1 stroke:#bd0026,stroke-width:5px'
expect_out '  linkStyle 6 stroke:#f03b20,stroke-width:4px'
expect_out '  linkStyle 7 stroke:#adb5bd,stroke-width:1px'

# Records read from stdin; none of the drawn version: all zero, and a warning says so.
grep '"version":1' "$T/out.jsonl" >"$T/v1.jsonl"
run_hf graph --heat - "$T/helper.lua" "$T/tiny.lua" <"$T/v1.jsonl"
expect_code 0 "graph --heat - with no record of the version"
expect_out '"hello" [shape=box, style="filled", fillcolor="#e9ecef", label="hello (0)"];'
expect_err "stdin holds no outcome records of flow 'tiny' version 2"

# --- svg and -o -----------------------------------------------------------------------------------
if [ "$have_dot" = 1 ]; then
    run_hf graph --format svg "$T/helper.lua" "$T/tiny.lua"
    expect_code 0 "graph --format svg"
    expect_out "<svg"
    expect_out "</svg>"
    run_hf graph --format svg --heat "$T/out.jsonl" -o "$T/tiny-heat.svg" "$T/helper.lua" "$T/tiny.lua"
    expect_code 0 "graph --format svg -o"
    [ ! -s "$OUT" ] || fail "graph -o wrote to stdout"
    grep -q '<svg' "$T/tiny-heat.svg" || fail "the svg file holds no svg"
    grep -q 'hello (4)' "$T/tiny-heat.svg" || fail "the svg lacks the heat counts"
fi
# Without Graphviz in PATH, svg is refused, and no file is left behind.
mkdir "$T/nobin"
CODE=0
PATH="$T/nobin" "$HF_BIN" graph --format svg -o "$T/none.svg" "$T/tiny.lua" "$T/helper.lua" \
    >"$OUT" 2>"$ERR" || CODE=$?
expect_code 2 "graph --format svg without dot"
expect_err "svg needs Graphviz's dot: apt-get install graphviz"
[ ! -e "$T/none.svg" ] || fail "a failed svg left a file behind"

run_hf graph --format mermaid -o "$T/tiny.mmd" "$T/helper.lua" "$T/tiny.lua"
expect_code 0 "graph -o"
diff -u "$T/want.mmd" "$T/tiny.mmd" >&2 || fail "graph -o wrote something else"

# --- bad input --------------------------------------------------------------------------------------
run_hf graph --help
expect_code 0 "graph --help"
expect_out "usage: helpflow graph"
expect_out "--heat"
run_hf graph
expect_code 2 "graph without files"
expect_err "no flow files given"
run_hf graph --format png "$T/tiny.lua"
expect_code 2 "graph --format png"
expect_err "unknown format 'png'"
run_hf graph --colour "$T/tiny.lua"
expect_code 2 "graph with an unknown option"
expect_err "unknown option '--colour'"
run_hf graph "$T/tiny.lua" --flow
expect_code 2 "graph --flow without a value"
expect_err "'--flow' needs a value"
run_hf graph --flow nope "$T/helper.lua" "$T/tiny.lua"
expect_code 2 "graph --flow unknown"
expect_err "no flow 'nope'"
run_hf graph "$T/tiny.lua"
expect_code 2 "graph of a flow whose callee is missing"
expect_err "tiny.lua"
expect_err "helper"
run_hf graph "$T/missing.lua"
expect_code 2 "graph of a missing file"
expect_err "missing.lua"
run_hf graph -o "$T/no/such/dir/x.dot" "$T/helper.lua"
expect_code 2 "graph -o into a missing directory"
expect_err "cannot write $T/no/such/dir/x.dot"

# Outcome records: each kind of malformed line is named by its number.
heat_error() {
    local text=$1 want=$2
    printf '%s\n' "$text" >"$T/bad.jsonl"
    run_hf graph --heat "$T/bad.jsonl" "$T/helper.lua" "$T/tiny.lua"
    expect_code 2 "graph --heat with: $text"
    expect_err "$want"
    [ ! -s "$OUT" ] || fail "a failed graph printed a drawing"
}
good='{"flow":"tiny","version":2,"trail":["hello"]}'
heat_error "$good"$'\n''{"flow":"tiny",' "$T/bad.jsonl:2: not one JSON object"
heat_error "$good"$'\n\n''[1,2]' "$T/bad.jsonl:3: not one JSON object"
heat_error "$good"' {}' "$T/bad.jsonl:1: not one JSON object"
heat_error '{"flow":"tiny"}' "$T/bad.jsonl:1: an outcome record needs a string \"flow\" and a number \"version\""
heat_error '{"flow":"tiny","version":2}' "$T/bad.jsonl:1: the record has no \"trail\" array"
heat_error '{"flow":"tiny","version":2,"trail":["hello",3]}' "$T/bad.jsonl:1: \"trail\" holds a number"
heat_error '{"flow":"tiny","version":2,"trail":["hello","gone"]}' \
    "$T/bad.jsonl:1: the trail names step 'gone', which flow 'tiny' version 2 does not have"
run_hf graph --heat "$T/nope.jsonl" "$T/helper.lua" "$T/tiny.lua"
expect_code 2 "graph --heat with a missing file"
expect_err "cannot read the outcome records $T/nope.jsonl"

# --- the reference flows ------------------------------------------------------------------------------
# flows/*.lua holds routing.lua (and maybe actions.lua and tests): they are passed over.
for f in "$HF_SOURCE_DIR"/flows/*.lua; do
    case $(basename "$f") in routing.lua|actions.lua|*.test.lua) continue ;; esac
    id=$(sed -n 's/^return flow "\([^"]*\)".*/\1/p' "$f")
    [ -n "$id" ] || fail "no 'return flow \"ID\"' line in $f"
    run_hf graph --flow "$id" "$HF_SOURCE_DIR"/flows/*.lua
    expect_code 0 "graph of flows/$id.lua"
    expect_out "digraph \"$id\" {"
    if [ "$have_dot" = 1 ]; then
        dot -Tsvg "$OUT" >/dev/null 2>"$T/dot.err" || fail "Graphviz rejects flows/$id: $(cat "$T/dot.err")"
    fi
    run_hf graph --format mermaid --flow "$id" "$HF_SOURCE_DIR"/flows/*.lua
    expect_code 0 "mermaid graph of flows/$id.lua"
    expect_out "flowchart TD"
done
exit 0
