"""Amazon Bedrock through the Converse API: ``bedrock:model=<model-id>,region=<region>``.

Converse is the one Bedrock API that speaks the same message format for every model family, so one
adapter covers Anthropic Claude, Amazon Nova, Meta Llama, Mistral and the rest. Output is constrained
with tool use: the answer schema is the tool's ``inputSchema`` and ``toolChoice`` forces that tool,
so the model returns the answer as tool arguments rather than prose. Models that cannot be forced
(``toolChoice.tool`` is supported by Claude 3+, Nova and Mistral Large) take ``tool_choice=any`` or
``auto``, or ``mode=text`` (the JSON is then parsed from the text).

Credentials come only from boto3's standard chain (environment, shared config/credentials files with
``profile=``, SSO, container/instance roles); the adapter never accepts or records a key. boto3 is
imported when the first call is made, so the registry can list this translator without it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from bench.translators.base import RetryableError, TranslatorError
from bench.translators.llm.common import BackendFailure, Completion, LLMOptions, LLMTranslator
from bench.translators.llm.prompt import TOOL_DESCRIPTION, TOOL_NAME, Prompt
from bench.translators.registry import register_translator

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
    }
)
FAILURE_CODES = {
    "AccessDeniedException": "translator:access_denied",
    "UnrecognizedClientException": "translator:access_denied",
    "ExpiredTokenException": "translator:access_denied",
    "ResourceNotFoundException": "translator:model_not_found",
    "ValidationException": "translator:bad_request",
    "ModelErrorException": "translator:model_error",
    "ServiceQuotaExceededException": "translator:quota_exceeded",
}


class BedrockOptions(LLMOptions):
    region: str | None = Field(None, description="Bedrock Region; default: AWS_REGION / AWS config.")
    profile: str | None = Field(None, description="AWS shared-config profile name (not a credential).")
    endpoint_url: str | None = Field(None, description="Override, e.g. a VPC endpoint.")
    mode: Literal["tool", "text"] = "tool"
    tool_choice: Literal["tool", "any", "auto"] = "tool"


@register_translator("bedrock")
class BedrockTranslator(LLMTranslator):
    version = "1"
    description = "Amazon Bedrock Converse API with tool use (bedrock:model=<model-id>,region=<region>)."
    options_model: ClassVar[type[BedrockOptions]] = BedrockOptions

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Resolved now, so a missing Region or profile fails before the run, and the run record says
        # which Region answered even when it came from AWS config.
        self.region = self.options["region"] or _configured_region(self.options["profile"])

    def settings(self) -> dict[str, Any]:
        out = super().settings()
        out["region"] = self.region
        return dict(sorted(out.items()))

    def use_client(self, client: Any) -> None:
        """Use a ready ``bedrock-runtime`` client (tests with botocore's Stubber, custom sessions)."""
        self._client = client

    def _make_client(self) -> Any:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # pragma: no cover - boto3 is a core dependency today
            raise TranslatorError("bedrock needs boto3: pip install 'reachbench[bedrock]'") from exc
        session = boto3.session.Session(
            profile_name=self.options["profile"], region_name=self.options["region"]
        )
        if not session.region_name:
            raise TranslatorError("bedrock: no Region; pass region=... or set AWS_REGION / a profile Region")
        timeout = float(self.options["request_timeout"])
        config = Config(
            retries={"max_attempts": 1, "mode": "standard"},  # retries are ours: counted and deadline-aware
            connect_timeout=min(10.0, timeout),
            read_timeout=timeout,
            user_agent_extra="reachbench",
            max_pool_connections=max(10, self.concurrency),  # one connection per call in flight
        )
        return session.client("bedrock-runtime", config=config, endpoint_url=self.options["endpoint_url"])

    def request(self, prompt: Prompt) -> dict[str, Any]:
        """The Converse request for ``prompt`` (public so users can inspect what is sent)."""
        req: dict[str, Any] = {
            "modelId": self.options["model"],
            "system": [{"text": prompt.system}],
            "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in prompt.messages],
            "inferenceConfig": {
                "maxTokens": self.options["max_tokens"],
                "temperature": self.options["temperature"],
            },
        }
        if self.options["mode"] == "tool":
            choice = self.options["tool_choice"]
            req["toolConfig"] = {
                "tools": [
                    {
                        "toolSpec": {
                            "name": TOOL_NAME,
                            "description": TOOL_DESCRIPTION,
                            "inputSchema": {"json": prompt.schema},
                        }
                    }
                ],
                "toolChoice": {"tool": {"name": TOOL_NAME}} if choice == "tool" else {choice: {}},
            }
        return req

    def _complete(self, prompt: Prompt) -> Completion:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionError,
            EndpointConnectionError,
            NoCredentialsError,
            ParamValidationError,
            PartialCredentialsError,
            ReadTimeoutError,
        )

        try:
            response = self.client().converse(**self.request(prompt))
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            message = f"{code}: {err.get('Message', '')}".strip()
            if code in RETRYABLE_CODES or status == 429 or status >= 500:
                raise RetryableError(message) from None
            raise BackendFailure(
                FAILURE_CODES.get(code, f"translator:{code or 'client_error'}"), message
            ) from None
        except (NoCredentialsError, PartialCredentialsError) as exc:
            raise BackendFailure("translator:no_credentials", type(exc).__name__) from None
        except ParamValidationError as exc:
            raise BackendFailure("translator:bad_request", str(exc)) from None
        except EndpointConnectionError as exc:  # no endpoint at that address: the run stops at once
            raise BackendFailure("translator:connection", str(exc)) from None
        except (ConnectionError, ReadTimeoutError) as exc:  # connection reset, read timeout
            raise RetryableError(f"{type(exc).__name__}: {exc}") from None
        except BotoCoreError as exc:
            raise BackendFailure("translator:client_error", f"{type(exc).__name__}: {exc}") from None
        return _completion(response)


def _configured_region(profile: str | None) -> str:
    """The Region boto3 would use (AWS_DEFAULT_REGION, the profile's config; AWS_REGION as other SDKs do)."""
    import os

    import botocore.session
    from botocore.exceptions import ProfileNotFound

    try:
        region = botocore.session.Session(profile=profile).get_config_variable("region")
    except ProfileNotFound as exc:
        raise TranslatorError(f"bedrock: {exc}") from None
    region = region or os.environ.get("AWS_REGION")
    if not region:
        raise TranslatorError(
            "bedrock: no Region; pass region=..., set AWS_DEFAULT_REGION or a profile Region"
        )
    return str(region)


def _completion(response: dict[str, Any]) -> Completion:
    message = (response.get("output") or {}).get("message") or {}
    blocks = message.get("content") or []
    arguments = None
    texts: list[str] = []
    for block in blocks:
        if "toolUse" in block and arguments is None:
            tool = block["toolUse"]
            if tool.get("name") == TOOL_NAME or arguments is None:
                arguments = tool.get("input")
        elif "text" in block:
            texts.append(block["text"])
    usage = response.get("usage") or {}
    meta: dict[str, Any] = {"stop_reason": response.get("stopReason")}
    latency = (response.get("metrics") or {}).get("latencyMs")
    if latency is not None:
        meta["server_latency_ms"] = latency
    if arguments is not None and texts:
        meta["text"] = "\n".join(texts)[:2000]
    return Completion(
        text="\n".join(texts) if arguments is None else None,
        arguments=arguments,
        input_tokens=usage.get("inputTokens"),
        output_tokens=usage.get("outputTokens"),
        meta=meta,
    )
