"""A chat completion request as OpenAI's API accepts it, validated strictly.

Built from the `openai` package's own request types: the content parts, tools, tool
choice, response format, audio, prediction and stream options are its TypedDicts, the
enumerations its Literal aliases. What those types leave open is pinned down here as the API
reference states it: which fields each role's message has (as a union discriminated by
`role`, so an unknown role is one clear error), the numeric ranges, and strict types (no
`"yes"` for a boolean, no `"0.5"` for a number). A top-level field OpenAI does not define is
refused, as OpenAI refuses it: nothing a client sends can reach litellm as one of its own
arguments (`api_base`, `api_key`, `mock_response`...). `metadata` is loopguard's: context for
the checks, any JSON object (it is not forwarded).

`test_chat_schema_covers_openais_request_fields` keeps the field list in step with the
installed `openai` package.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from openai.types.chat import (
    ChatCompletionAudioParam,
    ChatCompletionContentPartImageParam,
    ChatCompletionContentPartInputAudioParam,
    ChatCompletionContentPartRefusalParam,
    ChatCompletionContentPartTextParam,
    ChatCompletionMessageCustomToolCallParam,
    ChatCompletionMessageFunctionToolCallParam,
    ChatCompletionPredictionContentParam,
    ChatCompletionStreamOptionsParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolUnionParam,
)
from openai.types.chat.chat_completion_content_part_param import File
from openai.types.chat.completion_create_params import ResponseFormat, WebSearchOptions
from openai.types.shared import ReasoningEffort
from pydantic import BaseModel, ConfigDict, Field

Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Count = Annotated[int, Field(ge=1, le=2**31 - 1)]
Text = str
UserPart = Annotated[
    ChatCompletionContentPartTextParam | ChatCompletionContentPartImageParam
    | ChatCompletionContentPartInputAudioParam | File,
    Field(discriminator="type"),
]
AssistantPart = Annotated[
    ChatCompletionContentPartTextParam | ChatCompletionContentPartRefusalParam, Field(discriminator="type"),
]
ToolCall = Annotated[
    ChatCompletionMessageFunctionToolCallParam | ChatCompletionMessageCustomToolCallParam,
    Field(discriminator="type"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class SystemMessage(_Strict):
    role: Literal["system", "developer"]
    content: Text | list[ChatCompletionContentPartTextParam]
    name: str | None = None


class UserMessage(_Strict):
    role: Literal["user"]
    content: Text | list[UserPart]
    name: str | None = None


class FunctionCall(_Strict):
    name: str
    arguments: str


class AssistantAudio(_Strict):
    id: str


class AssistantMessage(_Strict):
    """Content may be absent only when the message carries tool or function calls; other
    fields a provider put on a reply it gave (reasoning, thinking blocks) may come back."""

    model_config = ConfigDict(strict=True, extra="allow")

    role: Literal["assistant"]
    content: Text | list[AssistantPart] | None = None
    refusal: str | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    function_call: FunctionCall | None = None
    audio: AssistantAudio | None = None


class ToolMessage(_Strict):
    role: Literal["tool"]
    content: Text | list[ChatCompletionContentPartTextParam]
    tool_call_id: str


class FunctionMessage(_Strict):
    role: Literal["function"]
    content: Text | None
    name: str


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage, Field(discriminator="role"),
]


class Function(_Strict):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ChatRequest(_Strict):
    """POST /v1/chat/completions. Ranges are OpenAI's; `n` is capped lower (each choice is
    checked and may be reviewed)."""

    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    stream: bool | None = False
    stream_options: ChatCompletionStreamOptionsParam | None = None
    metadata: dict[str, Any] | None = None
    n: int | None = Field(1, ge=1, le=16)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    logit_bias: dict[str, Annotated[int, Field(ge=-100, le=100)]] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    max_tokens: Count | None = None
    max_completion_tokens: Count | None = None
    seed: Int64 | None = None
    stop: str | list[str] | None = Field(None, max_length=4)
    user: str | None = None
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    prompt_cache_options: dict[str, Any] | None = None
    store: bool | None = None
    parallel_tool_calls: bool | None = None
    tools: list[ChatCompletionToolUnionParam] | None = Field(None, max_length=128)
    tool_choice: ChatCompletionToolChoiceOptionParam | None = None
    functions: list[Function] | None = Field(None, max_length=128)
    function_call: Literal["none", "auto"] | dict[str, str] | None = None
    response_format: ResponseFormat | None = None
    modalities: list[Literal["text", "audio"]] | None = None
    audio: ChatCompletionAudioParam | None = None
    prediction: ChatCompletionPredictionContentParam | None = None
    reasoning_effort: ReasoningEffort | None = None
    service_tier: Literal["auto", "default", "flex", "scale", "priority", "fast"] | None = None
    verbosity: Literal["low", "medium", "high"] | None = None
    web_search_options: WebSearchOptions | None = None
    moderation: dict[str, Any] | None = None

    @property
    def include_usage(self) -> bool:
        return bool((self.stream_options or {}).get("include_usage"))


def openapi_body() -> dict[str, Any]:
    """The request body as /openapi.json describes it: `ChatRequest`'s JSON schema with its
    definitions inlined (an operation's schema cannot point into its own `$defs`), so that a
    client generator, or the schema fuzz test, sees the real request."""
    schema = ChatRequest.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return {"required": True, "content": {"application/json": {"schema": inline(schema)}}}
