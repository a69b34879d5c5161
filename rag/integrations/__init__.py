"""The retriever inside other tools: an MCP server, LangChain and LlamaIndex retrievers.

Each module imports its own library (an optional extra: rag[mcp], rag[langchain], rag[llamaindex]);
`import rag` imports none of them. They sit on top of the pipeline, beside the CLI: they call the
Retriever and ask(), and return what the CLI's JSON returns.
"""
