"""The ML runtime the other apps call: encoders, LLM clients, device choice, batching, artifact storage (see DESIGN.md)."""
