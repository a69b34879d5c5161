"""The browser UI (Gradio) and its HTTP API live here; nothing in rag/ imports this package."""
