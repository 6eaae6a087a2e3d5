# helpflow run --save / --restore / --key / --log, and helpflow snapshot inspect / keygen:
# a session goes on in another process; inspect shows what a snapshot holds; every bad file,
# wrong key or missing key exits 2 with the engine's reason. (tests/test_cli_resume.c drives
# every reference flow through a save and restore at every point.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cat >"$T/check.lua" <<'LUA'
return flow "check" {
  version = 4,
  start = "send",
  steps = {
    send = action { call = "id.send_check", args = function(ctx) return { to = ctx.phone } end,
                    go = "wait_ok", on_error = "failed" },
    wait_ok = wait { text = "Approve it in your banking app.", event = "id.approved",
                     timeout = 600, go = "ok", on_timeout = "failed" },
    ok = resolved { text = "Verified." },
    failed = escalate { reason = "not_verified" },
  },
}
LUA
cat >"$T/pay.lua" <<'LUA'
return flow "pay" {
  version = 2,
  start = "menu",
  steps = {
    menu = say {
      text = "What would you like to do?",
      choices = { { id = "pay", label = "Make a payment", go = "amount" },
                  { id = "bye", label = "Nothing", go = "done" } },
    },
    amount = ask { text = "How much?", input = "money", save = "amount", go = "verify" },
    verify = call { flow = "check", go = "send" },
    send = action { call = "payments.make", args = function(ctx) return { amount = ctx.amount } end,
                    go = "done", on_error = "agent" },
    done = resolved { text = "All done." },
    agent = escalate { reason = "not_resolved", skills = { "payments" }, priority = "high" },
  },
}
LUA
FLOWS=("$T/pay.lua" "$T/check.lua")
CTX='{"customer_id": "cus_1", "phone": "+44 7700 900123", "locale": "en-GB", "at": 1717243200}'
ev() { printf '%s\n' "$@" >"$T/events"; }

# --- keygen ----------------------------------------------------------------------------------
run_hf snapshot keygen -o "$T/snap.key"
expect_code 0 "snapshot keygen"
expect_out "snap.key"
[ "$(stat -c %a "$T/snap.key")" = 600 ] || fail "the key file is not mode 600"
grep -qxE '[0-9a-f]{64}' "$T/snap.key" || fail "the key file is not one line of 64 hex digits"
[ "$(wc -l <"$T/snap.key")" -eq 1 ] || fail "the key file is not one line"
cp "$T/snap.key" "$T/before.key"
run_hf snapshot keygen -o "$T/snap.key"
expect_code 2 "keygen over an existing file"
expect_err "already exists"
cmp -s "$T/snap.key" "$T/before.key" || fail "keygen changed an existing key"
run_hf snapshot keygen -o "$T/other.key"
expect_code 0 "a second key"
! cmp -s "$T/snap.key" "$T/other.key" || fail "two keys are the same"
run_hf snapshot keygen
expect_code 2 "keygen without -o"
expect_err "-o KEYFILE"
run_hf snapshot keygen -o "$T/nodir/x.key"
expect_code 2 "keygen into a missing directory"
expect_err "nodir/x.key"

# --- save in one process, restore in another: the same lines as without the break ------------
ev '{"type": "choose", "option": "pay"}' '{"type": "input", "value": "12.50"}' \
   '{"type": "result", "action": "a1", "ok": true, "at": 1717243260}' \
   '{"type": "event", "name": "id.approved", "at": 1717243300}' \
   '{"type": "result", "action": "a2", "ok": true, "data": {"id": "p_1"}}'
run_hf run --json --context "$CTX" "${FLOWS[@]}" <"$T/events"
expect_code 0 "the whole conversation"
expect_lines 6
cp "$OUT" "$T/whole"
for k in 0 1 2 3 4 5; do
    head -n "$k" "$T/events" >"$T/first"
    tail -n "+$((k + 1))" "$T/events" >"$T/rest"
    run_hf run --json --context "$CTX" --save "$T/s.snap" "${FLOWS[@]}" <"$T/first"
    expect_code 0 "save after $k events"
    cmp -s "$OUT" <(head -n "$((k + 1))" "$T/whole") || fail "k=$k: the saving run's lines differ"
    run_hf run --json --restore "$T/s.snap" "${FLOWS[@]}" <"$T/rest"
    expect_code 0 "restore after $k events"
    cmp -s "$OUT" <(tail -n "+$((k + 1))" "$T/whole") || fail "k=$k: the restored run's lines differ"
done
ls "$T" | grep -q 's.snap.' && fail "a temporary snapshot file was left behind"
[ "$(stat -c %a "$T/s.snap")" = 600 ] || fail "the snapshot is not mode 600"

# --restore and --save the same file, event by event, in five processes
run_hf run --json --context "$CTX" --save "$T/step.snap" "${FLOWS[@]}" </dev/null
for k in 1 2 3 4 5; do
    sed -n "${k}p" "$T/events" | "$HF_BIN" run --json --restore "$T/step.snap" \
        --save "$T/step.snap" "${FLOWS[@]}" >"$T/step.out" 2>"$ERR" || fail "step $k"
    [ "$(sed -n 2p "$T/step.out")" = "$(sed -n "$((k + 1))p" "$T/whole")" ] ||
        fail "step $k: the reply differs from the uninterrupted run"
done

# --- inspect ---------------------------------------------------------------------------------
head -n 3 "$T/events" >"$T/first"
run_hf run --json --context "$CTX" --save "$T/wait.snap" "${FLOWS[@]}" <"$T/first"
run_hf snapshot inspect "$T/wait.snap" "${FLOWS[@]}"
expect_code 0 "inspect"
expect_out "format 1; deflated"
expect_out "flow          pay version 2"
expect_out "status        waiting"
expect_out "step          wait_ok (wait) in subflow check version 4"
expect_out "pay version 2 at verify (calls)"
expect_out "check version 4 at wait_ok (current)"
# the wait's deadline: the action's result came at 1717243260, plus 600 s
expect_out "waits for     the event id.approved, until 2024-06-01T12:11:00Z (1717243860)"
expect_out "started       2024-06-01T12:00:00Z (1717243200)"
expect_out "last event    2024-06-01T12:01:00Z (1717243260)"
expect_out "locale        en-GB"
expect_out '"amount": 12.5'
expect_out '"phone": "+44 7700 900123"'
expect_out "size          $(stat -c %s "$T/wait.snap") bytes"
expect_no_out "#"
# without the flows, steps are indices, and it says how to see their ids
run_hf snapshot inspect "$T/wait.snap"
expect_code 0 "inspect without the flows"
expect_out "flow          pay version 2"
expect_out "step          #3 in subflow check version 4"
expect_out "give the flow files"
run_hf snapshot inspect "$T/wait.snap" "$T/pay.lua" "$T/check.lua" --json
expect_code 0 "inspect --json"
expect_lines 1
expect_json 1 format 1
expect_json 1 flow '"pay"'
expect_json 1 version 2
expect_json 1 size "$(stat -c %s "$T/wait.snap")"
expect_json 1 authenticated false
expect_out '"state":{'

# a pending action: id, name and arguments
head -n 2 "$T/events" >"$T/first"
run_hf run --json --context "$CTX" --save "$T/action.snap" "${FLOWS[@]}" <"$T/first"
run_hf snapshot inspect "$T/action.snap" "${FLOWS[@]}"
expect_code 0 "inspect a pending action"
expect_out "status        action"
expect_out 'waits for     the result of action a1 id.send_check {"to":"+44 7700 900123"}'
# a finished session
run_hf run --json --context "$CTX" --save "$T/end.snap" "${FLOWS[@]}" <"$T/events"
run_hf snapshot inspect "$T/end.snap" "${FLOWS[@]}"
expect_out "status        resolved"
expect_out "waits for     nothing: the session has ended"
expect_out "finished      2024-06-01T12:01:40Z (1717243300)"
printf '%s\n' '{"type": "intent", "name": "human"}' >"$T/human"
run_hf run --json --context "$CTX" --save "$T/esc.snap" "${FLOWS[@]}" <"$T/human"
run_hf snapshot inspect "$T/esc.snap" "${FLOWS[@]}"
expect_out "status        escalated"
expect_out "escalation    reason customer_requested"

# --- bad files exit 2 with the reason ---------------------------------------------------------
bad_snapshot() { # FILE WHAT MESSAGE
    run_hf snapshot inspect "$1" "${FLOWS[@]}"
    expect_code 2 "inspect $2"
    expect_err "$(basename "$1")"
    expect_err "$3"
    [ ! -s "$OUT" ] || fail "inspect $2 printed something"
    run_hf run --json --restore "$1" "${FLOWS[@]}" </dev/null
    expect_code 2 "restore $2"
    expect_err "$3"
    [ ! -s "$OUT" ] || fail "restore $2 printed an output"
}
printf 'not a snapshot at all\n' >"$T/garbage.snap"
bad_snapshot "$T/garbage.snap" "garbage" 'does not start with the snapshot magic "HFSN"'
: >"$T/empty.snap"
bad_snapshot "$T/empty.snap" "an empty file" "snapshot magic"
size=$(stat -c %s "$T/wait.snap")
for cut in 3 6 12 $((size / 2)) $((size - 1)); do
    head -c "$cut" "$T/wait.snap" >"$T/cut.snap"
    bad_snapshot "$T/cut.snap" "cut to $cut bytes" "not a valid snapshot"
done
for at in 4 5 20 $((size - 2)); do
    cp "$T/wait.snap" "$T/flip.snap"
    byte=$(od -An -tu1 -j "$at" -N1 "$T/flip.snap" | tr -d ' ')
    printf "$(printf '\\%03o' $(((byte ^ 1) & 255)))" |
        dd of="$T/flip.snap" bs=1 seek="$at" conv=notrunc status=none
    cmp -s "$T/flip.snap" "$T/wait.snap" && fail "flipping byte $at changed nothing"
    bad_snapshot "$T/flip.snap" "with byte $at flipped" "not a valid snapshot"
done
run_hf snapshot inspect "$T/no-such.snap"
expect_code 2 "inspect a missing file"
expect_err "no-such.snap"
run_hf snapshot inspect "$T"
expect_code 2 "inspect a directory"
# a snapshot of a flow version that is not loaded
run_hf run --json --restore "$T/wait.snap" "$T/pay.lua" </dev/null
expect_code 2 "restore without the subflow's file"
expect_err "'pay'"
sed 's/version = 4/version = 5/' "$T/check.lua" >"$T/check5.lua"
run_hf run --json --restore "$T/wait.snap" "$T/pay.lua" "$T/check5.lua" </dev/null
expect_code 2 "restore with another version of the subflow"
expect_err "flow 'check' version 4, which is not loaded"

# --- keys -------------------------------------------------------------------------------------
printf '%s\n' '{"type": "choose", "option": "pay"}' '{"type": "input", "value": "12.50"}' \
   '{"type": "result", "action": "a1", "ok": true, "at": 1717243260}' >"$T/first"
run_hf run --json --context "$CTX" --key "$T/snap.key" --save "$T/auth.snap" "${FLOWS[@]}" <"$T/first"
expect_code 0 "save with a key"
run_hf snapshot inspect "$T/auth.snap" --key "$T/snap.key" "${FLOWS[@]}"
expect_code 0 "inspect with the key"
expect_out "deflated, authenticated"
run_hf snapshot inspect "$T/auth.snap" "${FLOWS[@]}"
expect_code 2 "inspect an authenticated snapshot without the key"
expect_err "no snapshot key"
expect_err "--key"
run_hf snapshot inspect "$T/auth.snap" --key "$T/other.key"
expect_code 2 "inspect with another key"
expect_err "authentication tag does not match"
printf '%s\n' '{"type": "event", "name": "id.approved", "at": 1717243300}' >"$T/rest"
run_hf run --json --restore "$T/auth.snap" "${FLOWS[@]}" <"$T/rest"
expect_code 2 "restore without the key"
expect_err "--key"
run_hf run --json --restore "$T/auth.snap" --key "$T/other.key" "${FLOWS[@]}" <"$T/rest"
expect_code 2 "restore with another key"
expect_err "authentication tag does not match"
run_hf run --json --restore "$T/auth.snap" --key "$T/snap.key" --save "$T/auth2.snap" "${FLOWS[@]}" <"$T/rest"
expect_code 0 "restore with the key"
expect_json 2 status '"action"'
expect_json 2 id '"a2"'
[ "$(line 2 "$OUT")" = "$(line 5 "$T/whole")" ] || fail "the keyed restore went another way"
# the saved one is authenticated too; an unkeyed snapshot is refused where a key is required
run_hf snapshot inspect "$T/auth2.snap" --key "$T/snap.key" --json
expect_out '"authenticated":true'
run_hf run --json --restore "$T/wait.snap" --key "$T/snap.key" "${FLOWS[@]}" </dev/null
expect_code 2 "restore an unkeyed snapshot where a key is required"
expect_err "no authentication tag"
# key files that are not keys
printf 'abcd\n' >"$T/short.key"
printf '%064d\n' 0 | tr 0 g >"$T/nothex.key"
for k in short nothex; do
    run_hf run --json --context "$CTX" --key "$T/$k.key" --save "$T/x.snap" "${FLOWS[@]}" </dev/null
    expect_code 2 "a $k key"
    expect_err "$k.key is not a snapshot key file"
    [ ! -e "$T/x.snap" ] || fail "a $k key still saved"
done
run_hf snapshot inspect "$T/auth.snap" --key "$T/missing.key"
expect_code 2 "a missing key file"
expect_err "missing.key"
chmod 644 "$T/other.key"
run_hf snapshot inspect "$T/wait.snap" --key "$T/other.key"
expect_err "can be read by others"

# --- event logs --------------------------------------------------------------------------------
run_hf run --json --context "$CTX" --log "$T/whole.log" "${FLOWS[@]}" <"$T/events"
expect_code 0 "run --log"
[ "$(stat -c %a "$T/whole.log")" = 600 ] || fail "the log is not mode 600"
expect_lines 6
grep -qF '"flow":"pay","version":2,"context":{' "$T/whole.log" || fail "log: $(cat "$T/whole.log")"
grep -qF '"phone":"+44 7700 900123"' "$T/whole.log" || fail "log lacks the context"
grep -qF '{"option":"pay","type":"choose"}' "$T/whole.log" || fail "log lacks the first event"
# the log goes on through a snapshot: saved with --log, restored, logged again
run_hf run --json --context "$CTX" --log "$T/a.log" --save "$T/logged.snap" "${FLOWS[@]}" <"$T/first"
run_hf snapshot inspect "$T/logged.snap" "${FLOWS[@]}"
expect_out "deflated, event log"
expect_out "event log     the start context and 3 events"
run_hf run --json --restore "$T/logged.snap" --log "$T/b.log" "${FLOWS[@]}" <<'EOF2'
{"type": "event", "name": "id.approved", "at": 1717243300}
{"type": "result", "action": "a2", "ok": true, "data": {"id": "p_1"}}
EOF2
expect_code 0 "restore --log"
cmp -s "$T/b.log" "$T/whole.log" || fail "the restored log differs: $(cat "$T/b.log")"
# a restore without --log keeps the log for the next save
run_hf run --json --restore "$T/logged.snap" --save "$T/still.snap" "${FLOWS[@]}" </dev/null
run_hf snapshot inspect "$T/still.snap" "${FLOWS[@]}"
expect_out "event log     the start context and 3 events"
# a snapshot saved without --log has no log to go on with
run_hf run --json --restore "$T/wait.snap" --log "$T/c.log" "${FLOWS[@]}" </dev/null
expect_code 2 "--log after restoring a snapshot without one"
expect_err "carries no event log"
[ ! -e "$T/c.log" ] || fail "a log was written anyway"

# --- flow versions: a snapshot restores on its own version; --migrate moves it ------------------
cat >"$T/pin1.lua" <<'LUA'
return flow "pin" { version = 1, start = "ask", steps = {
  ask = say { text = "v1: resend it?", choices = { { id = "yes", label = "Yes", go = "done" } } },
  done = resolved { text = "v1: sent" } } }
LUA
cat >"$T/pin2.lua" <<'LUA'
return flow "pin" { version = 2, start = "ask",
  migrate = function(ctx, from) return { note = "from " .. from, tier = ctx.tier } end,
  steps = {
    ask = say { text = "v2: resend it?", choices = { { id = "yes", label = "Yes", go = "done" } } },
    done = resolved { text = function(ctx) return "v2: sent, " .. ctx.note end } } }
LUA
cat >"$T/pin3.lua" <<'LUA'
return flow "pin" { version = 3, start = "start", steps = {
  start = say { text = "v3", choices = { { id = "yes", label = "Yes", go = "fin" } } },
  fin = resolved { text = "v3: sent" } } }
LUA
run_hf run --json --context '{"tier": "gold"}' --save "$T/pin.snap" "$T/pin1.lua" </dev/null
printf '%s\n' '{"type": "choose", "option": "yes"}' >"$T/yes"
run_hf run --json --restore "$T/pin.snap" "$T/pin2.lua" "$T/pin1.lua" <"$T/yes"
expect_code 0 "restore next to a newer version"
expect_json 1 version 1
expect_json 2 text '"v1: sent"'
run_hf run --json --restore "$T/pin.snap" --migrate newest "$T/pin2.lua" "$T/pin1.lua" <"$T/yes"
expect_code 0 "--migrate newest"
expect_json 1 version 2
expect_json 1 step '"ask"'
expect_json 2 text '"v2: sent, from 1"'
run_hf run --json --restore "$T/pin.snap" --migrate 2 "$T/pin1.lua" "$T/pin2.lua" "$T/pin3.lua" <"$T/yes"
expect_code 0 "--migrate 2"
expect_json 2 text '"v2: sent, from 1"'
run_hf run --json --restore "$T/pin.snap" --migrate 3 "$T/pin1.lua" "$T/pin3.lua" </dev/null
expect_code 2 "--migrate to a version without migrate"
expect_err "declares no migrate function"
[ ! -s "$OUT" ] || fail "a refused migration printed an output"
run_hf run --json --restore "$T/pin.snap" --migrate 9 "$T/pin1.lua" </dev/null
expect_code 2 "--migrate to a version not loaded"
expect_err "version 9 is not loaded"
for bad in 0 -1 two 2x; do
    run_hf run --json --restore "$T/pin.snap" --migrate "$bad" "$T/pin1.lua" </dev/null
    expect_code 2 "--migrate $bad"
    expect_err "--migrate takes a flow version"
done
run_hf run --json --migrate 2 "$T/pin1.lua" </dev/null
expect_code 2 "--migrate without --restore"
expect_err "needs --restore"

# --- usage ---------------------------------------------------------------------------------------
run_hf run --json --restore "$T/wait.snap" --flow pay "${FLOWS[@]}" </dev/null
expect_code 2 "--restore with --flow"
expect_err "--flow does not go with --restore"
run_hf run --json --restore "$T/wait.snap" --context '{}' "${FLOWS[@]}" </dev/null
expect_code 2 "--restore with --context"
expect_err "--context does not go with --restore"
run_hf run --json --context "$CTX" --save "$T/nodir/x.snap" "${FLOWS[@]}" </dev/null
expect_code 2 "--save into a missing directory"
expect_err "nodir/x.snap"
run_hf snapshot --help
expect_code 0 "snapshot --help"
expect_out "usage: helpflow snapshot inspect FILE"
expect_out "keygen"
run_hf snapshot inspect --help
expect_code 0 "snapshot inspect --help"
expect_out "usage: helpflow snapshot"
run_hf snapshot
expect_code 2 "snapshot without a subcommand"
run_hf snapshot frob
expect_code 2 "snapshot frob"
expect_err "unknown subcommand 'frob'"
run_hf snapshot inspect
expect_code 2 "inspect without a file"
run_hf snapshot inspect "$T/wait.snap" --bogus
expect_code 2 "inspect --bogus"
expect_err "unknown option '--bogus'"
run_hf snapshot inspect "$T/wait.snap" -o "$T/x"
expect_code 2 "inspect -o"

# --- the terminal: --save and --restore work there too ------------------------------------------
printf 'pay\n12.50\n/quit\n' >"$T/typed"
run_hf run --context "$CTX" --save "$T/term.snap" "${FLOWS[@]}" <"$T/typed"
expect_code 0 "terminal --save"
run_hf snapshot inspect "$T/term.snap" "${FLOWS[@]}"
expect_out "status        action"
expect_out "id.send_check"
run_hf run --json --restore "$T/term.snap" "${FLOWS[@]}" </dev/null
expect_json 1 step '"send"'
expect_json 1 subflow '"check"'
run_hf run --restore "$T/term.snap" "${FLOWS[@]}" </dev/null
expect_code 0 "terminal --restore"
expect_out "[action a1 id.send_check"
exit 0
