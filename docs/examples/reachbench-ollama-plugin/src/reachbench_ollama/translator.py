"""``ollama-native:model=qwen2.5:7b,host=http://127.0.0.1:11434`` -- Ollama's own ``/api/chat``.

Ollama also serves the OpenAI-compatible API (use the built-in ``openai:`` translator for that); this
plug-in exists to show how little a new backend needs when it reuses reachbench's LLM machinery:
subclass ``LLMTranslator`` (options, shared prompt, parser, retries, usage, cache key), add the options
your server needs, and implement ``_complete``. It is not decorated with ``@register_translator``:
the entry point in ``pyproject.toml`` names it, and the registry loads it only when it is used.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from bench.translators import RetryableError, TranslatorError
from bench.translators.llm.common import BackendFailure, Completion, LLMOptions, LLMTranslator
from bench.translators.llm.prompt import Prompt


class OllamaOptions(LLMOptions):
    host: str = Field("http://127.0.0.1:11434", description="Ollama server root.")
    constrain: bool = Field(True, description="Send the answer schema as Ollama's `format`.")


class OllamaNativeTranslator(LLMTranslator):
    version = "1"
    description = "Ollama native /api/chat with the answer schema as `format` (example plug-in)."
    options_model: ClassVar[type[OllamaOptions]] = OllamaOptions

    def body(self, prompt: Prompt) -> dict[str, Any]:
        messages = [{"role": "system", "content": prompt.system}]
        messages += [{"role": m.role, "content": m.content} for m in prompt.messages]
        body: dict[str, Any] = {
            "model": self.options["model"],
            "messages": messages,
            "stream": False,
            "options": {
                "temperature": self.options["temperature"],
                "num_predict": self.options["max_tokens"],
                "seed": 0,
            },
        }
        if self.options["constrain"]:
            body["format"] = prompt.schema  # Ollama >= 0.5 constrains decoding to a JSON schema
        return body

    def _complete(self, prompt: Prompt) -> Completion:
        try:
            import httpx
        except ImportError as exc:
            raise TranslatorError("ollama-native needs httpx: pip install 'reachbench[openai]'") from exc
        url = self.options["host"].rstrip("/") + "/api/chat"
        try:
            response = httpx.post(url, json=self.body(prompt), timeout=self._request_timeout())
        except httpx.TimeoutException as exc:
            raise RetryableError(f"timeout: {type(exc).__name__}") from None
        except httpx.TransportError as exc:
            raise RetryableError(f"connection: {exc}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"HTTP {response.status_code}: {response.text[:500]}")
        if response.status_code != 200:
            raise BackendFailure(f"translator:http_{response.status_code}", response.text[:1000])
        doc = response.json()
        return Completion(
            text=(doc.get("message") or {}).get("content") or "",
            input_tokens=doc.get("prompt_eval_count"),
            output_tokens=doc.get("eval_count"),
            meta={"stop_reason": doc.get("done_reason")},
        )
