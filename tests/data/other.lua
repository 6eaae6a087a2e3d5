-- A second flow, for the tests that load two.
return flow "other" { start = "done", steps = { done = resolved { text = "Other flow." } } }
