"""The streaming guard: a `stream: true` reply checked while the upstream writes it.

The upstream is called streamed; its chunks are assembled per choice with `proxy.fields`
(`assembly`). Each text a stream may release as it grows (`fields.STREAMED`: the content,
the refusal, the reasoning) has its own window (`window`): the policy's checks read the text
from what the last step settled, each reaching back as far as its findings read, and say how
much of it is settled (`checks.engine.CheckSuite.check_prefix`); only that part, with its
fixes applied, is released; the rest is held back. Every other
field (tool calls, audio, citations, logprobs) waits for its choice to end, is checked whole,
then sent. `guard.StreamGuard` is the state of one streamed reply, free of I/O; `route` runs
it against the upstream and the app.
"""
