"""LLM translator backends: Amazon Bedrock (``bedrock:``) and OpenAI-compatible servers (``openai:``).

``prompt`` builds the one versioned prompt every backend sends, ``parse`` reads any model output into a
Translation, ``common`` holds options, retries, usage and secret scrubbing, and each backend module
implements a single ``_complete`` call. No module here imports an SDK at import time (the registry walks
this package), so the core install lists these translators without boto3 or httpx being used.
See ``docs/translators-llm.md``.
"""
