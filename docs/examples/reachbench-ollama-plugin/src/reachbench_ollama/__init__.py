"""Example reachbench plug-in: a translator for Ollama's native chat API."""

from reachbench_ollama.translator import OllamaNativeTranslator

__all__ = ["OllamaNativeTranslator"]
