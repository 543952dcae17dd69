"""Any OpenAI-compatible chat-completions server: ``openai:model=…,base_url=…,api_key_env=…``.

vLLM, Ollama, llama.cpp's server, LM Studio, TGI and hosted APIs all speak ``POST {base_url}/chat/
completions``; this adapter uses httpx directly (the ``openai`` extra) rather than the vendor SDK, so
the retry policy, timeouts and what gets recorded stay ours. Output constraint by ``mode``:

- ``json_schema`` (default): ``response_format={"type": "json_schema", ...}`` with the answer schema
  (vLLM guided decoding, llama.cpp grammars, Ollama ≥ 0.5 structured outputs, OpenAI);
- the same schema through a server's own parameter, for servers or versions whose ``response_format``
  support is missing or partial: ``vllm_guided_json`` (vLLM's ``guided_json`` extra parameter),
  ``vllm_structured_outputs`` (newer vLLM: ``structured_outputs={"json": schema}``),
  ``llamacpp_json_schema`` (llama.cpp server's top-level ``json_schema``);
- ``tools``: one function whose parameters are the schema, forced with ``tool_choice`` (needs a server
  with tool calling);
- ``json_object``: JSON mode without a schema; ``text``: the no-tools, no-constraint mode for servers
  without tool calling or structured outputs: the prompt asks for JSON and the parser reads it from the
  reply. Every mode but ``tools`` sends no ``tools``.

Chat templates are the server's business: the request carries plain ``system``/``user``/``assistant``
messages and the server applies the model's template (vLLM ``--chat-template``, llama.cpp ``--jinja``,
Ollama's Modelfile ``TEMPLATE``). See docs/local-servers.md for the recipes.

With ``fallback=true`` (default) a server that rejects the constraint (HTTP 400/422) is asked again once
in ``text`` mode, and the sample records ``extra.fallback``. 429 and 5xx are retried, honouring
``Retry-After``; other errors are scored failures. The API key is read from the environment variable
named by ``api_key_env`` (default ``OPENAI_API_KEY``; local servers usually need none) and is scrubbed
from anything recorded.
"""

from __future__ import annotations

import email.utils
import json
import os
import socket
import threading
import time
from typing import Any, ClassVar, Literal

from pydantic import Field

from bench.translators.base import RetryableError, TranslatorError
from bench.translators.llm.common import BackendFailure, Completion, LLMOptions, LLMTranslator
from bench.translators.llm.prompt import TOOL_DESCRIPTION, TOOL_NAME, Prompt
from bench.translators.registry import register_translator

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
Mode = Literal[
    "json_schema",
    "vllm_guided_json",
    "vllm_structured_outputs",
    "llamacpp_json_schema",
    "tools",
    "json_object",
    "text",
]


class OpenAIOptions(LLMOptions):
    base_url: str = Field("https://api.openai.com/v1", description="Server root, up to /v1.")
    api_key_env: str | None = Field(None, description=f"Env var holding the key (default {DEFAULT_KEY_ENV}).")
    mode: Mode = "json_schema"
    fallback: bool = True
    seed: int | None = Field(0, description="Sampling seed sent to servers that honour it.")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110); None when absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@register_translator("openai")
class OpenAICompatTranslator(LLMTranslator):
    version = "1"  # new modes add request shapes; the default request of every existing mode is unchanged
    description = "OpenAI-compatible chat completions over HTTP: vLLM, Ollama, llama.cpp, hosted APIs."
    options_model: ClassVar[type[OpenAIOptions]] = OpenAIOptions

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._clients: list[Any] = []  # every thread's client, for close()
        self._ssl_context: Any = None
        env = self.options["api_key_env"]
        if env is not None and not os.environ.get(env):
            raise TranslatorError(f"openai: environment variable {env} (api_key_env) is not set")

    def settings(self) -> dict[str, Any]:
        out = super().settings()
        out["api_key_env"] = self.options["api_key_env"] or DEFAULT_KEY_ENV  # the variable's name only
        return dict(sorted(out.items()))

    def _api_key(self) -> str | None:
        # Read per call, never stored on the instance: nothing to leak through repr, pickling or settings.
        return os.environ.get(self.options["api_key_env"] or DEFAULT_KEY_ENV) or None

    def _secrets(self) -> list[str]:
        key = self._api_key()
        return [key] if key else []

    def client(self) -> Any:
        """This thread's ``httpx.Client``: one per pool thread, each keeping its connection alive.

        Not one client shared by the pool: httpcore's pool checks every pooled connection for each
        request it sends and each response it closes (a ``poll`` per idle connection, each releasing
        the GIL), which at ``--jobs 32`` cost more than building the request itself.
        """
        local = self.__dict__.get("_local")
        if local is None:
            with self._client_lock:
                local = self.__dict__.setdefault("_local", threading.local())
        found = getattr(local, "client", None)
        if found is None:
            found = local.client = self._make_client()
            with self._client_lock:
                self._clients.append(found)
        return found

    def _make_client(self) -> Any:
        try:
            import httpx
        except ImportError as exc:
            raise TranslatorError("openai needs httpx: pip install 'reachbench[openai]'") from exc
        # TCP_NODELAY: a request goes out as headers then body, and with Nagle's algorithm the body waits
        # for the server to acknowledge the headers: it can wait out a delayed ACK (~40 ms on Linux).
        # One TLS context for every thread's client: loading the CA bundle costs ~25 ms each time.
        with self._client_lock:
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
        transport = httpx.HTTPTransport(
            verify=self._ssl_context, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        )
        return httpx.Client(base_url=self.options["base_url"].rstrip("/") + "/", transport=transport)

    def pool_finished(self) -> None:
        self.close()  # the threads that owned the clients are gone; a later call makes a new one

    def close(self) -> None:
        with self._client_lock:
            clients, self._clients = self._clients, []
            self.__dict__.pop("_local", None)
        for client in clients:
            client.close()

    def body(self, prompt: Prompt, mode: Mode) -> dict[str, Any]:
        """The chat-completions request body (public so users can inspect what is sent)."""
        messages = [{"role": "system", "content": prompt.system}]
        messages += [{"role": m.role, "content": m.content} for m in prompt.messages]
        body: dict[str, Any] = {
            "model": self.options["model"],
            "messages": messages,
            "temperature": self.options["temperature"],
            "max_tokens": self.options["max_tokens"],
        }
        if self.options["seed"] is not None:
            body["seed"] = self.options["seed"]
        if mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reachability_answer", "schema": prompt.schema, "strict": False},
            }
        elif mode == "vllm_guided_json":
            body["guided_json"] = prompt.schema
        elif mode == "vllm_structured_outputs":
            body["structured_outputs"] = {"json": prompt.schema}
        elif mode == "llamacpp_json_schema":
            body["json_schema"] = prompt.schema
        elif mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        elif mode == "tools":
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": TOOL_NAME,
                        "description": TOOL_DESCRIPTION,
                        "parameters": prompt.schema,
                    },
                }
            ]
            body["tool_choice"] = {"type": "function", "function": {"name": TOOL_NAME}}
        return body

    def _complete(self, prompt: Prompt) -> Completion:
        mode: Mode = self.options["mode"]
        try:
            return self._post(prompt, mode)
        except _Rejected as exc:
            if mode == "text" or not self.options["fallback"]:
                raise BackendFailure(exc.failure_type, exc.detail) from None
            completion = self._post(prompt, "text")
            completion.meta["fallback"] = f"{mode}->text after HTTP {exc.status}"
            return completion

    def _post(self, prompt: Prompt, mode: Mode) -> Completion:
        import httpx

        headers = {"Content-Type": "application/json"}
        key = self._api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        try:
            response = self.client().post(
                "chat/completions",
                json=self.body(prompt, mode),
                headers=headers,
                timeout=self._request_timeout(),
            )
        except httpx.ConnectError as exc:  # refused, unknown host: nobody to retry against; the run stops
            raise BackendFailure("translator:connection", f"{self.options['base_url']}: {exc}") from None
        except httpx.TimeoutException as exc:
            raise RetryableError(f"timeout: {type(exc).__name__}") from None
        except httpx.TransportError as exc:
            raise RetryableError(f"connection: {type(exc).__name__}: {exc}") from None
        status = response.status_code
        detail = f"HTTP {status}: {self.redact(response.text[:1000])}"
        if status == 429 or status == 408 or status >= 500:
            raise RetryableError(detail, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        if status in (400, 422):
            raise _Rejected(status, "translator:bad_request", detail)
        if status in (401, 403):
            raise BackendFailure("translator:access_denied", detail)
        if status == 404:
            raise BackendFailure("translator:not_found", detail)
        if status >= 300:
            raise BackendFailure(f"translator:http_{status}", detail)
        try:
            doc = response.json()
        except ValueError:
            raise BackendFailure("translator:bad_response", f"response body is not JSON: {detail}") from None
        return _completion(doc, mode)


class _Rejected(Exception):
    def __init__(self, status: int, failure_type: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.failure_type = failure_type
        self.detail = detail


def _completion(doc: Any, mode: str) -> Completion:
    if not isinstance(doc, dict) or not doc.get("choices"):
        raise BackendFailure("translator:bad_response", f"no choices in response: {json.dumps(doc)[:500]}")
    choice = doc["choices"][0] or {}
    message = choice.get("message") or {}
    arguments = None
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        if function.get("name") == TOOL_NAME or arguments is None:
            arguments = function.get("arguments")
    usage = doc.get("usage") or {}
    meta: dict[str, Any] = {"stop_reason": choice.get("finish_reason"), "mode": mode}
    if doc.get("model"):
        meta["served_model"] = doc["model"]
    content = message.get("content")
    if isinstance(content, list):  # some servers return content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return Completion(
        text=content if arguments is None else None,
        arguments=arguments,
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        meta=meta,
    )
