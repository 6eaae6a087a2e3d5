# helpflow bundle: keygen, pack, verify and list round trip; tampered, truncated and foreign
# files; keys that are not keys, or the wrong ones; flows that fail their checks; --help.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# ---- keygen ---------------------------------------------------------------------------------
run_hf bundle keygen -o "$T/pub"
expect_code 0 "keygen"
expect_out "$T/pub.key"
[ "$(stat -c %a "$T/pub.key")" = 600 ] || fail "the secret key is not mode 0600"
grep -qxE '[0-9a-f]{128}' "$T/pub.key" || fail "pub.key is not one line of 128 hex digits"
grep -qxE '[0-9a-f]{64}' "$T/pub.pub" || fail "pub.pub is not one line of 64 hex digits"
key_before=$(cat "$T/pub.key")
run_hf bundle keygen -o "$T/pub"
expect_code 2 "keygen over an existing key"
expect_err "already exists"
[ "$(cat "$T/pub.key")" = "$key_before" ] || fail "keygen overwrote a secret key"
rm "$T/pub.pub"
run_hf bundle keygen -o "$T/pub"
expect_code 2 "keygen when only the secret key exists"
[ "$(cat "$T/pub.key")" = "$key_before" ] || fail "keygen overwrote a secret key"
rm "$T/pub.key"
run_hf bundle keygen -o "$T/pub"
expect_code 0 "keygen again"
run_hf bundle keygen -o "$T/other"
expect_code 0 "keygen of a second pair"
run_hf bundle keygen
expect_code 2 "keygen without -o"

# ---- pack, verify, list: the reference flows --------------------------------------------------
run_hf bundle pack "$HF_SOURCE_DIR/flows" -o "$T/b.hfb" --key "$T/pub.key"
expect_code 0 "pack flows/"
expect_out "1 routing config"
[ -s "$T/b.hfb" ] || fail "pack wrote nothing"
nflows=$(ls "$HF_SOURCE_DIR"/flows/*.lua | grep -v -e '\.test\.lua$' -e '/routing\.lua$' \
         -e '/actions\.lua$' | wc -l)
expect_out "$nflows flows"

run_hf bundle pack "$HF_SOURCE_DIR/flows" -o "$T/again.hfb" --key "$T/pub.key"
cmp -s "$T/b.hfb" "$T/again.hfb" || fail "packing the same files twice gave different bytes"
ls "$T" | grep -q 'hfb\.' && fail "pack left a temporary file behind"

run_hf bundle verify "$T/b.hfb" --pub "$T/pub.pub"
expect_code 0 "verify"
expect_out "OK"
expect_out "$nflows flows"

run_hf bundle list "$T/b.hfb"
expect_code 0 "list"
expect_out "card_declined.lua"
expect_out "routing.lua"
expect_out "signature not checked"
grep -qE '^flow +card_declined\.lua +card_declined +[0-9]+ +My card was declined +[0-9]+ +[0-9a-f]{12}$' \
    "$OUT" || fail "list has no readable card_declined row"
[ "$(grep -c '^flow ' "$OUT")" -eq "$nflows" ] || fail "list does not show every flow"

run_hf bundle list --pub "$T/pub.pub" "$T/b.hfb"
expect_code 0 "list --pub"
expect_out "signature verified"

run_hf bundle list --json "$T/b.hfb"
expect_code 0 "list --json"
json_has "$(cat "$OUT")" verified false || fail "list --json without a key claims it verified"
json_has "$(cat "$OUT")" kind '"routing"' || fail "list --json lacks the routing entry"

# ---- bad bundles ----------------------------------------------------------------------------
# one byte altered in the middle (the compressed body), in the signature, in the header
size=$(stat -c %s "$T/b.hfb")
for at in $((size / 2)) $((size - 10)) 30; do
    cp "$T/b.hfb" "$T/t.hfb"
    printf '\x5a' | dd of="$T/t.hfb" bs=1 seek="$at" conv=notrunc status=none
    cmp -s "$T/b.hfb" "$T/t.hfb" && printf '\x5b' | dd of="$T/t.hfb" bs=1 seek="$at" conv=notrunc status=none
    run_hf bundle verify "$T/t.hfb" --pub "$T/pub.pub"
    expect_code 1 "verify of a bundle altered at byte $at"
    expect_out "FAILED"
done

head -c $((size - 1)) "$T/b.hfb" >"$T/short.hfb"
run_hf bundle verify "$T/short.hfb" --pub "$T/pub.pub"
expect_code 1 "verify of a truncated bundle"
expect_out "truncated"
run_hf bundle list "$T/short.hfb"
expect_code 1 "list of a truncated bundle"

run_hf bundle verify "$T/b.hfb" --pub "$T/other.pub"
expect_code 1 "verify with another key"
expect_out "another key"

head -c 3000 /dev/urandom >"$T/garbage.hfb"
run_hf bundle verify "$T/garbage.hfb" --pub "$T/pub.pub"
expect_code 2 "verify of garbage"
expect_err "not a helpflow bundle"
run_hf bundle list "$HF_SOURCE_DIR/flows/routing.lua"
expect_code 2 "list of a Lua file"
expect_err "not a helpflow bundle"
run_hf bundle verify "$T/missing.hfb" --pub "$T/pub.pub"
expect_code 2 "verify of a missing file"

# ---- keys that are not the right kind -------------------------------------------------------
run_hf bundle verify "$T/b.hfb" --pub "$T/pub.key"
expect_code 2 "verify with the secret key"
expect_err "is a secret key"
run_hf bundle pack "$HF_SOURCE_DIR/flows" -o "$T/x.hfb" --key "$T/pub.pub"
expect_code 2 "pack with the public key"
expect_err "is a public key"
echo "not a key" >"$T/junk.key"
run_hf bundle pack "$HF_SOURCE_DIR/flows" -o "$T/x.hfb" --key "$T/junk.key"
expect_code 2 "pack with junk for a key"
expect_err "not a secret key file"
[ ! -e "$T/x.hfb" ] || fail "pack wrote a bundle without a key"
cp "$T/pub.key" "$T/open.key"
chmod 644 "$T/open.key"
run_hf bundle pack "$HF_SOURCE_DIR/flows/scam_report.lua" -o "$T/x.hfb" --key "$T/open.key"
expect_code 0 "pack with a world-readable key"
expect_err "can be read by others"

# ---- flows that fail their checks -----------------------------------------------------------
mkdir "$T/src"
cat >"$T/src/good.lua" <<'LUA'
return flow "good" { start = "done", steps = { done = resolved { text = "Done." } } }
LUA
cat >"$T/src/broken.lua" <<'LUA'
return flow "broken" { start = "a", steps = { a = say { text = "x", go = "nowhere" },
                                              b = resolved { } } }
LUA
cat >"$T/src/good.test.lua" <<'LUA'
this is a conversation test, not a flow: pack leaves it out
LUA
cat >"$T/src/actions.lua" <<'LUA'
return { ["cards.freeze"] = { args = { card_id = "string" } } }
LUA
cp "$T/b.hfb" "$T/keep.hfb"
run_hf bundle pack "$T/src" -o "$T/keep.hfb" --key "$T/pub.key"
expect_code 1 "pack with a flow that fails its checks"
expect_err "$T/src/broken.lua: flow 'broken'"
expect_err "nowhere"
expect_err "nothing written"
cmp -s "$T/b.hfb" "$T/keep.hfb" || fail "a failed pack changed the existing output file"

rm "$T/src/broken.lua"
run_hf bundle pack "$T/src" -o "$T/small.hfb" --key "$T/pub.key"
expect_code 0 "pack of a directory with a test and an action manifest"
expect_out "1 flow,"
run_hf bundle list "$T/small.hfb"
expect_no_out "actions.lua"
expect_no_out "good.test.lua"
expect_out "good.lua"

cp "$T/src/good.lua" "$T/good.lua"
run_hf bundle pack "$T/src" "$T/good.lua" -o "$T/x.hfb" --key "$T/pub.key"
expect_code 2 "pack of two files with one name"
expect_err "would both be named 'good.lua'"

# ---- usage ----------------------------------------------------------------------------------
for args in "--help" "pack --help" "verify --help" "list --help" "keygen --help"; do
    # shellcheck disable=SC2086
    run_hf bundle $args
    expect_code 0 "bundle $args"
    expect_out "usage: helpflow bundle"
done
run_hf help bundle
expect_code 0 "help bundle"
expect_out "usage: helpflow bundle"
run_hf bundle
expect_code 2 "bundle with no subcommand"
run_hf bundle frob
expect_code 2 "unknown subcommand"
expect_err "unknown subcommand 'frob'"
run_hf bundle verify "$T/b.hfb"
expect_code 2 "verify without --pub"
run_hf bundle pack "$T/src" --key "$T/pub.key"
expect_code 2 "pack without -o"
run_hf bundle list --key "$T/pub.key" "$T/b.hfb"
expect_code 2 "list with --key"
expect_err "does not apply"
run_hf bundle list --bogus "$T/b.hfb"
expect_code 2 "unknown option"
expect_err "unknown option '--bogus'"

echo "ok: bundle"
